//! The visual language taxonomy (VLT): the vocabulary of fashion attributes every stage shares.
//!
//! The taxonomy is data, `data/vlt-taxonomy.json`, embedded in the binary and parsed once
//! ([`Taxonomy::embedded`]). Changing the vocabulary is an edit of that file and a bump of its
//! `version`; the crate's tests validate it, so a bad edit fails `cargo test` rather than a
//! request.
//!
//! # Shape
//!
//! - **Categories** (`garment_type`, `neckline`, `colour`, ...) with `max_values` (how many values
//!   one design may carry), `renderable` (drawn by the sketch renderer), `required_in_plan`
//!   (every design variant gets a value), `words` naming the category itself, and an optional
//!   `none_value` ("no sleeves" is `sleeveless`).
//! - **Values** with `id`, `label`, `synonyms`, `plural`, sampling `prior` and the `prompt`
//!   phrase for image models. [`AttributeValue`] names one as `category`/`value` ids.
//! - **Rules** ([`Rule`]): `excludes` (two values cannot go together), `requires_values` (a value
//!   needs at least `min` values of a category) and `implies` (a value needs one of a set).
//!
//! # Terms
//!
//! A value is matched by its label, synonyms and plurals; a category by its words. Ids are not
//! matched: they are identifiers, and some are plain words that must not match alone (sleeve
//! `short` is "short sleeves", while "short" names a length). Terms are compared as normalised words (lower case, accents folded, punctuation
//! ignored), a multi-word term also with its words run together (`vneck`). Every term names
//! exactly one value or category across the whole taxonomy: [`Taxonomy::from_json`] refuses an
//! ambiguous one ([`TaxonomyError::AmbiguousTerm`]).
//!
//! # Validation
//!
//! [`Taxonomy::from_json`] refuses (see [`TaxonomyError`] for the order): JSON of another shape
//! or with unknown fields, a version that is not `MAJOR.MINOR.PATCH`, no categories, ids outside
//! `[a-z0-9][a-z0-9_-]*`, duplicate category, value or rule ids, empty labels, prompts or notes, a
//! category without values, `max_values` outside `1..=number of values`, a prior that is not a
//! finite positive number, an unknown `none_value`, a term without words, an ambiguous term, and
//! rules naming unknown categories or values, with malformed value sets, excluding nothing, or
//! requiring more values than the category allows.

mod errors;
mod index;
mod model;
mod rules;
mod validate;

use std::sync::OnceLock;

use serde::{Serialize, Serializer};

use crate::AttributeValue;
pub(crate) use index::{Term, TermIndex};

pub use errors::{TaxonomyError, TermOwner};
pub use model::{Category, Rule, Value, ValueSet};
pub use rules::{Conflict, ConflictKind, MAX_VALUES_RULE, UNKNOWN_VALUE_RULE};

/// The taxonomy file compiled into the crate.
pub const EMBEDDED_JSON: &str = include_str!("../../data/vlt-taxonomy.json");

/// A validated taxonomy: categories, values, rules and the index of their terms.
///
/// Fields are private so that a `Taxonomy` is always one that passed validation; it serialises
/// back to the file's shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Taxonomy {
    version: String,
    categories: Vec<Category>,
    rules: Vec<Rule>,
    index: TermIndex,
}

static EMBEDDED: OnceLock<Result<Taxonomy, TaxonomyError>> = OnceLock::new();

/// What [`Taxonomy::embedded`] falls back to if the embedded file were ever invalid.
static EMPTY: Taxonomy = Taxonomy {
    version: String::new(),
    categories: Vec::new(),
    rules: Vec::new(),
    index: TermIndex::EMPTY,
};

impl Taxonomy {
    /// Parses and validates a taxonomy file.
    pub fn from_json(json: &str) -> Result<Taxonomy, TaxonomyError> {
        let file: model::TaxonomyFile =
            serde_json::from_str(json).map_err(|e| TaxonomyError::Json {
                message: e.to_string(),
            })?;
        validate::file(&file)?;
        let index = TermIndex::build(&file.categories)?;
        validate::rules(&file.rules, &file.categories)?;
        Ok(Taxonomy {
            version: file.version,
            categories: file.categories,
            rules: file.rules,
            index,
        })
    }

    /// The taxonomy of `data/vlt-taxonomy.json`, parsed on first use.
    ///
    /// The file is validated by the crate's tests, so parsing cannot fail in a tested build. So as
    /// never to panic, a failure would give an empty taxonomy (every brief then reads as
    /// unrecognised); [`Taxonomy::try_embedded`] reports it.
    pub fn embedded() -> &'static Taxonomy {
        Self::try_embedded().unwrap_or(&EMPTY)
    }

    /// The embedded taxonomy, or why its file is invalid.
    pub fn try_embedded() -> Result<&'static Taxonomy, &'static TaxonomyError> {
        EMBEDDED
            .get_or_init(|| Taxonomy::from_json(EMBEDDED_JSON))
            .as_ref()
    }

    /// The file's version, `MAJOR.MINOR.PATCH`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Categories in file order.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// Rules in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The category with this id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The value with these ids.
    pub fn value(&self, category: &str, value: &str) -> Option<&Value> {
        self.category(category)?.value(value)
    }

    /// Whether the taxonomy has this value.
    pub fn contains(&self, attribute: &AttributeValue) -> bool {
        self.value(&attribute.category, &attribute.value).is_some()
    }

    /// Total number of values over all categories.
    pub fn value_count(&self) -> usize {
        self.categories.iter().map(|c| c.values.len()).sum()
    }

    /// The value a whole phrase names (`"Bardot"`, `"v neck"`, `"florals"`), through labels,
    /// synonyms and plurals, case- and punctuation-insensitively; `None` when the phrase
    /// is not exactly one term or names a category. Lets other stages normalise labels, e.g.
    /// before a coverage analysis, which matches names exactly.
    pub fn lookup(&self, phrase: &str) -> Option<AttributeValue> {
        let words = crate::text::words(phrase);
        match self.index.get_or_singular(&words)? {
            Term::Value { category, value } => self.attribute_at(category, value),
            Term::Category(_) => None,
        }
    }

    pub(crate) fn index(&self) -> &TermIndex {
        &self.index
    }

    pub(crate) fn attribute_at(&self, category: usize, value: usize) -> Option<AttributeValue> {
        let c = self.categories.get(category)?;
        Some(c.attribute(c.values.get(value)?))
    }
}

impl Serialize for Taxonomy {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct File<'a> {
            version: &'a str,
            categories: &'a [Category],
            rules: &'a [Rule],
        }
        File {
            version: &self.version,
            categories: &self.categories,
            rules: &self.rules,
        }
        .serialize(serializer)
    }
}
