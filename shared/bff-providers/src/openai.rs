//! OpenAI Images: `POST {base}/v1/images/generations` with a bearer key, JSON in, base64 PNG out.
//!
//! The GPT image models take a free-form `model`, `prompt`, `n`, `size` (`1024x1024`,
//! `1536x1024`, `1024x1536` or `auto`), `quality` (`low`, `medium`, `high`, `auto`),
//! `output_format` and `moderation` (`auto`, `low`). There is no seed and no negative prompt: the
//! plan's sentence prompt, whose "Avoid ..." clause carries the exclusions, is what is sent, and
//! the parameters record that the seed was not honoured. Errors are
//! `{"error": {"message", "type", "param", "code"}}`: `moderation_blocked` (400) is a moderated
//! variant, `insufficient_quota` (429) stops the job, the rest by status ([`crate::failure`]).

use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use crate::failure::{self, Failure};
use crate::{Generated, HttpCall, HttpReply};

/// A deployment's OpenAI settings (the key comes from a secret, never from the database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `https://api.openai.com`, or a compatible server.
    pub base_url: String,
    pub api_key: String,
    /// A GPT image model, e.g. `gpt-image-1`.
    pub model: String,
    /// `low`, `medium`, `high` or `auto`.
    pub quality: String,
    /// `auto` or `low`.
    pub moderation: String,
}

/// What one variant asks of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask<'a> {
    /// The plan's sentence prompt (with its "Avoid ..." clause).
    pub prompt: &'a str,
    pub width: u32,
    pub height: u32,
    /// The variant's seed: recorded as not honoured.
    pub seed: u64,
}

/// The supported size closest in shape to the plan's: portrait for a fashion figure.
pub fn size_for(width: u32, height: u32) -> &'static str {
    if height > width {
        "1024x1536"
    } else if width > height {
        "1536x1024"
    } else {
        "1024x1024"
    }
}

/// The request for one image.
pub fn call(config: &Config, ask: &Ask<'_>) -> HttpCall {
    let body = json!({
        "model": config.model,
        "prompt": ask.prompt,
        "n": 1,
        "size": size_for(ask.width, ask.height),
        "quality": config.quality,
        "output_format": "png",
        "moderation": config.moderation,
    });
    HttpCall {
        method: "POST",
        url: format!(
            "{}/v1/images/generations",
            config.base_url.trim_end_matches('/')
        ),
        headers: vec![
            ("authorization".into(), format!("Bearer {}", config.api_key)),
            ("content-type".into(), "application/json".into()),
        ],
        body: body.to_string().into_bytes(),
    }
}

#[derive(Deserialize)]
struct Images {
    data: Vec<ImageData>,
}

#[derive(Deserialize)]
struct ImageData {
    b64_json: Option<String>,
    revised_prompt: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// Reads the reply to [`call`].
pub fn read(config: &Config, ask: &Ask<'_>, reply: &HttpReply) -> Result<Generated, Failure> {
    if !(200..300).contains(&reply.status) {
        let detail = serde_json::from_slice::<ErrorBody>(&reply.body).ok();
        let code = detail
            .as_ref()
            .and_then(|d| d.error.code.clone().or_else(|| d.error.kind.clone()))
            .unwrap_or_default();
        let message = detail.map(|d| d.error.message).unwrap_or_default();
        return Err(match code.as_str() {
            "moderation_blocked" | "content_policy_violation" => Failure::Moderated {
                reason: format!("openai: {message}"),
            },
            "insufficient_quota" | "billing_hard_limit_reached" => Failure::Stop {
                message: format!(
                    "openai: the account's quota is used up ({message}); add credit or raise the limit"
                ),
            },
            _ => failure::by_status(reply, "openai", &message),
        });
    }
    let images: Images = serde_json::from_slice(&reply.body).map_err(|e| Failure::Malformed {
        message: format!("openai: unreadable answer: {e}"),
    })?;
    let first = images
        .data
        .into_iter()
        .next()
        .ok_or_else(|| Failure::Malformed {
            message: "openai: no image in the answer".into(),
        })?;
    let b64 = first.b64_json.ok_or_else(|| Failure::Malformed {
        message: "openai: the answer has no b64_json".into(),
    })?;
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|e| Failure::Malformed {
            message: format!("openai: image is not base64: {e}"),
        })?;
    let (width, height) = crate::image::png_size(&png).map_err(|e| Failure::Malformed {
        message: format!("openai: {e}"),
    })?;
    Ok(Generated {
        png,
        width,
        height,
        parameters: json!({
            "provider": "openai",
            "model": config.model,
            "size": size_for(ask.width, ask.height),
            "quality": config.quality,
            "moderation": config.moderation,
            "seed": ask.seed,
            "seed_honoured": false,
            "negative_prompt_honoured": false,
            "revised_prompt": first.revised_prompt,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, png};
    use serde_json::Value;

    fn reply(status: u16, body: Value, headers: &[(&str, &str)]) -> HttpReply {
        testing::reply(status, headers, body.to_string())
    }

    fn config() -> Config {
        Config {
            base_url: "http://127.0.0.1:9/".into(),
            api_key: "sk-test-secret".into(),
            model: "gpt-image-1".into(),
            quality: "medium".into(),
            moderation: "auto".into(),
        }
    }

    fn ask() -> Ask<'static> {
        Ask {
            prompt: "A linen midi dress in terracotta. Avoid florals.",
            width: 512,
            height: 768,
            seed: 42,
        }
    }

    #[test]
    fn the_request_is_the_documented_one() {
        let c = call(&config(), &ask());
        assert_eq!(c.method, "POST");
        assert_eq!(c.url, "http://127.0.0.1:9/v1/images/generations");
        assert!(c
            .headers
            .contains(&("authorization".into(), "Bearer sk-test-secret".into())));
        let body: Value = serde_json::from_slice(&c.body).unwrap();
        assert_eq!(body["model"], "gpt-image-1");
        assert_eq!(body["size"], "1024x1536");
        assert_eq!(body["n"], 1);
        assert_eq!(body["output_format"], "png");
        assert_eq!(body["moderation"], "auto");
        assert!(body["prompt"].as_str().unwrap().contains("Avoid florals"));
        // No field the API would refuse for a GPT image model.
        assert!(body.get("seed").is_none() && body.get("negative_prompt").is_none());
        assert!(body.get("response_format").is_none());
    }

    #[test]
    fn a_base64_png_is_read_with_the_seed_recorded_as_not_honoured() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(png(4, 6));
        let ok = reply(
            200,
            json!({ "created": 1, "data": [{ "b64_json": b64 }], "usage": {} }),
            &[],
        );
        let g = read(&config(), &ask(), &ok).unwrap();
        assert_eq!((g.width, g.height), (4, 6));
        assert_eq!(g.parameters["seed_honoured"], false);
        assert_eq!(g.parameters["seed"], 42);
        assert!(!g.parameters.to_string().contains("sk-test-secret"));
    }

    #[test]
    fn errors_map_to_moderation_stop_retry_or_malformed() {
        let error = |status: u16, code: &str, headers: &[(&str, &str)]| {
            read(
                &config(),
                &ask(),
                &reply(
                    status,
                    json!({ "error": { "message": "msg", "type": "invalid_request_error", "param": null, "code": code } }),
                    headers,
                ),
            )
            .unwrap_err()
        };
        assert!(matches!(
            error(400, "moderation_blocked", &[]),
            Failure::Moderated { .. }
        ));
        assert!(matches!(
            error(429, "insufficient_quota", &[]),
            Failure::Stop { .. }
        ));
        assert!(matches!(
            error(429, "rate_limit_exceeded", &[("retry-after-ms", "1500")]),
            Failure::Retry {
                after_ms: Some(1500),
                ..
            }
        ));
        assert!(matches!(
            error(401, "invalid_api_key", &[]),
            Failure::Stop { .. }
        ));
        assert!(matches!(
            error(500, "server_error", &[]),
            Failure::Retry { after_ms: None, .. }
        ));
        assert!(matches!(
            error(400, "invalid_value", &[]),
            Failure::Rejected { .. }
        ));
        // A proxy's non-JSON error page still maps by status.
        let html = HttpReply {
            status: 502,
            headers: vec![],
            body: b"<html>bad gateway</html>".to_vec(),
        };
        assert!(matches!(
            read(&config(), &ask(), &html),
            Err(Failure::Retry { .. })
        ));
        // Success without a usable image.
        let truncated = base64::engine::general_purpose::STANDARD.encode(&png(4, 6)[..30]);
        for body in [
            json!({ "data": [] }),
            json!({ "data": [{ "url": "https://x" }] }),
            json!({ "data": [{ "b64_json": "***" }] }),
            json!({ "data": [{ "b64_json": truncated }] }),
        ] {
            assert!(matches!(
                read(&config(), &ask(), &reply(200, body, &[])),
                Err(Failure::Malformed { .. })
            ));
        }
        // No failure message carries the key.
        for f in [
            error(401, "invalid_api_key", &[]),
            error(429, "insufficient_quota", &[]),
        ] {
            assert!(!format!("{f:?}").contains("sk-test-secret"));
        }
    }
}
