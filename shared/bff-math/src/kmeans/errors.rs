use serde::Serialize;

/// A k-means configuration that cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KMeansParamsError {
    #[error("the number of clusters must be at least 1")]
    ZeroClusters,
    #[error("the number of runs must be at least 1")]
    ZeroRuns,
    #[error("the iteration cap must be at least 1")]
    ZeroIterations,
    #[error("the tolerance must be a finite number >= 0, got {tolerance}")]
    InvalidTolerance { tolerance: f64 },
    #[error("{found} initial centres were given for {expected} clusters")]
    InitialCentreCount { expected: usize, found: usize },
    #[error("initial centres must be non-empty rows of equal length and finite values")]
    InvalidInitialCentres,
}

/// Data that k-means cannot cluster with the validated parameters.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KMeansFitError {
    #[error("{n_points} points cannot form {n_clusters} clusters")]
    TooFewPoints { n_points: usize, n_clusters: usize },
    #[error("only {distinct} distinct points, fewer than the {n_clusters} clusters asked for")]
    TooFewDistinctPoints { distinct: usize, n_clusters: usize },
    #[error("initial centres have dimension {centres}, the data has {data}")]
    DimensionMismatch { centres: usize, data: usize },
}
