//! OpenAI Images for the GPT image models: `POST /v1/images/generations`, JSON in, base64 images
//! out.
//!
//! Strict like the API: `authorization: Bearer <key>` (401 `invalid_api_key`, the key masked),
//! `content-type: application/json`, and the body's fields: `model` (a `gpt-image-*` model:
//! DALL·E takes other parameters, which this server does not speak), `prompt` (1 to 32000
//! characters), `n` (1 to 10), `size`, `quality`, `output_format`, `output_compression` (0 to
//! 100), `moderation`, `background` (`transparent` only with PNG or WebP output), `user`. Any
//! other field (`response_format`, `seed`, `negative_prompt` ...) is refused with
//! `unknown_parameter`, a wrong type with `invalid_type`, a wrong value with `invalid_value`; a
//! `null` counts as left out.
//!
//! The answer: `{"created", "data": [{"b64_json"}], "usage", "background", "output_format",
//! "quality", "size"}`; the usage's output tokens are OpenAI's published counts per quality and
//! size.

use base64::Engine;
use serde_json::{json, Value};

use crate::picture::{self, Format};
use crate::schema::{self, optional, required, Kind, Problem, Why, TEXT};
use crate::script::Fault;
use crate::server::{masked, Api, Credential, Exchange, Incoming, Reply};

const PATH: &str = "/v1/images/generations";
const SIZES: &[&str] = &["1024x1024", "1536x1024", "1024x1536", "auto"];
const QUALITIES: &[&str] = &["low", "medium", "high", "auto"];
const FORMATS: &[&str] = &["png", "jpeg", "webp"];

const FIELDS: &[schema::Field] = &[
    required("model", Kind::Text { min: 1, max: 256 }),
    required(
        "prompt",
        Kind::Text {
            min: 1,
            max: 32_000,
        },
    ),
    optional("n", Kind::Int { min: 1, max: 10 }),
    optional("size", Kind::OneOf(SIZES)),
    optional("quality", Kind::OneOf(QUALITIES)),
    optional("output_format", Kind::OneOf(FORMATS)),
    optional("output_compression", Kind::Int { min: 0, max: 100 }),
    optional("moderation", Kind::OneOf(&["auto", "low"])),
    optional(
        "background",
        Kind::OneOf(&["transparent", "opaque", "auto"]),
    ),
    optional("user", TEXT),
];

pub(crate) struct OpenAi;

fn error(status: u16, message: &str, kind: &str, param: Option<&str>, code: Option<&str>) -> Reply {
    Reply::json(
        status,
        &json!({ "error": { "message": message, "type": kind, "param": param, "code": code } }),
    )
}

fn invalid(message: &str, param: Option<&str>, code: Option<&str>) -> Reply {
    error(400, message, "invalid_request_error", param, code)
}

impl Api for OpenAi {
    fn fault(&self, fault: Fault) -> Reply {
        match fault {
            Fault::Unavailable => error(
                503,
                "The engine is currently overloaded, please try again later.",
                "server_error",
                None,
                None,
            ),
            Fault::QuotaExhausted => error(
                429,
                "You exceeded your current quota, please check your plan and billing details. For \
                 more information on this error, read the docs: \
                 https://platform.openai.com/docs/guides/error-codes/api-errors.",
                "insufficient_quota",
                None,
                Some("insufficient_quota"),
            ),
            Fault::RateLimited { retry_after_s } => error(
                429,
                &format!(
                    "Rate limit reached for images per minute (IPM). Please try again in \
                     {retry_after_s}s."
                ),
                "requests",
                None,
                Some("rate_limit_exceeded"),
            )
            .with_header("retry-after", retry_after_s.to_string())
            .with_header(
                "retry-after-ms",
                (u64::from(retry_after_s) * 1000).to_string(),
            ),
            Fault::ServerError => error(
                500,
                "The server had an error while processing your request. Sorry about that!",
                "server_error",
                None,
                None,
            ),
        }
    }

    fn answer(&self, request: &Incoming, ex: &mut Exchange<'_>) -> Reply {
        if request.path != PATH {
            ex.refuse(format!("no such path: {} {}", request.method, request.path));
            return error(
                404,
                &format!("Invalid URL ({} {})", request.method, request.path),
                "invalid_request_error",
                None,
                None,
            );
        }
        if request.method != "POST" {
            ex.refuse(format!("{} is not allowed on {PATH}", request.method));
            return error(
                405,
                &format!("Invalid method for URL ({} {PATH})", request.method),
                "invalid_request_error",
                None,
                None,
            );
        }
        match ex.credential(request, &["Bearer"]) {
            Credential::Right => {}
            Credential::Missing => {
                ex.refuse("no bearer key in the authorization header");
                return error(
                    401,
                    "You didn't provide an API key. You need to provide your API key in an \
                     Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    "invalid_request_error",
                    None,
                    None,
                );
            }
            Credential::Wrong(token) => {
                ex.refuse("wrong API key");
                return error(
                    401,
                    &format!(
                        "Incorrect API key provided: {}. You can find your API key at \
                         https://platform.openai.com/account/api-keys.",
                        masked(&token)
                    ),
                    "invalid_request_error",
                    None,
                    Some("invalid_api_key"),
                );
            }
        }
        const UNPARSABLE: &str = "We could not parse the JSON body of your request. (HINT: This \
             likely means you aren't using your HTTP library correctly. The OpenAI API expects a \
             JSON payload, but what was sent was not valid JSON.)";
        if request.media_type() != "application/json" {
            ex.refuse(format!(
                "content-type {:?}, not application/json",
                request.header("content-type").unwrap_or("")
            ));
            return invalid(UNPARSABLE, None, None);
        }
        let body = match schema::object(&request.body) {
            Ok(body) => body,
            Err(why) => {
                ex.refuse(why);
                return invalid(UNPARSABLE, None, None);
            }
        };
        if let Some(prompt) = body.get("prompt").and_then(Value::as_str) {
            ex.note_prompt(prompt);
        }
        if let Some(problem) = problems(&body).into_iter().next() {
            ex.refuse(problem.message());
            let code = match &problem {
                Problem::Unknown(_) => "unknown_parameter",
                Problem::Missing(_) => "missing_required_parameter",
                Problem::Invalid {
                    why: Why::WrongType { .. },
                    ..
                } => "invalid_type",
                Problem::Invalid { .. } => "invalid_value",
            };
            return invalid(&problem.message(), Some(problem.field()), Some(code));
        }
        let text = |name: &str, default: &'static str| {
            body.get(name)
                .and_then(Value::as_str)
                .unwrap_or(default)
                .to_string()
        };
        let prompt = text("prompt", "");
        let admission = match ex.admit(&prompt, None) {
            Ok(admission) => admission,
            Err(fault) => return self.fault(fault),
        };
        if admission.moderated || admission.blocked {
            return error(
                400,
                "Your request was rejected by the safety system. If you believe this is an error, \
                 contact us at help.openai.com.",
                "image_generation_user_error",
                None,
                Some("moderation_blocked"),
            );
        }
        ex.hold(ex.config().latency_ms + admission.hang_ms);
        let size = match text("size", "auto").as_str() {
            "auto" => "1024x1024".to_string(),
            size => size.to_string(),
        };
        let (width, height) = size
            .split_once('x')
            .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
            .unwrap_or((1024, 1024));
        let format_name = text("output_format", "png");
        let format = Format::named(&format_name).unwrap_or(Format::Png);
        let quality = match text("quality", "auto").as_str() {
            "auto" => "medium".to_string(),
            quality => quality.to_string(),
        };
        let n = body.get("n").and_then(Value::as_u64).unwrap_or(1) as u32;
        let data: Vec<Value> = (0..n)
            .map(|index| {
                let mut image =
                    picture::design(&prompt, 0, index, picture::small(width, height), format);
                if admission.truncated {
                    image = picture::truncated(image);
                }
                json!({ "b64_json": base64::engine::general_purpose::STANDARD.encode(image) })
            })
            .collect();
        let input_tokens = prompt.chars().count().div_ceil(4) as u64;
        let output_tokens = u64::from(n) * output_tokens(&quality, width == height);
        Reply::json(
            200,
            &json!({
                "created": ex.unix_ms() / 1000,
                "background": text("background", "opaque").replace("auto", "opaque"),
                "data": data,
                "output_format": format_name,
                "quality": quality,
                "size": size,
                "usage": {
                    "input_tokens": input_tokens,
                    "input_tokens_details": { "image_tokens": 0, "text_tokens": input_tokens },
                    "output_tokens": output_tokens,
                    "total_tokens": input_tokens + output_tokens,
                },
            }),
        )
    }
}

/// The table's problems, then the model family and `background: transparent` with JPEG.
fn problems(body: &serde_json::Map<String, Value>) -> Vec<Problem> {
    let mut problems = schema::check(FIELDS, body, false);
    if let Some(model) = body.get("model").and_then(Value::as_str) {
        if !model.starts_with("gpt-image-") {
            problems.push(Problem::Invalid {
                field: "model",
                why: Why::NotOneOf {
                    allowed: &["gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5"],
                    value: model.to_string(),
                },
            });
        }
    }
    let transparent = body.get("background").and_then(Value::as_str) == Some("transparent");
    if transparent && body.get("output_format").and_then(Value::as_str) == Some("jpeg") {
        problems.push(Problem::Invalid {
            field: "background",
            why: Why::NotOneOf {
                allowed: &["opaque", "auto"],
                value: "transparent (with jpeg output)".into(),
            },
        });
    }
    problems
}

/// Image tokens of one image (OpenAI's table for the GPT image models).
fn output_tokens(quality: &str, square: bool) -> u64 {
    match (quality, square) {
        ("low", true) => 272,
        ("low", false) => 408,
        ("high", true) => 4160,
        ("high", false) => 6240,
        (_, true) => 1056,
        (_, false) => 1584,
    }
}
