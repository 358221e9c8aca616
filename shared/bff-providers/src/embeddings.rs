//! CLIP embedding services over HTTP: one vector per image (to cluster and select designs) and
//! one per text (the prompts of zero-shot tagging), from one of two wire shapes ([`Shape`]).
//!
//! - Jina (`jina-clip-v2`): `POST {base}/v1/embeddings` (`base` is `https://api.jina.ai`) with a
//!   bearer key and `{"model", "input": [{"image": <base64>}, ..] or [{"text": ".."}, ..],
//!   "dimensions" (when configured), "normalized": true, "embedding_type": "float"}`.
//! - OpenAI-style, self-hosted (Infinity, or any server of the same shape): `POST {base}/embeddings`
//!   (`base` includes any prefix the server has, e.g. `http://127.0.0.1:7997`), a bearer key only
//!   when one is configured, and `{"model", "input": ["data:image/png;base64,..", ..] or
//!   [".."], "modality": "image" | "text", "encoding_format": "float", "dimensions" (when
//!   configured)}`.
//!
//! Both answer `{"object": "list", "model", "usage", "data": [{"object": "embedding", "index",
//! "embedding": [..]}, ..]}`. [`read`] puts the vectors back in the order of the inputs by their
//! `index` (a server may answer out of order) and checks the answer whole: one vector per input,
//! every index once, all of one non-zero dimension (the configured one, when there is one), every
//! value finite. A batch of base64 images is a third larger than the images: the caller chooses
//! batch sizes that fit its memory and the service's request limit.
//!
//! Failures are the providers' [`Failure`] (never `Moderated`): 401 and 403 and 402 (Jina's
//! exhausted balance) stop the job, 429, 408 and 5xx are retried (after `retry-after` when given),
//! other 4xx are rejected, and a success that breaks the checks above is malformed. Error bodies
//! are read in each service's form to name the reason: FastAPI's `{"detail": ".."}` or
//! `{"detail": [{"msg": ..}, ..]}` (Jina, and Infinity's validation errors) and
//! `{"error": {"message": ..}}` (Infinity's OpenAI-style errors).
//!
//! [`health_call`] checks that the service answers at no cost. Infinity has `GET {base}/health`
//! (`{"unix": <seconds>}`). Jina documents no free health route, so its health call is a
//! `GET {base}/` without the key, and any answer below 500, even a 404 or 405, counts as
//! reachable: what is checked is that the service answers, not that the key is good (the first
//! embedding call stops the job on a bad key). Only a transport error (no reply at all, seen by
//! the caller) or a 5xx counts as unreachable.

use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::failure::{self, Failure};
use crate::{HttpCall, HttpReply};

/// The wire shape of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Jina's embeddings API.
    Jina,
    /// An OpenAI-style embeddings server with a `modality` field (Infinity).
    OpenAiStyle,
}

/// A deployment's embedding service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `https://api.jina.ai`, or the self-hosted server's address.
    pub base_url: String,
    /// Required by Jina; a self-hosted server may have none.
    pub api_key: Option<String>,
    /// `jina-clip-v2`, or the model the server serves (e.g. `patrickjohncyh/fashion-clip`).
    pub model: String,
    /// The vectors' dimension to ask for (truncated Matryoshka embeddings) and to check; `None`
    /// takes the model's own.
    pub dimensions: Option<u32>,
    pub shape: Shape,
}

/// The vectors of one batch, in the order of its inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    /// The model that answered (the configured one when the answer names none).
    pub model: String,
    /// The length of every vector.
    pub dimension: usize,
    pub vectors: Vec<Vec<f32>>,
}

/// The longest error text kept from a service's answer: a validation error may quote its input,
/// which can be a base64 image.
const MAX_DETAIL_CHARS: usize = 300;

fn provider(config: &Config) -> &'static str {
    match config.shape {
        Shape::Jina => "jina",
        Shape::OpenAiStyle => "embedding service",
    }
}

fn base(config: &Config) -> &str {
    config.base_url.trim_end_matches('/')
}

fn post(config: &Config, body: Value) -> HttpCall {
    let url = match config.shape {
        Shape::Jina => format!("{}/v1/embeddings", base(config)),
        Shape::OpenAiStyle => format!("{}/embeddings", base(config)),
    };
    let mut headers = Vec::new();
    if let Some(key) = &config.api_key {
        headers.push(("authorization".into(), format!("Bearer {key}")));
    }
    headers.push(("content-type".into(), "application/json".into()));
    HttpCall {
        method: "POST",
        url,
        headers,
        body: body.to_string().into_bytes(),
    }
}

/// The body of a call: the inputs and the fields each shape takes with them.
fn body(config: &Config, input: Vec<Value>, modality: &str) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), config.model.clone().into());
    body.insert("input".into(), input.into());
    if let Some(dimensions) = config.dimensions {
        body.insert("dimensions".into(), dimensions.into());
    }
    match config.shape {
        Shape::Jina => {
            body.insert("normalized".into(), true.into());
            body.insert("embedding_type".into(), "float".into());
        }
        Shape::OpenAiStyle => {
            body.insert("modality".into(), modality.into());
            body.insert("encoding_format".into(), "float".into());
        }
    }
    Value::Object(body)
}

/// The request that embeds a batch of PNG images (sent base64).
pub fn image_call(config: &Config, pngs: &[&[u8]]) -> HttpCall {
    let b64 = |png: &&[u8]| base64::engine::general_purpose::STANDARD.encode(png);
    let input = match config.shape {
        Shape::Jina => pngs.iter().map(|p| json!({ "image": b64(p) })).collect(),
        Shape::OpenAiStyle => pngs
            .iter()
            .map(|p| Value::String(format!("data:image/png;base64,{}", b64(p))))
            .collect(),
    };
    post(config, body(config, input, "image"))
}

/// The request that embeds a batch of texts (zero-shot tagging prompts).
pub fn text_call(config: &Config, texts: &[&str]) -> HttpCall {
    let input = match config.shape {
        Shape::Jina => texts.iter().map(|t| json!({ "text": t })).collect(),
        Shape::OpenAiStyle => texts.iter().map(|t| Value::from(*t)).collect(),
    };
    post(config, body(config, input, "text"))
}

/// The request that checks the service answers, at no cost: see the module's notes.
pub fn health_call(config: &Config) -> HttpCall {
    match config.shape {
        Shape::Jina => HttpCall {
            method: "GET",
            url: format!("{}/", base(config)),
            headers: Vec::new(),
            body: Vec::new(),
        },
        Shape::OpenAiStyle => HttpCall {
            method: "GET",
            url: format!("{}/health", base(config)),
            headers: config
                .api_key
                .iter()
                .map(|key| ("authorization".to_string(), format!("Bearer {key}")))
                .collect(),
            body: Vec::new(),
        },
    }
}

/// Reads the reply to [`health_call`]: `Ok` when the service answers (Jina: any status below
/// 500; Infinity: a 2xx `{"unix": ..}`).
pub fn read_health(config: &Config, reply: &HttpReply) -> Result<(), Failure> {
    let name = provider(config);
    match config.shape {
        Shape::Jina if reply.status < 500 => Ok(()),
        Shape::OpenAiStyle if (200..300).contains(&reply.status) => {
            let unix = serde_json::from_slice::<Value>(&reply.body)
                .ok()
                .and_then(|v| v.get("unix").and_then(Value::as_f64));
            match unix {
                Some(_) => Ok(()),
                None => Err(Failure::Malformed {
                    message: format!("{name}: the health answer has no \"unix\" time"),
                }),
            }
        }
        _ => Err(failure::by_status(reply, name, &error_detail(&reply.body))),
    }
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    model: Option<String>,
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    index: Option<usize>,
    embedding: Vec<f32>,
}

/// Reads the reply to [`image_call`] or [`text_call`] for a batch of `expected` inputs.
pub fn read(config: &Config, reply: &HttpReply, expected: usize) -> Result<Embeddings, Failure> {
    let name = provider(config);
    if !(200..300).contains(&reply.status) {
        let detail = error_detail(&reply.body);
        return Err(match reply.status {
            402 => Failure::Stop {
                message: format!(
                    "{name}: payment required ({detail}); top up the account's balance"
                ),
            },
            _ => failure::by_status(reply, name, &detail),
        });
    }
    let malformed = |message: String| Failure::Malformed {
        message: format!("{name}: {message}"),
    };
    let answer: Answer = serde_json::from_slice(&reply.body)
        .map_err(|e| malformed(format!("unreadable answer: {e}")))?;
    if expected == 0 || answer.data.is_empty() {
        return Err(malformed("an answer without vectors".into()));
    }
    if answer.data.len() != expected {
        return Err(malformed(format!(
            "{} vectors for {expected} inputs",
            answer.data.len()
        )));
    }
    let mut slots: Vec<Option<Vec<f32>>> = vec![None; expected];
    for (position, item) in answer.data.into_iter().enumerate() {
        let index = item.index.unwrap_or(position);
        let slot = slots
            .get_mut(index)
            .ok_or_else(|| malformed(format!("index {index} of {expected} inputs")))?;
        if slot.is_some() {
            return Err(malformed(format!("index {index} answered twice")));
        }
        *slot = Some(item.embedding);
    }
    // Every slot is filled: `expected` distinct indices below `expected`.
    let vectors: Vec<Vec<f32>> = slots.into_iter().flatten().collect();
    let dimension = vectors[0].len();
    if dimension == 0 {
        return Err(malformed("an empty vector".into()));
    }
    if let Some(asked) = config.dimensions {
        if usize::try_from(asked).ok() != Some(dimension) {
            return Err(malformed(format!(
                "vectors of {dimension} dimensions, not the {asked} configured"
            )));
        }
    }
    for (index, vector) in vectors.iter().enumerate() {
        if vector.len() != dimension {
            return Err(malformed(format!(
                "vector {index} has {} dimensions, vector 0 has {dimension}",
                vector.len()
            )));
        }
        if let Some(at) = vector.iter().position(|v| !v.is_finite()) {
            return Err(malformed(format!(
                "vector {index} holds {} at {at}",
                vector[at]
            )));
        }
    }
    Ok(Embeddings {
        model: answer.model.unwrap_or_else(|| config.model.clone()),
        dimension,
        vectors,
    })
}

/// The reason an error body gives, in any of the services' forms; empty when it gives none.
fn error_detail(body: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return String::new();
    };
    let reason = ["detail", "error", "message"]
        .iter()
        .find_map(|key| value.get(*key))
        .map(describe)
        .unwrap_or_default();
    match reason.char_indices().nth(MAX_DETAIL_CHARS) {
        Some((byte, _)) => format!("{}...", &reason[..byte]),
        None => reason,
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(describe)
            .filter(|text| !text.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(fields) => ["message", "msg", "detail", "error"]
            .iter()
            .find_map(|key| fields.get(*key))
            .map_or_else(|| value.to_string(), describe),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, png};

    fn config(shape: Shape) -> Config {
        Config {
            base_url: "http://127.0.0.1:9/".into(),
            api_key: Some("jina_secret_key".into()),
            model: "jina-clip-v2".into(),
            dimensions: None,
            shape,
        }
    }

    fn reply(status: u16, body: Value) -> HttpReply {
        testing::reply(status, &[], body.to_string())
    }

    fn answer(items: &[(usize, Vec<f32>)]) -> Value {
        let data: Vec<Value> = items
            .iter()
            .map(|(index, v)| json!({ "object": "embedding", "index": index, "embedding": v }))
            .collect();
        json!({
            "model": "jina-clip-v2",
            "object": "list",
            "usage": { "total_tokens": 10, "prompt_tokens": 10 },
            "data": data,
        })
    }

    #[test]
    fn jina_calls_carry_images_or_texts_as_objects() {
        let c = Config {
            dimensions: Some(512),
            ..config(Shape::Jina)
        };
        let a = png(2, 2);
        let b = png(3, 3);
        let call = image_call(&c, &[&a, &b]);
        assert_eq!(call.method, "POST");
        assert_eq!(call.url, "http://127.0.0.1:9/v1/embeddings");
        assert!(call
            .headers
            .contains(&("authorization".into(), "Bearer jina_secret_key".into())));
        let body: Value = serde_json::from_slice(&call.body).unwrap();
        assert_eq!(body["model"], "jina-clip-v2");
        assert_eq!(body["dimensions"], 512);
        assert_eq!(body["normalized"], true);
        assert_eq!(body["embedding_type"], "float");
        assert!(body.get("modality").is_none());
        let first = body["input"][0]["image"].as_str().unwrap();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(first)
                .unwrap(),
            a
        );
        assert_eq!(body["input"].as_array().unwrap().len(), 2);
        let text: Value =
            serde_json::from_slice(&text_call(&c, &["a linen dress", "a wool coat"]).body).unwrap();
        assert_eq!(
            text["input"],
            json!([{ "text": "a linen dress" }, { "text": "a wool coat" }])
        );
        // Without configured dimensions none are asked for.
        let plain: Value =
            serde_json::from_slice(&text_call(&config(Shape::Jina), &["x"]).body).unwrap();
        assert!(plain.get("dimensions").is_none());
    }

    #[test]
    fn openai_style_calls_carry_data_urls_or_strings_with_a_modality() {
        let c = Config {
            api_key: None,
            model: "patrickjohncyh/fashion-clip".into(),
            ..config(Shape::OpenAiStyle)
        };
        let a = png(2, 2);
        let call = image_call(&c, &[&a]);
        assert_eq!(call.url, "http://127.0.0.1:9/embeddings");
        assert!(call.headers.iter().all(|(name, _)| name != "authorization"));
        let body: Value = serde_json::from_slice(&call.body).unwrap();
        assert_eq!(body["modality"], "image");
        assert_eq!(body["encoding_format"], "float");
        assert_eq!(body["model"], "patrickjohncyh/fashion-clip");
        let url = body["input"][0].as_str().unwrap();
        let b64 = url.strip_prefix("data:image/png;base64,").unwrap();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
            a
        );
        let text: Value = serde_json::from_slice(&text_call(&c, &["a", "b"]).body).unwrap();
        assert_eq!(text["input"], json!(["a", "b"]));
        assert_eq!(text["modality"], "text");
        let keyed = image_call(&config(Shape::OpenAiStyle), &[&a]);
        assert!(keyed
            .headers
            .contains(&("authorization".into(), "Bearer jina_secret_key".into())));
    }

    #[test]
    fn vectors_come_back_in_input_order() {
        for shape in [Shape::Jina, Shape::OpenAiStyle] {
            let c = config(shape);
            let body = answer(&[
                (2, vec![0.0, 0.0, 1.0]),
                (0, vec![1.0, 0.0, 0.0]),
                (1, vec![0.0, 1.0, 0.0]),
            ]);
            let e = read(&c, &reply(200, body), 3).unwrap();
            assert_eq!(e.model, "jina-clip-v2");
            assert_eq!(e.dimension, 3);
            assert_eq!(
                e.vectors,
                vec![
                    vec![1.0, 0.0, 0.0],
                    vec![0.0, 1.0, 0.0],
                    vec![0.0, 0.0, 1.0]
                ]
            );
        }
        // Without indices, the order of the answer is kept; without a model, the configured one.
        let body = json!({ "data": [{ "embedding": [0.5] }, { "embedding": [0.25] }] });
        let e = read(&config(Shape::OpenAiStyle), &reply(200, body), 2).unwrap();
        assert_eq!(e.vectors, vec![vec![0.5], vec![0.25]]);
        assert_eq!(e.model, "jina-clip-v2");
    }

    #[test]
    fn broken_answers_are_malformed() {
        let c = config(Shape::Jina);
        let malformed = |body: &str, expected: usize| {
            matches!(
                read(&c, &testing::reply(200, &[], body), expected),
                Err(Failure::Malformed { .. })
            )
        };
        let text = |items: &[(usize, Vec<f32>)]| answer(items).to_string();
        // Wrong count, either way.
        assert!(malformed(&text(&[(0, vec![1.0])]), 2));
        assert!(malformed(&text(&[(0, vec![1.0]), (1, vec![1.0])]), 1));
        assert!(malformed(&text(&[]), 0));
        // An index out of range, or twice.
        assert!(malformed(&text(&[(0, vec![1.0]), (2, vec![1.0])]), 2));
        assert!(malformed(&text(&[(1, vec![1.0]), (1, vec![1.0])]), 2));
        // Dimensions that differ, or are empty.
        assert!(malformed(&text(&[(0, vec![1.0, 2.0]), (1, vec![1.0])]), 2));
        assert!(malformed(&text(&[(0, vec![]), (1, vec![])]), 2));
        // NaN is no JSON, a number beyond f32 is infinite, a null is no number.
        assert!(malformed(
            r#"{"data":[{"index":0,"embedding":[0.1,NaN]}]}"#,
            1
        ));
        match read(
            &c,
            &testing::reply(200, &[], r#"{"data":[{"index":0,"embedding":[0.1,1e39]}]}"#),
            1,
        ) {
            // Our check names the infinite value; a serde_json built with `float_roundtrip`
            // (which the test tools' JSON Schema validator turns on in native workspace builds)
            // refuses the number itself while parsing. Malformed either way.
            Err(Failure::Malformed { message }) => assert!(
                message.contains("inf at 1") || message.contains("number out of range"),
                "{message}"
            ),
            other => panic!("{other:?}"),
        }
        assert!(malformed(
            r#"{"data":[{"index":0,"embedding":[0.1,null]}]}"#,
            1
        ));
        // Base64 vectors (another encoding) and bodies that are no answer.
        assert!(malformed(r#"{"data":[{"index":0,"embedding":"AAAA"}]}"#, 1));
        assert!(malformed(r#"{"object":"list"}"#, 1));
        assert!(malformed("<html></html>", 1));
        // A dimension other than the configured one.
        let asked = Config {
            dimensions: Some(4),
            ..config(Shape::Jina)
        };
        assert!(matches!(
            read(&asked, &reply(200, answer(&[(0, vec![1.0; 3])])), 1),
            Err(Failure::Malformed { .. })
        ));
        assert_eq!(
            read(&asked, &reply(200, answer(&[(0, vec![1.0; 4])])), 1)
                .unwrap()
                .dimension,
            4
        );
    }

    #[test]
    fn error_statuses_map_to_stop_retry_or_rejected_with_the_services_reason() {
        let jina = config(Shape::Jina);
        let infinity = config(Shape::OpenAiStyle);
        let error = |c: &Config, status: u16, body: Value, headers: &[(&str, &str)]| {
            read(c, &testing::reply(status, headers, body.to_string()), 1).unwrap_err()
        };
        match error(&jina, 401, json!({ "detail": "Invalid API key" }), &[]) {
            Failure::Stop { message } => assert!(message.contains("Invalid API key")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            error(&jina, 403, json!({ "detail": "Forbidden" }), &[]),
            Failure::Stop { .. }
        ));
        match error(&jina, 402, json!({ "detail": "Insufficient balance" }), &[]) {
            Failure::Stop { message } => assert!(message.contains("Insufficient balance")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            error(
                &jina,
                429,
                json!({ "detail": "Rate limit" }),
                &[("retry-after", "2")]
            ),
            Failure::Retry {
                after_ms: Some(2000),
                ..
            }
        ));
        assert!(matches!(
            error(
                &infinity,
                503,
                json!({ "error": { "message": "overloaded" } }),
                &[]
            ),
            Failure::Retry { after_ms: None, .. }
        ));
        // FastAPI's validation error names its reasons, never the image it quotes.
        let validation = json!({ "detail": [
            { "loc": ["body", "input", 0], "msg": "Input should be a valid string", "type": "string_type", "input": "A".repeat(10_000) },
            { "loc": ["body", "model"], "msg": "Field required", "type": "missing" },
        ] });
        match error(&infinity, 422, validation, &[]) {
            Failure::Rejected { message } => {
                assert!(message.contains("Input should be a valid string; Field required"));
                assert!(message.len() < 500, "{message}");
            }
            other => panic!("{other:?}"),
        }
        match error(
            &infinity,
            400,
            json!({ "error": { "message": "Model fashion-clip not deployed", "type": "BadRequestError", "code": 400 } }),
            &[],
        ) {
            Failure::Rejected { message } => assert!(message.contains("not deployed")),
            other => panic!("{other:?}"),
        }
        // A long plain reason is cut.
        match error(&jina, 400, json!({ "detail": "x".repeat(5_000) }), &[]) {
            Failure::Rejected { message } => assert!(message.len() < 400),
            other => panic!("{other:?}"),
        }
        // A body that is no JSON still maps by status; no message holds the key.
        let html = testing::reply(500, &[], "<html>oops</html>");
        assert!(matches!(read(&jina, &html, 1), Err(Failure::Retry { .. })));
        let f = error(&jina, 401, json!({ "detail": "bad key" }), &[]);
        assert!(!format!("{f:?}").contains("jina_secret_key"));
    }

    #[test]
    fn health_checks_cost_nothing_and_read_each_service() {
        let jina = config(Shape::Jina);
        let call = health_call(&jina);
        assert_eq!(
            (call.method, call.url.as_str()),
            ("GET", "http://127.0.0.1:9/")
        );
        assert!(call.headers.is_empty() && call.body.is_empty());
        for status in [200, 404, 405, 401] {
            assert_eq!(read_health(&jina, &testing::reply(status, &[], "")), Ok(()));
        }
        assert!(matches!(
            read_health(&jina, &testing::reply(503, &[], "")),
            Err(Failure::Retry { .. })
        ));
        let infinity = config(Shape::OpenAiStyle);
        let call = health_call(&infinity);
        assert_eq!(call.url, "http://127.0.0.1:9/health");
        assert!(call
            .headers
            .contains(&("authorization".into(), "Bearer jina_secret_key".into())));
        assert_eq!(
            read_health(&infinity, &reply(200, json!({ "unix": 1_719_000_000.5 }))),
            Ok(())
        );
        assert!(matches!(
            read_health(&infinity, &reply(200, json!({ "status": "ok" }))),
            Err(Failure::Malformed { .. })
        ));
        assert!(matches!(
            read_health(&infinity, &testing::reply(404, &[], "")),
            Err(Failure::Rejected { .. })
        ));
        assert!(matches!(
            read_health(&infinity, &testing::reply(401, &[], "")),
            Err(Failure::Stop { .. })
        ));
        assert!(matches!(
            read_health(&infinity, &testing::reply(502, &[], "")),
            Err(Failure::Retry { .. })
        ));
    }
}
