//! Silhouette score (Rousseeuw 1987) with Euclidean distances, as scikit-learn's `silhouette_score`.
//!
//! For a point in cluster A: `a` is its mean distance to the other points of A, `b` the smallest mean
//! distance to the points of another cluster, and `s = (b − a) / max(a, b)`; a point alone in its
//! cluster scores 0. The score is the mean of `s` over all points, in [-1, 1].

use serde::Serialize;

use crate::linalg::pairwise_distances;
use crate::Embeddings;

/// Labels for which the silhouette is undefined.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SilhouetteError {
    #[error("{labels} labels were given for {points} points")]
    LengthMismatch { points: usize, labels: usize },
    #[error("the silhouette needs between 2 and n - 1 = {max} clusters, found {found}")]
    ClusterCount { found: usize, max: usize },
}

/// Euclidean distances between all points, computed once and reused for any labelling.
#[derive(Debug, Clone)]
pub struct DistanceMatrix {
    n: usize,
    distances: Vec<f32>,
}

impl DistanceMatrix {
    /// All pairwise distances: O(n²·dim) time, n² `f32` of memory.
    pub fn new(data: &Embeddings) -> Self {
        Self {
            n: data.len(),
            distances: pairwise_distances(data.as_flat(), data.dim()),
        }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True when there are no points.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Mean silhouette for the given labels (any `usize` values; they are only compared).
    pub fn silhouette(&self, labels: &[usize]) -> Result<f64, SilhouetteError> {
        let n = self.n;
        if labels.len() != n {
            return Err(SilhouetteError::LengthMismatch {
                points: n,
                labels: labels.len(),
            });
        }
        // Map labels to 0..k so that per-cluster sums fit in a small vector.
        let mut ids: Vec<usize> = labels.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let k = ids.len();
        if k < 2 || k + 1 > n {
            return Err(SilhouetteError::ClusterCount {
                found: k,
                max: n.saturating_sub(1),
            });
        }
        let dense: Vec<usize> = labels
            .iter()
            .map(|l| ids.binary_search(l).unwrap_or(0))
            .collect();
        let mut sizes = vec![0usize; k];
        for &c in &dense {
            sizes[c] += 1;
        }
        let mut sums = vec![0.0f64; k];
        let mut total = 0.0f64;
        for i in 0..n {
            let own = dense[i];
            if sizes[own] == 1 {
                continue;
            }
            sums.iter_mut().for_each(|s| *s = 0.0);
            let row = &self.distances[i * n..(i + 1) * n];
            for (&d, &c) in row.iter().zip(&dense) {
                sums[c] += d as f64;
            }
            let a = sums[own] / (sizes[own] - 1) as f64;
            let b = (0..k)
                .filter(|&c| c != own)
                .map(|c| sums[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            let denominator = a.max(b);
            if denominator > 0.0 {
                total += (b - a) / denominator;
            }
        }
        Ok(total / n as f64)
    }
}

/// Mean silhouette of `labels` over `data` (exact, O(n²·dim)).
pub fn silhouette_score(data: &Embeddings, labels: &[usize]) -> Result<f64, SilhouetteError> {
    if labels.len() != data.len() {
        return Err(SilhouetteError::LengthMismatch {
            points: data.len(),
            labels: labels.len(),
        });
    }
    DistanceMatrix::new(data).silhouette(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_tight_pairs_score_close_to_one() {
        // Points at 0, 0.1, 10, 10.1 on a line: a = 0.1, b ≈ 10 → s ≈ 0.99 for each.
        let data = Embeddings::from_rows(&[[0.0f32], [0.1], [10.0], [10.1]]).unwrap();
        let s = silhouette_score(&data, &[0, 0, 1, 1]).unwrap();
        let expected = [
            1.0 - 0.1 / 10.05,
            1.0 - 0.1 / 9.95,
            1.0 - 0.1 / 9.95,
            1.0 - 0.1 / 10.05,
        ]
        .iter()
        .sum::<f64>()
            / 4.0;
        assert!((s - expected).abs() < 1e-6, "{s} vs {expected}");
    }

    #[test]
    fn singleton_clusters_score_zero_and_bad_labels_are_errors() {
        let data = Embeddings::from_rows(&[[0.0f32], [1.0], [5.0]]).unwrap();
        // Cluster {5.0} is a singleton (s = 0); for 0.0: a = 1, b = 5 → 0.8; for 1.0: a = 1, b = 4 → 0.75.
        let s = silhouette_score(&data, &[7, 7, 3]).unwrap();
        assert!((s - (0.8 + 0.75) / 3.0).abs() < 1e-6);
        assert_eq!(
            silhouette_score(&data, &[0, 0, 0]),
            Err(SilhouetteError::ClusterCount { found: 1, max: 2 })
        );
        assert_eq!(
            silhouette_score(&data, &[0, 1, 2]),
            Err(SilhouetteError::ClusterCount { found: 3, max: 2 })
        );
        assert_eq!(
            silhouette_score(&data, &[0, 1]),
            Err(SilhouetteError::LengthMismatch {
                points: 3,
                labels: 2
            })
        );
    }

    #[test]
    fn identical_points_in_different_clusters_score_zero() {
        let data = Embeddings::from_rows(&[[1.0f32, 1.0], [1.0, 1.0], [1.0, 1.0]]).unwrap();
        assert_eq!(silhouette_score(&data, &[0, 0, 1]).unwrap(), 0.0);
    }
}
