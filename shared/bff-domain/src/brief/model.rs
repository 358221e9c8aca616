//! What reading a brief gives: extracted values, a count, unknown words, warnings, or why the
//! brief was refused.

use serde::{Deserialize, Serialize};

use crate::AttributeValue;

/// Longest brief accepted, in characters (Unicode scalar values).
pub const MAX_BRIEF_CHARS: usize = 2000;
/// Fewest designs a brief may ask for.
pub const MIN_COUNT: u32 = 1;
/// Most designs a brief may ask for; a larger count is capped with a warning.
pub const MAX_COUNT: u32 = 100;
/// The rule name of a contradiction between a requested and an excluded value.
pub const REQUESTED_AND_EXCLUDED_RULE: &str = "requested_and_excluded";

/// A designer's brief, read against the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Brief {
    /// Values asked for, in order of first mention, each once.
    pub attributes: Vec<Extracted>,
    /// Values ruled out ("no florals"), in order of first mention, each once.
    pub exclusions: Vec<Extracted>,
    /// Number of designs asked for, within `MIN_COUNT..=MAX_COUNT`.
    pub count: Option<u32>,
    /// Words the parser does not know, grouped into runs of adjacent words; the prompt stage may
    /// pass them on verbatim ("deep", "biker", "raincoat-inspired").
    pub modifiers: Vec<Modifier>,
    /// Things an API should show the designer: contradictions and corrected counts.
    pub warnings: Vec<BriefWarning>,
}

impl Brief {
    /// The requested values without their positions.
    pub fn requested(&self) -> Vec<AttributeValue> {
        self.attributes
            .iter()
            .map(|e| e.attribute.clone())
            .collect()
    }

    /// The excluded values without their positions.
    pub fn excluded(&self) -> Vec<AttributeValue> {
        self.exclusions
            .iter()
            .map(|e| e.attribute.clone())
            .collect()
    }
}

/// A value found in the brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Extracted {
    pub attribute: AttributeValue,
    /// Byte offsets `[start, end)` into the brief; `&brief[start..end] == matched`.
    pub span: (usize, usize),
    /// The words of the brief that named the value, as written.
    pub matched: String,
}

/// A run of words the parser does not know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Modifier {
    /// The words as written.
    pub text: String,
    /// Byte offsets `[start, end)` into the brief.
    pub span: (usize, usize),
}

/// Something in a readable brief that the designer should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BriefWarning {
    /// Two values of the brief cannot go together in one design: `rule` is the taxonomy rule's
    /// id, `max_values` for two values of a single-valued category ("mini maxi dress"), or
    /// [`REQUESTED_AND_EXCLUDED_RULE`] for a value both asked for and ruled out (`a == b`).
    Contradiction {
        a: AttributeValue,
        b: AttributeValue,
        rule: String,
    },
    /// The brief asked for a count outside `min..=max`; `used` is the count kept (`max` for a
    /// count above it, none for zero).
    CountOutOfRange {
        requested: u64,
        min: u32,
        max: u32,
        used: Option<u32>,
    },
    /// The brief gave two different counts; the first is kept.
    ConflictingCounts { kept: u32, ignored: u64 },
}

/// Why a brief could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BriefError {
    #[error("the brief is empty")]
    Empty,
    #[error("the brief has {chars} characters, at most {max_chars} are accepted")]
    TooLong { max_chars: usize, chars: usize },
    #[error("nothing in the brief names a fashion attribute or a number of designs")]
    NothingRecognised {
        /// The unknown words, as modifiers would have listed them.
        unknown: Vec<String>,
    },
}
