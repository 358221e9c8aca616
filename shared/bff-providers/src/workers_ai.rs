//! Cloudflare Workers AI text-to-image, in both of the forms a deployment reaches it by.
//!
//! - REST, for Spin and native: `POST {base}/client/v4/accounts/{account_id}/ai/run/{model}`
//!   (`base` is `https://api.cloudflare.com`) with `authorization: Bearer <token>` and the model's
//!   input as the JSON body: [`call`], then [`read`].
//! - The `AI` binding, on Workers: the platform calls `env.AI.run(model, input)` itself, so this
//!   module gives it the input ([`input`], the same value [`call`] sends) and reads what the
//!   binding returns ([`read_binding_json`] for an object, [`read_binding_bytes`] for a stream's
//!   bytes) or throws ([`binding_error`]). The Workers adapter only passes values through.
//!
//! Two input shapes, chosen by configuration ([`Shape`]):
//! - FLUX.1 schnell (`@cf/black-forest-labs/flux-1-schnell`): `prompt` (at most 2048 characters:
//!   longer ones are cut on a character boundary), `steps` (1 to 8, 4 by default) and `seed`. No
//!   size and no negative prompt: the image is square, the exclusions are lost (recorded as not
//!   honoured), the seed is honoured. It answers a JPEG, base64 in JSON:
//!   `{"result": {"image": ".."}, "success": true, "errors": [], "messages": []}` over REST,
//!   `{image}` from the binding.
//! - SDXL base 1.0 (`@cf/stabilityai/stable-diffusion-xl-base-1.0`): `prompt`, `negative_prompt`,
//!   `width` and `height` (256 to 2048, rounded up to a multiple of 8), `num_steps` (at most 20,
//!   20 by default), `guidance` (when configured) and `seed`. It answers the PNG's bytes
//!   (`content-type: image/png`), over REST and from the binding alike.
//!
//! The pipeline stores PNG only, so a JPEG is decoded whole and re-encoded
//! ([`crate::image::jpeg_to_png`]; the parameters record `converted_from: "jpeg"`). An answer is
//! read by what its bytes are (PNG or JPEG signature, else the JSON envelope), not by the shape
//! asked for, so a model that changes its output format is still read.
//!
//! Errors are Cloudflare's envelope,
//! `{"result": null, "success": false, "errors": [{"code": N, "message": ".."}], "messages": []}`,
//! read by code first, then by message, then by status ([`crate::failure::by_status`]):
//!
//! | code or message | failure |
//! |---|---|
//! | 10000 (authentication error), 3023 (account blocked), any 401 or 403 | `Stop` |
//! | 3036 or 4006 (the daily free allocation is used up) | `Stop` |
//! | 5007, 3042 (no such model: the configured model is wrong) | `Stop` |
//! | 3030, or a message naming NSFW content or a flagged prompt | `Moderated` |
//! | 3040 (out of capacity), any 429, 5xx, 408 (3007, 3008) | `Retry`, after `retry-after` when given |
//! | any other 4xx (5006 invalid input, 3006 too large ...) | `Rejected` |
//! | a success whose image is missing, truncated or neither PNG nor JPEG | `Malformed` |
//!
//! What the binding throws is an `Error` whose message carries the same codes and texts; without
//! a status, an error naming none of them is retried (with the queue's back-off).

use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::failure::{self, Failure};
use crate::{Generated, HttpCall, HttpReply};

/// The input shape a model takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `@cf/black-forest-labs/flux-1-schnell`: prompt, steps, seed; answers a base64 JPEG.
    FluxSchnell,
    /// `@cf/stabilityai/stable-diffusion-xl-base-1.0`: the SDXL inputs; answers PNG bytes.
    Sdxl,
}

/// A deployment's Workers AI settings. Over the binding only `model`, `shape`, `steps` and
/// `guidance` are used.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `https://api.cloudflare.com`, or a compatible server.
    pub base_url: String,
    pub account_id: String,
    /// An API token with Workers AI read permission (a secret, never in the database).
    pub api_token: String,
    /// `@cf/black-forest-labs/flux-1-schnell`, ...
    pub model: String,
    pub shape: Shape,
    /// Diffusion steps (`steps` for FLUX, `num_steps` for SDXL), clamped to the model's range;
    /// `None` for the model's default.
    pub steps: Option<u32>,
    /// SDXL's `guidance` (the model's default is 7.5); `None`, or a value that is not finite,
    /// sends none. Ignored by FLUX.
    pub guidance: Option<f32>,
}

/// What one variant asks of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask<'a> {
    pub prompt: &'a str,
    /// Sent to SDXL; FLUX takes none.
    pub negative_prompt: &'a str,
    /// The size SDXL is asked for; FLUX draws 1024 × 1024 whatever is asked.
    pub width: u32,
    pub height: u32,
    /// Sent within `u32` (the rest of a larger seed is dropped).
    pub seed: u64,
}

/// The longest prompt FLUX takes, in characters.
pub const FLUX_MAX_PROMPT_CHARS: usize = 2048;
/// FLUX's steps: 1 to 8, 4 by default.
pub const FLUX_STEPS: (u32, u32, u32) = (1, 8, 4);
/// SDXL's `num_steps`: 1 to 20, 20 by default.
pub const SDXL_STEPS: (u32, u32, u32) = (1, 20, 20);
/// SDXL's width and height: 256 to 2048 pixels.
pub const SDXL_SIDE: (u32, u32) = (256, 2048);

const PROVIDER: &str = "workers-ai";

/// The text cut to at most `max` characters, on a character boundary.
fn cut_chars(text: &str, max: usize) -> &str {
    text.char_indices()
        .nth(max)
        .map_or(text, |(byte, _)| &text[..byte])
}

fn steps(config: &Config) -> u32 {
    let (low, high, default) = match config.shape {
        Shape::FluxSchnell => FLUX_STEPS,
        Shape::Sdxl => SDXL_STEPS,
    };
    config.steps.map_or(default, |s| s.clamp(low, high))
}

fn seed(ask: &Ask<'_>) -> u32 {
    (ask.seed & u64::from(u32::MAX)) as u32
}

fn side(pixels: u32) -> u32 {
    pixels.clamp(SDXL_SIDE.0, SDXL_SIDE.1).div_ceil(8) * 8
}

/// The model's input: the REST body, and the second argument of `env.AI.run` on Workers.
pub fn input(config: &Config, ask: &Ask<'_>) -> Value {
    match config.shape {
        Shape::FluxSchnell => json!({
            "prompt": cut_chars(ask.prompt, FLUX_MAX_PROMPT_CHARS),
            "steps": steps(config),
            "seed": seed(ask),
        }),
        Shape::Sdxl => {
            let mut input = Map::new();
            input.insert("prompt".into(), ask.prompt.into());
            input.insert("negative_prompt".into(), ask.negative_prompt.into());
            input.insert("width".into(), side(ask.width).into());
            input.insert("height".into(), side(ask.height).into());
            input.insert("num_steps".into(), steps(config).into());
            if let Some(guidance) = config.guidance.filter(|g| g.is_finite()) {
                input.insert("guidance".into(), f64::from(guidance).into());
            }
            input.insert("seed".into(), seed(ask).into());
            Value::Object(input)
        }
    }
}

/// The REST request for one image.
pub fn call(config: &Config, ask: &Ask<'_>) -> HttpCall {
    HttpCall {
        method: "POST",
        url: format!(
            "{}/client/v4/accounts/{}/ai/run/{}",
            config.base_url.trim_end_matches('/'),
            config.account_id,
            config.model
        ),
        headers: vec![
            (
                "authorization".into(),
                format!("Bearer {}", config.api_token),
            ),
            ("content-type".into(), "application/json".into()),
        ],
        body: input(config, ask).to_string().into_bytes(),
    }
}

#[derive(Deserialize, Default)]
struct Envelope {
    #[serde(default)]
    result: Value,
    #[serde(default)]
    success: Option<bool>,
    #[serde(default)]
    errors: Vec<ApiError>,
}

#[derive(Deserialize)]
struct ApiError {
    #[serde(default)]
    code: Option<u64>,
    #[serde(default)]
    message: String,
}

/// The failure a Workers AI error code or message names, if it names one; `after_ms` is the
/// reply's `retry-after`, when there is a reply.
fn by_code(code: Option<u64>, message: &str, after_ms: Option<u64>) -> Option<Failure> {
    let lower = message.to_ascii_lowercase();
    Some(match code {
        Some(10000 | 3023) => Failure::Stop {
            message: format!(
                "{PROVIDER}: {message} (check the API token and account id configured for Workers AI)"
            ),
        },
        // 3036 over REST, 4006 from the binding and newer REST answers: the same allocation.
        Some(3036 | 4006) => Failure::Stop {
            message: format!(
                "{PROVIDER}: the account's daily allocation is used up ({message}); move to a paid plan or wait for the next day"
            ),
        },
        Some(5007 | 3042) => Failure::Stop {
            message: format!("{PROVIDER}: {message} (check the configured model)"),
        },
        Some(3030) => Failure::Moderated {
            reason: format!("{PROVIDER}: {message}"),
        },
        _ if lower.contains("nsfw") || lower.contains("flagged") => Failure::Moderated {
            reason: format!("{PROVIDER}: {message}"),
        },
        Some(3040) => Failure::Retry {
            after_ms,
            message: format!("{PROVIDER}: {message}"),
        },
        Some(3007 | 3008) => Failure::Retry {
            after_ms,
            message: format!("{PROVIDER}: {message}"),
        },
        _ => return None,
    })
}

/// The failure of an envelope's errors: the first that names one, else `None`.
fn by_errors(errors: &[ApiError], after_ms: Option<u64>) -> Option<Failure> {
    errors
        .iter()
        .find_map(|e| by_code(e.code, &e.message, after_ms))
}

fn joined(errors: &[ApiError]) -> String {
    errors
        .iter()
        .map(|e| match e.code {
            Some(code) => format!("{code}: {}", e.message),
            None => e.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn malformed(message: impl std::fmt::Display) -> Failure {
    Failure::Malformed {
        message: format!("{PROVIDER}: {message}"),
    }
}

/// Reads the reply to [`call`]: the JSON envelope (FLUX) or the image's bytes (SDXL).
pub fn read(config: &Config, ask: &Ask<'_>, reply: &HttpReply) -> Result<Generated, Failure> {
    if !(200..300).contains(&reply.status) {
        let errors = serde_json::from_slice::<Envelope>(&reply.body)
            .map(|e| e.errors)
            .unwrap_or_default();
        if let Some(named) = by_errors(&errors, failure::retry_after_ms(reply)) {
            return Err(named);
        }
        return Err(failure::by_status(reply, PROVIDER, &joined(&errors)));
    }
    if is_image(&reply.body) {
        return generated(config, ask, &reply.body);
    }
    let envelope: Envelope = serde_json::from_slice(&reply.body)
        .map_err(|e| malformed(format_args!("neither an image nor JSON: {e}")))?;
    if envelope.success == Some(false) {
        let after_ms = failure::retry_after_ms(reply);
        return Err(by_errors(&envelope.errors, after_ms).unwrap_or_else(|| {
            malformed(format_args!(
                "answered {} without success: {}",
                reply.status,
                joined(&envelope.errors)
            ))
        }));
    }
    image_field(config, ask, &envelope.result)
}

/// Reads what `env.AI.run` returned as an object: FLUX's `{image: <base64 JPEG>}` (the REST
/// envelope, `{result: {image}}`, is read too).
pub fn read_binding_json(
    config: &Config,
    ask: &Ask<'_>,
    output: &Value,
) -> Result<Generated, Failure> {
    if output.get("image").is_none() && output.get("result").is_some() {
        return image_field(config, ask, &output["result"]);
    }
    image_field(config, ask, output)
}

/// Reads what `env.AI.run` returned as bytes (SDXL's `ReadableStream`, read whole): a PNG, or a
/// JPEG.
pub fn read_binding_bytes(
    config: &Config,
    ask: &Ask<'_>,
    output: &[u8],
) -> Result<Generated, Failure> {
    if !is_image(output) {
        return Err(malformed(
            "the binding returned bytes that are neither PNG nor JPEG",
        ));
    }
    generated(config, ask, output)
}

/// The failure of what `env.AI.run` threw, from its message: the first Workers AI code in it
/// (a run of digits such as `3040`), then its words; otherwise worth a retry.
pub fn binding_error(message: &str) -> Failure {
    let codes = message
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| (4..=5).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|word| word.parse::<u64>().ok());
    for code in codes {
        if let Some(named) = by_code(Some(code), message, None) {
            return named;
        }
        if matches!(code, 5004..=5006 | 3003 | 3006 | 3039) {
            return Failure::Rejected {
                message: format!("{PROVIDER}: {message}"),
            };
        }
    }
    by_code(None, message, None).unwrap_or_else(|| Failure::Retry {
        after_ms: None,
        message: format!("{PROVIDER}: {message}"),
    })
}

fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// The image of a `{image: <base64>}` object.
fn image_field(config: &Config, ask: &Ask<'_>, result: &Value) -> Result<Generated, Failure> {
    let b64 = result
        .get("image")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("the answer has no image"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim().as_bytes())
        .map_err(|e| malformed(format_args!("image is not base64: {e}")))?;
    generated(config, ask, &bytes)
}

/// A PNG stored as it came, or a JPEG converted; anything else is malformed.
fn generated(config: &Config, ask: &Ask<'_>, bytes: &[u8]) -> Result<Generated, Failure> {
    let (png, width, height, converted_from) = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let (png, width, height) = crate::image::jpeg_to_png(bytes).map_err(malformed)?;
        (png, width, height, Some("jpeg"))
    } else {
        let (width, height) = crate::image::png_size(bytes).map_err(malformed)?;
        (bytes.to_vec(), width, height, None)
    };
    Ok(Generated {
        png,
        width,
        height,
        parameters: json!({
            "provider": PROVIDER,
            "model": config.model,
            "input": input(config, ask),
            "seed": seed(ask),
            "steps": steps(config),
            "converted_from": converted_from,
            "seed_honoured": true,
            "negative_prompt_honoured": config.shape == Shape::Sdxl,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, jpeg, png};

    fn config(shape: Shape) -> Config {
        Config {
            base_url: "http://127.0.0.1:9/".into(),
            account_id: "acc123".into(),
            api_token: "cf-token-secret".into(),
            model: match shape {
                Shape::FluxSchnell => "@cf/black-forest-labs/flux-1-schnell".into(),
                Shape::Sdxl => "@cf/stabilityai/stable-diffusion-xl-base-1.0".into(),
            },
            shape,
            steps: None,
            guidance: None,
        }
    }

    fn ask() -> Ask<'static> {
        Ask {
            prompt: "linen midi dress, terracotta",
            negative_prompt: "florals, blurry",
            width: 500,
            height: 750,
            seed: (1 << 32) + 77,
        }
    }

    fn json_reply(status: u16, body: Value, headers: &[(&str, &str)]) -> HttpReply {
        testing::reply(status, headers, body.to_string())
    }

    fn flux_ok(image: &[u8]) -> HttpReply {
        let b64 = base64::engine::general_purpose::STANDARD.encode(image);
        json_reply(
            200,
            json!({ "result": { "image": b64 }, "success": true, "errors": [], "messages": [] }),
            &[("content-type", "application/json")],
        )
    }

    fn error(status: u16, code: u64, message: &str, headers: &[(&str, &str)]) -> Failure {
        let body = json!({
            "result": null,
            "success": false,
            "errors": [{ "code": code, "message": message }],
            "messages": [],
        });
        read(
            &config(Shape::FluxSchnell),
            &ask(),
            &json_reply(status, body, headers),
        )
        .unwrap_err()
    }

    #[test]
    fn flux_input_is_prompt_steps_and_seed_within_limits() {
        let flux = input(&config(Shape::FluxSchnell), &ask());
        let keys: Vec<&str> = flux
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 3, "{flux}");
        assert_eq!(flux["prompt"], "linen midi dress, terracotta");
        assert_eq!(flux["steps"], 4);
        assert_eq!(flux["seed"], 77);
        assert!(flux["seed"].is_u64());
        // A long prompt is cut to 2048 characters, on a character boundary.
        let long = "é".repeat(3000);
        let cut = input(
            &config(Shape::FluxSchnell),
            &Ask {
                prompt: &long,
                ..ask()
            },
        );
        assert_eq!(cut["prompt"].as_str().unwrap().chars().count(), 2048);
        assert_eq!(cut["prompt"].as_str().unwrap().len(), 4096);
        let short = "a".repeat(2048);
        assert_eq!(cut_chars(&short, 2048), short);
        // Steps within 1..=8; the seed within u32.
        for (asked, sent) in [(Some(0), 1), (Some(6), 6), (Some(50), 8), (None, 4)] {
            let c = Config {
                steps: asked,
                ..config(Shape::FluxSchnell)
            };
            assert_eq!(input(&c, &ask())["steps"], sent);
        }
        let big = Ask {
            seed: u64::MAX,
            ..ask()
        };
        assert_eq!(
            input(&config(Shape::FluxSchnell), &big)["seed"],
            u64::from(u32::MAX)
        );
    }

    #[test]
    fn sdxl_input_has_its_fields_clamped() {
        let c = Config {
            guidance: Some(7.5),
            ..config(Shape::Sdxl)
        };
        let sdxl = input(&c, &ask());
        assert_eq!(sdxl["prompt"], "linen midi dress, terracotta");
        assert_eq!(sdxl["negative_prompt"], "florals, blurry");
        assert_eq!(
            (sdxl["width"].as_u64(), sdxl["height"].as_u64()),
            (Some(504), Some(752))
        );
        assert_eq!(sdxl["num_steps"], 20);
        assert_eq!(sdxl["guidance"], 7.5);
        assert_eq!(sdxl["seed"], 77);
        for (w, h, sent) in [(0, 100_000, (256, 2048)), (2047, 257, (2048, 264))] {
            let a = Ask {
                width: w,
                height: h,
                ..ask()
            };
            let i = input(&config(Shape::Sdxl), &a);
            assert_eq!(
                (i["width"].as_u64(), i["height"].as_u64()),
                (Some(sent.0), Some(sent.1))
            );
        }
        let c = Config {
            steps: Some(100),
            guidance: Some(f32::NAN),
            ..config(Shape::Sdxl)
        };
        let i = input(&c, &ask());
        assert_eq!(i["num_steps"], 20);
        assert!(i.get("guidance").is_none());
        assert_eq!(
            input(
                &Config {
                    steps: Some(0),
                    ..config(Shape::Sdxl)
                },
                &ask()
            )["num_steps"],
            1
        );
    }

    #[test]
    fn the_rest_call_posts_the_input_to_the_models_route() {
        let c = call(&config(Shape::FluxSchnell), &ask());
        assert_eq!(c.method, "POST");
        assert_eq!(
            c.url,
            "http://127.0.0.1:9/client/v4/accounts/acc123/ai/run/@cf/black-forest-labs/flux-1-schnell"
        );
        assert!(c
            .headers
            .contains(&("authorization".into(), "Bearer cf-token-secret".into())));
        assert!(c
            .headers
            .contains(&("content-type".into(), "application/json".into())));
        let body: Value = serde_json::from_slice(&c.body).unwrap();
        assert_eq!(body, input(&config(Shape::FluxSchnell), &ask()));
    }

    #[test]
    fn flux_jpeg_is_read_and_stored_as_png() {
        let c = config(Shape::FluxSchnell);
        let g = read(&c, &ask(), &flux_ok(&jpeg(48, 32))).unwrap();
        assert_eq!((g.width, g.height), (48, 32));
        assert_eq!(crate::image::png_size(&g.png), Ok((48, 32)));
        assert_eq!(g.parameters["provider"], "workers-ai");
        assert_eq!(
            g.parameters["model"],
            "@cf/black-forest-labs/flux-1-schnell"
        );
        assert_eq!(g.parameters["seed"], 77);
        assert_eq!(g.parameters["steps"], 4);
        assert_eq!(g.parameters["converted_from"], "jpeg");
        assert_eq!(g.parameters["seed_honoured"], true);
        assert_eq!(g.parameters["negative_prompt_honoured"], false);
        assert!(!g.parameters.to_string().contains("cf-token-secret"));
        // The binding's object reads the same.
        let b64 = base64::engine::general_purpose::STANDARD.encode(jpeg(48, 32));
        let bound = read_binding_json(&c, &ask(), &json!({ "image": b64 })).unwrap();
        assert_eq!(bound, g);
    }

    #[test]
    fn sdxl_png_bytes_are_read_as_they_are() {
        let c = config(Shape::Sdxl);
        let image = png(8, 12);
        let reply = testing::reply(200, &[("content-type", "image/png")], image.clone());
        let g = read(&c, &ask(), &reply).unwrap();
        assert_eq!(g.png, image);
        assert_eq!((g.width, g.height), (8, 12));
        assert_eq!(g.parameters["converted_from"], Value::Null);
        assert_eq!(g.parameters["negative_prompt_honoured"], true);
        assert_eq!(g.parameters["steps"], 20);
        assert_eq!(g.parameters["input"]["width"], 504);
        assert_eq!(read_binding_bytes(&c, &ask(), &image).unwrap(), g);
        // Bytes are read by what they are: a JPEG from the binding is converted.
        let from_jpeg = read_binding_bytes(&c, &ask(), &jpeg(16, 16)).unwrap();
        assert_eq!(from_jpeg.parameters["converted_from"], "jpeg");
    }

    #[test]
    fn errors_map_by_code_then_message_then_status() {
        assert!(matches!(
            error(401, 10000, "Authentication error", &[]),
            Failure::Stop { .. }
        ));
        assert!(matches!(
            error(403, 9109, "Unauthorized to access requested resource", &[]),
            Failure::Stop { .. }
        ));
        assert!(matches!(
            error(
                429,
                3040,
                "Capacity temporarily exceeded, please try again.",
                &[("retry-after", "7")]
            ),
            Failure::Retry {
                after_ms: Some(7000),
                ..
            }
        ));
        assert!(matches!(
            error(429, 3040, "Capacity temporarily exceeded", &[]),
            Failure::Retry { after_ms: None, .. }
        ));
        assert!(matches!(
            error(
                429,
                3036,
                "You have used up your daily free allocation of 10,000 neurons.",
                &[]
            ),
            Failure::Stop { .. }
        ));
        assert!(matches!(
            error(500, 3001, "Internal error", &[]),
            Failure::Retry { .. }
        ));
        assert!(matches!(
            error(408, 3007, "Request timeout", &[]),
            Failure::Retry { .. }
        ));
        assert!(matches!(
            error(400, 3030, "Input prompt contains NSFW content.", &[]),
            Failure::Moderated { .. }
        ));
        assert!(matches!(
            error(400, 9999, "The prompt was flagged", &[]),
            Failure::Moderated { .. }
        ));
        assert!(matches!(
            error(
                400,
                5006,
                "Error: required properties at '/' are 'prompt'",
                &[]
            ),
            Failure::Rejected { .. }
        ));
        assert!(matches!(
            error(400, 5007, "No such model @cf/x or task", &[]),
            Failure::Stop { .. }
        ));
        // A proxy's page without the envelope still maps by status.
        let html = testing::reply(502, &[], "<html>bad gateway</html>");
        assert!(matches!(
            read(&config(Shape::Sdxl), &ask(), &html),
            Err(Failure::Retry { .. })
        ));
        let html = testing::reply(401, &[], "<html>no</html>");
        assert!(matches!(
            read(&config(Shape::Sdxl), &ask(), &html),
            Err(Failure::Stop { .. })
        ));
        // A 200 that says it failed is read by its codes.
        let failed_200 = json!({ "result": null, "success": false, "errors": [{ "code": 3040, "message": "Capacity temporarily exceeded" }] });
        assert!(matches!(
            read(
                &config(Shape::FluxSchnell),
                &ask(),
                &json_reply(200, failed_200, &[])
            ),
            Err(Failure::Retry { .. })
        ));
        let odd_200 = json!({ "result": null, "success": false, "errors": [] });
        assert!(matches!(
            read(
                &config(Shape::FluxSchnell),
                &ask(),
                &json_reply(200, odd_200, &[])
            ),
            Err(Failure::Malformed { .. })
        ));
        for f in [
            error(401, 10000, "Authentication error", &[]),
            error(429, 3036, "daily", &[]),
        ] {
            assert!(!format!("{f:?}").contains("cf-token-secret"));
        }
    }

    #[test]
    fn truncated_or_foreign_images_are_malformed() {
        let flux = config(Shape::FluxSchnell);
        let whole = jpeg(48, 32);
        for cut in [whole.len() - 1, whole.len() / 2, 3] {
            assert!(
                matches!(
                    read(&flux, &ask(), &flux_ok(&whole[..cut])),
                    Err(Failure::Malformed { .. })
                ),
                "cut at {cut}"
            );
        }
        let sdxl = config(Shape::Sdxl);
        let image = png(8, 12);
        let cut = testing::reply(
            200,
            &[("content-type", "image/png")],
            image[..image.len() - 9].to_vec(),
        );
        assert!(matches!(
            read(&sdxl, &ask(), &cut),
            Err(Failure::Malformed { .. })
        ));
        assert!(matches!(
            read_binding_bytes(&sdxl, &ask(), &image[..30]),
            Err(Failure::Malformed { .. })
        ));
        assert!(matches!(
            read_binding_bytes(&sdxl, &ask(), b"GIF89a...."),
            Err(Failure::Malformed { .. })
        ));
        for body in [
            json!({ "result": null, "success": true, "errors": [] }),
            json!({ "result": { "image": "***" }, "success": true }),
            json!({ "result": { "image": 12 }, "success": true }),
            json!({ "result": { "image": base64::engine::general_purpose::STANDARD.encode(b"not an image") }, "success": true }),
        ] {
            assert!(matches!(
                read(&flux, &ask(), &json_reply(200, body, &[])),
                Err(Failure::Malformed { .. })
            ));
        }
        assert!(matches!(
            read(&flux, &ask(), &testing::reply(200, &[], "")),
            Err(Failure::Malformed { .. })
        ));
        assert!(matches!(
            read_binding_json(&flux, &ask(), &json!({})),
            Err(Failure::Malformed { .. })
        ));
        assert!(matches!(
            read_binding_json(&flux, &ask(), &json!("image")),
            Err(Failure::Malformed { .. })
        ));
    }

    #[test]
    fn what_the_binding_throws_is_read_by_its_code_and_words() {
        assert!(matches!(
            binding_error("3040: Capacity temporarily exceeded, please try again."),
            Failure::Retry { after_ms: None, .. }
        ));
        assert!(matches!(
            binding_error("AiError: Input prompt contains NSFW content. (3030)"),
            Failure::Moderated { .. }
        ));
        assert!(matches!(
            binding_error("InferenceUpstreamError: 10000: Authentication error"),
            Failure::Stop { .. }
        ));
        assert!(matches!(
            binding_error("AiError: 5006: Error: /steps must be <= 8"),
            Failure::Rejected { .. }
        ));
        assert!(matches!(
            binding_error("3036: you have used up your daily free allocation"),
            Failure::Stop { .. }
        ));
        assert!(matches!(
            binding_error("network connection lost"),
            Failure::Retry { .. }
        ));
        // A size in the message is no code.
        assert!(matches!(
            binding_error("width 2048 is too large"),
            Failure::Retry { .. }
        ));
    }
}
