//! Inputs and outputs of the coverage analysis.
//!
//! Inputs deny unknown fields because they are read from hand-written JSON, where a misspelt
//! `requested` would otherwise silently default to `false`.

use serde::{Deserialize, Serialize};

/// One attribute value, e.g. category `fabric`, value `linen`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AttributeValue {
    pub category: String,
    pub value: String,
}

impl AttributeValue {
    pub fn new(category: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            category: category.into(),
            value: value.into(),
        }
    }
}

/// An attribute value the set should cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageTarget {
    pub category: String,
    pub value: String,
    /// Fraction of the set that should show the value, in `(0, 1]`.
    pub target_share: f64,
    /// The designer asked for this value in the brief: it weighs double and its gaps rank higher.
    #[serde(default)]
    pub requested: bool,
}

impl CoverageTarget {
    pub fn new(
        category: impl Into<String>,
        value: impl Into<String>,
        target_share: f64,
        requested: bool,
    ) -> Self {
        Self {
            category: category.into(),
            value: value.into(),
            target_share,
            requested,
        }
    }
}

/// The attribute values seen on one image; duplicates are allowed and count once.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedImage {
    pub attributes: Vec<AttributeValue>,
}

impl ObservedImage {
    pub fn new(attributes: Vec<AttributeValue>) -> Self {
        Self { attributes }
    }
}

impl<C: Into<String>, V: Into<String>> FromIterator<(C, V)> for ObservedImage {
    fn from_iter<I: IntoIterator<Item = (C, V)>>(iter: I) -> Self {
        Self::new(
            iter.into_iter()
                .map(|(c, v)| AttributeValue::new(c, v))
                .collect(),
        )
    }
}

/// Settings of the analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageConfig {
    /// Number of designs the set is meant to hold (at least 1). Target counts are derived from it
    /// rather than from the number of images so that adding images never lowers coverage.
    pub set_size: usize,
}

impl CoverageConfig {
    pub fn new(set_size: usize) -> Self {
        Self { set_size }
    }
}

/// Result of [`analyse_coverage`](super::analyse_coverage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageReport {
    /// Weighted mean of per-value coverage (requested values weigh double), in `[0, 1]`.
    pub overall_score: f64,
    /// Mean evenness of the categories with at least two targeted values, in `[0, 1]`.
    pub overall_evenness: f64,
    /// The configured set size the target counts were derived from.
    pub set_size: usize,
    /// Number of images analysed.
    pub image_count: usize,
    /// One entry per target, in target order.
    pub per_value: Vec<ValueCoverage>,
    /// One entry per category, in order of first appearance among the targets.
    pub categories: Vec<CategoryCoverage>,
    /// Values with coverage below 1, most severe first.
    pub gaps: Vec<CoverageGap>,
    /// Observed values that match no target, sorted by category then value.
    pub untargeted: Vec<UntargetedValue>,
}

/// Coverage of one targeted value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueCoverage {
    pub category: String,
    pub value: String,
    pub requested: bool,
    pub target_share: f64,
    /// `max(1, ceil(target_share × set_size))`.
    pub target_count: usize,
    /// Number of images showing the value.
    pub count: usize,
    /// `min(1, count / target_count)`.
    pub coverage: f64,
    /// `count / image_count`, 0 without images.
    pub share: f64,
}

/// Coverage and evenness of one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CategoryCoverage {
    pub category: String,
    /// Number of targeted values in the category.
    pub targeted_values: usize,
    /// Number of those values with coverage 1.
    pub covered_values: usize,
    /// Weighted mean of the values' coverage, in `[0, 1]`.
    pub coverage: f64,
    /// Normalised Shannon entropy of the observed counts, in `[0, 1]`.
    pub evenness: f64,
}

/// A targeted value that is not fully covered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageGap {
    pub category: String,
    pub value: String,
    pub requested: bool,
    pub coverage: f64,
    pub count: usize,
    pub target_count: usize,
    /// How many more designs should show the value: `target_count − count`.
    pub missing: usize,
    /// `(1 − coverage)`, scaled by 0.6 for unrequested values; in `[0, 1]`.
    pub severity_score: f64,
    pub severity: Severity,
    /// Prompt weight boost for the next generation, in `[0.15, 0.25]`.
    pub boost: f64,
}

/// An observed value that matches no target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct UntargetedValue {
    pub category: String,
    pub value: String,
    /// Number of images showing the value.
    pub count: usize,
}

/// How badly a value is under-covered; ordered from `Low` to `Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Lowest severity score classed as `Critical`.
    pub const CRITICAL_FROM: f64 = 0.75;
    /// Lowest severity score classed as `High`.
    pub const HIGH_FROM: f64 = 0.5;
    /// Lowest severity score classed as `Medium`.
    pub const MEDIUM_FROM: f64 = 0.25;

    /// Classifies a severity score; thresholds are inclusive, a NaN score is `Low`.
    pub fn from_score(score: f64) -> Self {
        if score >= Self::CRITICAL_FROM {
            Self::Critical
        } else if score >= Self::HIGH_FROM {
            Self::High
        } else if score >= Self::MEDIUM_FROM {
            Self::Medium
        } else {
            Self::Low
        }
    }
}
