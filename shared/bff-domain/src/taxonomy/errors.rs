//! Why a taxonomy file was refused.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a matching term belongs to: a value, or a category (through its `words`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "owner", rename_all = "snake_case")]
pub enum TermOwner {
    Value { category: String, value: String },
    Category { category: String },
}

impl fmt::Display for TermOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Value { category, value } => write!(f, "value {category}/{value}"),
            Self::Category { category } => write!(f, "category {category}"),
        }
    }
}

/// Why [`Taxonomy::from_json`](super::Taxonomy::from_json) refused a file.
///
/// Checks run in this order and the first failure is returned: JSON shape, version, then each
/// category in order (id, texts, `max_values`, values in order, `none_value`), then the terms of
/// the whole taxonomy (so an ambiguous synonym is found wherever it is), then each rule in order.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaxonomyError {
    #[error("the taxonomy is not valid JSON of the expected shape: {message}")]
    Json { message: String },
    #[error("version {version:?} is not of the form MAJOR.MINOR.PATCH")]
    InvalidVersion { version: String },
    #[error("the taxonomy has no categories")]
    NoCategories,
    #[error("{id:?} is not a valid id (lower-case ASCII letters, digits, '-' and '_', starting with a letter or digit)")]
    InvalidId { id: String },
    #[error("category {category} appears twice")]
    DuplicateCategory { category: String },
    #[error("category {category} has no values")]
    NoValues { category: String },
    #[error(
        "category {category} has max_values {max_values}, expected 1 to the number of its values"
    )]
    InvalidMaxValues { category: String, max_values: usize },
    #[error("value {category}/{value} appears twice")]
    DuplicateValue { category: String, value: String },
    #[error("{category}{} has an empty {field}", value.as_ref().map(|v| format!("/{v}")).unwrap_or_default())]
    EmptyField {
        category: String,
        value: Option<String>,
        field: String,
    },
    #[error("value {category}/{value} has prior {prior}, expected a finite number above 0")]
    InvalidPrior {
        category: String,
        value: String,
        prior: f64,
    },
    #[error("category {category} names none_value {value}, which is not one of its values")]
    UnknownNoneValue { category: String, value: String },
    #[error("term {term:?} of {owner} contains no words")]
    TermWithoutWords { term: String, owner: TermOwner },
    #[error("term {term:?} is ambiguous: it names both {first} and {second}")]
    AmbiguousTerm {
        term: String,
        first: TermOwner,
        second: TermOwner,
    },
    #[error("rule {rule} appears twice")]
    DuplicateRule { rule: String },
    #[error("rule {rule} names unknown category {category}")]
    UnknownCategory { rule: String, category: String },
    #[error("rule {rule} names unknown value {category}/{value}")]
    UnknownValue {
        rule: String,
        category: String,
        value: String,
    },
    #[error("rule {rule} has an invalid value set for {category}: give either a non-empty `values` list or an optional `except` list")]
    InvalidValueSet { rule: String, category: String },
    #[error("rule {rule} has an empty note")]
    EmptyNote { rule: String },
    #[error("rule {rule} excludes nothing")]
    EmptyExcludes { rule: String },
    #[error("rule {rule} requires {min} values of {category}, expected 1 to its max_values {max_values}")]
    InvalidMin {
        rule: String,
        category: String,
        min: usize,
        max_values: usize,
    },
}
