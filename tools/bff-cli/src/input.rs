//! Reading JSON input from a file or standard input, with messages that say what is wrong and where.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};
use bff_math::Embeddings;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Reads and parses JSON from `path`, or from standard input when `path` is `-`.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let (text, source) = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read standard input")?;
        (text, "standard input".to_string())
    } else {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        (text, path.display().to_string())
    };
    serde_json::from_str(&text).with_context(|| format!("{source} is not valid input"))
}

/// Embeddings as a bare array of rows, or as an object with an `embeddings` field.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum EmbeddingsInput {
    Rows(Vec<Vec<f32>>),
    Object { embeddings: Vec<Vec<f32>> },
}

impl EmbeddingsInput {
    pub fn into_embeddings(self) -> Result<Embeddings> {
        let rows = match self {
            Self::Rows(rows) | Self::Object { embeddings: rows } => rows,
        };
        Embeddings::from_rows(&rows).context("invalid embeddings")
    }
}
