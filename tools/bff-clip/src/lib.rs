//! A native CLIP embedding server for Designer BFF.
//!
//! - [`config`] reads `config.json` into candle's CLIP configuration.
//! - [`checkpoint`] checks `model.safetensors` against it before loading.
//! - [`preprocess`] turns a PNG or JPEG into the model's input, as CLIP's processor does.

pub mod checkpoint;
pub mod config;
pub mod preprocess;

pub use config::{ConfigError, ModelConfig, TextConfig, VisionConfig};
