//! Embedding servers, two wire formats:
//!
//! - Jina (`jina`): `POST /v1/embeddings` with `authorization: Bearer <key>` and
//!   `{"model": "jina-clip-v2", "input": [{"image": <base64 or URL>} | {"text": ..} | "text"],
//!   "dimensions" (at most 1024), "normalized", "embedding_type", "task"}`; answers
//!   `{"model", "object": "list", "usage": {"total_tokens", "prompt_tokens"}, "data": [{"object":
//!   "embedding", "index", "embedding"}]}`. Refusals are FastAPI's: 401 `{"detail": ..}`, 422
//!   `{"detail": [{"type", "loc", "msg", "input"}]}`.
//! - An OpenAI-style self-hosted server, Infinity (`openai_embeddings`): `POST /embeddings` with
//!   `{"model", "input": [<text, or a data URL or URL for images>], "modality": "text" | "image"
//!   | "audio", "encoding_format": "float" | "base64", "user", "dimensions"}`; answers
//!   `{"object": "list", "data": [..], "model", "usage", "id": "infinity-..", "created"}`.
//!   Refusals are OpenAI-shaped `{"error": {"message", "type", "param", "code"}}`; a key is
//!   asked for only when one is configured (Infinity's `--api-key`).
//!
//! A vector is a function of its input alone: a stream of pseudo-random numbers seeded by the
//! hash of the image's bytes (decoded from base64 or a data URL; a plain URL is hashed as text,
//! nothing is fetched) or of the text, its first `dimensions` numbers (the configured
//! `dimension` when the request names none), scaled to length 1 unless `normalized` is false.
//! So the same image gives the same vector in both servers and at every dimension (a shorter
//! vector is a prefix of a longer one, before scaling, as with Matryoshka embeddings), and
//! different images give unrelated ones. The rate-limit, server-error, hang and latency rules
//! apply, keyed by the inputs; moderation and truncation do not.

use base64::Engine;
use serde_json::{json, Value};

use crate::schema::{self, optional, required, Kind, Problem, Why, TEXT};
use crate::script::{fnv1a, Fault};
use crate::server::{Api, Credential, Exchange, Incoming, Reply};

const JINA_FIELDS: &[schema::Field] = &[
    required(
        "model",
        Kind::OneOf(&["jina-clip-v1", "jina-clip-v2", "jina-embeddings-v4"]),
    ),
    required("input", Kind::Any),
    optional("dimensions", Kind::Int { min: 1, max: 1024 }),
    optional("normalized", Kind::Bool),
    optional(
        "embedding_type",
        Kind::OneOf(&["float", "base64", "binary", "ubinary"]),
    ),
    optional("task", TEXT),
    optional("late_chunking", Kind::Bool),
    optional("truncate", Kind::Bool),
];

const INFINITY_FIELDS: &[schema::Field] = &[
    required("model", TEXT),
    required("input", Kind::Any),
    optional("modality", Kind::OneOf(&["text", "image", "audio"])),
    optional("encoding_format", Kind::OneOf(&["float", "base64"])),
    optional("user", TEXT),
    optional("dimensions", Kind::Int { min: 1, max: 8192 }),
];

/// One input to embed.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Text(String),
    /// An image's bytes, or the URL it would be fetched from.
    Image(Vec<u8>),
}

impl Item {
    fn identity(&self) -> u64 {
        match self {
            Item::Text(text) => fnv1a(&[b"text\0", text.as_bytes()]),
            Item::Image(bytes) => fnv1a(&[b"image\0", bytes]),
        }
    }

    /// How the log shows it: the text, or the image's hash.
    fn describe(&self) -> String {
        match self {
            Item::Text(text) => text.clone(),
            Item::Image(_) => format!("image:{:016x}", self.identity()),
        }
    }

    fn tokens(&self) -> u64 {
        match self {
            Item::Text(text) => (text.chars().count().div_ceil(4) as u64).max(1),
            Item::Image(_) => 1000,
        }
    }
}

/// The vector of an input: see the module's documentation.
fn vector(item: &Item, dimensions: usize, normalized: bool) -> Vec<f32> {
    let mut state = item.identity();
    let mut values: Vec<f64> = (0..dimensions)
        .map(|_| {
            state = splitmix64(state);
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect();
    if normalized {
        let norm = values.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            values.iter_mut().for_each(|v| *v /= norm);
        }
    }
    values.into_iter().map(|v| v as f32).collect()
}

fn splitmix64(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A vector in an `embedding_type` / `encoding_format`: numbers, base64 of little-endian
/// 32-bit floats, or sign bits packed 8 to a byte (Jina's `ubinary`, and `binary` as signed
/// bytes).
fn encode(vector: &[f32], kind: &str) -> Value {
    match kind {
        "base64" => {
            let bytes: Vec<u8> = vector.iter().flat_map(|v| v.to_le_bytes()).collect();
            json!(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        "binary" | "ubinary" => {
            let packed = vector.chunks(8).map(|chunk| {
                chunk
                    .iter()
                    .enumerate()
                    .fold(0u8, |byte, (i, v)| byte | (u8::from(*v > 0.0) << (7 - i)))
            });
            if kind == "binary" {
                json!(packed.map(|b| i16::from(b) - 128).collect::<Vec<_>>())
            } else {
                json!(packed.collect::<Vec<_>>())
            }
        }
        _ => json!(vector),
    }
}

/// An image input's bytes: a data URL's or plain base64's decoded, a URL's text.
fn image(source: &str) -> Result<Item, String> {
    if source.starts_with("http://") || source.starts_with("https://") {
        return Ok(Item::Image(source.as_bytes().to_vec()));
    }
    let data = match source.strip_prefix("data:") {
        Some(rest) => match rest.split_once(',') {
            Some((meta, data)) if meta.ends_with(";base64") => data,
            _ => return Err("a data URL that is not base64".into()),
        },
        None => source,
    };
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map(Item::Image)
        .map_err(|e| format!("an image that is neither a URL nor base64: {e}"))
}

/// Runs the script for the inputs and waits out the latency; the fault otherwise.
fn admit(ex: &mut Exchange<'_>, items: &[Item]) -> Result<(), Fault> {
    let subject: Vec<String> = items.iter().map(Item::describe).collect();
    let admission = ex.admit(&subject.join(" | "), None)?;
    ex.hold(ex.config().latency_ms + admission.hang_ms);
    Ok(())
}

fn data(items: &[Item], dimensions: usize, normalized: bool, kind: &str) -> Vec<Value> {
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let embedding = encode(&vector(item, dimensions, normalized), kind);
            json!({ "object": "embedding", "index": index, "embedding": embedding })
        })
        .collect()
}

pub(crate) struct Jina;

fn detail(status: u16, detail: &str) -> Reply {
    Reply::json(status, &json!({ "detail": detail }))
}

/// FastAPI's 422: each problem with its location (`["body", "input"]`), message and type.
fn jina_unprocessable(ex: &mut Exchange<'_>, problems: &[(Vec<&str>, String, &str)]) -> Reply {
    ex.refuse(
        problems
            .iter()
            .map(|(loc, msg, _)| format!("{}: {msg}", loc.join(".")))
            .collect::<Vec<_>>()
            .join("; "),
    );
    let detail: Vec<Value> = problems
        .iter()
        .map(|(loc, msg, kind)| json!({ "type": kind, "loc": loc, "msg": msg }))
        .collect();
    Reply::json(422, &json!({ "detail": detail }))
}

impl Api for Jina {
    fn fault(&self, fault: Fault) -> Reply {
        match fault {
            Fault::Unavailable => detail(503, "Service Unavailable"),
            Fault::QuotaExhausted => detail(
                402,
                "Insufficient balance: top up your API key's tokens to continue.",
            ),
            Fault::RateLimited { retry_after_s } => {
                detail(429, "Rate limit exceeded, please try again later.")
                    .with_header("retry-after", retry_after_s.to_string())
            }
            Fault::ServerError => detail(500, "Internal Server Error"),
        }
    }

    fn answer(&self, request: &Incoming, ex: &mut Exchange<'_>) -> Reply {
        if request.path != "/v1/embeddings" {
            ex.refuse(format!("no such path: {} {}", request.method, request.path));
            return detail(404, "Not Found");
        }
        if request.method != "POST" {
            ex.refuse(format!(
                "{} is not allowed on {}",
                request.method, request.path
            ));
            return detail(405, "Method Not Allowed");
        }
        if ex.credential(request, &["Bearer"]) != Credential::Right {
            ex.refuse("no valid API key in the authorization header");
            return detail(
                401,
                "Invalid API key. Please get a new API key at https://jina.ai/embeddings/.",
            );
        }
        let body = match schema::object(&request.body) {
            Ok(body) if request.media_type() == "application/json" => body,
            Ok(_) => {
                let problem = "the content-type is not application/json".to_string();
                return jina_unprocessable(ex, &[(vec!["body"], problem, "model_attributes_type")]);
            }
            Err(why) => return jina_unprocessable(ex, &[(vec!["body"], why, "json_invalid")]),
        };
        let found = schema::check(JINA_FIELDS, &body, false);
        let mut problems: Vec<(Vec<&str>, String, &str)> = found
            .iter()
            .map(|p| {
                let kind = match p {
                    Problem::Unknown(_) => "extra_forbidden",
                    Problem::Missing(_) => "missing",
                    Problem::Invalid { .. } => "value_error",
                };
                (vec!["body", p.field()], p.message(), kind)
            })
            .collect();
        let items = match jina_items(body.get("input")) {
            Ok(items) => items,
            Err(why) => {
                problems.push((vec!["body", "input"], why, "value_error"));
                Vec::new()
            }
        };
        if !problems.is_empty() {
            return jina_unprocessable(ex, &problems);
        }
        if let Err(fault) = admit(ex, &items) {
            return self.fault(fault);
        }
        let dimensions = body
            .get("dimensions")
            .and_then(Value::as_u64)
            .map_or(ex.config().dimension, |d| d as usize);
        let normalized = body
            .get("normalized")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let kind = body
            .get("embedding_type")
            .and_then(Value::as_str)
            .unwrap_or("float");
        let tokens: u64 = items.iter().map(Item::tokens).sum();
        Reply::json(
            200,
            &json!({
                "model": body.get("model"),
                "object": "list",
                "usage": { "total_tokens": tokens, "prompt_tokens": tokens },
                "data": data(&items, dimensions, normalized, kind),
            }),
        )
    }
}

/// Jina's inputs: a text, or a list of texts and `{"text"}` / `{"image"}` objects.
fn jina_items(input: Option<&Value>) -> Result<Vec<Item>, String> {
    let list = match input {
        Some(Value::String(text)) => return Ok(vec![Item::Text(text.clone())]),
        Some(Value::Array(list)) if !list.is_empty() => list,
        Some(Value::Array(_)) => return Err("the input list is empty".into()),
        Some(other) => return Err(format!("input is {}, not a list", schema::type_name(other))),
        None => return Ok(Vec::new()),
    };
    list.iter()
        .enumerate()
        .map(|(i, entry)| match entry {
            Value::String(text) => Ok(Item::Text(text.clone())),
            Value::Object(object) if object.len() == 1 => {
                match (object.get("text"), object.get("image")) {
                    (Some(Value::String(text)), _) => Ok(Item::Text(text.clone())),
                    (_, Some(Value::String(source))) => {
                        image(source).map_err(|e| format!("input[{i}]: {e}"))
                    }
                    _ => Err(format!(
                        "input[{i}] must be {{\"text\": string}} or {{\"image\": string}}"
                    )),
                }
            }
            other => Err(format!(
                "input[{i}] is {}, not a string or an object with one text or image",
                schema::type_name(other)
            )),
        })
        .collect()
}

pub(crate) struct Infinity;

fn openai_error(status: u16, message: &str, kind: &str, param: Option<&str>) -> Reply {
    Reply::json(
        status,
        &json!({ "error": { "message": message, "type": kind, "param": param, "code": status } }),
    )
}

impl Api for Infinity {
    fn fault(&self, fault: Fault) -> Reply {
        match fault {
            Fault::Unavailable => {
                openai_error(503, "Service Unavailable", "ServiceUnavailable", None)
            }
            Fault::QuotaExhausted => openai_error(402, "Payment Required", "PaymentRequired", None),
            Fault::RateLimited { retry_after_s } => {
                openai_error(429, "Too many requests", "TooManyRequests", None)
                    .with_header("retry-after", retry_after_s.to_string())
            }
            Fault::ServerError => {
                openai_error(500, "Internal Server Error", "InternalServerError", None)
            }
        }
    }

    fn answer(&self, request: &Incoming, ex: &mut Exchange<'_>) -> Reply {
        if request.path != "/embeddings" {
            ex.refuse(format!("no such path: {} {}", request.method, request.path));
            return openai_error(404, "Not Found", "NotFound", None);
        }
        if request.method != "POST" {
            ex.refuse(format!(
                "{} is not allowed on {}",
                request.method, request.path
            ));
            return openai_error(405, "Method Not Allowed", "MethodNotAllowed", None);
        }
        if ex.config().key.is_some() && ex.credential(request, &["Bearer"]) != Credential::Right {
            ex.refuse("no valid API key in the authorization header");
            return openai_error(401, "Unauthorized", "Unauthorized", None);
        }
        let body = match schema::object(&request.body) {
            Ok(body) if request.media_type() == "application/json" => body,
            Ok(_) => {
                ex.refuse("content-type is not application/json");
                return openai_error(422, "the body must be JSON", "RequestValidationError", None);
            }
            Err(why) => {
                ex.refuse(why.clone());
                return openai_error(422, &why, "RequestValidationError", None);
            }
        };
        if let Some(problem) = schema::check(INFINITY_FIELDS, &body, false)
            .into_iter()
            .next()
        {
            ex.refuse(problem.message());
            return openai_error(
                422,
                &problem.message(),
                "RequestValidationError",
                Some(problem.field()),
            );
        }
        let model = body.get("model").and_then(Value::as_str).unwrap_or("");
        if let Some(served) = ex.config().model.clone().filter(|m| m != model) {
            ex.refuse(format!("model {model:?} is not served (only {served:?})"));
            return openai_error(
                400,
                &format!("Invalid model `{model}`. Available models: `['{served}']`"),
                "BadRequestError",
                Some("model"),
            );
        }
        let modality = body
            .get("modality")
            .and_then(Value::as_str)
            .unwrap_or("text");
        let items = match infinity_items(body.get("input"), modality) {
            Ok(items) => items,
            Err(problem) => {
                ex.refuse(problem.message());
                return openai_error(
                    422,
                    &problem.message(),
                    "RequestValidationError",
                    Some("input"),
                );
            }
        };
        if let Err(fault) = admit(ex, &items) {
            return self.fault(fault);
        }
        let dimensions = body
            .get("dimensions")
            .and_then(Value::as_u64)
            .map_or(ex.config().dimension, |d| d as usize);
        let kind = body
            .get("encoding_format")
            .and_then(Value::as_str)
            .unwrap_or("float");
        let tokens: u64 = items.iter().map(Item::tokens).sum();
        let created = ex.unix_ms() / 1000;
        let id = format!("infinity-{}", uuid_like(&items, ex.unix_ms()));
        Reply::json(
            200,
            &json!({
                "object": "list",
                "data": data(&items, dimensions, true, kind),
                "model": model,
                "usage": { "prompt_tokens": tokens, "total_tokens": tokens },
                "id": id,
                "created": created,
            }),
        )
    }
}

/// Infinity's inputs: a string or a non-empty list of strings; for images and audio, each a data
/// URL or a URL.
fn infinity_items(input: Option<&Value>, modality: &str) -> Result<Vec<Item>, Problem> {
    let invalid = |value: String| Problem::Invalid {
        field: "input",
        why: Why::NotOneOf {
            allowed: &["a string", "a non-empty list of strings"],
            value,
        },
    };
    let texts: Vec<&str> = match input {
        Some(Value::String(text)) => vec![text],
        Some(Value::Array(list)) if !list.is_empty() => list
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| invalid(schema::type_name(v).into()))
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(invalid(schema::type_name(other).into())),
        None => return Err(Problem::Missing("input")),
    };
    texts
        .into_iter()
        .map(|text| match modality {
            "text" => Ok(Item::Text(text.to_string())),
            _ if text.starts_with("data:") || text.starts_with("http") => {
                image(text).map_err(invalid)
            }
            _ => Err(invalid(format!(
                "{modality} input that is not a data URL or URL"
            ))),
        })
        .collect()
}

/// A UUID-shaped id, unique enough for a test server.
fn uuid_like(items: &[Item], unix_ms: u64) -> String {
    let a = fnv1a(&[&unix_ms.to_le_bytes()]);
    let b = items
        .iter()
        .fold(a, |h, item| h ^ item.identity().rotate_left(17));
    let hex = format!("{a:016x}{b:016x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_depend_on_the_input_alone_and_share_a_prefix_across_dimensions() {
        let png = Item::Image(vec![1, 2, 3]);
        let long = vector(&png, 64, false);
        let short = vector(&png, 16, false);
        assert_eq!(&long[..16], &short[..]);
        assert_eq!(
            vector(&png, 64, true),
            vector(&Item::Image(vec![1, 2, 3]), 64, true)
        );
        assert_ne!(
            vector(&png, 8, true),
            vector(&Item::Image(vec![1, 2, 4]), 8, true)
        );
        let unit = vector(&Item::Text("dress".into()), 512, true);
        let norm: f32 = unit.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
        // The same bytes, as base64 or as a data URL.
        let b64 = base64::engine::general_purpose::STANDARD.encode([1u8, 2, 3]);
        assert_eq!(image(&b64).unwrap(), png);
        assert_eq!(image(&format!("data:image/png;base64,{b64}")).unwrap(), png);
        assert!(image("data:image/png,raw").is_err());
    }

    #[test]
    fn encodings_pack_the_same_vector() {
        let v = [0.5f32, -0.25, 0.1, -0.1, 1.0, 1.0, -1.0, 0.0, 0.3];
        assert_eq!(encode(&v, "ubinary"), json!([0b1010_1100, 0b1000_0000]));
        assert_eq!(encode(&v, "binary"), json!([0b1010_1100 - 128, 0]));
        let b64 = encode(&v[..1], "base64");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        assert_eq!(f32::from_le_bytes(bytes.try_into().unwrap()), 0.5);
    }
}
