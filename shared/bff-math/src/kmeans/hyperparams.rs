use rand::Rng;

use super::algorithm::{self, KMeansModel};
use super::errors::{KMeansFitError, KMeansParamsError};
use crate::Embeddings;

/// How the first centres are chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum KMeansInit {
    /// Greedy k-means++ (Arthur and Vassilvitskii 2007; `2 + ln k` local trials per centre, as scikit-learn).
    PlusPlus,
    /// Fixed centres, one row per cluster: reproduces a reference run exactly (one run is enough).
    Precomputed(Vec<Vec<f32>>),
}

/// Builder for k-means; `check` validates it into [`KMeansValidParams`], the only form that can fit.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams {
    n_clusters: usize,
    n_runs: usize,
    max_iterations: usize,
    tolerance: f64,
    init: KMeansInit,
}

impl KMeansParams {
    /// Defaults: 3 runs, at most 100 iterations, relative tolerance 1e-4, k-means++.
    pub fn new(n_clusters: usize) -> Self {
        Self {
            n_clusters,
            n_runs: 3,
            max_iterations: 100,
            tolerance: 1e-4,
            init: KMeansInit::PlusPlus,
        }
    }

    /// Independent restarts; the run with the lowest inertia wins.
    pub fn n_runs(mut self, n_runs: usize) -> Self {
        self.n_runs = n_runs;
        self
    }

    /// Iteration cap of one run.
    pub fn max_iterations(mut self, max_iterations: usize) -> Self {
        self.max_iterations = max_iterations;
        self
    }

    /// Stop when the total squared centre shift falls to `tolerance` times the data's mean per-feature variance.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Initialisation method.
    pub fn init(mut self, init: KMeansInit) -> Self {
        self.init = init;
        self
    }

    /// Validates the parameters.
    pub fn check(self) -> Result<KMeansValidParams, KMeansParamsError> {
        if self.n_clusters == 0 {
            return Err(KMeansParamsError::ZeroClusters);
        }
        if self.n_runs == 0 {
            return Err(KMeansParamsError::ZeroRuns);
        }
        if self.max_iterations == 0 {
            return Err(KMeansParamsError::ZeroIterations);
        }
        if !self.tolerance.is_finite() || self.tolerance < 0.0 {
            return Err(KMeansParamsError::InvalidTolerance {
                tolerance: self.tolerance,
            });
        }
        if let KMeansInit::Precomputed(centres) = &self.init {
            if centres.len() != self.n_clusters {
                return Err(KMeansParamsError::InitialCentreCount {
                    expected: self.n_clusters,
                    found: centres.len(),
                });
            }
            if Embeddings::from_rows(centres).is_err() {
                return Err(KMeansParamsError::InvalidInitialCentres);
            }
        }
        Ok(KMeansValidParams(self))
    }
}

/// Validated k-means parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansValidParams(KMeansParams);

impl KMeansValidParams {
    pub fn n_clusters(&self) -> usize {
        self.0.n_clusters
    }
    pub fn n_runs(&self) -> usize {
        self.0.n_runs
    }
    pub fn max_iterations(&self) -> usize {
        self.0.max_iterations
    }
    pub fn tolerance(&self) -> f64 {
        self.0.tolerance
    }
    pub fn init(&self) -> &KMeansInit {
        &self.0.init
    }

    /// Clusters `data`; `rng` drives k-means++ (unused with precomputed centres).
    pub fn fit<R: Rng + ?Sized>(
        &self,
        data: &Embeddings,
        rng: &mut R,
    ) -> Result<KMeansModel, KMeansFitError> {
        algorithm::fit(self, data, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256Plus;

    #[test]
    fn each_parameter_error() {
        assert_eq!(
            KMeansParams::new(0).check(),
            Err(KMeansParamsError::ZeroClusters)
        );
        assert_eq!(
            KMeansParams::new(2).n_runs(0).check(),
            Err(KMeansParamsError::ZeroRuns)
        );
        assert_eq!(
            KMeansParams::new(2).max_iterations(0).check(),
            Err(KMeansParamsError::ZeroIterations)
        );
        assert!(matches!(
            KMeansParams::new(2).tolerance(-1.0).check(),
            Err(KMeansParamsError::InvalidTolerance { .. })
        ));
        assert!(matches!(
            KMeansParams::new(2).tolerance(f64::NAN).check(),
            Err(KMeansParamsError::InvalidTolerance { .. })
        ));
        assert_eq!(
            KMeansParams::new(2)
                .init(KMeansInit::Precomputed(vec![vec![0.0]]))
                .check(),
            Err(KMeansParamsError::InitialCentreCount {
                expected: 2,
                found: 1
            })
        );
        assert_eq!(
            KMeansParams::new(2)
                .init(KMeansInit::Precomputed(vec![vec![0.0], vec![f32::NAN]]))
                .check(),
            Err(KMeansParamsError::InvalidInitialCentres)
        );
    }

    #[test]
    fn each_fit_error() {
        let mut rng = Xoshiro256Plus::seed_from_u64(1);
        let two = Embeddings::from_rows(&[[0.0f32], [1.0]]).unwrap();
        assert_eq!(
            KMeansParams::new(3).check().unwrap().fit(&two, &mut rng),
            Err(KMeansFitError::TooFewPoints {
                n_points: 2,
                n_clusters: 3
            })
        );
        let same = Embeddings::from_rows(&[[1.0f32], [1.0], [1.0]]).unwrap();
        assert_eq!(
            KMeansParams::new(2).check().unwrap().fit(&same, &mut rng),
            Err(KMeansFitError::TooFewDistinctPoints {
                distinct: 1,
                n_clusters: 2
            })
        );
        let wide = KMeansParams::new(1)
            .init(KMeansInit::Precomputed(vec![vec![0.0, 0.0]]))
            .check()
            .unwrap();
        assert_eq!(
            wide.fit(&two, &mut rng),
            Err(KMeansFitError::DimensionMismatch {
                centres: 2,
                data: 1
            })
        );
    }

    #[test]
    fn zero_vectors_and_identical_points_cluster_fine_when_distinct_enough() {
        let mut rng = Xoshiro256Plus::seed_from_u64(2);
        let data =
            Embeddings::from_rows(&[[0.0f32, 0.0], [0.0, 0.0], [5.0, 5.0], [5.0, 5.0]]).unwrap();
        let model = KMeansParams::new(2)
            .check()
            .unwrap()
            .fit(&data, &mut rng)
            .unwrap();
        assert_eq!(model.labels[0], model.labels[1]);
        assert_eq!(model.labels[2], model.labels[3]);
        assert_ne!(model.labels[0], model.labels[2]);
        assert_eq!(model.inertia, 0.0);
    }

    #[test]
    fn same_seed_same_model() {
        let data =
            Embeddings::from_flat((0..300).map(|i| ((i * 37) % 101) as f32).collect(), 3).unwrap();
        let fit = |seed| {
            KMeansParams::new(4)
                .check()
                .unwrap()
                .fit(&data, &mut Xoshiro256Plus::seed_from_u64(seed))
                .unwrap()
        };
        assert_eq!(fit(9), fit(9));
    }
}
