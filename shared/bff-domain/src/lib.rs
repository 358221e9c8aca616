//! Domain knowledge for the Designer BFF pipeline.
//!
//! - [`taxonomy`]: the visual language taxonomy (VLT), the versioned vocabulary of fashion
//!   attributes every stage speaks (categories, values, synonyms, sampling priors, prompt
//!   phrases) and the compatibility rules between values. It is data, embedded from
//!   `data/vlt-taxonomy.json`.
//! - [`brief`]: reading a designer's free-text brief into requested and excluded attribute values,
//!   a design count, unknown words and warnings.
//! - [`prompt`]: planning over-generated design variants from a request and the user's learned
//!   preferences and coverage boosts, with model-specific prompts, negative prompts and quality
//!   parameters.
//!
//! Like `bff-math`, nothing here reads a clock, asks for entropy, or touches a network or a
//! database, and maps are ordered (`BTreeMap`) so that no hash seed is ever drawn: the crate builds
//! unchanged for `wasm32-unknown-unknown` and `wasm32-wasip2`, and the same input always gives the
//! same output.

pub mod brief;
pub mod prompt;
pub mod taxonomy;
mod text;

/// One attribute value, e.g. category `fabric`, value `linen`; the same type the coverage
/// analysis of `bff-math` counts, so brief, plan and coverage name values identically.
pub use bff_math::coverage::AttributeValue;
pub use brief::{parse_brief, Brief, BriefError, BriefWarning, Extracted, Modifier};
pub use taxonomy::{
    Category, Conflict, ConflictKind, Rule, Taxonomy, TaxonomyError, Value, ValueSet,
};
