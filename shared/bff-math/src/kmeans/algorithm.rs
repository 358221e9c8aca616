use rand::Rng;
use serde::{Deserialize, Serialize};

use super::errors::KMeansFitError;
use super::hyperparams::{KMeansInit, KMeansValidParams};
use crate::linalg::{dot, dot4, sq_norm};
use crate::Embeddings;

/// A fitted k-means model: plain data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeansModel {
    /// One centre per cluster.
    pub centroids: Vec<Vec<f32>>,
    /// Cluster of every point, in input order.
    pub labels: Vec<usize>,
    /// Sum of squared distances from each point to its centre.
    pub inertia: f64,
    /// Lloyd iterations of the winning run.
    pub n_iterations: usize,
    /// Points per cluster.
    pub cluster_sizes: Vec<usize>,
}

impl KMeansModel {
    /// Index of the centre nearest to `point` (lowest index on ties); `None` on a dimension mismatch.
    pub fn predict(&self, point: &[f32]) -> Option<usize> {
        let mut best: Option<(f64, usize)> = None;
        for (c, centre) in self.centroids.iter().enumerate() {
            if centre.len() != point.len() {
                return None;
            }
            let d: f64 = centre
                .iter()
                .zip(point)
                .map(|(a, b)| ((*a as f64) - (*b as f64)).powi(2))
                .sum();
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, c));
            }
        }
        best.map(|(_, c)| c)
    }
}

pub(super) fn fit<R: Rng + ?Sized>(
    params: &KMeansValidParams,
    data: &Embeddings,
    rng: &mut R,
) -> Result<KMeansModel, KMeansFitError> {
    let k = params.n_clusters();
    let n = data.len();
    if n < k {
        return Err(KMeansFitError::TooFewPoints {
            n_points: n,
            n_clusters: k,
        });
    }
    let norms: Vec<f64> = data.rows().map(sq_norm).collect();
    let tolerance = params.tolerance() * mean_feature_variance(data);
    let mut best: Option<KMeansModel> = None;
    match params.init() {
        KMeansInit::Precomputed(centres) => {
            let dim = centres.first().map_or(0, Vec::len);
            if dim != data.dim() {
                return Err(KMeansFitError::DimensionMismatch {
                    centres: dim,
                    data: data.dim(),
                });
            }
            let flat: Vec<f32> = centres.iter().flatten().copied().collect();
            best = Some(lloyd(
                data,
                &norms,
                flat,
                k,
                params.max_iterations(),
                tolerance,
            ));
        }
        KMeansInit::PlusPlus => {
            let distinct = data.distinct_rows();
            if distinct < k {
                return Err(KMeansFitError::TooFewDistinctPoints {
                    distinct,
                    n_clusters: k,
                });
            }
            for _ in 0..params.n_runs() {
                let init = plus_plus(data, &norms, k, rng);
                let run = lloyd(data, &norms, init, k, params.max_iterations(), tolerance);
                if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
                    best = Some(run);
                }
            }
        }
    }
    // n_runs >= 1 is guaranteed by validation, so a model exists.
    best.ok_or(KMeansFitError::TooFewPoints {
        n_points: n,
        n_clusters: k,
    })
}

/// Mean over features of the per-feature variance: scikit-learn's scale for the tolerance.
fn mean_feature_variance(data: &Embeddings) -> f64 {
    let n = data.len() as f64;
    let dim = data.dim();
    let mut mean = vec![0.0f64; dim];
    let mut sq = vec![0.0f64; dim];
    for row in data.rows() {
        for (j, &v) in row.iter().enumerate() {
            mean[j] += v as f64;
            sq[j] += (v as f64) * (v as f64);
        }
    }
    (0..dim)
        .map(|j| (sq[j] / n - (mean[j] / n).powi(2)).max(0.0))
        .sum::<f64>()
        / dim as f64
}

/// Dot products of `x` with every row of `centres` (row-major, `dim` wide), four rows per pass.
fn dots_with(centres: &[f32], dim: usize, x: &[f32], out: &mut [f64]) {
    let k = centres.len() / dim;
    let row = |c: usize| &centres[c * dim..(c + 1) * dim];
    let mut c = 0;
    while c + 4 <= k {
        let d = dot4([row(c), row(c + 1), row(c + 2), row(c + 3)], x);
        out[c..c + 4].copy_from_slice(&d);
        c += 4;
    }
    for (c, slot) in out.iter_mut().enumerate().take(k).skip(c) {
        *slot = dot(row(c), x);
    }
}

/// Greedy k-means++: each new centre is the best of `2 + ln k` candidates drawn with probability
/// proportional to the squared distance to the nearest chosen centre. Requires `k` distinct points.
fn plus_plus<R: Rng + ?Sized>(data: &Embeddings, norms: &[f64], k: usize, rng: &mut R) -> Vec<f32> {
    let n = data.len();
    let dim = data.dim();
    let trials = 2 + (k as f64).ln() as usize;
    let mut centres = Vec::with_capacity(k * dim);
    let first = rng.random_range(0..n);
    centres.extend_from_slice(data.row(first));
    let mut closest: Vec<f64> = data
        .rows()
        .enumerate()
        .map(|(i, x)| (norms[i] + norms[first] - 2.0 * dot(x, data.row(first))).max(0.0))
        .collect();
    let mut potential: f64 = closest.iter().sum();
    let mut cumulative = vec![0.0f64; n];
    let mut candidate_rows = Vec::with_capacity(trials * dim);
    let mut candidate_dist = vec![0.0f64; trials * n];
    let mut dots = vec![0.0f64; trials];
    for _ in 1..k {
        let mut acc = 0.0;
        for (c, d) in cumulative.iter_mut().zip(&closest) {
            acc += d;
            *c = acc;
        }
        let candidates: Vec<usize> = (0..trials)
            .map(|_| {
                let target = rng.random::<f64>() * potential;
                // First point whose cumulative weight exceeds the target: never a point at distance zero.
                cumulative.partition_point(|&c| c <= target).min(n - 1)
            })
            .collect();
        candidate_rows.clear();
        for &c in &candidates {
            candidate_rows.extend_from_slice(data.row(c));
        }
        for (i, x) in data.rows().enumerate() {
            dots_with(&candidate_rows, dim, x, &mut dots);
            for (t, &c) in candidates.iter().enumerate() {
                let d = (norms[i] + norms[c] - 2.0 * dots[t]).max(0.0);
                candidate_dist[t * n + i] = d.min(closest[i]);
            }
        }
        let (best_trial, best_potential) = (0..trials)
            .map(|t| (t, candidate_dist[t * n..(t + 1) * n].iter().sum::<f64>()))
            .fold(
                (0, f64::INFINITY),
                |acc, (t, p)| if p < acc.1 { (t, p) } else { acc },
            );
        potential = best_potential;
        closest.copy_from_slice(&candidate_dist[best_trial * n..(best_trial + 1) * n]);
        centres.extend_from_slice(data.row(candidates[best_trial]));
    }
    centres
}

/// Assigns every point to its nearest centre (lowest index on ties); returns squared distances.
fn assign(
    data: &Embeddings,
    norms: &[f64],
    centres: &[f32],
    labels: &mut [usize],
    sq_dist: &mut [f64],
) {
    let dim = data.dim();
    let centre_norms: Vec<f64> = centres.chunks_exact(dim).map(sq_norm).collect();
    let mut dots = vec![0.0f64; centre_norms.len()];
    for (i, x) in data.rows().enumerate() {
        dots_with(centres, dim, x, &mut dots);
        let mut best = (f64::INFINITY, 0usize);
        for (c, (&d, &cn)) in dots.iter().zip(&centre_norms).enumerate() {
            let dist = norms[i] + cn - 2.0 * d;
            if dist < best.0 {
                best = (dist, c);
            }
        }
        labels[i] = best.1;
        sq_dist[i] = best.0.max(0.0);
    }
}

/// One Lloyd run from the given centres, following scikit-learn's `_kmeans_single_lloyd`.
fn lloyd(
    data: &Embeddings,
    norms: &[f64],
    mut centres: Vec<f32>,
    k: usize,
    max_iterations: usize,
    tolerance: f64,
) -> KMeansModel {
    let n = data.len();
    let dim = data.dim();
    let mut labels = vec![0usize; n];
    let mut previous = vec![usize::MAX; n];
    let mut sq_dist = vec![0.0f64; n];
    let mut sums = vec![0.0f64; k * dim];
    let mut counts = vec![0usize; k];
    let mut strict = false;
    let mut iterations = 0;
    for iteration in 0..max_iterations {
        iterations = iteration + 1;
        assign(data, norms, &centres, &mut labels, &mut sq_dist);
        sums.iter_mut().for_each(|s| *s = 0.0);
        counts.iter_mut().for_each(|c| *c = 0);
        for (i, x) in data.rows().enumerate() {
            let c = labels[i];
            counts[c] += 1;
            for (s, &v) in sums[c * dim..(c + 1) * dim].iter_mut().zip(x) {
                *s += v as f64;
            }
        }
        relocate_empty_clusters(data, &labels, &sq_dist, &mut sums, &mut counts);
        let mut shift = 0.0f64;
        for c in 0..k {
            let inv = 1.0 / counts[c].max(1) as f64;
            for j in 0..dim {
                let new = if counts[c] == 0 {
                    centres[c * dim + j] as f64
                } else {
                    sums[c * dim + j] * inv
                };
                shift += (new - centres[c * dim + j] as f64).powi(2);
                centres[c * dim + j] = new as f32;
            }
        }
        if labels == previous {
            strict = true;
            break;
        }
        if shift <= tolerance {
            break;
        }
        previous.copy_from_slice(&labels);
    }
    if !strict {
        // The last centre update moved the centres: relabel so that labels and centres agree.
        assign(data, norms, &centres, &mut labels, &mut sq_dist);
    }
    let mut cluster_sizes = vec![0usize; k];
    let mut inertia = 0.0f64;
    for (i, x) in data.rows().enumerate() {
        let c = labels[i];
        cluster_sizes[c] += 1;
        inertia += x
            .iter()
            .zip(&centres[c * dim..(c + 1) * dim])
            .map(|(a, b)| ((*a as f64) - (*b as f64)).powi(2))
            .sum::<f64>();
    }
    KMeansModel {
        centroids: centres.chunks_exact(dim).map(<[f32]>::to_vec).collect(),
        labels,
        inertia,
        n_iterations: iterations,
        cluster_sizes,
    }
}

/// Moves each empty cluster onto one of the points farthest from their centre, as scikit-learn does.
fn relocate_empty_clusters(
    data: &Embeddings,
    labels: &[usize],
    sq_dist: &[f64],
    sums: &mut [f64],
    counts: &mut [usize],
) {
    let empty: Vec<usize> = (0..counts.len()).filter(|&c| counts[c] == 0).collect();
    if empty.is_empty() {
        return;
    }
    let dim = data.dim();
    let mut far: Vec<usize> = (0..labels.len()).collect();
    far.sort_by(|&a, &b| sq_dist[b].total_cmp(&sq_dist[a]).then(a.cmp(&b)));
    for (&cluster, &point) in empty.iter().zip(&far) {
        let old = labels[point];
        let x = data.row(point);
        for j in 0..dim {
            sums[old * dim + j] -= x[j] as f64;
            sums[cluster * dim + j] = x[j] as f64;
        }
        counts[old] -= 1;
        counts[cluster] = 1;
    }
}
