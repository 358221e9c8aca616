//! The benchmark workloads of `bff-math`, compiled the same way for native runs and for wasm32.
//!
//! The safe Rust functions ([`auto_k`], [`dpp`], [`Phases`]) are what the native harness calls; the
//! [`ffi`] module wraps them in plain C-ABI exports (no wasm-bindgen) so that a JavaScript host can
//! load the `.wasm` with `WebAssembly.instantiate` and no imports, copy raw `f32` buffers into its
//! linear memory and call them. Both harnesses therefore time exactly the same code.
//! The [`render`] module adds the sketch renderer (`bff-render`) as a workload, with its own exports.

use bff_math::auto_k::{choose_k, AutoKParams};
use bff_math::dpp::{select, DppParams};
use bff_math::kmeans::KMeansParams;
use bff_math::linalg::{dot, dot4};
use bff_math::silhouette::DistanceMatrix;
use bff_math::Embeddings;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

mod embed;
pub mod ffi;
pub mod render;

/// Result of the automatic-K workload.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoKOutcome {
    pub best_k: usize,
    pub silhouette: f64,
    /// Silhouette of every K tried, in increasing K; `None` where it is undefined.
    pub silhouettes: Vec<(usize, Option<f64>)>,
}

/// Validates a row-major `f32` buffer of width `dim` into [`Embeddings`] (one copy, as a host would).
pub fn embeddings(points: &[f32], dim: usize) -> Result<Embeddings, String> {
    Embeddings::from_flat(points.to_vec(), dim).map_err(|e| e.to_string())
}

/// K in 3..=8 with `AutoKParams::default()` (3 k-means++ runs, 100 iterations, tolerance 1e-4,
/// exact silhouette up to 2000 points), seeded with Xoshiro256++ from `seed`.
pub fn auto_k(points: &[f32], dim: usize, seed: u64) -> Result<AutoKOutcome, String> {
    let data = embeddings(points, dim)?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let result = choose_k(&data, &AutoKParams::default(), &mut rng).map_err(|e| e.to_string())?;
    Ok(AutoKOutcome {
        best_k: result.best_k,
        silhouette: result.silhouette,
        silhouettes: result
            .candidates
            .iter()
            .map(|c| (c.k, c.silhouette))
            .collect(),
    })
}

/// Greedy DPP selection of `picks` candidates at trade-off `theta` (other parameters as
/// `DppParams::new`); returns the picked row indices in selection order.
pub fn dpp(
    points: &[f32],
    quality: &[f32],
    dim: usize,
    picks: usize,
    theta: f64,
) -> Result<Vec<usize>, String> {
    let data = embeddings(points, dim)?;
    let quality: Vec<f64> = quality.iter().map(|&q| f64::from(q)).collect();
    let params = DppParams::new(picks).theta(theta);
    let selection = select(&data, &quality, &params).map_err(|e| e.to_string())?;
    Ok(selection.picks.iter().map(|p| p.index).collect())
}

/// The phases of the workloads, run one by one so that a harness can time each.
///
/// They use only the public API of `bff-math`: the distance matrix and the silhouette directly,
/// k-means through `KMeansParams` (with one iteration, a fit is essentially its k-means++ seeding),
/// the dot-product kernel that the distance matrix, the k-means assignment and the DPP kernel rows
/// are made of, and the DPP selection on already validated data.
#[derive(Debug, Clone)]
pub struct Phases {
    data: Embeddings,
    quality: Vec<f64>,
    distances: Option<DistanceMatrix>,
}

impl Phases {
    /// Validates the data once (the step timed as "load"); every phase then works on it.
    pub fn new(points: &[f32], quality: &[f32], dim: usize) -> Result<Self, String> {
        let data = embeddings(points, dim)?;
        if quality.len() != data.len() {
            return Err(format!(
                "{} quality values for {} points",
                quality.len(),
                data.len()
            ));
        }
        Ok(Self {
            data,
            quality: quality.iter().map(|&q| f64::from(q)).collect(),
            distances: None,
        })
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Always false: validated data has at least one row.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The duplicate scan that `choose_k` runs once and every k-means++ fit runs again.
    pub fn distinct_rows(&self) -> usize {
        self.data.distinct_rows()
    }

    /// The distance matrix of the first `min(n, limit)` points (the same size, hence the same cost,
    /// as the seeded sample of `choose_k`); returns its number of rows.
    pub fn distance_matrix(&mut self, limit: usize) -> usize {
        let rows = self.data.len().min(limit);
        let indices: Vec<usize> = (0..rows).collect();
        let sample = if rows == self.data.len() {
            self.data.clone()
        } else {
            self.data.select_rows(&indices)
        };
        let distances = DistanceMatrix::new(&sample);
        let len = distances.len();
        self.distances = Some(distances);
        len
    }

    /// Silhouette of a round-robin labelling into `k` clusters over the last distance matrix
    /// (its cost does not depend on the labels).
    pub fn silhouette(&self, k: usize) -> Result<f64, String> {
        let distances = self
            .distances
            .as_ref()
            .ok_or("no distance matrix was computed")?;
        let labels: Vec<usize> = (0..distances.len()).map(|i| i % k.max(1)).collect();
        distances.silhouette(&labels).map_err(|e| e.to_string())
    }

    /// One k-means fit as `choose_k` runs it for one K; returns (inertia, iterations of the best run).
    pub fn kmeans(
        &self,
        k: usize,
        n_runs: usize,
        max_iterations: usize,
        seed: u64,
    ) -> Result<(f64, usize), String> {
        let defaults = AutoKParams::default();
        let model = KMeansParams::new(k)
            .n_runs(n_runs)
            .max_iterations(max_iterations)
            .tolerance(defaults.tolerance)
            .check()
            .map_err(|e| e.to_string())?
            .fit(&self.data, &mut Xoshiro256PlusPlus::seed_from_u64(seed))
            .map_err(|e| e.to_string())?;
        Ok((model.inertia, model.n_iterations))
    }

    /// Dot products of every point with each of the first `rows` points, four points per pass as
    /// the DPP kernel rows are computed: `rows × n × dim` multiply-adds. Returns their sum.
    pub fn dot_rows(&self, rows: usize) -> f64 {
        let n = self.data.len();
        let mut sum = 0.0;
        for r in 0..rows.min(n) {
            let target = self.data.row(r);
            let mut i = 0;
            while i + 4 <= n {
                let block = [
                    self.data.row(i),
                    self.data.row(i + 1),
                    self.data.row(i + 2),
                    self.data.row(i + 3),
                ];
                sum += dot4(block, target).iter().sum::<f64>();
                i += 4;
            }
            for j in i..n {
                sum += dot(self.data.row(j), target);
            }
        }
        sum
    }

    /// DPP selection on the validated data (as [`dpp`] without the copy into `Embeddings`);
    /// returns the number of picks.
    pub fn dpp(&self, picks: usize, theta: f64) -> Result<usize, String> {
        let params = DppParams::new(picks).theta(theta);
        let selection = select(&self.data, &self.quality, &params).map_err(|e| e.to_string())?;
        Ok(selection.picks.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tight groups on the axes of a 4-dimensional space, 30 points each.
    fn clustered() -> (Vec<f32>, Vec<f32>) {
        let mut points = Vec::new();
        let mut quality = Vec::new();
        for i in 0..90 {
            let mut row = [0.01f32 * ((i * 7 % 11) as f32), 0.0, 0.0, 0.0];
            row[i % 3 + 1] = 1.0;
            points.extend_from_slice(&row);
            quality.push((i % 10) as f32 / 10.0);
        }
        (points, quality)
    }

    #[test]
    fn auto_k_finds_the_three_groups_and_dpp_picks_distinct_rows() {
        let (points, quality) = clustered();
        let outcome = auto_k(&points, 4, 42).unwrap();
        assert_eq!(outcome.best_k, 3);
        assert_eq!(outcome.silhouettes.len(), 6);
        let picks = dpp(&points, &quality, 4, 5, 0.7).unwrap();
        assert!(!picks.is_empty() && picks.len() <= 5);
        let mut sorted = picks.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), picks.len());
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(auto_k(&[], 4, 1).is_err());
        assert!(auto_k(&[1.0, 2.0, 3.0], 2, 1).is_err());
        assert!(dpp(&[1.0, 0.0], &[2.0], 2, 1, 0.7).is_err());
        assert!(dpp(&[1.0, 0.0], &[0.5], 2, 1, 1.5).is_err());
    }

    #[test]
    fn phases_run_on_the_same_data() {
        let (points, quality) = clustered();
        assert!(Phases::new(&points, &quality[1..], 4).is_err());
        let mut phases = Phases::new(&points, &quality, 4).unwrap();
        assert_eq!(phases.len(), 90);
        assert!(phases.silhouette(3).is_err());
        assert_eq!(phases.distance_matrix(50), 50);
        assert!(phases.silhouette(3).is_ok());
        let (inertia, iterations) = phases.kmeans(3, 1, 100, 7).unwrap();
        assert!(inertia >= 0.0 && iterations >= 1);
        assert!(phases.distinct_rows() > 3);
        // Each of the 2 target rows has norm² ≈ 1 and a non-negative dot with every row.
        assert!(phases.dot_rows(2) > 2.0);
        assert_eq!(phases.dpp(1, 0.7), Ok(1));
    }
}
