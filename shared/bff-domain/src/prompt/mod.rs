//! Prompt engineering: from a designer's request to a plan of design variants, each with
//! model-specific prompts, negative prompts and quality parameters.
//!
//! A plan for N designs over-generates `ceil(N × factor)` variants (factor 2 to 3, default 3) so
//! that the selection stage has room to choose. Every variant carries the brief's requested values;
//! each other required category is filled by seeded sampling with weight
//! `prior × preference × (1 + boost) × variety^uses`, where `preference` is the user's learned
//! weight (1 when nothing is learned), `boost` a coverage-gap boost (0.15 to 0.25) and `uses` how
//! often the value already appears in the plan: the variety factor (default 0.35) spreads variants
//! across attribute combinations instead of only across seeds. Exclusions and the taxonomy's
//! compatibility rules are respected, and identical combinations are redrawn.
//!
//! Everything that shaped a prompt is recorded beside it ([`PlannedAttribute`]) so that a designer
//! can see why a design looks as it does.

mod plan;
mod text;
mod tokens;

pub use plan::{
    plan_designs, AttributeWeight, DesignRequest, ModelFamily, Personalisation, Plan, PlanConfig,
    PlanError, PlannedAttribute, Source, Variant,
};
pub use text::{prompt_for, ModelPrompt, QualityParameters};
pub use tokens::{estimate_clip_tokens, CLIP_TOKEN_BUDGET};
