//! Ports: the traits through which the stages reach the outside world.
//!
//! The stages are pure; everything they read or write goes through one of these traits, which the
//! Worker (or Spin component) implements with its bindings, and [`crate::fakes`] implements in
//! memory for tests. The SQL lives in those adapters, not here: each method below says what it
//! must guarantee, in particular how it behaves when called twice (every queue delivers at least
//! once), and the SQL shape that gives that guarantee.
//!
//! Methods are `async fn` without `Send` bounds: both runtimes are single-threaded wasm, and
//! JavaScript futures are not `Send`.
//!
//! Errors: every method returns [`PortError`] for a failure of the storage or queue itself (the
//! stage turns it into a retry). "Not found" is `Ok(None)` or `Ok(false)`, never an error.

mod feedback;
mod rows;

pub use bff_render::Approximation;
pub use feedback::*;
pub use rows::*;

use bff_domain::prompt::{ModelFamily, ModelPrompt, QualityParameters};
use bff_domain::AttributeValue;
use serde::Serialize;

use crate::budget::DailyLimit;
use crate::ids::JobKey;
use crate::messages::Message;
use crate::time::Timestamp;

/// A storage or queue failure: the operation may succeed if tried again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{port}: {message}")]
pub struct PortError {
    /// Which port failed (`"job store"`, `"blob store"`, `"queue"`).
    pub port: &'static str,
    pub message: String,
}

impl PortError {
    pub fn new(port: &'static str, message: impl Into<String>) -> Self {
        Self {
            port,
            message: message.into(),
        }
    }
}

/// What [`JobStore::create_job`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JobCreation {
    /// The job and its variants were inserted.
    Created,
    /// The job id was already taken (a retried submission, or another user's job): nothing was
    /// changed.
    AlreadyExisted,
    /// The job would take the user's day past its budget: nothing was written. `spent_today` is
    /// what the user's jobs of the day were estimated at (USD), read after the refusal.
    OverBudget { spent_today: f64 },
}

/// Everything the stages read and write about jobs, variants, images, clusters, selections,
/// coverage and the user's boosts and preferences.
///
/// Every read is scoped by user and job ([`JobKey`]): a key naming another user's job reads
/// nothing. Lists come in a fixed order (stated per method), so that the math downstream sees
/// the same input on every delivery.
#[allow(async_fn_in_trait)]
pub trait JobStore {
    // --- users ---

    /// The user's coverage-gap boosts, ordered by category then value.
    async fn user_boosts(&self, user_id: &str) -> Result<Vec<UserBoostRow>, PortError>;

    /// The user's learned preference weights, ordered by category then value.
    async fn user_preferences(&self, user_id: &str) -> Result<Vec<PreferenceRow>, PortError>;

    /// Sets the user's boost for each value of `set` (replacing that user's boost on the value,
    /// `INSERT ... ON CONFLICT (user_id, category, value) DO UPDATE`), and deletes the user's
    /// boosts on the values of `cleared`; one transaction. Idempotent: the same call twice leaves
    /// the same rows. Never touches another user's boosts.
    async fn upsert_user_boosts(
        &self,
        user_id: &str,
        set: &[UserBoostRow],
        cleared: &[AttributeValue],
    ) -> Result<(), PortError>;

    // --- jobs ---

    /// Inserts the job and its variants in one transaction, each insert-or-ignore by id
    /// (`INSERT ... ON CONFLICT DO NOTHING`), the variants only with their job's row. When the job
    /// id exists, nothing is changed (the first call's rows win) and the answer is
    /// [`JobCreation::AlreadyExisted`], whatever the budget: a retried submission is never refused.
    ///
    /// With a `limit`, the job row is inserted only if the estimates (`cost_estimate`) of the
    /// user's jobs created since `limit.day_start` plus this job's fit in `limit.daily_usd`
    /// ([`crate::budget::fits`]), decided in the same statement or transaction as the insert, so
    /// that concurrent calls for one user can never together pass the budget (on Postgres the
    /// transaction first takes a per-user lock). Otherwise nothing is written and the answer is
    /// [`JobCreation::OverBudget`] with the day's spending.
    async fn create_job(
        &self,
        job: &JobRow,
        variants: &[VariantRow],
        limit: Option<&DailyLimit>,
    ) -> Result<JobCreation, PortError>;

    /// The job, if it exists for this user.
    async fn job(&self, key: &JobKey) -> Result<Option<JobRow>, PortError>;

    /// Moves the job from `from` to `to`, setting `updated_at`, only if it is at `from`:
    /// `UPDATE jobs SET status = :to ... WHERE job_id = ? AND user_id = ? AND status = :from`.
    /// Returns whether this call moved it; of concurrent callers at most one gets `true`.
    async fn advance_job(
        &self,
        key: &JobKey,
        from: JobStatus,
        to: JobStatus,
        now: &Timestamp,
    ) -> Result<bool, PortError>;

    /// Marks the job failed with `reason`, unless it is already terminal (complete, partial or
    /// failed). Returns whether this call changed it.
    async fn fail_job(
        &self,
        key: &JobKey,
        reason: &str,
        now: &Timestamp,
    ) -> Result<bool, PortError>;

    /// The job's variants counted by status.
    async fn job_progress(&self, key: &JobKey) -> Result<JobProgress, PortError>;

    // --- variants ---

    /// One variant of the job.
    async fn variant(&self, key: &JobKey, variant: u32) -> Result<Option<VariantRow>, PortError>;

    /// All variants of the job, ordered by index.
    async fn variants(&self, key: &JobKey) -> Result<Vec<VariantRow>, PortError>;

    /// Marks the variant failed with `reason` if it is `planned` or `generated`
    /// (`UPDATE ... WHERE status IN ('planned', 'generated')`); `embedded` and `failed` stay.
    /// Returns whether this call changed it.
    async fn mark_variant_failed(
        &self,
        key: &JobKey,
        variant: u32,
        reason: &str,
        now: &Timestamp,
    ) -> Result<bool, PortError>;

    /// Moves a `planned` variant from provider `from` to `to` with `prompt` (written for the new
    /// provider's model family), recording the move with its reason (`UPDATE ... WHERE status =
    /// 'planned' AND provider = from`: a second delivery of the same move changes nothing).
    /// Returns whether this call moved it.
    async fn reroute_variant(
        &self,
        key: &JobKey,
        variant: u32,
        reroute: &Reroute,
        prompt: &ModelPrompt,
        now: &Timestamp,
    ) -> Result<bool, PortError>;

    // --- images ---

    /// Inserts the image row, insert-or-ignore by its deterministic id, and in the same
    /// transaction moves its variant from `planned` to `generated` (a no-op if it is elsewhere).
    /// Returns whether the image row was new.
    async fn insert_image(&self, image: &ImageRow, now: &Timestamp) -> Result<bool, PortError>;

    /// One image of the job.
    async fn image(&self, key: &JobKey, image_id: &str) -> Result<Option<ImageRow>, PortError>;

    /// All images of the job, ordered by variant.
    async fn images(&self, key: &JobKey) -> Result<Vec<ImageRow>, PortError>;

    // --- embeddings ---

    /// Records what a tagger saw in the image: `drawn` becomes the tags' values, `tags` the tags
    /// with their scores, and `quality` the prompt adherence recomputed from them. Idempotent
    /// (the same tags give the same row). Returns whether the image exists.
    async fn retag_image(
        &self,
        key: &JobKey,
        image_id: &str,
        tags: &[crate::zero_shot::Tag],
        quality: f64,
        now: &Timestamp,
    ) -> Result<bool, PortError>;

    /// Inserts the embedding, insert-or-ignore by image id, and in the same transaction moves
    /// its variant from `generated` to `embedded` (a no-op if it is elsewhere). Returns whether
    /// the embedding row was new.
    async fn insert_embedding(
        &self,
        embedding: &EmbeddingRow,
        now: &Timestamp,
    ) -> Result<bool, PortError>;

    /// The embeddings of the job's `embedded` variants, ordered by variant.
    async fn embeddings(&self, key: &JobKey) -> Result<Vec<EmbeddingRow>, PortError>;

    /// The fan-in. Moves the job from `generating` to `clustering` if, and only if, no variant
    /// of the job is still `planned` or `generated`, and returns whether this call moved it.
    ///
    /// Returns `true` for exactly one caller per job, however many embed (or failure) deliveries
    /// race to finish it. The adapter must implement it as ONE conditional UPDATE, never as a
    /// read followed by a write (two readers could both see "all done" and both enqueue):
    ///
    /// ```sql
    /// UPDATE jobs SET status = 'clustering', updated_at = ?3
    ///  WHERE job_id = ?1 AND user_id = ?2 AND status = 'generating'
    ///    AND NOT EXISTS (SELECT 1 FROM variants
    ///                     WHERE job_id = ?1 AND user_id = ?2
    ///                       AND status IN ('planned', 'generated'))
    /// ```
    ///
    /// and return `changes == 1`.
    async fn complete_embedding_fan_in(
        &self,
        key: &JobKey,
        now: &Timestamp,
    ) -> Result<bool, PortError>;

    // --- clusters ---

    /// Replaces the job's cluster result, style profiles and assignments with these, in one
    /// transaction (upsert the result, delete then insert the rest). Idempotent.
    async fn save_clusters(
        &self,
        result: &ClusterResultRow,
        profiles: &[StyleProfileRow],
        assignments: &[ClusterAssignmentRow],
    ) -> Result<(), PortError>;

    async fn cluster_result(&self, key: &JobKey) -> Result<Option<ClusterResultRow>, PortError>;

    /// Style profiles ordered by cluster.
    async fn style_profiles(&self, key: &JobKey) -> Result<Vec<StyleProfileRow>, PortError>;

    /// Assignments ordered by image id.
    async fn cluster_assignments(
        &self,
        key: &JobKey,
    ) -> Result<Vec<ClusterAssignmentRow>, PortError>;

    // --- selection ---

    /// Replaces the job's selection and picks with these, in one transaction. Idempotent.
    async fn save_selection(
        &self,
        selection: &SelectionRow,
        picks: &[PickRow],
    ) -> Result<(), PortError>;

    async fn selection(&self, key: &JobKey) -> Result<Option<SelectionRow>, PortError>;

    /// Picks ordered by rank.
    async fn picks(&self, key: &JobKey) -> Result<Vec<PickRow>, PortError>;

    // --- coverage ---

    /// Replaces the job's coverage report and gaps with these, in one transaction. Idempotent.
    async fn save_coverage(
        &self,
        report: &CoverageReportRow,
        gaps: &[AttributeGapRow],
    ) -> Result<(), PortError>;

    async fn coverage_report(&self, key: &JobKey) -> Result<Option<CoverageReportRow>, PortError>;

    /// Gaps ordered by rank.
    async fn attribute_gaps(&self, key: &JobKey) -> Result<Vec<AttributeGapRow>, PortError>;
}

/// Whole objects by key (R2 on Cloudflare, the key-value store on Spin).
#[allow(async_fn_in_trait)]
pub trait BlobStore {
    /// Stores `bytes` under `key`, replacing what was there. Keys are deterministic and a key's
    /// bytes never change, so a second put of the same key is harmless.
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), PortError>;

    /// The bytes under `key`, or `None` when there is no object.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError>;

    /// Deletes every object whose key starts with `prefix` (a user's or a job's images);
    /// returns how many there were. Deleting again finds none.
    async fn delete_prefix(&self, prefix: &str) -> Result<u64, PortError>;
}

/// Sends queue messages; the adapter routes each to the queue [`Message::queue`] names.
///
/// Delivery is at least once: every consumer tolerates duplicates (see [`crate::stages`]).
#[allow(async_fn_in_trait)]
pub trait Dispatcher {
    /// Sends one message.
    async fn send(&self, message: &Message) -> Result<(), PortError>;

    /// Sends several, e.g. one `GenerateImage` per variant (up to 144). An adapter may override it
    /// with the queue's batch send, in chunks of what the queue accepts (Cloudflare: 100 messages
    /// per `sendBatch`). A failure part-way is reported as an error; the caller's retry re-sends,
    /// which consumers tolerate.
    async fn send_all(&self, messages: &[Message]) -> Result<(), PortError> {
        for message in messages {
            self.send(message).await?;
        }
        Ok(())
    }
}

/// What an image provider is asked to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageRequest<'a> {
    /// The deterministic image id: an idempotency key for providers that accept one.
    pub image_id: &'a str,
    pub provider: Provider,
    pub model: ModelFamily,
    pub prompt: &'a str,
    pub negative_prompt: &'a str,
    /// The variant's planned values, most important first.
    pub attributes: &'a [AttributeValue],
    pub seed: u64,
    pub parameters: &'a QualityParameters,
}

/// A generated picture and what is known about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderImage {
    /// PNG bytes.
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// The model (or renderer) name and version.
    pub model: String,
    /// The parameters the provider actually used (JSON).
    pub parameters: serde_json::Value,
    /// The values the picture shows, when the provider knows (the sketch renderer does); `None`
    /// for models that cannot say, in which case the requested values are assumed drawn.
    pub drawn: Option<Vec<AttributeValue>>,
    /// The drawn values the picture shows only as a stand-in, when the provider knows (the
    /// sketch renderer draws a leopard print as a generic animal print); empty otherwise.
    pub approximated: Vec<Approximation>,
    /// A quality score in [0, 1] when the provider has one; otherwise the stage scores prompt
    /// adherence ([`crate::quality`]).
    pub quality: Option<f64>,
    /// What the image cost (USD) at the deployment's prices; 0 for the offline renderer.
    pub cost: f64,
}

/// Why a provider produced no image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProviderError {
    /// Network, rate limit, timeout, 5xx: worth retrying, no sooner than `retry_after_ms` when
    /// the provider said so (a 429's `retry-after`).
    #[error("provider unavailable: {message}")]
    Unavailable {
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
    /// The provider refused this request (invalid parameters, a malformed image): retrying the
    /// same request cannot help, so the variant fails.
    #[error("provider refused the request: {message}")]
    Rejected { message: String },
    /// The provider refused the content (its moderation): the variant fails with the reason
    /// `moderated` and the job goes on.
    #[error("moderated: {reason}")]
    Moderated { reason: String },
    /// The deployment's account cannot be used (a wrong key, a used-up quota): every request to
    /// this provider would fail the same way, so nothing is retried and the job stops (or its
    /// variants move to another of its providers). The message says what the deployer must fix
    /// and never holds the key.
    #[error("provider {provider} stopped: {message}")]
    Stopped { provider: Provider, message: String },
    /// This deployment has no implementation or no credentials for the provider.
    #[error("provider {provider} is not configured")]
    NotConfigured { provider: Provider },
}

/// Generates images. A Worker serving several providers implements it with an enum over their
/// clients, dispatching on [`ImageRequest::provider`].
#[allow(async_fn_in_trait)]
pub trait ImageProvider {
    async fn generate(&self, request: &ImageRequest<'_>) -> Result<ProviderImage, ProviderError>;
}

/// An image's embedding as the embedder returned it (the stage checks and normalises it).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageEmbedding {
    pub vector: Vec<f32>,
    /// Name and version of the embedder.
    pub embedder: String,
}

/// Why an image could not be embedded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EmbedderError {
    /// The embedding service is down or busy: worth retrying.
    #[error("embedder unavailable: {message}")]
    Unavailable { message: String },
    /// These bytes cannot be embedded (corrupt, unsupported): the variant fails.
    #[error("image cannot be embedded: {message}")]
    Unreadable { message: String },
}

/// Turns image bytes into a vector.
#[allow(async_fn_in_trait)]
pub trait ImageEmbedder {
    async fn embed(&self, bytes: &[u8]) -> Result<ImageEmbedding, EmbedderError>;

    /// The embedding space: model and dimension (`jina-clip-v2@512`), recorded with every
    /// embedding. Vectors of two spaces are
    /// not comparable; caches are keyed by it.
    fn space(&self) -> String;

    /// Texts as vectors of the images' space, in order, for zero-shot tagging
    /// ([`crate::zero_shot`]); `None` for an embedder without a text side (the descriptor).
    async fn embed_texts(&self, texts: &[String]) -> Result<Option<Vec<Vec<f32>>>, EmbedderError> {
        let _ = texts;
        Ok(None)
    }
}
