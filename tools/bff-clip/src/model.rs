//! The loaded model: a candle [`ClipModel`], its tokenizer and its sizes, and the two embedding
//! calls the server makes.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor, D};
use candle_nn::VarBuilder;
use candle_transformers::models::clip::ClipModel;
use tokenizers::Tokenizer;

use crate::checkpoint;
use crate::config::ModelConfig;
use crate::preprocess::{preprocess, ImageInputError};

/// The files of a Hugging Face model folder that are read.
pub const CONFIG_FILE: &str = "config.json";
pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const TOKENIZER_FILE: &str = "tokenizer.json";

/// CLIP's special tokens. The text model pools its output at the end token.
pub const START_TOKEN: &str = "<|startoftext|>";
pub const END_TOKEN: &str = "<|endoftext|>";

/// A model folder that cannot be served. Every message names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: missing ({what}); a Hugging Face CLIP folder holds config.json, model.safetensors and tokenizer.json", path.display())]
    Missing { path: PathBuf, what: &'static str },
    #[error("{}: {message}", path.display())]
    Unreadable { path: PathBuf, message: String },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// Why an embedding call failed.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The caller's input is at fault (HTTP 400); `index` is its position in the batch.
    #[error("input {index}: {message}")]
    Input { index: usize, message: String },
    /// The model failed on valid input (HTTP 500).
    #[error("the model failed: {0}")]
    Model(#[from] candle_core::Error),
}

/// Vectors for a batch, one per input in input order, and the tokens the model processed.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedded {
    pub vectors: Vec<Vec<f32>>,
    /// Text: the tokens of every input after truncation, start and end included. Images: the
    /// sequence the vision tower processes per image (patches plus the class token) times the
    /// number of images.
    pub tokens: usize,
}

/// A CLIP model ready to embed images and texts.
///
/// Shared read-only between the server's worker threads behind an `Arc`: candle's tensors are
/// reference-counted storage behind a lock, so `ClipModel` is `Send + Sync` and forward passes
/// never mutate it; the tokenizer is `Sync` too and `encode` takes `&self`. One copy of the
/// weights serves every thread, which matters when they are 600 MB.
pub struct ClipEmbedder {
    model: ClipModel,
    tokenizer: Tokenizer,
    config: ModelConfig,
    device: Device,
    start_id: u32,
    end_id: u32,
}

// Fails to compile if a candle upgrade makes the model thread-bound, rather than at run time.
const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<ClipEmbedder>()
};

impl std::fmt::Debug for ClipEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipEmbedder")
            .field("config", &self.config)
            .field("start_id", &self.start_id)
            .field("end_id", &self.end_id)
            .finish_non_exhaustive()
    }
}

impl ClipEmbedder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from a folder, on the CPU.
    ///
    /// Everything is checked before the weights reach candle: the config's sizes, the
    /// tokenizer's special tokens, and every tensor's presence and shape, so a wrong or partial
    /// download fails here, at start, with the file named, and never on the first request.
    pub fn load(dir: &Path) -> Result<Self, LoadError> {
        if !dir.is_dir() {
            return Err(LoadError::Missing {
                path: dir.to_path_buf(),
                what: "no such model folder",
            });
        }
        let config_path = dir.join(CONFIG_FILE);
        let config_text =
            String::from_utf8(read(&config_path, "the model's sizes")?).map_err(|_| {
                LoadError::Invalid {
                    path: config_path.clone(),
                    message: "not UTF-8 text".into(),
                }
            })?;
        let config = ModelConfig::from_json(&config_text).map_err(|e| LoadError::Invalid {
            path: config_path.clone(),
            message: e.0,
        })?;

        let tokenizer_path = dir.join(TOKENIZER_FILE);
        let tokenizer_bytes = read(&tokenizer_path, "the text tokenizer")?;
        let (tokenizer, start_id, end_id) =
            load_tokenizer(&tokenizer_bytes, &config).map_err(|message| LoadError::Invalid {
                path: tokenizer_path.clone(),
                message,
            })?;

        let weights_path = dir.join(WEIGHTS_FILE);
        let weights = read(&weights_path, "the weights")?;
        checkpoint::check(&weights, &config).map_err(|message| LoadError::Invalid {
            path: weights_path.clone(),
            message,
        })?;
        let device = Device::Cpu;
        // The bytes are borrowed, not copied: each tensor is converted to F32 as it is read,
        // and the file's buffer is freed when loading ends.
        let model = VarBuilder::from_slice_safetensors(&weights, DType::F32, &device)
            .and_then(|vars| ClipModel::new(vars, &config.to_candle()))
            .map_err(|e| LoadError::Invalid {
                path: weights_path.clone(),
                message: format!("candle could not load the weights: {e}"),
            })?;
        Ok(Self {
            model,
            tokenizer,
            config,
            device,
            start_id,
            end_id,
        })
    }

    /// The length of every vector.
    pub fn dimension(&self) -> usize {
        self.config.projection_dim
    }

    /// The sizes read from `config.json`.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// Embeds encoded PNG or JPEG images, one L2-normalised vector each, in input order.
    pub fn embed_images(&self, images: &[&[u8]]) -> Result<Embedded, EmbedError> {
        if images.is_empty() {
            return Ok(Embedded {
                vectors: Vec::new(),
                tokens: 0,
            });
        }
        let size = self.config.vision.image_size;
        let mut pixels = Vec::with_capacity(images.len() * 3 * size * size);
        for (index, bytes) in images.iter().enumerate() {
            let chw = preprocess(bytes, size)
                .map_err(|ImageInputError(message)| EmbedError::Input { index, message })?;
            pixels.extend_from_slice(&chw);
        }
        let batch = Tensor::from_vec(pixels, (images.len(), 3, size, size), &self.device)?;
        let features = self.model.get_image_features(&batch)?;
        Ok(Embedded {
            vectors: normalised_rows(&features)?,
            tokens: images.len() * self.config.vision.num_positions(),
        })
    }

    /// Embeds texts, one L2-normalised vector each, in input order. A text longer than the
    /// model's context (77 tokens for CLIP) is cut, keeping its end token, as CLIP's own
    /// tokenizer does with `truncation=True`.
    pub fn embed_texts(&self, texts: &[&str]) -> Result<Embedded, EmbedError> {
        if texts.is_empty() {
            return Ok(Embedded {
                vectors: Vec::new(),
                tokens: 0,
            });
        }
        let mut rows = Vec::with_capacity(texts.len());
        for (index, text) in texts.iter().enumerate() {
            rows.push(
                self.token_ids(text)
                    .map_err(|message| EmbedError::Input { index, message })?,
            );
        }
        let tokens = rows.iter().map(Vec::len).sum();
        // Pad to the longest row with the end token. candle's text model pools each row at its
        // largest id, the first end token (see `load_tokenizer`), and its attention is causal,
        // so what follows that token never reaches the pooled position: the padding changes no
        // vector.
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(rows.len() * width);
        for row in &rows {
            ids.extend_from_slice(row);
            ids.resize(ids.len() + width - row.len(), self.end_id);
        }
        let batch = Tensor::from_vec(ids, (rows.len(), width), &self.device)?;
        let features = self.model.get_text_features(&batch)?;
        Ok(Embedded {
            vectors: normalised_rows(&features)?,
            tokens,
        })
    }

    /// A text's ids as the model reads them: start token, the text's tokens, end token, at most
    /// `max_position_embeddings` in all.
    fn token_ids(&self, text: &str) -> Result<Vec<u32>, String> {
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| format!("cannot tokenize: {e}"))?;
        // The special tokens are placed here, whether the tokenizer's post-processor adds them
        // or not; one written in the text itself is dropped, as an end token inside the text
        // would become the pooled position.
        let mut body: Vec<u32> = encoding
            .get_ids()
            .iter()
            .copied()
            .filter(|id| *id != self.start_id && *id != self.end_id)
            .collect();
        body.truncate(self.config.text.max_position_embeddings - 2);
        let mut ids = Vec::with_capacity(body.len() + 2);
        ids.push(self.start_id);
        ids.append(&mut body);
        ids.push(self.end_id);
        Ok(ids)
    }
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, LoadError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(LoadError::Missing {
            path: path.to_path_buf(),
            what,
        }),
        Err(e) => Err(LoadError::Unreadable {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
    }
}

/// Reads `tokenizer.json` and finds CLIP's start and end tokens.
///
/// candle's `ClipTextTransformer` pools at the position of each row's largest token id, which is
/// CLIP's end token only because `<|endoftext|>` is the last entry of CLIP's vocabulary (as in
/// Hugging Face's own implementation for these checkpoints). A tokenizer where another token
/// outranks it would pool at the wrong position, so it is refused.
fn load_tokenizer(bytes: &[u8], config: &ModelConfig) -> Result<(Tokenizer, u32, u32), String> {
    let mut tokenizer =
        Tokenizer::from_bytes(bytes).map_err(|e| format!("not a tokenizers JSON file: {e}"))?;
    // Padding and truncation are done per batch by the embedder; a tokenizer.json that asks for
    // its own (fixed-length padding, say) would pad with ids the pooling must not see.
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(None)
        .map_err(|e| format!("cannot turn truncation off: {e}"))?;
    let id = |token: &str| {
        tokenizer
            .token_to_id(token)
            .ok_or_else(|| format!("has no {token} token"))
    };
    let start_id = id(START_TOKEN)?;
    let end_id = id(END_TOKEN)?;
    let vocab = tokenizer.get_vocab(true);
    let largest = vocab.values().copied().max().unwrap_or(0);
    if largest != end_id {
        return Err(format!(
            "{END_TOKEN} has id {end_id} but the largest id is {largest}; CLIP's text model pools at the largest id, so {END_TOKEN} must be the last token of the vocabulary"
        ));
    }
    if (largest as usize) >= config.text.vocab_size {
        return Err(format!(
            "ids reach {largest} but config.json's text_config.vocab_size is {}",
            config.text.vocab_size
        ));
    }
    Ok((tokenizer, start_id, end_id))
}

/// The rows of an `n x d` tensor, each divided by its L2 norm. A zero row (possible only with
/// degenerate weights) is left as zeros rather than becoming NaN.
fn normalised_rows(features: &Tensor) -> Result<Vec<Vec<f32>>, candle_core::Error> {
    let norms = features
        .sqr()?
        .sum_keepdim(D::Minus1)?
        .sqrt()?
        .maximum(f32::MIN_POSITIVE)?;
    features.broadcast_div(&norms)?.to_vec2::<f32>()
}
