//! Diverse, high-quality selection with a determinantal point process (DPP).
//!
//! Kernel: `L = diag(r) · S · diag(r)` with `r_i = exp(α·q_i)`, `α = θ / (2(1 − θ))`, quality
//! `q_i ∈ [0, 1]` and θ ∈ [0, 1) the quality/diversity trade-off (θ = 0: diversity only).
//! Similarity: `S_ij = (1 + cos(x_i, x_j)) / 2` on L2-normalised embeddings. It is positive
//! semi-definite (the Gram matrix of unit vectors plus the all-ones matrix, halved), lies in [0, 1]
//! with a unit diagonal, and needs only dot products, so a kernel row costs O(M·dim) and the full
//! M×M matrix is never built. Its rank is at most dim + 1, which bounds how many picks can add
//! volume; the greedy stops there by itself through ε.
//!
//! MAP inference is the greedy algorithm with incremental Cholesky updates of Chen, Zhang and Zhou
//! ("Fast Greedy MAP Inference for Determinantal Point Process to Improve Recommendation Diversity",
//! NeurIPS 2018): O(M·N²) for N picks of M, plus O(M·N·dim) for the kernel rows.

mod errors;
mod greedy;
mod params;

pub use errors::DppError;
pub use greedy::{select, Pick, PickReason, Selection, StopReason, Suppressed};
pub use params::{ClusterConstraint, DppParams};
