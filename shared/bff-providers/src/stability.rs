//! Stability AI, Stable Image v2beta: `POST {base}/v2beta/stable-image/generate/{core|ultra|sd3}`
//! with a bearer key and a `multipart/form-data` body (`prompt`, `negative_prompt`,
//! `aspect_ratio`, `seed`, `output_format`, optionally `style_preset`, and `model` for sd3).
//! Asked with `accept: image/*` the answer is the image's bytes with `finish-reason` and `seed`
//! headers; with `accept: application/json` it is `{"image": <base64>, "finish_reason", "seed"}`;
//! both are read. `finish-reason: CONTENT_FILTERED` arrives as a 200 and is a moderated variant,
//! not a design. Errors are `{"id", "name", "errors": [..]}`: `content_moderation` (403) is
//! moderated, 402 (no credits left) stops the job, the rest by status ([`crate::failure`]).
//!
//! The multipart body is written here (a few lines): the crates that build one are tied to an HTTP
//! client, and the call must stay platform-free.

use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use crate::failure::{self, Failure};
use crate::{Generated, HttpCall, HttpReply};

/// A deployment's Stability settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `https://api.stability.ai`, or a compatible server.
    pub base_url: String,
    pub api_key: String,
    /// `core`, `ultra` or `sd3`.
    pub service: String,
    /// For `sd3`: `sd3.5-large`, `sd3.5-medium` ...; ignored by the others.
    pub model: Option<String>,
    pub style_preset: Option<String>,
}

/// What one variant asks of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask<'a> {
    pub prompt: &'a str,
    pub negative_prompt: &'a str,
    pub width: u32,
    pub height: u32,
    pub seed: u64,
}

/// The largest seed the API takes.
pub const MAX_SEED: u64 = 4_294_967_294;

/// The supported aspect ratio closest to the plan's (2:3 for a standing figure).
pub fn aspect_ratio(width: u32, height: u32) -> &'static str {
    const RATIOS: [(&str, f64); 9] = [
        ("21:9", 21.0 / 9.0),
        ("16:9", 16.0 / 9.0),
        ("3:2", 1.5),
        ("5:4", 1.25),
        ("1:1", 1.0),
        ("4:5", 0.8),
        ("2:3", 2.0 / 3.0),
        ("9:16", 9.0 / 16.0),
        ("9:21", 9.0 / 21.0),
    ];
    let wanted = f64::from(width.max(1)) / f64::from(height.max(1));
    RATIOS
        .iter()
        .min_by(|a, b| (a.1 - wanted).abs().total_cmp(&(b.1 - wanted).abs()))
        .map_or("1:1", |r| r.0)
}

/// The request for one image; `boundary` separates the form's parts (any text absent from the
/// fields; the caller passes a random one).
pub fn call(config: &Config, ask: &Ask<'_>, boundary: &str) -> HttpCall {
    let seed = (ask.seed % (MAX_SEED + 1)).to_string();
    let mut fields: Vec<(&str, &str)> = vec![
        ("prompt", ask.prompt),
        ("negative_prompt", ask.negative_prompt),
        ("aspect_ratio", aspect_ratio(ask.width, ask.height)),
        ("seed", &seed),
        ("output_format", "png"),
    ];
    if let Some(style) = &config.style_preset {
        fields.push(("style_preset", style));
    }
    if config.service == "sd3" {
        if let Some(model) = &config.model {
            fields.push(("model", model));
        }
    }
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    HttpCall {
        method: "POST",
        url: format!(
            "{}/v2beta/stable-image/generate/{}",
            config.base_url.trim_end_matches('/'),
            config.service
        ),
        headers: vec![
            ("authorization".into(), format!("Bearer {}", config.api_key)),
            ("accept".into(), "image/*".into()),
            (
                "content-type".into(),
                format!("multipart/form-data; boundary={boundary}"),
            ),
        ],
        body: body.into_bytes(),
    }
}

#[derive(Deserialize)]
struct JsonImage {
    image: Option<String>,
    finish_reason: Option<String>,
    seed: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    errors: Vec<String>,
}

/// Reads the reply to [`call`] (image bytes, or the JSON form).
pub fn read(config: &Config, ask: &Ask<'_>, reply: &HttpReply) -> Result<Generated, Failure> {
    if !(200..300).contains(&reply.status) {
        let detail = serde_json::from_slice::<ErrorBody>(&reply.body).ok();
        let name = detail.as_ref().map(|d| d.name.clone()).unwrap_or_default();
        let message = detail.map(|d| d.errors.join("; ")).unwrap_or_default();
        return Err(match (reply.status, name.as_str()) {
            (_, "content_moderation") => Failure::Moderated {
                reason: format!("stability: {message}"),
            },
            (402, _) => Failure::Stop {
                message: format!(
                    "stability: the account has no credits left ({message}); buy credits"
                ),
            },
            _ => failure::by_status(reply, "stability", &message),
        });
    }
    let json = reply
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/json"));
    let (bytes, finish, seed) = if json {
        let body: JsonImage =
            serde_json::from_slice(&reply.body).map_err(|e| Failure::Malformed {
                message: format!("stability: unreadable answer: {e}"),
            })?;
        let bytes = match body.image {
            Some(b64) => base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(|e| Failure::Malformed {
                    message: format!("stability: image is not base64: {e}"),
                })?,
            None => Vec::new(),
        };
        (bytes, body.finish_reason, body.seed)
    } else {
        (
            reply.body.clone(),
            reply.header("finish-reason").map(String::from),
            reply.header("seed").and_then(|s| s.trim().parse().ok()),
        )
    };
    match finish.as_deref() {
        Some("CONTENT_FILTERED") => {
            return Err(Failure::Moderated {
                reason: "stability: the image was filtered for content".into(),
            })
        }
        Some("SUCCESS") | None => {}
        Some(other) => {
            return Err(Failure::Malformed {
                message: format!("stability: finished with {other}"),
            })
        }
    }
    let (width, height) = crate::image::png_size(&bytes).map_err(|e| Failure::Malformed {
        message: format!("stability: {e}"),
    })?;
    Ok(Generated {
        png: bytes,
        width,
        height,
        parameters: json!({
            "provider": "stability",
            "service": config.service,
            "model": config.model,
            "aspect_ratio": aspect_ratio(ask.width, ask.height),
            "style_preset": config.style_preset,
            "seed": seed.unwrap_or(ask.seed % (MAX_SEED + 1)),
            "seed_honoured": true,
            "negative_prompt_honoured": true,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{png, reply};

    fn config() -> Config {
        Config {
            base_url: "http://127.0.0.1:9".into(),
            api_key: "sk-stability-secret".into(),
            service: "sd3".into(),
            model: Some("sd3.5-large".into()),
            style_preset: Some("photographic".into()),
        }
    }

    fn ask() -> Ask<'static> {
        Ask {
            prompt: "(linen midi dress:1.2), terracotta",
            negative_prompt: "florals, blurry",
            width: 512,
            height: 768,
            seed: u64::MAX,
        }
    }

    #[test]
    fn the_form_carries_every_documented_field() {
        let c = call(&config(), &ask(), "bff-boundary-1");
        assert_eq!(c.url, "http://127.0.0.1:9/v2beta/stable-image/generate/sd3");
        assert!(c.headers.contains(&(
            "content-type".into(),
            "multipart/form-data; boundary=bff-boundary-1".into()
        )));
        let body = String::from_utf8(c.body).unwrap();
        for (name, value) in [
            ("prompt", "(linen midi dress:1.2), terracotta"),
            ("negative_prompt", "florals, blurry"),
            ("aspect_ratio", "2:3"),
            ("output_format", "png"),
            ("style_preset", "photographic"),
            ("model", "sd3.5-large"),
        ] {
            assert!(
                body.contains(&format!("name=\"{name}\"\r\n\r\n{value}\r\n")),
                "{name} in {body}"
            );
        }
        // The seed within the API's range.
        let seed = body.split("name=\"seed\"\r\n\r\n").nth(1).unwrap();
        let seed: u64 = seed.split("\r\n").next().unwrap().parse().unwrap();
        assert!(seed <= MAX_SEED);
        assert!(body.ends_with("--bff-boundary-1--\r\n"));
        assert_eq!(aspect_ratio(1024, 1024), "1:1");
        assert_eq!(aspect_ratio(1920, 1080), "16:9");
    }

    #[test]
    fn image_bytes_and_json_answers_are_read_and_filtered_ones_are_moderated() {
        let bytes = reply(
            200,
            &[("finish-reason", "SUCCESS"), ("seed", "77")],
            png(2, 3),
        );
        let g = read(&config(), &ask(), &bytes).unwrap();
        assert_eq!((g.width, g.height), (2, 3));
        assert_eq!(g.parameters["seed"], 77);
        let b64 = base64::engine::general_purpose::STANDARD.encode(png(2, 3));
        let body = json!({ "image": b64, "finish_reason": "SUCCESS", "seed": 5 });
        let json_reply = reply(
            200,
            &[("content-type", "application/json")],
            body.to_string().into_bytes(),
        );
        assert_eq!(
            read(&config(), &ask(), &json_reply).unwrap().parameters["seed"],
            5
        );
        let filtered = reply(200, &[("finish-reason", "CONTENT_FILTERED")], png(2, 3));
        assert!(matches!(
            read(&config(), &ask(), &filtered),
            Err(Failure::Moderated { .. })
        ));
        let truncated = reply(
            200,
            &[("finish-reason", "SUCCESS")],
            png(2, 3)[..20].to_vec(),
        );
        assert!(matches!(
            read(&config(), &ask(), &truncated),
            Err(Failure::Malformed { .. })
        ));
    }

    #[test]
    fn errors_map_to_moderation_stop_retry_or_rejected() {
        let error = |status: u16, name: &str, headers: &[(&str, &str)]| {
            let body = json!({ "id": "e1", "name": name, "errors": ["detail"] });
            read(
                &config(),
                &ask(),
                &reply(status, headers, body.to_string().into_bytes()),
            )
            .unwrap_err()
        };
        assert!(matches!(
            error(403, "content_moderation", &[]),
            Failure::Moderated { .. }
        ));
        assert!(matches!(
            error(402, "payment_required", &[]),
            Failure::Stop { .. }
        ));
        assert!(matches!(
            error(401, "unauthorized", &[]),
            Failure::Stop { .. }
        ));
        assert!(matches!(
            error(429, "rate_limit_exceeded", &[("retry-after", "4")]),
            Failure::Retry {
                after_ms: Some(4000),
                ..
            }
        ));
        assert!(matches!(
            error(500, "internal_error", &[]),
            Failure::Retry { .. }
        ));
        assert!(matches!(
            error(400, "bad_request", &[]),
            Failure::Rejected { .. }
        ));
        assert!(!format!("{:?}", error(401, "unauthorized", &[])).contains("sk-stability-secret"));
    }
}
