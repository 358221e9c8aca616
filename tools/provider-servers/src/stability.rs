//! Stability AI, Stable Image v2beta: `POST /v2beta/stable-image/generate/{core|ultra|sd3}`
//! with `authorization: Bearer <key>` and a `multipart/form-data` body.
//!
//! Form fields: `prompt` (required, 1 to 10000 characters), `negative_prompt` (at most 10000),
//! `aspect_ratio`, `seed` (0 to 4294967294; 0 is random), `output_format` (`png`, `jpeg`,
//! `webp`; sd3 has no `webp`), `style_preset`; sd3 also `model`, `mode` and `cfg_scale`; ultra
//! and sd3 take an `image` and `strength` for image-to-image (unchecked here). Any other field, a
//! repeated one or a wrong value is a 400 `bad_request` listing every problem. `style_preset` is
//! accepted on all three services: the reference has listed it for Core, and refusing it where
//! the API might take it would blame a correct client.
//!
//! `accept: image/*` (or none, or `*/*`) answers the image's bytes with `finish-reason` and
//! `seed` headers; `accept: application/json` answers `{"image", "finish_reason", "seed"}`.
//! Moderation is a 200 with `finish-reason: CONTENT_FILTERED` and a grey image; a blocked word
//! is a 403 `content_moderation`.
//!
//! The multipart body is parsed by hand: the maintained parsers are async (`multer`) or tied to a
//! web framework, and a form of a few text fields takes a few dozen lines.

use base64::Engine;
use serde_json::{json, Map, Value};

use crate::picture::{self, Format};
use crate::schema::{self, optional, required, Kind, Problem, Why};
use crate::script::{fnv1a, Fault};
use crate::server::{Api, Credential, Exchange, Incoming, Reply};

const PREFIX: &str = "/v2beta/stable-image/generate/";
const MAX_SEED: i64 = 4_294_967_294;
pub(crate) const ASPECT_RATIOS: &[&str] = &[
    "21:9", "16:9", "3:2", "5:4", "1:1", "4:5", "2:3", "9:16", "9:21",
];
const STYLE_PRESETS: &[&str] = &[
    "3d-model",
    "analog-film",
    "anime",
    "cinematic",
    "comic-book",
    "digital-art",
    "enhance",
    "fantasy-art",
    "isometric",
    "line-art",
    "low-poly",
    "modeling-compound",
    "neon-punk",
    "origami",
    "photographic",
    "pixel-art",
    "tile-texture",
];

const COMMON: &[schema::Field] = &[
    required(
        "prompt",
        Kind::Text {
            min: 1,
            max: 10_000,
        },
    ),
    optional(
        "negative_prompt",
        Kind::Text {
            min: 0,
            max: 10_000,
        },
    ),
    optional("aspect_ratio", Kind::OneOf(ASPECT_RATIOS)),
    optional(
        "seed",
        Kind::Int {
            min: 0,
            max: MAX_SEED,
        },
    ),
    optional("style_preset", Kind::OneOf(STYLE_PRESETS)),
];

fn fields(service: &str) -> Vec<schema::Field> {
    let mut fields = COMMON.to_vec();
    let image_to_image = [
        optional("image", Kind::Any),
        optional("strength", Kind::Number { min: 0.0, max: 1.0 }),
    ];
    match service {
        "core" => fields.push(optional(
            "output_format",
            Kind::OneOf(&["png", "jpeg", "webp"]),
        )),
        "ultra" => {
            fields.push(optional(
                "output_format",
                Kind::OneOf(&["png", "jpeg", "webp"]),
            ));
            fields.extend(image_to_image);
        }
        _ => {
            fields.push(optional("output_format", Kind::OneOf(&["png", "jpeg"])));
            fields.extend(image_to_image);
            fields.extend([
                optional(
                    "model",
                    Kind::OneOf(&[
                        "sd3.5-large",
                        "sd3.5-large-turbo",
                        "sd3.5-medium",
                        "sd3.5-flash",
                    ]),
                ),
                optional("mode", Kind::OneOf(&["text-to-image", "image-to-image"])),
                optional(
                    "cfg_scale",
                    Kind::Number {
                        min: 1.0,
                        max: 10.0,
                    },
                ),
            ]);
        }
    }
    fields
}

pub(crate) struct Stability;

fn error(status: u16, name: &str, errors: &[String]) -> Reply {
    let id = format!(
        "{:032x}",
        u128::from(fnv1a(&[name.as_bytes()])) << 64 | u128::from(status)
    );
    Reply::json(status, &json!({ "id": id, "name": name, "errors": errors }))
}

impl Api for Stability {
    fn fault(&self, fault: Fault) -> Reply {
        match fault {
            Fault::Unavailable => error(
                503,
                "service_unavailable",
                &["The service is temporarily unavailable, please try again later.".into()],
            ),
            Fault::QuotaExhausted => error(402, "payment_required", &["lack of funds".into()]),
            Fault::RateLimited { retry_after_s } => error(
                429,
                "rate_limit_exceeded",
                &[
                    "You have exceeded the rate limit of 150 requests within a 10 second period."
                        .into(),
                ],
            )
            .with_header("retry-after", retry_after_s.to_string()),
            Fault::ServerError => error(
                500,
                "internal_error",
                &["An unexpected server error has occurred, please try again later.".into()],
            ),
        }
    }

    fn answer(&self, request: &Incoming, ex: &mut Exchange<'_>) -> Reply {
        let service = request.path.strip_prefix(PREFIX).unwrap_or("");
        if !["core", "ultra", "sd3"].contains(&service) {
            ex.refuse(format!("no such path: {} {}", request.method, request.path));
            return error(404, "not_found", &[format!("{} not found", request.path)]);
        }
        if request.method != "POST" {
            ex.refuse(format!(
                "{} is not allowed on {}",
                request.method, request.path
            ));
            return error(405, "method_not_allowed", &["method not allowed".into()]);
        }
        match ex.credential(request, &["Bearer"]) {
            Credential::Right => {}
            Credential::Missing => {
                ex.refuse("no bearer key in the authorization header");
                return error(
                    401,
                    "unauthorized",
                    &["authorization: missing or invalid header".into()],
                );
            }
            Credential::Wrong(_) => {
                ex.refuse("wrong API key");
                return error(
                    401,
                    "unauthorized",
                    &["Unable to authenticate with the provided API key".into()],
                );
            }
        }
        let json_answer = match request.header("accept").map(str::trim) {
            None | Some("") | Some("image/*") | Some("*/*") => false,
            Some("application/json") => true,
            Some(other) => {
                ex.refuse(format!("accept {other:?}"));
                return error(
                    400,
                    "bad_request",
                    &["accept: must be one of image/* or application/json".into()],
                );
            }
        };
        let form = match form(request) {
            Ok(form) => form,
            Err(why) => {
                ex.refuse(why.clone());
                return error(400, "bad_request", &[why]);
            }
        };
        if let Some(prompt) = form.get("prompt").and_then(Value::as_str) {
            ex.note_prompt(prompt);
        }
        let problems = problems(service, &form);
        if !problems.is_empty() {
            let errors: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {}", p.field(), p.message()))
                .collect();
            ex.refuse(errors.join("; "));
            return error(400, "bad_request", &errors);
        }
        let text = |name: &str, default: &'static str| {
            form.get(name)
                .and_then(Value::as_str)
                .unwrap_or(default)
                .to_string()
        };
        let prompt = text("prompt", "");
        let asked_seed: u64 = text("seed", "0").trim().parse().unwrap_or(0);
        let admission = match ex.admit(&prompt, (asked_seed != 0).then_some(asked_seed)) {
            Ok(admission) => admission,
            Err(fault) => return self.fault(fault),
        };
        if admission.blocked {
            return error(
                403,
                "content_moderation",
                &[
                    "Your request was flagged by our content moderation system, as a result your \
                   request was denied and you were not charged."
                        .into(),
                ],
            );
        }
        ex.hold(ex.config().latency_ms + admission.hang_ms);
        let seed = if asked_seed == 0 {
            fnv1a(&[prompt.as_bytes()]) % (MAX_SEED as u64 + 1)
        } else {
            asked_seed
        };
        let format = Format::named(&text("output_format", "png")).unwrap_or(Format::Png);
        let size = picture::for_ratio(&text("aspect_ratio", "1:1"));
        let (mut image, finish) = if admission.moderated {
            (picture::blurred(size, format), "CONTENT_FILTERED")
        } else {
            (picture::design(&prompt, seed, 0, size, format), "SUCCESS")
        };
        if admission.truncated {
            image = picture::truncated(image);
        }
        if json_answer {
            let image = base64::engine::general_purpose::STANDARD.encode(image);
            Reply::json(
                200,
                &json!({ "image": image, "finish_reason": finish, "seed": seed }),
            )
        } else {
            Reply::bytes(200, format.content_type(), image)
                .with_header("finish-reason", finish)
                .with_header("seed", seed.to_string())
        }
    }
}

fn problems(service: &str, form: &Map<String, Value>) -> Vec<Problem> {
    let mut problems = schema::check(&fields(service), form, true);
    let image_to_image = form.get("mode").and_then(Value::as_str) == Some("image-to-image");
    if image_to_image && !(form.contains_key("image") && form.contains_key("strength")) {
        problems.push(Problem::Invalid {
            field: "mode",
            why: Why::NotOneOf {
                allowed: &["text-to-image"],
                value: "image-to-image without image and strength".into(),
            },
        });
    }
    problems
}

/// The form's fields by name (text fields as strings, files as their size), refusing what the
/// API refuses: another content type, a malformed body, a repeated field.
fn form(request: &Incoming) -> Result<Map<String, Value>, String> {
    let content_type = request.header("content-type").unwrap_or("");
    if request.media_type() != "multipart/form-data" {
        return Err(format!(
            "content-type: must be multipart/form-data, got {content_type:?}"
        ));
    }
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty())
        .ok_or("content-type: multipart/form-data without a boundary")?;
    let mut form = Map::new();
    for part in multipart(&request.body, &boundary)? {
        let value = match part.filename {
            Some(_) => json!(part.data.len()),
            None => Value::String(
                String::from_utf8(part.data)
                    .map_err(|_| format!("{}: the value is not UTF-8", part.name))?,
            ),
        };
        if form.insert(part.name.clone(), value).is_some() {
            return Err(format!("{}: sent more than once", part.name));
        }
    }
    Ok(form)
}

struct Part {
    name: String,
    filename: Option<String>,
    data: Vec<u8>,
}

/// The parts of a `multipart/form-data` body (RFC 7578): each after a `--boundary` line, headers
/// up to an empty line, then data up to CRLF and the next delimiter; `--boundary--` ends it.
fn multipart(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n--{boundary}");
    let malformed = |what: &str| format!("multipart body: {what}");
    let mut rest = match find(body, delimiter.as_bytes()) {
        Some(at) => &body[at + delimiter.len()..],
        None => return Err(malformed("no opening boundary")),
    };
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or_else(|| malformed("a boundary not followed by CRLF"))?;
        let head_end =
            find(rest, b"\r\n\r\n").ok_or_else(|| malformed("a part without headers"))?;
        let head = std::str::from_utf8(&rest[..head_end])
            .map_err(|_| malformed("headers that are not UTF-8"))?;
        rest = &rest[head_end + 4..];
        let data_end = find(rest, next_delimiter.as_bytes())
            .ok_or_else(|| malformed("a part without a closing boundary"))?;
        let data = rest[..data_end].to_vec();
        rest = &rest[data_end + next_delimiter.len()..];
        let disposition = head
            .split("\r\n")
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-disposition"))
            .map(|(_, value)| value.trim())
            .ok_or_else(|| malformed("a part without content-disposition"))?;
        let parameter = |wanted: &str| {
            disposition
                .split(';')
                .filter_map(|p| p.trim().split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case(wanted))
                .map(|(_, value)| value.trim().trim_matches('"').to_string())
        };
        let name = parameter("name").ok_or_else(|| malformed("a part without a name"))?;
        parts.push(Part {
            name,
            filename: parameter("filename"),
            data,
        });
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_is_split_into_its_fields() {
        let body = "preamble\r\n--XyZ\r\ncontent-disposition: form-data; name=\"prompt\"\r\n\r\na \
                    dress\r\nwith two lines\r\n--XyZ\r\nContent-Disposition: form-data; \
                    name=\"image\"; filename=\"a.png\"\r\ncontent-type: image/png\r\n\r\n\x01\x02\
                    \r\n--XyZ--\r\n";
        let parts = multipart(body.as_bytes(), "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "prompt");
        assert_eq!(parts[0].data, b"a dress\r\nwith two lines");
        assert_eq!(parts[1].filename.as_deref(), Some("a.png"));
        assert_eq!(parts[1].data, b"\x01\x02");
        assert!(multipart(b"--XyZ\r\nname\r\n\r\nvalue", "XyZ").is_err());
        assert!(multipart(b"no boundary at all", "XyZ").is_err());
    }

    #[test]
    fn each_service_takes_its_own_fields() {
        let form = |pairs: &[(&str, &str)]| -> Map<String, Value> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect()
        };
        let core = form(&[("prompt", "a"), ("output_format", "webp"), ("seed", "12")]);
        assert!(problems("core", &core).is_empty());
        assert_eq!(problems("sd3", &core).len(), 1, "sd3 has no webp");
        assert_eq!(
            problems("core", &form(&[("prompt", "a"), ("model", "sd3.5-large")])).len(),
            1
        );
        assert!(problems("sd3", &form(&[("prompt", "a"), ("model", "sd3.5-large")])).is_empty());
        assert_eq!(
            problems("sd3", &form(&[("prompt", "a"), ("mode", "image-to-image")])).len(),
            1
        );
        assert_eq!(
            problems("ultra", &form(&[("prompt", "a"), ("seed", "4294967295")])).len(),
            1
        );
    }
}
