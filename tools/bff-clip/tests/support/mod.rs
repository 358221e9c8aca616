//! What only the tests need around the tiny checkpoint of [`bff_clip::tiny`]: weights for edited
//! configs, a tokenizer with CLIP's own pipeline, images to embed, and a minimal HTTP client.

#![allow(dead_code)]

use std::io::{Cursor, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use bff_clip::{tiny, ModelConfig};
use image::{ImageBuffer, ImageFormat, Rgb};
use serde_json::{json, Value};

/// Seeded weights for a `config.json` the test has edited (sizes other than the tiny ones).
pub fn weights_for(config: &Value, seed: u64) -> tiny::Tensors {
    let config = ModelConfig::from_json(&config.to_string()).expect("a valid config");
    tiny::weights(&config, seed)
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
