//! Why a coverage analysis was refused.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which name of an attribute was empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameField {
    Category,
    Value,
}

impl fmt::Display for NameField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Category => "category",
            Self::Value => "value",
        })
    }
}

/// Why the inputs of [`analyse_coverage`](super::analyse_coverage) were refused.
///
/// Checks run in this order and the first failure is returned: set size, presence of targets,
/// then each target in order (names, share, duplicate), then each image in order.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CoverageError {
    #[error("set_size must be at least 1")]
    ZeroSetSize,
    #[error("no coverage targets were given")]
    NoTargets,
    #[error("target {index} has an empty {field}")]
    EmptyTargetName { index: usize, field: NameField },
    #[error(
        "target {index} ({category}/{value}) has target_share {share}, expected a finite number in (0, 1]"
    )]
    InvalidTargetShare {
        index: usize,
        category: String,
        value: String,
        share: f64,
    },
    #[error("targets {first} and {second} are both {category}/{value}")]
    DuplicateTarget {
        first: usize,
        second: usize,
        category: String,
        value: String,
    },
    #[error("image {image}, attribute {attribute} has an empty {field}")]
    EmptyObservedName {
        image: usize,
        attribute: usize,
        field: NameField,
    },
}
