//! A native CLIP embedding server for Designer BFF.
//!
//! - [`config`] reads `config.json` into candle's CLIP configuration.
//! - [`checkpoint`] checks `model.safetensors` against it before loading.
//! - [`preprocess`] turns a PNG or JPEG into the model's input, as CLIP's processor does.
//! - [`ClipEmbedder`] holds the model and embeds batches of images or texts.

pub mod checkpoint;
pub mod config;
mod model;
pub mod preprocess;

pub use config::{ConfigError, ModelConfig, TextConfig, VisionConfig};
pub use model::{
    ClipEmbedder, EmbedError, Embedded, LoadError, CONFIG_FILE, END_TOKEN, START_TOKEN,
    TOKENIZER_FILE, WEIGHTS_FILE,
};
