//! Plain-data rows: what the stages read and write through [`JobStore`](super::JobStore).
//!
//! One struct per table of the schema (jobs, variants, images, embeddings, cluster results,
//! style profiles, cluster assignments, DPP selections and picks, coverage reports, attribute
//! gaps, user boosts, user preferences). Nested values (attributes, prompts, parameters,
//! candidates, reports) are JSON columns: the adapter stores them with `serde_json` and reads them
//! back the same way. Enums that are columns of their own ([`JobStatus`], [`VariantStatus`],
//! [`Provider`]) have a fixed text form ([`as_str`](JobStatus::as_str) / [`FromStr`]).
//!
//! Every row carries `user_id`: every query is scoped by it.
//!
//! Seeds are `u64`. D1 binds numbers as JavaScript doubles (exact to 2^53 only), so adapters store
//! seeds as decimal TEXT.

use std::fmt;
use std::str::FromStr;

use bff_domain::prompt::{
    AttributeWeight, ModelFamily, ModelPrompt, Personalisation, PlannedAttribute,
};
use bff_domain::AttributeValue;
use bff_math::auto_k::KCandidate;
use bff_math::coverage::{CoverageReport, Severity};
use bff_math::dpp::{PickReason, StopReason};
use serde::{Deserialize, Serialize};

use crate::ids::JobKey;
use crate::time::Timestamp;

/// A text value that is not one of an enum's names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{value:?} is not a known {what}")]
pub struct UnknownName {
    pub what: &'static str,
    pub value: String,
}

/// An enum stored as a text column: one fixed lower-case name per variant, the same in JSON.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident ($what:literal) { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name stored in text columns and JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownName { what: $what, value: s.chars().take(64).collect() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum!(
    /// Where a job is in the chain. It only moves forward, and every move is a guarded
    /// (conditional) update from one named status to the next, so that of two concurrent
    /// deliveries at most one moves it.
    ///
    /// `generating → clustering → selecting → measuring → complete | partial`, and from any
    /// non-terminal status to `failed`.
    JobStatus ("job status") {
        /// Variants are being generated and embedded.
        Generating = "generating",
        /// Every variant is embedded or failed (the fan-in happened); clustering runs.
        Clustering = "clustering",
        /// Clusters are stored; the DPP selection runs.
        Selecting = "selecting",
        /// Picks are stored; coverage is being measured.
        Measuring = "measuring",
        /// Done, every variant produced an image.
        Complete = "complete",
        /// Done, but some variants failed: the designs were chosen from the images that exist.
        Partial = "partial",
        /// Nothing could be produced (no image at all, or a stage failed permanently).
        Failed = "failed",
    }
);

impl JobStatus {
    /// No stage will move the job again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Complete | JobStatus::Partial | JobStatus::Failed
        )
    }

    /// Position in the chain, for "is the job past this stage" checks (`failed` is last).
    pub fn order(self) -> u8 {
        match self {
            JobStatus::Generating => 0,
            JobStatus::Clustering => 1,
            JobStatus::Selecting => 2,
            JobStatus::Measuring => 3,
            JobStatus::Complete | JobStatus::Partial => 4,
            JobStatus::Failed => 5,
        }
    }
}

named_enum!(
    /// Where one variant is: `planned → generated → embedded`, or `failed` from `planned` or
    /// `generated`. `embedded` and `failed` are terminal; the fan-in waits for every variant of a
    /// job to be terminal.
    VariantStatus ("variant status") {
        Planned = "planned",
        /// Its image is stored (blob and row).
        Generated = "generated",
        /// Its embedding is stored.
        Embedded = "embedded",
        /// Generation or embedding failed for good; the job continues without it.
        Failed = "failed",
    }
);

impl VariantStatus {
    pub fn is_terminal(self) -> bool {
        matches!(self, VariantStatus::Embedded | VariantStatus::Failed)
    }
}

named_enum!(
    /// Image providers the product knows. Only [`Provider::Sketch`] (the offline renderer) needs
    /// no account; the others are selected by configuration and secrets when a deployment has them.
    Provider ("provider") {
        /// The offline sketch renderer (`bff-render`): draws the attributes, not an AI model.
        Sketch = "sketch",
        OpenAi = "openai",
        Stability = "stability",
        Replicate = "replicate",
        WorkersAi = "workers-ai",
        /// Development only (accepted when the development routes are on): the sketch renderer
        /// behind a simulated outage of every third image, so that retries, dead-letter queues
        /// and partial jobs can be exercised on real queues ([`crate::offline`]).
        FlakySketch = "flaky-sketch",
    }
);

impl Provider {
    /// Whether the provider says which values it drew (the sketch renderer does); a model's
    /// images are read by a zero-shot tagger instead, when the embedder can.
    pub fn reports_drawn(self) -> bool {
        matches!(self, Provider::Sketch | Provider::FlakySketch)
    }

    /// The prompt conventions of the provider's models.
    pub fn model_family(self) -> ModelFamily {
        match self {
            Provider::Sketch | Provider::FlakySketch => ModelFamily::Sketch,
            Provider::OpenAi => ModelFamily::Dalle,
            Provider::Stability | Provider::Replicate | Provider::WorkersAi => {
                ModelFamily::StableDiffusion
            }
        }
    }
}

/// A generation job: the request, what the plan was made from, and where the job is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRow {
    pub job_id: String,
    pub user_id: String,
    pub status: JobStatus,
    /// The designer's brief as written.
    pub brief: String,
    /// Designs to select.
    pub designs: u32,
    /// The first of [`JobRow::providers`].
    pub provider: Provider,
    /// The providers the variants are spread over, in the request's order (round robin), and
    /// the order a failing provider's variants move along (JSON).
    pub providers: Vec<Provider>,
    /// What the job may cost (USD) at the deployment's prices, counted against the user's daily
    /// budget when it was accepted ([`crate::budget`]).
    pub cost_estimate: f64,
    /// DPP quality/diversity trade-off in [0, 1).
    pub theta: f64,
    /// Variants planned per design, in [2, 3].
    pub over_generation: f64,
    /// Plan seed, derived from the job id ([`crate::ids::job_seed`]).
    pub seed: u64,
    pub taxonomy_version: String,
    /// Values the brief asked for (JSON).
    pub requested: Vec<AttributeValue>,
    /// Values the brief ruled out (JSON).
    pub excluded: Vec<AttributeValue>,
    /// Words of the brief the taxonomy does not know, passed to prompts (JSON).
    pub modifiers: Vec<String>,
    /// The user's boosts and preference weights as they were when the job was planned (JSON).
    pub personalisation: Personalisation,
    /// Brief and plan warnings shown to the designer (JSON).
    pub warnings: Vec<String>,
    /// Why the job failed, when it did.
    pub error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl JobRow {
    pub fn key(&self) -> JobKey {
        JobKey::new(&self.user_id, &self.job_id)
    }

    /// The provider a variant that failed on `tried` (the last of them current) moves to: the
    /// next of the job's providers after the current one, in the job's order, that the variant
    /// has not tried yet; `None` when every one has been tried.
    pub fn next_provider(&self, tried: &[Provider]) -> Option<Provider> {
        let current = tried.last()?;
        let start = self.providers.iter().position(|p| p == current)?;
        (1..self.providers.len())
            .map(|step| self.providers[(start + step) % self.providers.len()])
            .find(|p| !tried.contains(p))
    }
}

/// One planned variant: its attributes and prompt, and how far it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantRow {
    pub job_id: String,
    pub user_id: String,
    /// Index in the plan, from 0.
    pub variant: u32,
    /// The image this variant produces ([`crate::ids::image_id`]).
    pub image_id: String,
    pub status: VariantStatus,
    /// Seed for the image model.
    pub seed: u64,
    /// The provider asked for this variant's image: the plan's, or the one it moved to.
    pub provider: Provider,
    pub model: ModelFamily,
    /// Planned values with where each came from (brief, sampled, implied), its prior, the
    /// user's preference weight and the boost applied (JSON).
    pub attributes: Vec<PlannedAttribute>,
    /// Prompt, negative prompt and quality parameters for the assigned model (JSON).
    pub prompt: ModelPrompt,
    /// The coverage-gap boosts that weighed this variant's values up (JSON).
    pub boosts_applied: Vec<AttributeWeight>,
    /// Why the variant failed, when it did.
    pub error: Option<String>,
    /// The providers it moved away from, in order (JSON).
    pub reroutes: Vec<Reroute>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A variant moved from a provider that kept failing to the job's next provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Reroute {
    pub from: Provider,
    pub to: Provider,
    pub reason: String,
}

impl VariantRow {
    pub fn key(&self) -> JobKey {
        JobKey::new(&self.user_id, &self.job_id)
    }

    /// The providers this variant has been sent to, the current one last.
    pub fn providers_tried(&self) -> Vec<Provider> {
        let mut tried: Vec<Provider> = self.reroutes.iter().map(|r| r.from).collect();
        tried.push(self.provider);
        tried
    }

    pub fn attribute_values(&self) -> Vec<AttributeValue> {
        self.attributes
            .iter()
            .map(PlannedAttribute::attribute)
            .collect()
    }
}

/// A generated image: everything needed to reproduce it and to search by it. Written once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageRow {
    pub image_id: String,
    pub job_id: String,
    pub user_id: String,
    pub variant: u32,
    pub prompt: String,
    pub negative_prompt: String,
    pub seed: u64,
    pub provider: Provider,
    /// The model (or renderer) name and version the provider reported.
    pub model: String,
    /// Generation parameters as the provider used them (JSON).
    pub parameters: serde_json::Value,
    /// The variant's planned values (JSON).
    pub requested: Vec<AttributeValue>,
    /// The values the picture shows, as the provider reports them (JSON); coverage counts these.
    pub drawn: Vec<AttributeValue>,
    /// In [0, 1]; see [`crate::quality`].
    pub quality: f64,
    /// Object-store key of the PNG ([`crate::ids::image_blob_key`]).
    pub blob_key: String,
    pub width: u32,
    pub height: u32,
    /// Size of the PNG in bytes.
    pub bytes: u64,
    /// What the image cost (USD), from the deployment's price of its provider.
    pub cost: f64,
    /// What a zero-shot tagger saw in the image, with scores (JSON); empty when the values
    /// drawn come from the renderer or no tagger ran.
    #[serde(default)]
    pub tags: Vec<crate::zero_shot::Tag>,
    pub created_at: Timestamp,
}

/// The embedding of one image. Written once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingRow {
    pub image_id: String,
    pub job_id: String,
    pub user_id: String,
    pub variant: u32,
    /// Name and version of the embedder: vectors of different embedders are not comparable.
    pub embedder: String,
    /// L2-normalised, [`crate::EMBEDDING_DIM`] values; stored as little-endian `f32` bytes
    /// ([`encode_vector`]).
    pub vector: Vec<f32>,
    pub created_at: Timestamp,
}

/// The clustering of a job: the chosen K and every K tried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterResultRow {
    pub job_id: String,
    pub user_id: String,
    pub k: u32,
    /// Silhouette of the chosen K; `None` when fewer images than clustering needs left a single
    /// cluster.
    pub silhouette: Option<f64>,
    /// Silhouette and inertia per K tried (JSON).
    pub candidates: Vec<KCandidate>,
    /// Images clustered.
    pub image_count: u32,
    pub seed: u64,
    pub created_at: Timestamp,
}

/// How much of a cluster shows one value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DominantAttribute {
    pub category: String,
    pub value: String,
    /// Images of the cluster showing it.
    pub count: u32,
    /// `count / cluster size`.
    pub share: f64,
}

/// The style of one cluster: its dominant drawn values, a readable name and its centroid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StyleProfileRow {
    /// [`crate::ids::style_profile_id`].
    pub profile_id: String,
    pub job_id: String,
    pub user_id: String,
    pub cluster: u32,
    /// E.g. "midi a-line dress in terracotta".
    pub name: String,
    pub size: u32,
    /// Top values per category, most shared first (JSON).
    pub dominant: Vec<DominantAttribute>,
    /// Mean of the cluster's embeddings (JSON or bytes).
    pub centroid: Vec<f32>,
    pub created_at: Timestamp,
}

/// The cluster of one image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterAssignmentRow {
    pub image_id: String,
    pub job_id: String,
    pub user_id: String,
    pub cluster: u32,
    /// Cosine distance to the cluster's centroid.
    pub distance: f64,
}

/// A candidate dropped as a near-duplicate of a pick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SuppressedImage {
    pub image_id: String,
    pub duplicate_of: String,
    pub cosine: f64,
}

/// The DPP selection of a job as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectionRow {
    pub job_id: String,
    pub user_id: String,
    pub theta: f64,
    /// Designs asked for.
    pub target: u32,
    /// Designs picked (fewer than `target` only when the candidates ran out).
    pub picked: u32,
    pub candidates: u32,
    pub stop: StopReason,
    /// `log det L_Y`: quality and diversity together.
    pub log_det_kernel: f64,
    /// `log det S_Y`: diversity alone.
    pub log_det_similarity: f64,
    pub mean_pairwise_cosine_distance: f64,
    pub cluster_cap_relaxed: bool,
    /// Near-duplicates dropped (JSON).
    pub suppressed: Vec<SuppressedImage>,
    pub created_at: Timestamp,
}

/// One selected design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickRow {
    pub job_id: String,
    pub user_id: String,
    /// 1 for the first pick.
    pub rank: u32,
    pub image_id: String,
    pub variant: u32,
    pub cluster: u32,
    pub quality: f64,
    /// Increase of the log-determinant this pick brought.
    pub log_gain: f64,
    /// Share of the pick that earlier picks did not already explain, in [0, 1].
    pub novelty: f64,
    /// Picked for quality, or for novelty over a higher-quality candidate.
    pub reason: PickReason,
}

/// The coverage of a job's selected designs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageReportRow {
    pub job_id: String,
    pub user_id: String,
    pub overall_score: f64,
    pub overall_evenness: f64,
    pub set_size: u32,
    pub image_count: u32,
    /// The whole analysis (JSON).
    pub report: CoverageReport,
    pub created_at: Timestamp,
}

/// One under-covered value of a job, ranked most severe first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeGapRow {
    pub job_id: String,
    pub user_id: String,
    /// 1 for the most severe gap.
    pub rank: u32,
    pub category: String,
    pub value: String,
    pub requested: bool,
    pub coverage: f64,
    pub count: u32,
    pub target_count: u32,
    pub missing: u32,
    pub severity: Severity,
    pub severity_score: f64,
    /// Boost given to the user's next plans, in [0.15, 0.25].
    pub boost: f64,
}

/// A coverage-gap boost on one value for one user; at most one per (user, category, value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserBoostRow {
    pub user_id: String,
    pub category: String,
    pub value: String,
    pub boost: f64,
    /// The job whose coverage gap set it.
    pub source_job_id: String,
    pub updated_at: Timestamp,
}

/// A learned preference on one value for one user: the Beta posterior of "the designer likes
/// designs showing it" as of `updated_at`, and the planner weight it gave then (1 = neutral).
/// Written by the learning stage; read when planning (`bff_learn::preference`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreferenceRow {
    pub user_id: String,
    pub category: String,
    pub value: String,
    pub alpha: f64,
    pub beta: f64,
    /// Decayed evidence behind the posterior (success + failure).
    pub evidence: f64,
    pub weight: f64,
    pub updated_at: Timestamp,
}

/// Variants of a job by status: one `SELECT status, COUNT(*) ... GROUP BY status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobProgress {
    pub variants: u32,
    pub planned: u32,
    pub generated: u32,
    pub embedded: u32,
    pub failed: u32,
}

impl JobProgress {
    /// Counts variants by status.
    pub fn from_statuses(statuses: impl IntoIterator<Item = VariantStatus>) -> Self {
        let mut p = Self::default();
        for s in statuses {
            p.variants += 1;
            match s {
                VariantStatus::Planned => p.planned += 1,
                VariantStatus::Generated => p.generated += 1,
                VariantStatus::Embedded => p.embedded += 1,
                VariantStatus::Failed => p.failed += 1,
            }
        }
        p
    }
}

/// A vector as little-endian `f32` bytes, the storage form of embeddings and centroids (a BLOB in
/// D1 and a BYTEA in Postgres: a quarter of the size of JSON text and exact).
pub fn encode_vector(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Reads [`encode_vector`]'s bytes back; `None` when the length is not a multiple of 4.
pub fn decode_vector(bytes: &[u8]) -> Option<Vec<f32>> {
    if bytes.len() % 4 != 0 {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names_round_trip_as_text_and_json() {
        for s in JobStatus::ALL {
            assert_eq!(s.as_str().parse::<JobStatus>(), Ok(*s));
            assert_eq!(serde_json::to_string(s).unwrap(), format!("\"{s}\""));
        }
        for s in VariantStatus::ALL {
            assert_eq!(s.as_str().parse::<VariantStatus>(), Ok(*s));
        }
        for p in Provider::ALL {
            assert_eq!(p.as_str().parse::<Provider>(), Ok(*p));
        }
        assert_eq!(
            "done".parse::<JobStatus>(),
            Err(UnknownName {
                what: "job status",
                value: "done".into()
            })
        );
    }

    #[test]
    fn vectors_round_trip_as_bytes() {
        let v = vec![0.5f32, -1.25, 3.0e-8, 0.0];
        assert_eq!(encode_vector(&v).len(), 16);
        assert_eq!(decode_vector(&encode_vector(&v)), Some(v));
        assert_eq!(decode_vector(&[0, 0, 0]), None);
    }

    #[test]
    fn progress_counts_statuses() {
        let p = JobProgress::from_statuses([
            VariantStatus::Planned,
            VariantStatus::Embedded,
            VariantStatus::Embedded,
            VariantStatus::Failed,
        ]);
        assert_eq!(
            p,
            JobProgress {
                variants: 4,
                planned: 1,
                generated: 0,
                embedded: 2,
                failed: 1
            }
        );
    }
}
