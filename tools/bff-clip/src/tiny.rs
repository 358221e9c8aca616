//! A tiny CLIP checkpoint with random weights, in the real Hugging Face layout, for tests and
//! demos. It is not a model: its vectors are deterministic but mean nothing.
//!
//! No CLIP weights can be downloaded on the project's machines, yet the server's tests and the
//! product's end-to-end tests need a folder the real loader accepts. [`write_tiny_model`] writes
//! one: `config.json` (Hugging Face's `CLIPConfig`), `tokenizer.json` (Hugging Face tokenizers)
//! and `model.safetensors` (every tensor of transformers' `CLIPModel`, F32, plus the int64
//! `position_ids` buffer older checkpoints carry). The architecture is CLIP's at toy sizes:
//! hidden size 32, 2 layers, 2 heads, intermediate size 64, 32-pixel images in 8-pixel patches,
//! a projection of the caller's length ([`DEFAULT_DIMENSION`] unless asked), and a word-level
//! vocabulary of a few dozen fashion words ([`WORDS`]; other words are `<unk>`). The weights
//! come from a seeded generator, so a seed always gives the same bytes and the same vectors.
//! The folder is about 200 KB and loads in milliseconds.
//!
//! The binary writes one with `bff-clip --write-tiny-model DIR [--seed N] [--dimension D]`, so
//! a harness that must not link candle can start the real server on it.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use safetensors::tensor::TensorView;
use safetensors::Dtype;
use serde_json::{json, Value};

use crate::checkpoint::expected_tensors;
use crate::config::ModelConfig;
use crate::model::{CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE};

/// The projection length the crate's own tests use.
pub const DEFAULT_DIMENSION: usize = 16;

/// The seed the command line uses when none is given (the tests' usual one).
pub const DEFAULT_SEED: u64 = 7;

/// The longest projection [`write_tiny_model`] writes (the largest published CLIPs use 1024).
pub const MAX_DIMENSION: usize = 4096;

/// The top-level key of `config.json` that marks a folder as written here. The loader ignores
/// it; [`write_tiny_model`] rewrites only folders that carry it, so it never overwrites a real
/// model.
pub const MARKER: &str = "bff_clip_tiny";

/// The words of the tiny vocabulary, after `<unk>` (id 0); the start and end tokens follow, the
/// end token last, as in CLIP's vocabulary.
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

/// Tensors by name: shape and F32 values in row-major order.
pub type Tensors = BTreeMap<String, (Vec<usize>, Vec<f32>)>;

/// The vocabulary size: `<unk>`, the words, the start and end tokens.
pub fn vocab_size() -> usize {
    WORDS.len() + 3
}

/// A `config.json` of Hugging Face's `CLIPConfig` shape at toy sizes, with embeddings of
/// `projection_dim` numbers, carrying [`MARKER`].
pub fn config(projection_dim: usize) -> Value {
    json!({
        MARKER: "random weights for tests and demos, not a trained model",
        "architectures": ["CLIPModel"],
        "model_type": "clip",
        "projection_dim": projection_dim,
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
            "projection_dim": projection_dim,
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
            "projection_dim": projection_dim
        }
    })
}

/// A `tokenizer.json` (Hugging Face tokenizers' format): lower-casing, whitespace split, a
/// word-level model over [`WORDS`], and a template that frames every text in
/// `<|startoftext|>` .. `<|endoftext|>` as CLIP's BPE tokenizer does.
pub fn tokenizer() -> Value {
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

/// Seeded weights for every tensor a CLIP model of `config`'s sizes reads (any sizes, not only
/// the tiny ones). Layer-norm weights sit near 1 and biases near 0, as trained ones do; the rest
/// are small; `logit_scale` is CLIP's initial value.
pub fn weights(config: &ModelConfig, seed: u64) -> Tensors {
    let mut rng = SplitMix64(seed);
    let mut tensors = BTreeMap::new();
    for tensor in expected_tensors(config) {
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

/// Writes `tensors` as a safetensors file, plus the int64
/// `text_model.embeddings.position_ids` buffer (shape `[1, 77]`) that older Hugging Face
/// checkpoints carry and the loader must ignore. A tensor whose values do not fill its shape is
/// refused (`InvalidInput`).
pub fn write_safetensors(path: &Path, tensors: &Tensors) -> io::Result<()> {
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
    let views = bytes
        .iter()
        .map(|(name, (shape, dtype, raw))| {
            TensorView::new(*dtype, shape.clone(), raw)
                .map(|view| (name.clone(), view))
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{name}: {e}")))
        })
        .collect::<io::Result<Vec<_>>>()?;
    // Serialised in memory and written plainly rather than with `serialize_to_file`, whose
    // temporary file leaves the weights readable by their owner only.
    let file = safetensors::serialize(views, None).map_err(|e| io::Error::other(e.to_string()))?;
    std::fs::write(path, file)
}

/// Writes a whole tiny model folder into `dir` (created if missing): [`config`] with
/// `projection_dim`, [`tokenizer`], and [`weights`] from `seed`. The same arguments always give
/// the same bytes, and any seed gives a folder [`ClipEmbedder::load`](crate::ClipEmbedder::load)
/// accepts, embedding to L2-normalised vectors of `projection_dim` numbers.
///
/// `projection_dim` must be from 1 to [`MAX_DIMENSION`] (`InvalidInput` otherwise). A folder
/// that already holds any of the three files is rewritten only if its `config.json` carries
/// [`MARKER`], i.e. was written here (`AlreadyExists` otherwise): a real model is never
/// overwritten. `config.json` is written first, so a folder left half-written can be rewritten.
pub fn write_tiny_model(dir: &Path, seed: u64, projection_dim: usize) -> io::Result<()> {
    if !(1..=MAX_DIMENSION).contains(&projection_dim) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("the dimension {projection_dim} is not from 1 to {MAX_DIMENSION}"),
        ));
    }
    let present: Vec<&str> = [CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE]
        .into_iter()
        .filter(|file| dir.join(file).exists())
        .collect();
    if !present.is_empty() && !is_tiny_model(dir) {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} already holds {} of a model not written by bff-clip's tiny writer: \
                 choose another folder",
                dir.display(),
                present.join(", ")
            ),
        ));
    }
    std::fs::create_dir_all(dir)?;
    let config = config(projection_dim);
    let parsed = ModelConfig::from_json(&config.to_string())
        .map_err(|e| io::Error::other(format!("the tiny config does not read back: {e}")))?;
    write_json(&dir.join(CONFIG_FILE), &config)?;
    write_json(&dir.join(TOKENIZER_FILE), &tokenizer())?;
    write_safetensors(&dir.join(WEIGHTS_FILE), &weights(&parsed, seed))
}

/// Whether `dir/config.json` carries [`MARKER`], i.e. the folder was written by
/// [`write_tiny_model`].
pub fn is_tiny_model(dir: &Path) -> bool {
    std::fs::read(dir.join(CONFIG_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .is_some_and(|config| config.get(MARKER).is_some())
}

fn write_json(path: &Path, value: &Value) -> io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    bytes.push(b'\n');
    std::fs::write(path, bytes)
}

/// SplitMix64: a seeded generator small enough to read, so the checkpoint needs no RNG crate.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_reads_back_with_the_asked_dimension_and_every_tensor_fits_it() {
        for dimension in [1, DEFAULT_DIMENSION, 32, 512] {
            let parsed = ModelConfig::from_json(&config(dimension).to_string()).unwrap();
            assert_eq!(parsed.projection_dim, dimension);
            assert_eq!(parsed.text.vocab_size, vocab_size());
            let tensors = weights(&parsed, 1);
            assert_eq!(tensors["visual_projection.weight"].0, vec![dimension, 32]);
            assert_eq!(tensors["text_projection.weight"].0, vec![dimension, 32]);
            for (name, (shape, values)) in &tensors {
                assert_eq!(shape.iter().product::<usize>(), values.len(), "{name}");
            }
        }
    }

    #[test]
    fn weights_depend_on_the_seed_only() {
        let parsed = ModelConfig::from_json(&config(DEFAULT_DIMENSION).to_string()).unwrap();
        assert_eq!(weights(&parsed, 3), weights(&parsed, 3));
        assert_ne!(weights(&parsed, 3), weights(&parsed, 4));
    }

    #[test]
    fn bad_dimensions_and_real_models_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("model");
        for dimension in [0, MAX_DIMENSION + 1] {
            let error = write_tiny_model(&dir, 1, dimension).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{error}");
        }
        assert!(!dir.exists());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(WEIGHTS_FILE), b"real weights").unwrap();
        let error = write_tiny_model(&dir, 1, 8).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists, "{error}");
        assert!(error.to_string().contains("model.safetensors"), "{error}");
        assert_eq!(
            std::fs::read(dir.join(WEIGHTS_FILE)).unwrap(),
            b"real weights"
        );
        std::fs::remove_file(dir.join(WEIGHTS_FILE)).unwrap();
        // Its own folders are rewritten, with other sizes too.
        write_tiny_model(&dir, 1, 8).unwrap();
        assert!(is_tiny_model(&dir));
        write_tiny_model(&dir, 2, 12).unwrap();
    }
}
