//! The server on a tiny checkpoint the tests write themselves: loading (and refusing broken
//! folders), the embeddings' properties, and the HTTP API end to end on a loopback port, with the
//! product's own embedding client reading the answers.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bff_clip::{
    serve, tiny, Api, ClipEmbedder, LoadError, RunningServer, MAX_BODY_BYTES, MAX_INPUTS,
};
use serde_json::{json, Value};
use support::*;

const PROJECTION_DIM: usize = tiny::DEFAULT_DIMENSION;

fn tiny_model() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    tiny::write_tiny_model(dir.path(), 7, PROJECTION_DIM).unwrap();
    dir
}

fn load(dir: &Path) -> ClipEmbedder {
    ClipEmbedder::load(dir).unwrap_or_else(|e| panic!("the tiny model loads: {e}"))
}

fn load_error(dir: &Path) -> String {
    match ClipEmbedder::load(dir) {
        Ok(_) => panic!("{} loaded", dir.display()),
        Err(e) => e.to_string(),
    }
}

// ---- the model ----

#[test]
fn the_tiny_model_loads_with_the_sizes_of_its_config() {
    let dir = tiny_model();
    let model = load(dir.path());
    assert_eq!(model.dimension(), PROJECTION_DIM);
    assert_eq!(model.config().vision.image_size, 32);
    assert_eq!(model.config().vision.num_positions(), 17);
    assert_eq!(model.config().text.vocab_size, tiny::vocab_size());
}

#[test]
fn image_and_text_vectors_have_the_projection_dimension_and_unit_norm() {
    let dir = tiny_model();
    let model = load(dir.path());
    let images = [png(64, 48, 0), png(20, 90, 1), jpeg(50, 50)];
    let refs: Vec<&[u8]> = images.iter().map(Vec::as_slice).collect();
    let embedded = model.embed_images(&refs).unwrap();
    assert_eq!(embedded.vectors.len(), 3);
    assert_eq!(embedded.tokens, 3 * 17);
    let texts = model
        .embed_texts(&["a red silk dress", "Oversized denim jacket", ""])
        .unwrap();
    assert_eq!(texts.vectors.len(), 3);
    // Start and end tokens around 4, 3 and 0 words.
    assert_eq!(texts.tokens, 6 + 5 + 2);
    for vector in embedded.vectors.iter().chain(&texts.vectors) {
        assert_eq!(vector.len(), PROJECTION_DIM);
        assert!(vector.iter().all(|v| v.is_finite()));
        assert!((norm(vector) - 1.0).abs() < 1e-5, "norm {}", norm(vector));
    }
}

#[test]
fn the_same_input_gives_the_same_vector_across_calls_and_loads() {
    let dir = tiny_model();
    let first = load(dir.path());
    let second = load(dir.path());
    let image = png(40, 40, 3);
    let a = first.embed_images(&[&image]).unwrap().vectors;
    let b = first.embed_images(&[&image]).unwrap().vectors;
    let c = second.embed_images(&[&image]).unwrap().vectors;
    assert_eq!(a, b);
    assert_eq!(a, c);
    let t1 = first.embed_texts(&["tailored wool coat"]).unwrap().vectors;
    let t2 = second.embed_texts(&["tailored wool coat"]).unwrap().vectors;
    assert_eq!(t1, t2);

    // The same folder written again from the same seed embeds to the same vectors.
    let again = tiny_model();
    assert_eq!(
        load(again.path()).embed_images(&[&image]).unwrap().vectors,
        a
    );
}

#[test]
fn different_inputs_give_different_vectors() {
    let dir = tiny_model();
    let model = load(dir.path());
    let images = [png(32, 32, 0), png(32, 32, 2), png(32, 32, 3)];
    let refs: Vec<&[u8]> = images.iter().map(Vec::as_slice).collect();
    let vectors = model.embed_images(&refs).unwrap().vectors;
    let texts = model
        .embed_texts(&["red dress", "black leather boots", "striped linen shirt"])
        .unwrap()
        .vectors;
    for set in [&vectors, &texts] {
        for i in 0..set.len() {
            for j in i + 1..set.len() {
                assert!(
                    max_abs_diff(&set[i], &set[j]) > 1e-3,
                    "inputs {i} and {j} gave the same vector"
                );
            }
        }
    }
    // Weights from another seed are another model.
    let other = tempfile::tempdir().unwrap();
    tiny::write_tiny_model(other.path(), 8, PROJECTION_DIM).unwrap();
    let from_other = load(other.path()).embed_images(&[&images[0]]).unwrap();
    assert!(max_abs_diff(&from_other.vectors[0], &vectors[0]) > 1e-3);
}

#[test]
fn a_batch_keeps_its_order_and_each_vector_is_its_inputs_own() {
    let dir = tiny_model();
    let model = load(dir.path());
    let images = [png(30, 60, 0), png(32, 32, 1), png(70, 20, 2), jpeg(33, 33)];
    let alone: Vec<Vec<f32>> = images
        .iter()
        .map(|image| model.embed_images(&[image]).unwrap().vectors.remove(0))
        .collect();
    let order = [2usize, 0, 3, 1];
    let batch: Vec<&[u8]> = order.iter().map(|&i| images[i].as_slice()).collect();
    let batched = model.embed_images(&batch).unwrap().vectors;
    for (position, &input) in order.iter().enumerate() {
        assert!(
            max_abs_diff(&batched[position], &alone[input]) < 1e-5,
            "batch position {position} is not image {input}"
        );
    }

    // Texts of different lengths are padded in a batch; the padding must change no vector.
    let texts = [
        "dress",
        "a cropped white cotton shirt with a floral scarf",
        "blue jeans",
    ];
    let alone: Vec<Vec<f32>> = texts
        .iter()
        .map(|text| model.embed_texts(&[text]).unwrap().vectors.remove(0))
        .collect();
    let batched = model.embed_texts(&texts).unwrap().vectors;
    for i in 0..texts.len() {
        assert!(
            max_abs_diff(&batched[i], &alone[i]) < 1e-5,
            "text {i} changed in a batch"
        );
    }
}

#[test]
fn texts_longer_than_the_context_are_cut_keeping_the_end_token() {
    let dir = tiny_model();
    let model = load(dir.path());
    let long = ["linen"; 200].join(" ");
    let embedded = model.embed_texts(&[&long]).unwrap();
    assert_eq!(embedded.tokens, 77);
    // Everything past the 75th word is cut, so a longer text gives the same vector.
    let longer = ["linen"; 300].join(" ");
    assert_eq!(
        model.embed_texts(&[&longer]).unwrap().vectors,
        embedded.vectors
    );
    // A literal special token in a text is not an end of the text.
    let a = model
        .embed_texts(&["red <|endoftext|> dress"])
        .unwrap()
        .vectors;
    let b = model.embed_texts(&["red dress"]).unwrap().vectors;
    assert_eq!(a, b);
}

#[test]
fn an_undecodable_image_is_an_input_error_naming_its_position() {
    let dir = tiny_model();
    let model = load(dir.path());
    let good = png(32, 32, 0);
    let error = model
        .embed_images(&[&good, b"not an image at all"])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "input 1: not a PNG or JPEG image",
        "{error:?}"
    );
}

// ---- refusing broken model folders at start ----

#[test]
fn a_missing_folder_or_file_is_named() {
    let dir = tiny_model();
    let nowhere = dir.path().join("nowhere");
    let error = load_error(&nowhere);
    assert!(
        error.contains("nowhere") && error.contains("no such model folder"),
        "{error}"
    );

    for (file, what) in [
        ("config.json", "the model's sizes"),
        ("tokenizer.json", "the text tokenizer"),
        ("model.safetensors", "the weights"),
    ] {
        let dir = tiny_model();
        std::fs::remove_file(dir.path().join(file)).unwrap();
        let error = ClipEmbedder::load(dir.path()).unwrap_err();
        assert!(matches!(error, LoadError::Missing { .. }), "{error:?}");
        let message = error.to_string();
        assert!(
            message.contains(&format!("{file}: missing ({what})")),
            "{message}"
        );
    }
}

#[test]
fn corrupt_files_are_refused_with_the_file_named() {
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "config.json",
            b"{\"text_config\": ",
            "config.json: not a CLIP config",
        ),
        ("config.json", b"\xff\xfe", "config.json: not UTF-8"),
        (
            "tokenizer.json",
            b"{}",
            "tokenizer.json: not a tokenizers JSON file",
        ),
        (
            "model.safetensors",
            b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all",
            "model.safetensors: not a readable safetensors file",
        ),
        (
            "model.safetensors",
            b"",
            "model.safetensors: not a readable safetensors file",
        ),
    ];
    for (file, bytes, expected) in cases {
        let dir = tiny_model();
        std::fs::write(dir.path().join(file), bytes).unwrap();
        let error = load_error(dir.path());
        assert!(error.contains(expected), "{file}: {error}");
    }

    // A download cut short: the header promises more data than the file holds.
    let dir = tiny_model();
    let path = dir.path().join("model.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let error = load_error(dir.path());
    assert!(
        error.contains("model.safetensors: not a readable safetensors file"),
        "{error}"
    );
}

#[test]
fn a_tensor_of_the_wrong_shape_is_refused_not_a_panic() {
    let dir = tiny_model();
    let mut tensors = weights_for(&tiny::config(PROJECTION_DIM), 7);
    tensors.insert(
        "visual_projection.weight".into(),
        (vec![PROJECTION_DIM, 31], vec![0.1; PROJECTION_DIM * 31]),
    );
    tensors.insert(
        "text_model.encoder.layers.1.mlp.fc1.weight".into(),
        (vec![64, 32, 1], vec![0.1; 64 * 32]),
    );
    tiny::write_safetensors(&dir.path().join("model.safetensors"), &tensors).unwrap();
    let error = load_error(dir.path());
    assert!(
        error.starts_with(&format!(
            "{}: 2 tensor(s) that do not fit config.json",
            dir.path().join("model.safetensors").display()
        )),
        "{error}"
    );
    assert!(
        error.contains("visual_projection.weight has shape [16, 31], expected [16, 32]"),
        "{error}"
    );
    assert!(
        error.contains(
            "text_model.encoder.layers.1.mlp.fc1.weight has shape [64, 32, 1], expected [64, 32]"
        ),
        "{error}"
    );
}

#[test]
fn a_missing_tensor_is_refused_even_where_candle_would_make_one_up() {
    let dir = tiny_model();
    let mut tensors = weights_for(&tiny::config(PROJECTION_DIM), 7);
    // candle fills a missing class embedding with random numbers: every start would serve
    // other vectors.
    tensors.remove("vision_model.embeddings.class_embedding");
    tensors.remove("text_projection.weight");
    // logit_scale only scales similarities: its absence is fine.
    tensors.remove("logit_scale");
    tiny::write_safetensors(&dir.path().join("model.safetensors"), &tensors).unwrap();
    let error = load_error(dir.path());
    assert!(
        error.contains(
            "2 missing tensor(s): vision_model.embeddings.class_embedding, text_projection.weight"
        ),
        "{error}"
    );
}

#[test]
fn a_config_that_does_not_match_the_weights_is_refused() {
    let dir = tiny_model();
    let mut config = tiny::config(PROJECTION_DIM);
    config["vision_config"]["patch_size"] = json!(16);
    write_json(&dir.path().join("config.json"), &config);
    let error = load_error(dir.path());
    assert!(
        error.contains(
            "vision_model.embeddings.patch_embedding.weight has shape [32, 3, 8, 8], expected [32, 3, 16, 16]"
        ),
        "{error}"
    );
    assert!(
        error.contains(
            "vision_model.embeddings.position_embedding.weight has shape [17, 32], expected [5, 32]"
        ),
        "{error}"
    );
}

#[test]
fn a_tokenizer_clip_cannot_pool_with_is_refused() {
    // No end token.
    let dir = tiny_model();
    let mut tokenizer = tiny::tokenizer();
    tokenizer["added_tokens"].as_array_mut().unwrap().pop();
    tokenizer["model"]["vocab"]
        .as_object_mut()
        .unwrap()
        .remove("<|endoftext|>");
    tokenizer["post_processor"] = Value::Null;
    write_json(&dir.path().join("tokenizer.json"), &tokenizer);
    let error = load_error(dir.path());
    assert!(
        error.contains("tokenizer.json: has no <|endoftext|> token"),
        "{error}"
    );

    // An end token that is not the largest id: the text model would pool at the wrong token.
    let dir = tiny_model();
    let mut tokenizer = tiny::tokenizer();
    tokenizer["model"]["vocab"]["zebra"] = json!(tiny::vocab_size());
    write_json(&dir.path().join("tokenizer.json"), &tokenizer);
    let error = load_error(dir.path());
    assert!(
        error.contains("must be the last token of the vocabulary"),
        "{error}"
    );

    // Ids past the embedding table.
    let dir = tiny_model();
    let mut config = tiny::config(PROJECTION_DIM);
    config["text_config"]["vocab_size"] = json!(10);
    write_json(&dir.path().join("config.json"), &config);
    let error = load_error(dir.path());
    assert!(error.contains("text_config.vocab_size is 10"), "{error}");
}

// ---- the HTTP API ----

fn start(dir: &Path, key: Option<&str>) -> RunningServer {
    let api = Api::new(
        Arc::new(load(dir)),
        "fashion-clip-tiny".into(),
        key.map(String::from),
    );
    serve(Arc::new(api), "127.0.0.1:0", 2).expect("the server starts")
}

fn post_json(server: &RunningServer, body: &Value, headers: &[(&str, &str)]) -> HttpAnswer {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    http(
        server.addr(),
        "POST",
        "/embeddings",
        &all,
        body.to_string().as_bytes(),
    )
}

fn assert_error(answer: &HttpAnswer, status: u16, mentions: &str) {
    assert_eq!(
        answer.status,
        status,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let body = answer.json();
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(mentions),
        "{message} does not mention {mentions}"
    );
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert_eq!(answer.header("content-type"), Some("application/json"));
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[test]
fn image_and_text_embeddings_over_http() {
    let dir = tiny_model();
    let server = start(dir.path(), None);
    let direct = load(dir.path());
    let images = [png(48, 64, 0), jpeg(40, 40), png(32, 32, 2)];
    let inputs: Vec<String> = images
        .iter()
        .zip(["image/png", "image/jpeg", "image/png"])
        .map(|(bytes, mime)| data_url(bytes, mime))
        .collect();
    let answer = post_json(
        &server,
        &json!({"model": "fashion-clip-tiny", "input": inputs, "modality": "image",
                "encoding_format": "float"}),
        &[],
    );
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let body = answer.json();
    assert_eq!(body["object"], "list");
    assert_eq!(body["model"], "fashion-clip-tiny");
    assert_eq!(body["usage"]["prompt_tokens"], 3 * 17);
    assert_eq!(body["usage"]["total_tokens"], 3 * 17);
    assert!(body["id"].as_str().unwrap().starts_with("bff-clip-"));
    assert!((body["created"].as_f64().unwrap() - unix_now()).abs() < 60.0);
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    let refs: Vec<&[u8]> = images.iter().map(Vec::as_slice).collect();
    let expected = direct.embed_images(&refs).unwrap().vectors;
    for (i, item) in data.iter().enumerate() {
        assert_eq!(item["object"], "embedding");
        assert_eq!(item["index"], i);
        let vector: Vec<f32> = serde_json::from_value(item["embedding"].clone()).unwrap();
        assert_eq!(vector.len(), PROJECTION_DIM);
        assert!((norm(&vector) - 1.0).abs() < 1e-5);
        // JSON carries each f32 exactly (shortest round-trip form).
        assert_eq!(vector, expected[i], "item {i}");
    }

    // Text, as a list and as one string; `model` may be left out.
    let answer = post_json(
        &server,
        &json!({"input": ["a black wool coat", "floral silk skirt"], "modality": "text"}),
        &[],
    );
    assert_eq!(answer.status, 200);
    let body = answer.json();
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
    assert_eq!(body["usage"]["prompt_tokens"], 6 + 5);
    let expected = direct
        .embed_texts(&["a black wool coat", "floral silk skirt"])
        .unwrap()
        .vectors;
    let second: Vec<f32> = serde_json::from_value(body["data"][1]["embedding"].clone()).unwrap();
    assert_eq!(second, expected[1]);
    let one = post_json(&server, &json!({"input": "a black wool coat"}), &[]);
    assert_eq!(one.status, 200);
    let alone: Vec<f32> =
        serde_json::from_value(one.json()["data"][0]["embedding"].clone()).unwrap();
    let in_batch: Vec<f32> = serde_json::from_value(body["data"][0]["embedding"].clone()).unwrap();
    // Alone it is not padded: the same vector to rounding (another matrix shape, another
    // summation order).
    assert!(max_abs_diff(&alone, &in_batch) < 1e-5);
    server.shutdown();
}

#[test]
fn requests_that_cannot_be_served_are_refused_with_400() {
    let dir = tiny_model();
    let server = start(dir.path(), None);
    let image = data_url(&png(32, 32, 0), "image/png");
    let many: Vec<String> = (0..=MAX_INPUTS).map(|_| "dress".to_string()).collect();
    let cases = [
        (
            json!({"input": ["data:image/png;base64,@@@notbase64@@@"], "modality": "image"}),
            "input 0: bad base64",
        ),
        (
            json!({"input": [image, data_url(b"just some text", "image/png")], "modality": "image"}),
            "input 1: not a PNG or JPEG image",
        ),
        (
            json!({"input": [data_url(b"GIF89a\x01\x00\x01\x00\x00\x00\x00", "image/gif")], "modality": "image"}),
            "Gif images are not read",
        ),
        (
            json!({"input": ["https://example.invalid/dress.png"], "modality": "image"}),
            "URLs are not fetched",
        ),
        (
            json!({"input": ["dress"], "modality": "audio"}),
            "modality \"audio\"",
        ),
        (json!({"input": [], "modality": "text"}), "input is empty"),
        (
            json!({"input": many, "modality": "text"}),
            "65 inputs in one request; at most 64",
        ),
        (
            json!({"input": ["dress"], "modality": "text", "temperature": 1}),
            "unknown field `temperature`",
        ),
        (json!({"modality": "text"}), "missing field `input`"),
        (json!({"input": [1, 2]}), "invalid request body"),
        (
            json!({"input": ["dress"], "model": "openai/clip-vit-large-patch14"}),
            "model \"openai/clip-vit-large-patch14\" is not served here",
        ),
        (
            json!({"input": ["dress"], "encoding_format": "base64"}),
            "encoding_format \"base64\"",
        ),
        (
            json!({"input": ["dress"], "dimensions": 8}),
            "this model's vectors have 16 dimensions",
        ),
    ];
    for (body, mentions) in cases {
        assert_error(&post_json(&server, &body, &[]), 400, mentions);
    }
    // `dimensions` equal to the model's own is fine (the product's client sends it when set).
    let answer = post_json(&server, &json!({"input": ["dress"], "dimensions": 16}), &[]);
    assert_eq!(answer.status, 200);
    // Not JSON at all.
    let answer = http(server.addr(), "POST", "/embeddings", &[], b"input=dress");
    assert_error(&answer, 400, "invalid request body");
    server.shutdown();
}

#[test]
fn oversized_bodies_unknown_paths_and_wrong_methods() {
    let dir = tiny_model();
    let server = start(dir.path(), None);

    // A body over the limit, really sent.
    let filler = "a".repeat(MAX_BODY_BYTES + 10);
    let body = format!("{{\"input\": [\"{filler}\"]}}");
    let answer = http(server.addr(), "POST", "/embeddings", &[], body.as_bytes());
    assert_error(&answer, 413, "over 16777216 bytes");

    // Declared over the limit: refused from the header alone, before the body arrives.
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /embeddings HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{{\"input\"",
        MAX_BODY_BYTES + 1
    )
    .unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    assert_error(&read_answer(&mut stream), 413, "over 16777216 bytes");

    assert_error(
        &http(server.addr(), "GET", "/v2/embed", &[], b""),
        404,
        "no route /v2/embed",
    );
    assert_error(
        &http(server.addr(), "GET", "/", &[], b""),
        404,
        "no route /",
    );
    assert_error(
        &http(server.addr(), "GET", "/embeddings", &[], b""),
        405,
        "POST",
    );
    assert_error(
        &http(server.addr(), "POST", "/health", &[], b""),
        405,
        "GET",
    );

    // The server still answers after all of that.
    let answer = http(server.addr(), "GET", "/health", &[], b"");
    assert_eq!(answer.status, 200);
    server.shutdown();
}

#[test]
fn health_and_models_have_infinitys_shapes() {
    let dir = tiny_model();
    let server = start(dir.path(), None);
    let answer = http(server.addr(), "GET", "/health", &[], b"");
    assert_eq!(answer.status, 200);
    let unix = answer.json()["unix"].as_f64().expect("a float unix time");
    assert!((unix - unix_now()).abs() < 60.0);

    let answer = http(server.addr(), "GET", "/models?verbose=1", &[], b"");
    assert_eq!(answer.status, 200);
    let body = answer.json();
    assert_eq!(body["data"][0]["id"], "fashion-clip-tiny");
    assert_eq!(body["data"][0]["object"], "model");
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    server.shutdown();
}

#[test]
fn a_configured_key_is_required_everywhere_but_health() {
    let dir = tiny_model();
    let server = start(dir.path(), Some("s3cret-key"));
    let body = json!({"input": ["dress"], "modality": "text"});
    assert_error(&post_json(&server, &body, &[]), 401, "API key");
    assert_error(
        &post_json(&server, &body, &[("Authorization", "Bearer wrong-key")]),
        401,
        "API key",
    );
    assert_error(
        &post_json(&server, &body, &[("Authorization", "s3cret-key")]),
        401,
        "API key",
    );
    assert_error(
        &http(server.addr(), "GET", "/models", &[], b""),
        401,
        "API key",
    );
    let answer = post_json(&server, &body, &[("Authorization", "Bearer s3cret-key")]);
    assert_eq!(answer.status, 200);
    // The scheme's case does not matter; the key's does.
    let answer = post_json(&server, &body, &[("Authorization", "bearer s3cret-key")]);
    assert_eq!(answer.status, 200);
    assert_error(
        &post_json(&server, &body, &[("Authorization", "Bearer S3CRET-KEY")]),
        401,
        "API key",
    );
    let answer = http(
        server.addr(),
        "GET",
        "/models",
        &[("authorization", "Bearer s3cret-key")],
        b"",
    );
    assert_eq!(answer.status, 200);
    assert_eq!(http(server.addr(), "GET", "/health", &[], b"").status, 200);
    server.shutdown();
}

#[test]
fn concurrent_clients_are_all_answered() {
    let dir = tiny_model();
    let server = start(dir.path(), None);
    let addr = server.addr();
    let image = data_url(&png(64, 64, 3), "image/png");
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let image = image.clone();
            std::thread::spawn(move || {
                let body = if i % 2 == 0 {
                    json!({"input": vec![image; 8], "modality": "image"})
                } else {
                    json!({"input": vec!["silk scarf"; 8], "modality": "text"})
                };
                let answer = http(
                    addr,
                    "POST",
                    "/embeddings",
                    &[],
                    body.to_string().as_bytes(),
                );
                assert_eq!(answer.status, 200);
                let data = answer.json()["data"].clone();
                // Eight equal inputs, eight equal vectors.
                let first = data[0]["embedding"].clone();
                for item in data.as_array().unwrap() {
                    assert_eq!(item["embedding"], first);
                }
                first
            })
        })
        .collect();
    let vectors: Vec<Value> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(vectors[0], vectors[2]);
    assert_eq!(vectors[1], vectors[3]);
    server.shutdown();
}

#[test]
fn the_products_embedding_client_reads_the_answers_unchanged() {
    use bff_providers::embeddings::{
        health_call, image_call, read, read_health, text_call, Config, Shape,
    };
    use bff_providers::{HttpCall, HttpReply};

    let dir = tiny_model();
    let server = start(dir.path(), Some("k-123"));
    let config = Config {
        base_url: format!("{}/", server.url()),
        api_key: Some("k-123".into()),
        model: "fashion-clip-tiny".into(),
        dimensions: Some(PROJECTION_DIM as u32),
        shape: Shape::OpenAiStyle,
    };
    let send = |call: HttpCall| -> HttpReply {
        let path = call
            .url
            .strip_prefix(&server.url())
            .expect("a call to this server")
            .to_string();
        let headers: Vec<(&str, &str)> = call
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let answer = http(server.addr(), call.method, &path, &headers, &call.body);
        HttpReply {
            status: answer.status,
            headers: answer.headers,
            body: answer.body,
        }
    };
    read_health(&config, &send(health_call(&config))).expect("healthy");

    let pngs = [png(32, 48, 0), png(32, 32, 1)];
    let refs: Vec<&[u8]> = pngs.iter().map(Vec::as_slice).collect();
    let embeddings = read(&config, &send(image_call(&config, &refs)), 2).expect("image vectors");
    assert_eq!(embeddings.dimension, PROJECTION_DIM);
    assert_eq!(embeddings.model, "fashion-clip-tiny");
    assert_eq!(
        embeddings.vectors,
        load(dir.path()).embed_images(&refs).unwrap().vectors
    );

    let texts = read(
        &config,
        &send(text_call(&config, &["a red dress", "denim"])),
        2,
    )
    .expect("text vectors");
    assert_eq!(texts.vectors.len(), 2);

    // A wrong key is a failure the client classifies as stopping the job.
    let wrong = Config {
        api_key: Some("nope".into()),
        ..config.clone()
    };
    let failure = read(&wrong, &send(text_call(&wrong, &["dress"])), 1).unwrap_err();
    assert!(
        matches!(failure, bff_providers::Failure::Stop { .. }),
        "{failure:?}"
    );
    server.shutdown();
}

// ---- the command line ----

#[test]
fn the_binary_prints_its_address_and_serves_until_killed() {
    let dir = tiny_model();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bff-clip"))
        .args(["--model-dir"])
        .arg(dir.path())
        .args(["--name", "tiny", "--listen", "127.0.0.1:0"])
        .env("BFF_CLIP_API_KEY", "env-key")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bff-clip");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    assert_eq!(ready["model"], "tiny");
    assert_eq!(ready["dimension"], PROJECTION_DIM);
    let url = ready["url"].as_str().unwrap();
    let addr = url.strip_prefix("http://").unwrap().parse().unwrap();
    assert_eq!(http(addr, "GET", "/health", &[], b"").status, 200);
    // The key came from the environment.
    assert_eq!(http(addr, "GET", "/models", &[], b"").status, 401);
    let answer = http(
        addr,
        "GET",
        "/models",
        &[("Authorization", "Bearer env-key")],
        b"",
    );
    assert_eq!(answer.json()["data"][0]["id"], "tiny");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn the_binary_refuses_a_broken_folder_at_start_naming_the_file() {
    let dir = tiny_model();
    std::fs::remove_file(dir.path().join("tokenizer.json")).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_bff-clip"))
        .arg("--model-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot load the model") && stderr.contains("tokenizer.json: missing"),
        "{stderr}"
    );

    let output = Command::new(env!("CARGO_BIN_EXE_bff-clip"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--model-dir is required"));
}

/// Runs `bff-clip ARGS` to its end: exit code, stdout, stderr.
fn run_binary(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_bff-clip"))
        .args(args)
        .output()
        .expect("run bff-clip");
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn the_binary_writes_a_tiny_model_that_it_then_serves() {
    // What an end-to-end harness does: write the folder (not there yet), then serve it.
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("models").join("tiny-clip");
    let (code, stdout, stderr) = run_binary(&[
        "--write-tiny-model".as_ref(),
        dir.as_os_str(),
        "--dimension".as_ref(),
        "32".as_ref(),
        "--seed=3".as_ref(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout:?}");
    let written: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout:?}"));
    assert_eq!(
        written,
        json!({"model_dir": dir.canonicalize().unwrap().to_str().unwrap(), "dimension": 32})
    );
    assert!(tiny::is_tiny_model(&dir));

    let mut child = Command::new(env!("CARGO_BIN_EXE_bff-clip"))
        .arg("--model-dir")
        .arg(&dir)
        .args(["--name", "tiny-e2e"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bff-clip");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    assert_eq!(ready["model"], "tiny-e2e");
    assert_eq!(ready["dimension"], 32);
    let addr = ready["url"]
        .as_str()
        .unwrap()
        .strip_prefix("http://")
        .unwrap()
        .parse()
        .unwrap();
    let request = json!({"model": "tiny-e2e", "input": ["red dress"], "modality": "text"});
    let answer = http(
        addr,
        "POST",
        "/embeddings",
        &[("Content-Type", "application/json")],
        request.to_string().as_bytes(),
    );
    assert_eq!(answer.status, 200, "{:?}", answer.json());
    let vector: Vec<f32> =
        serde_json::from_value(answer.json()["data"][0]["embedding"].clone()).expect("a vector");
    assert_eq!(vector.len(), 32);
    assert!((norm(&vector) - 1.0).abs() < 1e-4);
    child.kill().unwrap();
    child.wait().unwrap();
    // The library with the same seed and dimension embeds the same.
    let same = tempfile::tempdir().unwrap();
    tiny::write_tiny_model(same.path(), 3, 32).unwrap();
    let expected = load(same.path()).embed_texts(&["red dress"]).unwrap();
    assert!(max_abs_diff(&expected.vectors[0], &vector) < 1e-6);
}

#[test]
fn the_binary_writes_the_tests_checkpoint_by_default_and_never_over_a_real_model() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) =
        run_binary(&["--write-tiny-model".as_ref(), dir.path().as_os_str()]);
    assert_eq!(code, Some(0), "{stderr}");
    let written: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(written["dimension"], tiny::DEFAULT_DIMENSION);
    // Byte for byte what the library writes with the default seed and dimension.
    let reference = tempfile::tempdir().unwrap();
    tiny::write_tiny_model(
        reference.path(),
        tiny::DEFAULT_SEED,
        tiny::DEFAULT_DIMENSION,
    )
    .unwrap();
    for file in ["config.json", "tokenizer.json", "model.safetensors"] {
        assert_eq!(
            std::fs::read(dir.path().join(file)).unwrap(),
            std::fs::read(reference.path().join(file)).unwrap(),
            "{file}"
        );
    }
    // Its own folder is rewritten (a harness may reuse one), here with another dimension.
    let (code, stdout, stderr) = run_binary(&[
        "--write-tiny-model".as_ref(),
        dir.path().as_os_str(),
        "--dimension".as_ref(),
        "8".as_ref(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()["dimension"],
        8
    );
    assert_eq!(load(dir.path()).dimension(), 8);

    // A folder with a model of its own is left alone.
    let real = tempfile::tempdir().unwrap();
    let config = json!({"model_type": "clip", "text_config": {}, "vision_config": {}});
    write_json(&real.path().join("config.json"), &config);
    let before = std::fs::read(real.path().join("config.json")).unwrap();
    let (code, stdout, stderr) =
        run_binary(&["--write-tiny-model".as_ref(), real.path().as_os_str()]);
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("cannot write the tiny model")
            && stderr.contains("already holds config.json"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(real.path().join("config.json")).unwrap(),
        before
    );
    assert!(!real.path().join("model.safetensors").exists());

    // Usage errors.
    let (code, _, stderr) = run_binary(&[
        "--write-tiny-model".as_ref(),
        dir.path().as_os_str(),
        "--dimension".as_ref(),
        "0".as_ref(),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--dimension 0: a number from 1 to 4096"),
        "{stderr}"
    );
    let (code, _, stderr) = run_binary(&[
        "--write-tiny-model".as_ref(),
        dir.path().as_os_str(),
        "--listen".as_ref(),
        "127.0.0.1:0".as_ref(),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--listen does not go with --write-tiny-model"),
        "{stderr}"
    );
}

// ---- the HTTP transport ----

/// Sends raw bytes, half-closes, and reads the answer.
fn raw(server: &RunningServer, request: &[u8]) -> HttpAnswer {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request).unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    read_answer(&mut stream)
}

#[test]
fn declared_lengths_of_any_size_are_refused_without_harm() {
    let dir = tiny_model();
    let server = start(dir.path(), None);
    // 100 GB and u64::MAX: an HTTP library that sizes a buffer from the header aborts or
    // panics on these; here they are a 413 like any other.
    for length in ["100000000000", "18446744073709551615"] {
        let request = format!(
            "POST /embeddings HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{{\"input\""
        );
        assert_error(
            &raw(&server, request.as_bytes()),
            413,
            "over 16777216 bytes",
        );
    }
    let request = b"POST /embeddings HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n";
    assert_error(&raw(&server, request), 400, "is not a length");
    let request =
        b"POST /embeddings HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello";
    assert_error(&raw(&server, request), 400, "two different Content-Length");
    assert_eq!(http(server.addr(), "GET", "/health", &[], b"").status, 200);
    server.shutdown();
}

#[test]
fn malformed_chunked_and_oversized_heads_are_refused() {
    let dir = tiny_model();
    let server = start(dir.path(), None);
    assert_error(
        &raw(&server, b"HELLO\r\n\r\n"),
        400,
        "not an HTTP/1.1 request",
    );
    assert_error(
        &raw(&server, b"\x00\x01\x02 / HTTP/1.1\r\n\r\n"),
        400,
        "not an HTTP/1.1 request",
    );
    let chunked =
        b"POST /embeddings HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    assert_error(&raw(&server, chunked), 411, "send a Content-Length");
    let long_head = format!(
        "GET /health HTTP/1.1\r\nX-Filler: {}\r\n\r\n",
        "x".repeat(20_000)
    );
    assert_error(
        &raw(&server, long_head.as_bytes()),
        431,
        "head is too large",
    );
    let many: String = (0..100).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many_headers = format!("GET /health HTTP/1.1\r\n{many}\r\n");
    assert_error(
        &raw(&server, many_headers.as_bytes()),
        431,
        "head is too large",
    );
    assert_error(
        &raw(
            &server,
            b"POST /embeddings HTTP/1.1\r\nExpect: magic\r\nContent-Length: 2\r\n\r\n{}",
        ),
        417,
        "Expect",
    );
    // A client that connects and leaves, or sends half a head and leaves, gets nothing and
    // costs nothing.
    drop(TcpStream::connect(server.addr()).unwrap());
    let mut half = TcpStream::connect(server.addr()).unwrap();
    half.write_all(b"POST /embeddings HTTP/1.1\r\nContent-Le")
        .unwrap();
    drop(half);
    let mut short = TcpStream::connect(server.addr()).unwrap();
    short
        .write_all(b"POST /embeddings HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"in")
        .unwrap();
    drop(short);
    assert_eq!(http(server.addr(), "GET", "/health", &[], b"").status, 200);
    server.shutdown();
}

#[test]
fn a_client_that_waits_for_100_continue_gets_it() {
    let dir = tiny_model();
    let server = start(dir.path(), None);
    let body = json!({"input": ["wool coat"], "modality": "text"}).to_string();
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /embeddings HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    let mut interim = [0u8; 25];
    std::io::Read::read_exact(&mut stream, &mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(body.as_bytes()).unwrap();
    let answer = read_answer(&mut stream);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["data"].as_array().unwrap().len(), 1);
    server.shutdown();
}

#[test]
fn connections_past_the_limit_are_answered_503_and_the_server_recovers() {
    let dir = tiny_model();
    let server = start(dir.path(), None);
    let idle: Vec<TcpStream> = (0..bff_clip::server::MAX_CONNECTIONS)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    // Let the server take them all before the next one.
    std::thread::sleep(Duration::from_millis(300));
    let answer = http(server.addr(), "GET", "/health", &[], b"");
    assert_eq!(answer.status, 503);
    assert!(answer.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("too many connections"));
    drop(idle);
    let mut status = 0;
    for _ in 0..50 {
        status = http(server.addr(), "GET", "/health", &[], b"").status;
        if status == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(status, 200);
    server.shutdown();
}

#[test]
fn a_tokenizer_with_clips_own_pipeline_loads_and_frames_texts() {
    // Split with a \p{L} pattern needs a regex engine: this checks that the build without
    // Oniguruma (tokenizers' fancy-regex feature) reads CLIP's tokenizer.json.
    let dir = tempfile::tempdir().unwrap();
    let (tokenizer, size) = clip_style_tokenizer();
    let mut config = tiny::config(PROJECTION_DIM);
    config["text_config"]["vocab_size"] = json!(size);
    write_json(&dir.path().join("config.json"), &config);
    write_json(&dir.path().join("tokenizer.json"), &tokenizer);
    tiny::write_safetensors(
        &dir.path().join("model.safetensors"),
        &weights_for(&config, 11),
    )
    .unwrap();
    let model = load(dir.path());
    let plain = model.embed_texts(&["red dress"]).unwrap();
    // Start, "red</w>", "dress</w>", end.
    assert_eq!(plain.tokens, 4);
    // Case, whitespace runs and composed characters are normalised away.
    let shouted = model.embed_texts(&["  RED \t\n Dress "]).unwrap();
    assert_eq!(shouted.vectors, plain.vectors);
    // Punctuation is its own word; a word without a merge of its own takes the merges it
    // can: "dressed" is dres, s, e, d</w>.
    let other = model.embed_texts(&["red, dressed!"]).unwrap();
    assert_eq!(other.tokens, 2 + 1 + 1 + 4 + 1);
    assert!(max_abs_diff(&other.vectors[0], &plain.vectors[0]) > 1e-3);
}

/// Not a check: writes a checkpoint of `openai/clip-vit-base-patch32`'s sizes (seeded random
/// weights, about 600 MB, the tiny word-level tokenizer) into `$BFF_CLIP_FULL_SIZE_DIR`, to time
/// the server at real size where no real weights can be had:
/// `BFF_CLIP_FULL_SIZE_DIR=/tmp/vit-b32 cargo test -p bff-clip --test clip -- --ignored full_size`,
/// then `bff-clip --model-dir /tmp/vit-b32` from a release build.
#[test]
#[ignore = "writes 600 MB; run by hand to time the server"]
fn full_size_checkpoint_for_timing() {
    let Some(dir) = std::env::var_os("BFF_CLIP_FULL_SIZE_DIR") else {
        eprintln!("set BFF_CLIP_FULL_SIZE_DIR to write the checkpoint");
        return;
    };
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    // Hugging Face's defaults are ViT-B/32's sizes.
    let config = json!({"model_type": "clip", "text_config": {}, "vision_config": {}});
    write_json(&dir.join("config.json"), &config);
    write_json(&dir.join("tokenizer.json"), &tiny::tokenizer());
    tiny::write_safetensors(&dir.join("model.safetensors"), &weights_for(&config, 1)).unwrap();
    let model = load(dir);
    assert_eq!(model.dimension(), 512);
}

#[test]
fn a_client_that_trickles_its_request_is_cut_off_at_the_deadline() {
    let dir = tiny_model();
    let api = Api::new(Arc::new(load(dir.path())), "tiny".into(), None);
    let server = bff_clip::serve_with(
        Arc::new(api),
        "127.0.0.1:0",
        bff_clip::ServeOptions {
            workers: 1,
            idle_timeout: Duration::from_millis(400),
            request_time: Duration::from_millis(1200),
        },
    )
    .unwrap();
    // Silent after connecting: closed after the idle timeout.
    let mut silent = TcpStream::connect(server.addr()).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut silent, &mut rest).unwrap();
    assert!(rest.is_empty());
    assert!(started.elapsed() < Duration::from_secs(3));

    // A byte every 200 ms never trips the idle timeout, but the whole request must arrive
    // within its time.
    let mut slow = TcpStream::connect(server.addr()).unwrap();
    let started = std::time::Instant::now();
    let request = b"POST /embeddings HTTP/1.1\r\nContent-Length: 100\r\n\r\n";
    let mut cut_off = false;
    for byte in request.iter().cycle().take(200) {
        if slow.write_all(&[*byte]).is_err() {
            cut_off = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        cut_off,
        "the server kept reading a request for {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(http(server.addr(), "GET", "/health", &[], b"").status, 200);
    server.shutdown();
}
