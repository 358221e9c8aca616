//! The HTTP API, independent of the HTTP server: a request's method, path, key and body in, a
//! status and a JSON body out.
//!
//! The routes and shapes are those of a self-hosted Infinity server, so the product's
//! OpenAI-style embedding client (`bff_providers::embeddings`, shape `OpenAiStyle`) talks to this
//! server unchanged:
//! - `POST /embeddings` `{"model", "input": [..] or "..", "modality": "image" | "text",
//!   "encoding_format": "float", "dimensions"}` answers `{"object": "list", "data": [{"object":
//!   "embedding", "embedding": [..], "index": i}, ..], "model", "usage": {"prompt_tokens",
//!   "total_tokens"}, "id", "created"}`, vectors L2-normalised, `data[i]` for `input[i]`.
//!   Images are data URLs (`data:image/png;base64,..`, PNG or JPEG); `modality` defaults to
//!   `text`, as in Infinity.
//! - `GET /health` answers `{"unix": <seconds>}` and needs no key, so a supervisor can probe it.
//! - `GET /models` answers `{"object": "list", "data": [{"id", "object": "model", ..}]}`.
//!
//! Errors are OpenAI's `{"error": {"message", "type", "code"}}`: 400 for a request that cannot
//! be served as sent (unknown field, empty or oversized batch, bad base64, not an image, unknown
//! modality or model), 401 for a missing or wrong key when one is set, 404 for unknown paths,
//! 405 for a wrong method, 500 if the model fails. The server adds 413 for a body over
//! [`MAX_BODY_BYTES`], 411 for a body without a length, 431 for an oversized head and 503 when
//! too many connections are open.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::model::{ClipEmbedder, EmbedError};

/// The most inputs one request may carry: a batch of 64 base64 images at the size the product
/// renders is well within [`MAX_BODY_BYTES`], and a bigger batch would hold a worker (and its
/// activations' memory) for long.
pub const MAX_INPUTS: usize = 64;

/// The largest request body read, in bytes; larger ones are answered 413 unread.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// An answer: an HTTP status and a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// The JSON text. Vectors are written from their `f32`s (shortest form that reads back to
    /// the same `f32`), about half the length of the same numbers written as `f64`.
    pub body: String,
}

impl Reply {
    fn json(status: u16, body: &impl Serialize) -> Self {
        let body = serde_json::to_string(body).unwrap_or_else(|e| {
            json!({ "error": { "message": format!("cannot write the answer: {e}"),
                                "type": "server_error", "code": "internal_error" } })
            .to_string()
        });
        Self { status, body }
    }

    /// An OpenAI-style error. `type` is OpenAI's: `invalid_request_error` for anything the
    /// caller can fix (OpenAI uses it for a bad key too), `server_error` otherwise.
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        let (kind, code) = match status {
            401 => ("invalid_request_error", "invalid_api_key"),
            404 => ("invalid_request_error", "not_found"),
            405 => ("invalid_request_error", "method_not_allowed"),
            413 => ("invalid_request_error", "request_too_large"),
            400..=499 => ("invalid_request_error", "invalid_request"),
            _ => ("server_error", "internal_error"),
        };
        Self::json(
            status,
            &json!({ "error": { "message": message.into(), "type": kind, "code": code } }),
        )
    }

    /// The body as a JSON value.
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Serialize)]
struct EmbeddingList<'a> {
    object: &'static str,
    data: Vec<EmbeddingItem>,
    model: &'a str,
    usage: Usage,
    id: String,
    created: u64,
}

#[derive(Serialize)]
struct EmbeddingItem {
    object: &'static str,
    embedding: Vec<f32>,
    index: usize,
}

#[derive(Serialize)]
struct Usage {
    prompt_tokens: usize,
    total_tokens: usize,
}

/// What the API needs of a request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The request target; a query string is ignored.
    pub path: &'a str,
    /// The `Authorization` header, if any.
    pub authorization: Option<&'a str>,
    pub body: &'a [u8],
}

/// The API over one model.
pub struct Api {
    embedder: Arc<ClipEmbedder>,
    name: String,
    api_key: Option<String>,
    requests: AtomicU64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmbeddingRequest {
    #[serde(default)]
    model: Option<String>,
    input: Input,
    #[serde(default)]
    modality: Option<String>,
    #[serde(default)]
    encoding_format: Option<String>,
    /// OpenAI's truncation request. CLIP vectors are not Matryoshka-trained, so only the model's
    /// own dimension is accepted; the product's client sends it when configured.
    #[serde(default)]
    dimensions: Option<u64>,
    /// OpenAI's end-user tag: accepted and ignored, as OpenAI-compatible servers do.
    #[serde(default)]
    #[allow(dead_code)]
    user: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Input {
    One(String),
    Many(Vec<String>),
}

impl Api {
    /// `name` is the model id the API reports and accepts; `api_key`, when set, is required as
    /// `Authorization: Bearer <key>` on every route but `/health`.
    pub fn new(embedder: Arc<ClipEmbedder>, name: String, api_key: Option<String>) -> Self {
        Self {
            embedder,
            name,
            api_key: api_key.filter(|key| !key.is_empty()),
            requests: AtomicU64::new(0),
        }
    }

    /// The model id served.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The length of every vector.
    pub fn dimension(&self) -> usize {
        self.embedder.dimension()
    }

    /// Answers one request. Never panics on any input.
    pub fn handle(&self, request: &Request<'_>) -> Reply {
        let path = request.path.split('?').next().unwrap_or_default();
        let (route, method) = match path {
            "/health" => ("health", "GET"),
            "/models" => ("models", "GET"),
            "/embeddings" => ("embeddings", "POST"),
            _ => return Reply::error(404, format!("no route {path}")),
        };
        if request.method != method {
            return Reply::error(405, format!("{path} takes {method}"));
        }
        if route == "health" {
            return Reply::json(200, &json!({ "unix": unix_seconds() }));
        }
        if !self.authorised(request.authorization) {
            return Reply::error(
                401,
                "missing or wrong API key: send it as Authorization: Bearer <key>",
            );
        }
        match route {
            "models" => {
                let models = json!({
                    "object": "list",
                    "data": [{
                        "id": self.name,
                        "object": "model",
                        "owned_by": "bff-clip",
                        "created": unix_seconds() as u64,
                        "dimension": self.dimension(),
                    }],
                });
                Reply::json(200, &models)
            }
            _ => self.embeddings(request.body),
        }
    }

    fn authorised(&self, header: Option<&str>) -> bool {
        let Some(key) = &self.api_key else {
            return true;
        };
        // The scheme is case-insensitive (RFC 9110); the key is not.
        let Some(given) = header
            .map(str::trim)
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, key)| key)
        else {
            return false;
        };
        // Compare every byte whatever the first difference, so the answer's timing does not
        // tell how much of a guessed key was right.
        let (a, b) = (given.trim().as_bytes(), key.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    fn embeddings(&self, body: &[u8]) -> Reply {
        let request: EmbeddingRequest = match serde_json::from_slice(body) {
            Ok(request) => request,
            Err(e) => return Reply::error(400, format!("invalid request body: {e}")),
        };
        if let Some(model) = request.model.as_deref() {
            if model != self.name {
                return Reply::error(
                    400,
                    format!(
                        "model \"{model}\" is not served here; this server serves \"{}\"",
                        self.name
                    ),
                );
            }
        }
        match request.encoding_format.as_deref() {
            None | Some("float") => {}
            Some(other) => {
                return Reply::error(
                    400,
                    format!("encoding_format \"{other}\" is not supported; use \"float\""),
                )
            }
        }
        if let Some(asked) = request.dimensions {
            if usize::try_from(asked).ok() != Some(self.dimension()) {
                return Reply::error(
                    400,
                    format!(
                        "dimensions {asked} is not available: this model's vectors have {} dimensions",
                        self.dimension()
                    ),
                );
            }
        }
        let inputs = match request.input {
            Input::One(one) => vec![one],
            Input::Many(many) => many,
        };
        if inputs.is_empty() {
            return Reply::error(400, "input is empty");
        }
        if inputs.len() > MAX_INPUTS {
            return Reply::error(
                400,
                format!(
                    "{} inputs in one request; at most {MAX_INPUTS}",
                    inputs.len()
                ),
            );
        }
        let embedded = match request.modality.as_deref().unwrap_or("text") {
            "text" => {
                let texts: Vec<&str> = inputs.iter().map(String::as_str).collect();
                self.embedder.embed_texts(&texts)
            }
            "image" => {
                let mut images = Vec::with_capacity(inputs.len());
                for (index, input) in inputs.iter().enumerate() {
                    match decode_data_url(input) {
                        Ok(bytes) => images.push(bytes),
                        Err(message) => {
                            return Reply::error(400, format!("input {index}: {message}"))
                        }
                    }
                }
                let images: Vec<&[u8]> = images.iter().map(Vec::as_slice).collect();
                self.embedder.embed_images(&images)
            }
            other => {
                return Reply::error(
                    400,
                    format!("modality \"{other}\" is not served; use \"image\" or \"text\""),
                )
            }
        };
        let embedded = match embedded {
            Ok(embedded) => embedded,
            Err(EmbedError::Input { index, message }) => {
                return Reply::error(400, format!("input {index}: {message}"))
            }
            Err(e @ EmbedError::Model(_)) => return Reply::error(500, e.to_string()),
        };
        let data = embedded
            .vectors
            .into_iter()
            .enumerate()
            .map(|(index, embedding)| EmbeddingItem {
                object: "embedding",
                embedding,
                index,
            })
            .collect();
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        Reply::json(
            200,
            &EmbeddingList {
                object: "list",
                data,
                model: &self.name,
                usage: Usage {
                    prompt_tokens: embedded.tokens,
                    total_tokens: embedded.tokens,
                },
                id: format!("bff-clip-{n}"),
                created: unix_seconds() as u64,
            },
        )
    }
}

/// The bytes of a base64 data URL (`data:<type>;base64,<data>`). What the bytes are is decided
/// by decoding them, not by the declared type, as browsers and Infinity do.
fn decode_data_url(input: &str) -> Result<Vec<u8>, String> {
    let Some(rest) = input.strip_prefix("data:") else {
        let shown: String = input.chars().take(24).collect();
        return Err(format!(
            "an image must be a base64 data URL (data:image/png;base64,...), not \"{shown}...\"; URLs are not fetched"
        ));
    };
    let Some((header, data)) = rest.split_once(',') else {
        return Err("a data URL without a comma".into());
    };
    if !header.ends_with(";base64") {
        return Err("a data URL that is not base64 (no \";base64\")".into());
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    // Line-wrapped base64 (MIME style) is still base64.
    let decoded = if data.bytes().any(|b| b.is_ascii_whitespace()) {
        let joined: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        engine.decode(joined)
    } else {
        engine.decode(data)
    };
    match decoded {
        Ok(bytes) if bytes.is_empty() => Err("an empty image".into()),
        Ok(bytes) => Ok(bytes),
        Err(e) => Err(format!("bad base64: {e}")),
    }
}

fn unix_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls_are_decoded_or_refused_with_the_reason() {
        assert_eq!(
            decode_data_url("data:image/png;base64,aGVsbG8=").unwrap(),
            b"hello"
        );
        assert_eq!(
            decode_data_url("data:image/jpeg;base64,aGVsbG8").unwrap(),
            b"hello"
        );
        assert_eq!(
            decode_data_url("data:image/png;base64,aGVs\nbG8=").unwrap(),
            b"hello"
        );
        for (input, reason) in [
            ("aGVsbG8=", "base64 data URL"),
            ("https://example.invalid/a.png", "URLs are not fetched"),
            ("data:image/png;base64", "without a comma"),
            ("data:image/png,aGVsbG8=", "not base64"),
            ("data:image/png;base64,a*b!", "bad base64"),
            ("data:image/png;base64,", "empty image"),
        ] {
            let error = decode_data_url(input).unwrap_err();
            assert!(error.contains(reason), "{input}: {error}");
        }
    }

    #[test]
    fn errors_have_openais_shape() {
        let reply = Reply::error(400, "no").value();
        assert_eq!(reply["error"]["message"], "no");
        assert_eq!(reply["error"]["type"], "invalid_request_error");
        assert_eq!(
            Reply::error(500, "x").value()["error"]["type"],
            "server_error"
        );
    }
}
