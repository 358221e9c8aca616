//! Pure math for the Designer BFF pipeline.
//!
//! Nothing in this crate reads a clock, asks the platform for entropy, or touches a network or a database:
//! callers pass plain data and a seeded random number generator, so every result is reproducible
//! and the crate builds unchanged for `wasm32-unknown-unknown` (Workers) and `wasm32-wasip2` (Spin).

pub mod auto_k;
pub mod coverage;
pub mod dpp;
pub mod embeddings;
pub mod kmeans;
pub mod linalg;
pub mod silhouette;

pub use embeddings::{Embeddings, EmbeddingsError};
