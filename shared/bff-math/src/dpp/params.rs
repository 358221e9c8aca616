use serde::{Deserialize, Serialize};

/// Cluster-aware selection: every cluster is represented when the target allows, and no cluster
/// takes more than `max_share` of the picks unless nothing else is left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConstraint {
    /// Cluster of every candidate (any numbering).
    pub labels: Vec<usize>,
    /// Largest share of the picks one cluster may take, in (0, 1]; default 0.5.
    #[serde(default = "default_max_share")]
    pub max_share: f64,
}

fn default_max_share() -> f64 {
    0.5
}

/// Parameters of a selection. `DppParams::new(n)` gives θ = 0.7, ε = 1e-6, near-duplicates at
/// cosine ≥ 0.98, no cluster constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DppParams {
    /// Number of picks wanted.
    pub max_picks: usize,
    /// Quality/diversity trade-off in [0, 1).
    #[serde(default = "default_theta")]
    pub theta: f64,
    /// Stop when the best determinant ratio (marginal gain) falls below ε. The default 1e-6 sits above
    /// the rounding floor of similarities computed from `f32` embeddings (about 1e-7), so the selection
    /// stops once the similarity's rank is used up instead of picking on rounding noise.
    #[serde(default = "default_epsilon")]
    pub epsilon: f64,
    /// Candidates at least this cosine-similar to a pick are dropped as near-duplicates.
    #[serde(default = "default_duplicate_threshold")]
    pub near_duplicate_cosine: Option<f64>,
    #[serde(default)]
    pub clusters: Option<ClusterConstraint>,
}

fn default_theta() -> f64 {
    0.7
}

fn default_epsilon() -> f64 {
    1e-6
}

fn default_duplicate_threshold() -> Option<f64> {
    Some(0.98)
}

impl DppParams {
    pub fn new(max_picks: usize) -> Self {
        Self {
            max_picks,
            theta: default_theta(),
            epsilon: default_epsilon(),
            near_duplicate_cosine: default_duplicate_threshold(),
            clusters: None,
        }
    }

    pub fn theta(mut self, theta: f64) -> Self {
        self.theta = theta;
        self
    }

    pub fn epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }

    pub fn near_duplicate_cosine(mut self, threshold: Option<f64>) -> Self {
        self.near_duplicate_cosine = threshold;
        self
    }

    pub fn clusters(mut self, clusters: Option<ClusterConstraint>) -> Self {
        self.clusters = clusters;
        self
    }

    /// `α = θ / (2(1 − θ))`: the weight of quality in the log-determinant.
    pub fn alpha(&self) -> f64 {
        self.theta / (2.0 * (1.0 - self.theta))
    }
}
