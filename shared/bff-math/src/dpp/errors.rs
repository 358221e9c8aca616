use serde::Serialize;

use crate::EmbeddingsError;

/// Inputs the selection refuses.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DppError {
    #[error("max_picks must be at least 1")]
    ZeroPicks,
    #[error("theta must be in [0, 1), got {theta}")]
    InvalidTheta { theta: f64 },
    #[error("epsilon must be a finite number >= 0, got {epsilon}")]
    InvalidEpsilon { epsilon: f64 },
    #[error("the near-duplicate cosine threshold must be in (0, 1], got {threshold}")]
    InvalidDuplicateThreshold { threshold: f64 },
    #[error("{found} quality scores were given for {expected} candidates")]
    QualityLength { expected: usize, found: usize },
    #[error("quality of candidate {index} must be in [0, 1], got {value}")]
    InvalidQuality { index: usize, value: f64 },
    #[error("{found} cluster labels were given for {expected} candidates")]
    ClusterLabelsLength { expected: usize, found: usize },
    #[error("the cluster share cap must be in (0, 1], got {max_share}")]
    InvalidMaxShare { max_share: f64 },
    #[error("invalid embeddings: {0}")]
    Embeddings(#[from] EmbeddingsError),
}
