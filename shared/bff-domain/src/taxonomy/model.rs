//! The shape of the taxonomy file. Every struct denies unknown fields: the file is edited by hand,
//! and a misspelt `required_in_plan` would otherwise silently read as `false`.

use serde::{Deserialize, Serialize};

use crate::AttributeValue;

/// One value of a category, e.g. `neckline` / `off-the-shoulder`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Value {
    /// Stable identifier: lower-case ASCII letters, digits, `-` and `_`.
    pub id: String,
    /// Name shown to people.
    pub label: String,
    /// Other words a designer may use for the value; multi-word allowed (`"bardot"`,
    /// `"off shoulder"`). The label is matched as well, the id is not.
    #[serde(default)]
    pub synonyms: Vec<String>,
    /// Plural forms (`"dresses"`, `"florals"`, `"crop tops"`). Regular plurals of the label and
    /// synonyms are also recognised without being listed; listing them documents the common ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plural: Vec<String>,
    /// Base weight for sampling the value when a brief leaves its category open; positive.
    pub prior: f64,
    /// The phrase an image prompt uses for the value, e.g. `"off-the-shoulder neckline"`.
    pub prompt: String,
}

/// A category of attributes, e.g. `neckline`, with its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Stable identifier, same alphabet as value ids.
    pub id: String,
    pub label: String,
    /// How many of the category's values one design may carry (colour 3, length 1).
    pub max_values: usize,
    /// Drawn by the sketch renderer (shape, colour, print); abstract categories such as occasion
    /// or era only steer the image prompt.
    pub renderable: bool,
    /// Every design variant of a plan gets a value of this category, unless a chosen value
    /// excludes the whole category (trousers have no neckline).
    pub required_in_plan: bool,
    /// Words naming the category itself (`"sleeves"`, `"prints"`). A brief's `without sleeves`
    /// or `no prints` names the category rather than a value; see `none_value`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<String>,
    /// The value meaning "none of this category" (`sleeveless`, `solid`), if there is one: a
    /// brief asking for no `<category word>` requests this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub none_value: Option<String>,
    pub values: Vec<Value>,
}

impl Category {
    /// The value with this id.
    pub fn value(&self, id: &str) -> Option<&Value> {
        self.values.iter().find(|v| v.id == id)
    }

    /// The [`AttributeValue`] naming one of this category's values.
    pub fn attribute(&self, value: &Value) -> AttributeValue {
        AttributeValue::new(&self.id, &value.id)
    }
}

/// A set of values of one category, as rules name them: the listed `values`, or the whole
/// category minus `except` when `values` is absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueSet {
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

impl ValueSet {
    /// Whether `attribute` belongs to the set.
    pub fn contains(&self, attribute: &AttributeValue) -> bool {
        attribute.category == self.category
            && match &self.values {
                Some(values) => values.contains(&attribute.value),
                None => !self.except.contains(&attribute.value),
            }
    }

    /// Whether the set is the whole category (possibly minus some values) rather than a list.
    pub fn is_category_wide(&self) -> bool {
        self.values.is_none()
    }
}

/// A compatibility rule between values, read from the taxonomy's `rules` array.
///
/// Every rule fires on a chosen value that belongs to its `when` set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// A value of `when` cannot be combined with any value of the `excludes` sets
    /// (`neckline/strapless` excludes every sleeve except `sleeveless`). The relation is
    /// symmetric in effect: either value rules the other out.
    Excludes {
        id: String,
        when: ValueSet,
        excludes: Vec<ValueSet>,
        /// Why, in a sentence, for people reading a conflict.
        note: String,
    },
    /// A value of `when` needs at least `min` values of `category` (stripes need two colours).
    RequiresValues {
        id: String,
        when: ValueSet,
        category: String,
        min: usize,
        note: String,
    },
    /// A value of `when` needs one of the values of `then` (`jeans` need `denim`).
    Implies {
        id: String,
        when: ValueSet,
        then: ValueSet,
        note: String,
    },
}

impl Rule {
    pub fn id(&self) -> &str {
        match self {
            Rule::Excludes { id, .. }
            | Rule::RequiresValues { id, .. }
            | Rule::Implies { id, .. } => id,
        }
    }

    /// The set of values the rule fires on.
    pub fn when(&self) -> &ValueSet {
        match self {
            Rule::Excludes { when, .. }
            | Rule::RequiresValues { when, .. }
            | Rule::Implies { when, .. } => when,
        }
    }

    pub fn note(&self) -> &str {
        match self {
            Rule::Excludes { note, .. }
            | Rule::RequiresValues { note, .. }
            | Rule::Implies { note, .. } => note,
        }
    }
}

/// The file as written: `{"version", "categories", "rules"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TaxonomyFile {
    pub version: String,
    pub categories: Vec<Category>,
    pub rules: Vec<Rule>,
}
