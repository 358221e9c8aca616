//! Automatic choice of K: k-means for every K in a range, scored by the silhouette.
//!
//! The pairwise distances are computed once and serve every K, which is what makes the search cheap:
//! for N points the distance matrix costs O(N²·dim) once, each K's silhouette only O(N²).
//! Above `silhouette_exact_limit` points the silhouette is computed on a seeded sample of that many
//! points (as scikit-learn's `sample_size`), which bounds time and memory (2000 points: 16 MB).

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::kmeans::{KMeansFitError, KMeansModel, KMeansParams, KMeansParamsError};
use crate::silhouette::DistanceMatrix;
use crate::Embeddings;

/// Parameters of the search. `Default` is K in 3..=8, 3 k-means runs, 100 iterations, tolerance 1e-4,
/// exact silhouette up to 2000 points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoKParams {
    pub k_min: usize,
    pub k_max: usize,
    pub n_runs: usize,
    pub max_iterations: usize,
    pub tolerance: f64,
    pub silhouette_exact_limit: usize,
}

impl Default for AutoKParams {
    fn default() -> Self {
        Self {
            k_min: 3,
            k_max: 8,
            n_runs: 3,
            max_iterations: 100,
            tolerance: 1e-4,
            silhouette_exact_limit: 2000,
        }
    }
}

/// Why no K could be chosen.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AutoKError {
    #[error("k_min must be at least 2 and at most k_max (got {k_min}..={k_max})")]
    InvalidRange { k_min: usize, k_max: usize },
    #[error("the silhouette sample limit must be at least 3, got {limit}")]
    InvalidSampleLimit { limit: usize },
    #[error("{n_points} points of which {distinct} distinct cannot form 2 or more clusters")]
    NotEnoughPoints { n_points: usize, distinct: usize },
    #[error(transparent)]
    Params(#[from] KMeansParamsError),
    #[error(transparent)]
    Fit(#[from] KMeansFitError),
}

/// The figures of one K, for plotting the elbow and the silhouette curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct KCandidate {
    pub k: usize,
    /// `None` when the (sampled) labels held a single cluster, so the silhouette is undefined.
    pub silhouette: Option<f64>,
    pub inertia: f64,
    pub n_iterations: usize,
}

/// The chosen K with its model, and every K tried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoKResult {
    pub best_k: usize,
    pub silhouette: f64,
    pub model: KMeansModel,
    pub candidates: Vec<KCandidate>,
    /// The K range actually searched, after clipping to the number of (distinct) points.
    pub k_range: (usize, usize),
    /// Number of points the silhouette was computed on, when it was sampled.
    pub silhouette_sample_size: Option<usize>,
}

/// Clusters `data` for every K in the (clipped) range and keeps the K with the highest silhouette
/// (the smallest K on ties).
pub fn choose_k<R: Rng + ?Sized>(
    data: &Embeddings,
    params: &AutoKParams,
    rng: &mut R,
) -> Result<AutoKResult, AutoKError> {
    if params.k_min < 2 || params.k_min > params.k_max {
        return Err(AutoKError::InvalidRange {
            k_min: params.k_min,
            k_max: params.k_max,
        });
    }
    if params.silhouette_exact_limit < 3 {
        return Err(AutoKError::InvalidSampleLimit {
            limit: params.silhouette_exact_limit,
        });
    }
    let n = data.len();
    let distinct = data.distinct_rows();
    // The silhouette needs at most n - 1 clusters; k-means++ needs k distinct points.
    let k_max = params.k_max.min(n.saturating_sub(1)).min(distinct);
    if k_max < 2 {
        return Err(AutoKError::NotEnoughPoints {
            n_points: n,
            distinct,
        });
    }
    let k_min = params.k_min.min(k_max);

    let sample: Option<Vec<usize>> = (n > params.silhouette_exact_limit).then(|| {
        let mut idx = rand::seq::index::sample(rng, n, params.silhouette_exact_limit).into_vec();
        idx.sort_unstable();
        idx
    });
    let distances = match &sample {
        Some(idx) => DistanceMatrix::new(&data.select_rows(idx)),
        None => DistanceMatrix::new(data),
    };

    let mut candidates = Vec::with_capacity(k_max - k_min + 1);
    let mut best: Option<(f64, KMeansModel)> = None;
    for k in k_min..=k_max {
        let model = KMeansParams::new(k)
            .n_runs(params.n_runs)
            .max_iterations(params.max_iterations)
            .tolerance(params.tolerance)
            .check()?
            .fit(data, rng)?;
        let silhouette = match &sample {
            Some(idx) => {
                let labels: Vec<usize> = idx.iter().map(|&i| model.labels[i]).collect();
                distances.silhouette(&labels).ok()
            }
            None => distances.silhouette(&model.labels).ok(),
        };
        candidates.push(KCandidate {
            k,
            silhouette,
            inertia: model.inertia,
            n_iterations: model.n_iterations,
        });
        if let Some(s) = silhouette {
            if best.as_ref().is_none_or(|(b, _)| s > *b) {
                best = Some((s, model));
            }
        }
    }
    let (silhouette, model) = best.ok_or(AutoKError::NotEnoughPoints {
        n_points: n,
        distinct,
    })?;
    Ok(AutoKResult {
        best_k: model.centroids.len(),
        silhouette,
        model,
        candidates,
        k_range: (k_min, k_max),
        silhouette_sample_size: sample.map(|s| s.len()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256Plus;

    fn rng() -> Xoshiro256Plus {
        Xoshiro256Plus::seed_from_u64(3)
    }

    #[test]
    fn range_errors() {
        let data = Embeddings::from_rows(&[[0.0f32], [1.0], [2.0]]).unwrap();
        let params = |k_min, k_max| AutoKParams {
            k_min,
            k_max,
            ..AutoKParams::default()
        };
        assert_eq!(
            choose_k(&data, &params(1, 3), &mut rng()),
            Err(AutoKError::InvalidRange { k_min: 1, k_max: 3 })
        );
        assert_eq!(
            choose_k(&data, &params(5, 4), &mut rng()),
            Err(AutoKError::InvalidRange { k_min: 5, k_max: 4 })
        );
        let tiny_sample = AutoKParams {
            silhouette_exact_limit: 2,
            ..AutoKParams::default()
        };
        assert_eq!(
            choose_k(&data, &tiny_sample, &mut rng()),
            Err(AutoKError::InvalidSampleLimit { limit: 2 })
        );
        let bad_runs = AutoKParams {
            n_runs: 0,
            ..AutoKParams::default()
        };
        assert_eq!(
            choose_k(&data, &bad_runs, &mut rng()),
            Err(AutoKError::Params(KMeansParamsError::ZeroRuns))
        );
    }

    #[test]
    fn identical_points_and_too_few_points_are_typed_errors() {
        let same = Embeddings::from_rows(&[[1.0f32, 2.0]; 10]).unwrap();
        assert_eq!(
            choose_k(&same, &AutoKParams::default(), &mut rng()),
            Err(AutoKError::NotEnoughPoints {
                n_points: 10,
                distinct: 1
            })
        );
        let two = Embeddings::from_rows(&[[0.0f32], [1.0]]).unwrap();
        assert_eq!(
            choose_k(&two, &AutoKParams::default(), &mut rng()),
            Err(AutoKError::NotEnoughPoints {
                n_points: 2,
                distinct: 2
            })
        );
    }

    #[test]
    fn range_is_clipped_to_what_the_points_allow() {
        // Five points, two distinct positions each repeated: K can only be 2.
        let data = Embeddings::from_rows(&[[0.0f32], [0.0], [0.0], [9.0], [9.0]]).unwrap();
        let result = choose_k(&data, &AutoKParams::default(), &mut rng()).unwrap();
        assert_eq!(result.k_range, (2, 2));
        assert_eq!(result.best_k, 2);
        assert_eq!(result.silhouette, 1.0);
    }

    #[test]
    fn sampled_silhouette_above_the_limit() {
        let data = Embeddings::from_flat(
            (0..400)
                .map(|i| {
                    if i % 8 < 4 {
                        (i % 8) as f32
                    } else {
                        50.0 + (i % 3) as f32
                    }
                })
                .collect(),
            2,
        )
        .unwrap();
        let params = AutoKParams {
            silhouette_exact_limit: 50,
            k_min: 2,
            ..AutoKParams::default()
        };
        let result = choose_k(&data, &params, &mut rng()).unwrap();
        assert_eq!(result.silhouette_sample_size, Some(50));
        assert_eq!(result.model.labels.len(), 200);
        assert!((-1.0..=1.0).contains(&result.silhouette));
    }
}
