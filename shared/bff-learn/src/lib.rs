//! Learning from a designer's feedback, and the analytics that show it back to them.
//!
//! - [`feedback`]: feedback as learning reads it ([`RatedImage`]), one version per feedback id.
//! - [`standout`]: the standout designs, by high rating and quality or by a rating far above the
//!   designer's usual ones.
//! - [`preference`]: a Beta-Bernoulli posterior per attribute value with exponential
//!   forgetting, turned into the prompt planner's weights (fixed or Thompson-sampled).
//! - [`success`]: success tables per attribute value and per style profile.
//! - [`rollup`]: one day's aggregates, so that analytics reads stay cheap.
//! - [`analytics`]: style evolution over 90 days, style profile performance, standout rates per
//!   value, feedback and coverage summaries, and recommendations the designer can act on.
//! - [`day`]: UTC day strings and weeks.
//!
//! Like the other shared crates, nothing here reads a clock or asks for entropy: times come in
//! as arguments (unix milliseconds, or `"YYYY-MM-DD"` UTC days), randomness from a seeded
//! generator the caller passes, and maps are ordered, so the same input always gives the same
//! output and the crate builds for `wasm32-unknown-unknown` and `wasm32-wasip2`.

#![warn(missing_docs)]

pub mod analytics;
pub mod day;
pub mod feedback;
pub mod preference;
pub mod rollup;
pub mod standout;
pub mod success;

pub use day::{day_of, day_start_ms, week_start};
pub use feedback::{FeedbackSignal, RatedImage};
pub use preference::{learn, LearnedWeight, Posterior};
pub use standout::{detect, Standout, StandoutRule};
