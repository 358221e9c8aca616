//! k-means (Lloyd) with greedy k-means++ initialisation, several restarts, a tolerance and an iteration cap.
//!
//! The loop mirrors scikit-learn's `lloyd` algorithm (relative tolerance on the centre shift,
//! strict convergence when labels stop changing, empty clusters moved to the farthest points),
//! so that runs from the same initial centres give the same labels and inertia.

mod algorithm;
mod errors;
mod hyperparams;

pub use algorithm::KMeansModel;
pub use errors::{KMeansFitError, KMeansParamsError};
pub use hyperparams::{KMeansInit, KMeansParams, KMeansValidParams};
