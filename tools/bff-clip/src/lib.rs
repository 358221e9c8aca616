//! A native CLIP embedding server for Designer BFF.
//!
//! It loads a CLIP model from a local folder in the Hugging Face layout (`config.json`,
//! `model.safetensors`, `tokenizer.json`: `openai/clip-vit-base-patch32`, FashionCLIP, or any
//! checkpoint of the same architecture) and serves image and text embeddings over the
//! OpenAI-style HTTP API of a self-hosted Infinity server, so the pipeline's embedding client
//! can use it without a Python stack. The model runs on the CPU with candle.
//!
//! - [`config`] reads `config.json` into candle's CLIP configuration.
//! - [`checkpoint`] checks `model.safetensors` against it before loading.
//! - [`preprocess`] turns a PNG or JPEG into the model's input, as CLIP's processor does.
//! - [`ClipEmbedder`] holds the model and embeds batches of images or texts.
//! - [`api`] answers the HTTP API's requests; [`server`] serves it over HTTP/1.1.
//! - [`tiny`] writes a small random-weight checkpoint in the real layout, for tests and demos
//!   (not a model).

pub mod api;
pub mod checkpoint;
pub mod config;
mod model;
pub mod preprocess;
pub mod server;
pub mod tiny;

pub use api::{Api, Reply, Request, MAX_BODY_BYTES, MAX_INPUTS};
pub use config::{ConfigError, ModelConfig, TextConfig, VisionConfig};
pub use model::{
    ClipEmbedder, EmbedError, Embedded, LoadError, CONFIG_FILE, END_TOKEN, START_TOKEN,
    TOKENIZER_FILE, WEIGHTS_FILE,
};
pub use server::{serve, serve_with, RunningServer, ServeOptions, DEFAULT_WORKERS};
