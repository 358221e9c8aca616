//! A tiny CLIP checkpoint in the Hugging Face layout, written by the tests themselves (no CLIP
//! weights can be downloaded here), images to embed, and a minimal HTTP client.
//!
//! The checkpoint has the real architecture at toy sizes: hidden size 32, 2 layers, 2 heads,
//! intermediate size 64, 32-pixel images in 8-pixel patches, 16-dimensional projections, and a
//! word-level vocabulary of a few dozen fashion words. Its weights come from a seeded generator,
//! so every run embeds to the same vectors.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use bff_clip::checkpoint::expected_tensors;
use bff_clip::ModelConfig;
use image::{ImageBuffer, ImageFormat, Rgb};
use safetensors::tensor::TensorView;
use safetensors::Dtype;
use serde_json::{json, Value};

pub const PROJECTION_DIM: usize = 16;

/// The words of the tiny vocabulary, after `<unk>`; the two special tokens follow, the end token
/// last, as in CLIP's vocabulary.
pub const WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "in",
    "with",
    "and",
    "photo",
    "dress",
    "skirt",
    "coat",
    "jacket",
    "blazer",
    "shirt",
    "trousers",
    "jeans",
    "boots",
    "sneakers",
    "bag",
    "scarf",
    "red",
    "blue",
    "black",
    "white",
    "green",
    "linen",
    "silk",
    "wool",
    "denim",
    "leather",
    "floral",
    "striped",
    "oversized",
    "cropped",
    "tailored",
    "minimal",
];

/// Splitmix64: a seeded generator small enough to read, so the checkpoint needs no RNG crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

/// The vocabulary size: `<unk>`, the words, the start and end tokens.
pub fn vocab_size() -> usize {
    WORDS.len() + 3
}

/// A `config.json` of Hugging Face's `CLIPConfig` shape at toy sizes.
pub fn tiny_config() -> Value {
    json!({
        "architectures": ["CLIPModel"],
        "model_type": "clip",
        "projection_dim": PROJECTION_DIM,
        "logit_scale_init_value": 2.6592,
        "text_config": {
            "model_type": "clip_text_model",
            "vocab_size": vocab_size(),
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "max_position_embeddings": 77,
            "hidden_act": "quick_gelu",
            "layer_norm_eps": 1e-5,
            "projection_dim": PROJECTION_DIM,
            // The placeholder ids OpenAI's own config carries; the server takes the real ones
            // from tokenizer.json.
            "bos_token_id": 0,
            "eos_token_id": 2,
            "pad_token_id": 1
        },
        "vision_config": {
            "model_type": "clip_vision_model",
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_channels": 3,
            "image_size": 32,
            "patch_size": 8,
            "hidden_act": "quick_gelu",
            "layer_norm_eps": 1e-5,
            "projection_dim": PROJECTION_DIM
        }
    })
}

/// A `tokenizer.json` (Hugging Face tokenizers' format): lower-casing, whitespace split, a
/// word-level model, and a template that frames every text in `<|startoftext|>` ..
/// `<|endoftext|>` as CLIP's BPE tokenizer does.
pub fn tiny_tokenizer() -> Value {
    let mut vocab = serde_json::Map::new();
    vocab.insert("<unk>".into(), 0.into());
    for (i, word) in WORDS.iter().enumerate() {
        vocab.insert((*word).into(), (i + 1).into());
    }
    let start = WORDS.len() + 1;
    let end = WORDS.len() + 2;
    vocab.insert("<|startoftext|>".into(), start.into());
    vocab.insert("<|endoftext|>".into(), end.into());
    let special = |id: usize, content: &str| {
        json!({"id": id, "content": content, "single_word": false, "lstrip": false,
               "rstrip": false, "normalized": false, "special": true})
    };
    json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [special(start, "<|startoftext|>"), special(end, "<|endoftext|>")],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<|startoftext|>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}
            ],
            "pair": [
                {"SpecialToken": {"id": "<|startoftext|>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 0}},
                {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}
            ],
            "special_tokens": {
                "<|startoftext|>": {"id": "<|startoftext|>", "ids": [start], "tokens": ["<|startoftext|>"]},
                "<|endoftext|>": {"id": "<|endoftext|>", "ids": [end], "tokens": ["<|endoftext|>"]}
            }
        },
        "decoder": null,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"}
    })
}

/// Seeded weights for every tensor a CLIP model of `config`'s sizes reads, by name, in F32.
/// Layer-norm weights sit near 1 and biases near 0, as trained ones do; the rest are small.
pub fn tiny_weights(config: &Value, seed: u64) -> BTreeMap<String, (Vec<usize>, Vec<f32>)> {
    let config = ModelConfig::from_json(&config.to_string()).expect("a valid tiny config");
    let mut rng = Rng::new(seed);
    let mut tensors = BTreeMap::new();
    for tensor in expected_tensors(&config) {
        let count = tensor.shape.iter().product::<usize>();
        let is_norm = tensor.name.contains("norm") || tensor.name.contains("layrnorm");
        let values: Vec<f32> = (0..count)
            .map(|_| {
                let u = rng.uniform();
                if tensor.name == "logit_scale" {
                    2.6592
                } else if is_norm && tensor.name.ends_with(".weight") {
                    1.0 + 0.1 * u
                } else if tensor.name.ends_with(".bias") {
                    0.02 * u
                } else {
                    0.3 * u
                }
            })
            .collect();
        tensors.insert(tensor.name, (tensor.shape, values));
    }
    tensors
}

/// Writes `tensors` as a safetensors file, plus the int64 `position_ids` buffers that older
/// Hugging Face checkpoints carry (the loader must ignore them).
pub fn write_safetensors(path: &Path, tensors: &BTreeMap<String, (Vec<usize>, Vec<f32>)>) {
    let mut bytes: BTreeMap<String, (Vec<usize>, Dtype, Vec<u8>)> = tensors
        .iter()
        .map(|(name, (shape, values))| {
            let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            (name.clone(), (shape.clone(), Dtype::F32, raw))
        })
        .collect();
    let ids: Vec<u8> = (0..77i64).flat_map(|v| v.to_le_bytes()).collect();
    bytes.insert(
        "text_model.embeddings.position_ids".into(),
        (vec![1, 77], Dtype::I64, ids),
    );
    let views: Vec<(String, TensorView<'_>)> = bytes
        .iter()
        .map(|(name, (shape, dtype, raw))| {
            (
                name.clone(),
                TensorView::new(*dtype, shape.clone(), raw).expect("consistent tensor"),
            )
        })
        .collect();
    safetensors::serialize_to_file(views, None, path).expect("write safetensors");
}

/// Writes a whole tiny model folder.
pub fn write_tiny_model(dir: &Path, seed: u64) {
    let config = tiny_config();
    write_json(&dir.join("config.json"), &config);
    write_json(&dir.join("tokenizer.json"), &tiny_tokenizer());
    write_safetensors(&dir.join("model.safetensors"), &tiny_weights(&config, seed));
}

pub fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

/// A PNG of `width x height` with a pattern picked by `kind`.
pub fn png(width: u32, height: u32, kind: u32) -> Vec<u8> {
    let img = ImageBuffer::from_fn(width, height, |x, y| match kind {
        0 => Rgb([200u8, 30, 40]),
        1 => Rgb([
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            90,
        ]),
        2 => {
            if (x / 4 + y / 4) % 2 == 0 {
                Rgb([250, 250, 250])
            } else {
                Rgb([10, 10, 10])
            }
        }
        _ => Rgb([
            (x * 7 % 256) as u8,
            (y * 13 % 256) as u8,
            ((x + y) * 5 % 256) as u8,
        ]),
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([(x * 3) as u8, (y * 5) as u8, 128u8])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

pub fn data_url(bytes: &[u8], mime: &str) -> String {
    use base64::Engine;
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

pub fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// An HTTP answer read whole.
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpAnswer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{e}: {} {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request over a fresh connection (`Connection: close`) and reads the answer.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpAnswer {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    read_answer(&mut stream)
}

/// Reads an HTTP/1.1 answer from a connection the server closes after it.
pub fn read_answer(stream: &mut TcpStream) -> HttpAnswer {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if let Some(length) = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        body.truncate(length);
    }
    HttpAnswer {
        status,
        headers,
        body,
    }
}

/// A `tokenizer.json` with the pipeline of CLIP's own (as Hugging Face's converter writes it for
/// `openai/clip-vit-base-patch32` and FashionCLIP): NFC, whitespace runs to one space, lower
/// case; split on CLIP's word pattern, then byte-level; BPE with `</w>` word ends; a RoBERTa
/// post-processor framing texts in the start and end tokens, the end token doubling as unknown.
/// Only the vocabulary is tiny: letters, letters ending a word, two punctuation marks, and the
/// merges that spell "red" and "dress", with the special tokens last, as in CLIP. Returns the file and its vocabulary
/// size.
pub fn clip_style_tokenizer() -> (Value, usize) {
    let mut vocab = serde_json::Map::new();
    let mut add = |token: String| {
        let id = vocab.len();
        vocab.insert(token, id.into());
    };
    for c in 'a'..='z' {
        add(c.to_string());
    }
    for c in 'a'..='z' {
        add(format!("{c}</w>"));
    }
    add(",</w>".into());
    add("!</w>".into());
    // In rank order: "dress" takes d-r first, "red" r-e.
    let merges = [
        ("d", "r"),
        ("dr", "e"),
        ("dre", "s"),
        ("dres", "s</w>"),
        ("r", "e"),
        ("re", "d</w>"),
    ];
    for (a, b) in merges {
        add(format!("{a}{b}"));
    }
    add("<|startoftext|>".into());
    add("<|endoftext|>".into());
    let size = vocab.len();
    let (start, end) = (size - 2, size - 1);
    let special = |id: usize, content: &str| {
        json!({"id": id, "content": content, "single_word": false, "lstrip": false,
               "rstrip": false, "normalized": true, "special": true})
    };
    let merges: Vec<String> = merges.iter().map(|(a, b)| format!("{a} {b}")).collect();
    let tokenizer = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [special(start, "<|startoftext|>"), special(end, "<|endoftext|>")],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"},
            {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
            {"type": "Lowercase"}
        ]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split",
             "pattern": {"Regex": "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"},
             "behavior": "Removed", "invert": true},
            {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}
        ]},
        "post_processor": {"type": "RobertaProcessing", "sep": ["<|endoftext|>", end],
                           "cls": ["<|startoftext|>", start], "trim_offsets": false,
                           "add_prefix_space": false},
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true,
                    "use_regex": true},
        "model": {"type": "BPE", "dropout": null, "unk_token": "<|endoftext|>",
                  "continuing_subword_prefix": "", "end_of_word_suffix": "</w>",
                  "fuse_unk": false, "byte_fallback": false, "vocab": vocab, "merges": merges}
    });
    (tokenizer, size)
}
