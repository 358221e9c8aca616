//! Attribute coverage of a selected set of designs, and the gaps worth filling next.
//!
//! After a set of designs is selected, each image is observed as a set of `(category, value)`
//! attribute pairs (`fabric`/`linen`, `neckline`/`v-neck`, ...). Given the values the set should
//! cover ([`CoverageTarget`]), [`analyse_coverage`] measures how well each one is covered and ranks
//! the shortfalls, each with a prompt boost for the next generation.
//!
//! # Per value
//!
//! - `target_count = max(1, ceil(target_share × set_size))`. A product that exceeds an integer
//!   by at most a relative `1e-9` counts as that integer, so the floating-point `0.07 × 100`
//!   (`7.000000000000001`) asks for 7 designs, not 8.
//! - `count` is the number of images showing the value; an image counts once per value even if
//!   it lists the pair twice.
//! - `coverage = min(1, count / target_count)`.
//! - `share = count / number of images` (0 when there are no images), for display only.
//!
//! `target_count` depends on the size the set is meant to have ([`CoverageConfig::set_size`]),
//! not on how many images were passed: adding an image can then only raise a count, so no
//! coverage number (per value, per category, overall) ever falls when images are added.
//!
//! # Per category and overall
//!
//! - Values weigh [`REQUESTED_WEIGHT`] (2) when the designer asked for them in the brief and
//!   [`UNREQUESTED_WEIGHT`] (1) otherwise.
//! - Category coverage is the weighted mean of its values' coverage; the overall score is the
//!   weighted mean over all targeted values. Both lie in `[0, 1]`.
//! - Category evenness is the Shannon entropy of the observed counts over the category's `m`
//!   targeted values, divided by `ln m` so that 1 means perfectly even. It is 0 when none of the
//!   values is observed, and 1 for a single targeted value that is observed at least once.
//! - Overall evenness is the mean evenness of the categories with at least two targeted values
//!   (1 when there are none, since a single value cannot be uneven). Evenness describes the
//!   shape of the set and, unlike coverage, may fall when images are added.
//!
//! # Gaps
//!
//! Every targeted value with coverage below 1 is a gap. Its `severity_score` is `1 − coverage`
//! for a requested value and `0.6 × (1 − coverage)` otherwise ([`UNREQUESTED_SEVERITY_FACTOR`]),
//! so an unrequested value never reaches `Critical`:
//!
//! | severity_score | [`Severity`] |
//! |----------------|--------------|
//! | ≥ 0.75         | `critical`   |
//! | ≥ 0.50         | `high`       |
//! | ≥ 0.25         | `medium`     |
//! | < 0.25         | `low`        |
//!
//! (thresholds inclusive; see [`Severity::from_score`]).
//!
//! The prompt boost is `0.15 + 0.10 × severity_score`, clamped to `[0.15, 0.25]`: it grows with
//! severity, while the cap keeps one missing attribute from dominating the next prompt.
//! Gaps are ranked by severity score (highest first), ties by category then value (byte order),
//! so boosts never increase along the list.
//!
//! # Output order and matching
//!
//! `per_value` follows the order of the targets; `categories` the order in which categories
//! first appear among the targets; observed pairs that match no target are reported in
//! `untargeted`, sorted by category then value. Names are matched exactly: callers normalise
//! case, whitespace and synonyms beforehand.
//!
//! # Errors
//!
//! [`CoverageError`] refuses a zero `set_size`, an empty target list, a `target_share` that is
//! not a finite number in `(0, 1]`, the same `(category, value)` targeted twice, and an empty
//! category or value name in a target or an observed image. Nothing else fails or panics.

mod analysis;
mod errors;
mod model;

pub use analysis::{
    analyse_coverage, BOOST_PER_SEVERITY, MAX_BOOST, MIN_BOOST, REQUESTED_WEIGHT,
    UNREQUESTED_SEVERITY_FACTOR, UNREQUESTED_WEIGHT,
};
pub use errors::{CoverageError, NameField};
pub use model::{
    AttributeValue, CategoryCoverage, CoverageConfig, CoverageGap, CoverageReport, CoverageTarget,
    ObservedImage, Severity, UntargetedValue, ValueCoverage,
};
