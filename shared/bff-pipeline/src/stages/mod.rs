//! One module per stage; each handler takes its ports, its message and `now`.
//!
//! | stage | entry | reads | writes | sends |
//! |---|---|---|---|---|
//! | [`prompt`] | `submit` (HTTP) | user boosts and preferences | job, variants | `GenerateImage` × variants |
//! | [`generate`] | `handle(GenerateImage)` | job, variant | blob, image row | `EmbedImage` |
//! | [`embed`] | `handle(EmbedImage)` | image row, blob | embedding | `ClusterJob` (fan-in) |
//! | [`cluster`] | `handle(ClusterJob)` | embeddings, images | cluster result, profiles, assignments | `SelectDesigns` |
//! | [`select`] | `handle(SelectDesigns)` | embeddings, images, assignments | selection, picks | `MeasureCoverage` |
//! | [`coverage`] | `handle(MeasureCoverage)` | variants, picks, images | report, gaps, user boosts | — |
//!
//! # Duplicate delivery
//!
//! Queues deliver at least once, and a handler can stop anywhere (a crash, a timeout) and be run
//! again. Every handler is therefore idempotent, by three rules:
//!
//! 1. **Deterministic ids.** Rows are named from what they are for (the image of variant 7 of job
//!    `j` is `j-007`) and inserted insert-or-ignore; results of a whole stage are replaced (upsert).
//!    Seeds come from the job id, so a recomputation gives the same rows.
//! 2. **Guarded transitions.** A job's status and a variant's status only move forward, each by a
//!    conditional update from a named status ([`JobStore::advance_job`],
//!    [`JobStore::mark_variant_failed`], the fan-in). A handler works only while the job is at its
//!    stage; after it, a duplicate changes nothing.
//! 3. **Write, then move, then send.** A handler stores its results, then moves the job on, then
//!    sends the next message. A delivery that finds its work done and the job at the *next* stage
//!    re-sends the next message, because the first delivery may have stopped before sending it;
//!    when the job is further on, it sends nothing. Duplicates downstream are harmless by the same
//!    rules, and the cascade stops at the first stage already past.
//!
//! # Fan-in
//!
//! Embeddings arrive one message per image; clustering needs them all. Each embed (or variant
//! failure) ends with [`JobStore::complete_embedding_fan_in`], one conditional UPDATE that moves
//! the job from `generating` to `clustering` when no variant is still `planned` or `generated`,
//! and returns `true` to exactly one caller, which sends the one `ClusterJob`. Failed variants
//! count as finished, so a job with failures completes as `partial` instead of waiting forever.
//!
//! # Errors
//!
//! [`StageError::Retryable`]: a port or a provider is unavailable; the Worker retries the message.
//! After its last attempt (or from the dead-letter queue) it calls [`give_up`].
//! [`StageError::Permanent`]: retrying cannot help (a malformed message, a job that does not
//! exist); the Worker acknowledges the message and calls [`give_up`], which fails the variant (the
//! job goes on without it) or the job.

pub mod analytics;
pub mod cluster;
pub mod coverage;
pub mod embed;
pub mod feedback;
pub mod generate;
pub mod learn;
pub mod prompt;
pub mod select;
mod style;

use serde::Serialize;

use crate::ids::JobKey;
use crate::messages::{
    ClusterJob, EmbedImage, GenerateImage, MeasureCoverage, Message, MessageError, SelectDesigns,
};
use crate::ports::{
    BlobStore, Dispatcher, EmbedderError, ImageEmbedder, ImageProvider, JobStatus, JobStore,
    PortError, Provider, ProviderError, VariantStatus,
};
use crate::time::Timestamp;

pub use style::{style_names, style_profile};

/// What a handler did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum StageOutcome {
    /// The stage did its work and sent `sent` messages.
    Done { sent: usize },
    /// The work was already done (a duplicate delivery); `resent` successor messages were sent
    /// again in case the first delivery stopped before sending them.
    AlreadyDone { resent: usize },
    /// Nothing to do: the job (or variant) is not at this stage, e.g. already finished or failed.
    Skipped { reason: String },
    /// A variant failed for good; the job goes on without it. `sent` is 1 when this failure
    /// completed the fan-in.
    VariantFailed {
        variant: u32,
        reason: String,
        sent: usize,
    },
    /// The job reached a terminal status.
    JobFinished { status: JobStatus },
    /// A variant's provider kept failing (or cannot be used): the variant moved to the job's
    /// next provider and its `GenerateImage` was sent again, naming that provider.
    Rerouted {
        variant: u32,
        from: Provider,
        to: Provider,
    },
    /// The job no longer exists (its user deleted it, or never had it): the message has nothing
    /// left to do and is acknowledged without a dead letter.
    JobGone,
}

/// Why a handler could not finish. Serialises as `{"kind": "retryable" | "permanent", "error": {...}}`
/// (adjacently tagged: the inner errors have tags of their own).
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", content = "error", rename_all = "snake_case")]
pub enum StageError {
    /// Try the message again later.
    #[error("retryable: {0}")]
    Retryable(Retryable),
    /// Retrying cannot help: acknowledge the message and call [`give_up`].
    #[error("permanent: {0}")]
    Permanent(Permanent),
}

/// Failures that may pass.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Retryable {
    #[error(transparent)]
    Port(PortError),
    #[error(transparent)]
    Provider(ProviderError),
    #[error(transparent)]
    Embedder(EmbedderError),
    /// A `GenerateImage` for the provider its variant is moving to arrived before the move was
    /// written (a move sends the message first, then writes): it is read again after it.
    #[error("variant {variant} of job {job_id} has not moved to {provider} yet")]
    NotMovedYet {
        job_id: String,
        variant: u32,
        provider: Provider,
    },
}

/// Failures that will not.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Permanent {
    #[error(transparent)]
    BadMessage(MessageError),
    #[error("job {job_id} of user {user_id} does not exist")]
    JobNotFound { user_id: String, job_id: String },
    #[error("job {job_id} has no variant {variant}")]
    VariantNotFound { job_id: String, variant: u32 },
    #[error("job {job_id} has no image {image_id}")]
    ImageNotFound { job_id: String, image_id: String },
    /// Stored data the stage cannot use (embeddings of different dimensions, a DPP refusal).
    #[error("job {job_id}: {detail}")]
    Invalid { job_id: String, detail: String },
}

impl StageError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, StageError::Retryable(_))
    }

    /// The soonest a retry may come, when a provider said so (a 429's `retry-after`); the
    /// consumers wait at least this long on top of their own back-off rule.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            StageError::Retryable(Retryable::Provider(ProviderError::Unavailable {
                retry_after_ms,
                ..
            })) => *retry_after_ms,
            _ => None,
        }
    }

    pub(crate) fn job_not_found(key: &JobKey) -> Self {
        StageError::Permanent(Permanent::JobNotFound {
            user_id: key.user_id.clone(),
            job_id: key.job_id.clone(),
        })
    }

    pub(crate) fn invalid(key: &JobKey, detail: impl Into<String>) -> Self {
        StageError::Permanent(Permanent::Invalid {
            job_id: key.job_id.clone(),
            detail: detail.into(),
        })
    }
}

impl From<PortError> for StageError {
    fn from(e: PortError) -> Self {
        StageError::Retryable(Retryable::Port(e))
    }
}

impl From<MessageError> for StageError {
    fn from(e: MessageError) -> Self {
        StageError::Permanent(Permanent::BadMessage(e))
    }
}

/// Loads the job a message names, or fails permanently.
pub(crate) async fn load_job(
    store: &impl JobStore,
    key: &JobKey,
) -> Result<crate::ports::JobRow, StageError> {
    store
        .job(key)
        .await?
        .ok_or_else(|| StageError::job_not_found(key))
}

/// For a job-level stage (cluster, select, coverage): whether to work, re-send the successor, or
/// skip, from the job's status.
pub(crate) enum Gate {
    Work,
    Resend,
    Skip(String),
}

pub(crate) fn gate(status: JobStatus, stage: JobStatus, next: JobStatus) -> Gate {
    if status == stage {
        Gate::Work
    } else if status == next {
        Gate::Resend
    } else if status.order() < stage.order() {
        Gate::Skip(format!("the job is still {status}"))
    } else {
        Gate::Skip(format!("the job is already {status}"))
    }
}

/// Finishes an image's path (embedded or failed): completes the fan-in if this was the last one.
/// With `resend`, a call that finds the fan-in done re-sends `ClusterJob` while the job waits at
/// `clustering`: it is a repeated delivery, and the delivery that completed the fan-in may have
/// stopped before sending. A call that has just done its own image's work passes `false`: when it
/// loses the fan-in to another image finishing at the same moment, that one sends (and its own
/// redelivery re-sends if it stopped), so concurrent consumers do not each send one. Returns the
/// messages sent.
pub(crate) async fn fan_in(
    store: &impl JobStore,
    dispatch: &impl Dispatcher,
    key: &JobKey,
    now: &Timestamp,
    resend: bool,
) -> Result<usize, StageError> {
    let send = if store.complete_embedding_fan_in(key, now).await? {
        true
    } else {
        resend
            && store
                .job(key)
                .await?
                .is_some_and(|job| job.status == JobStatus::Clustering)
    };
    if send {
        dispatch.send(&ClusterJob::new(key).into()).await?;
    }
    Ok(usize::from(send))
}

/// Fails one variant (generation or embedding gave up), then runs the fan-in: the job goes on
/// without it. A variant already finished (embedded, or failed by an earlier call) stays as it is
/// and only the fan-in step runs.
pub(crate) async fn fail_variant(
    store: &impl JobStore,
    dispatch: &impl Dispatcher,
    key: &JobKey,
    variant: u32,
    reason: &str,
    now: &Timestamp,
) -> Result<StageOutcome, StageError> {
    let failed = store.mark_variant_failed(key, variant, reason, now).await?;
    let sent = fan_in(store, dispatch, key, now, !failed).await?;
    Ok(if failed {
        StageOutcome::VariantFailed {
            variant,
            reason: reason.to_string(),
            sent,
        }
    } else {
        StageOutcome::AlreadyDone { resent: sent }
    })
}

/// What to do with a message that will not succeed: after its last retryable attempt, after a
/// permanent error, or when it is read from a dead-letter queue.
///
/// A `GenerateImage` or `EmbedImage` fails its variant (the job completes as `partial` without
/// it); a job-level message fails the job. Idempotent: a variant or job already finished stays as
/// it is.
pub async fn give_up(
    store: &impl JobStore,
    dispatch: &impl Dispatcher,
    message: &Message,
    reason: &str,
    now: &Timestamp,
) -> Result<StageOutcome, StageError> {
    let key = message.key();
    // A deleted job's messages fail with "not found" and end here: nothing to fail or record.
    if store.job(&key).await?.is_none() {
        return Ok(StageOutcome::JobGone);
    }
    match message {
        Message::GenerateImage(m) => {
            generate::mark_image_failed(store, dispatch, m, reason, now).await
        }
        Message::EmbedImage(m) => {
            let Some(image) = store.image(&key, &m.image_id).await? else {
                return Ok(StageOutcome::Skipped {
                    reason: format!("no image {}", m.image_id),
                });
            };
            fail_variant(store, dispatch, &key, image.variant, reason, now).await
        }
        // Nothing waits on learning: the feedback stays stored with its revision unlearned, and the
        // sweep sends it again later.
        Message::LearnFromFeedback(m) => Ok(StageOutcome::Skipped {
            reason: format!(
                "feedback {} revision {} not learned: {reason}",
                m.feedback_id, m.revision
            ),
        }),
        Message::ClusterJob(_) | Message::SelectDesigns(_) | Message::MeasureCoverage(_) => {
            let stage = match message {
                Message::ClusterJob(_) => "clustering",
                Message::SelectDesigns(_) => "selection",
                _ => "coverage",
            };
            if store
                .fail_job(&key, &format!("{stage} failed: {reason}"), now)
                .await?
            {
                Ok(StageOutcome::JobFinished {
                    status: JobStatus::Failed,
                })
            } else {
                Ok(StageOutcome::Skipped {
                    reason: "the job is already finished".into(),
                })
            }
        }
    }
}

/// Re-sends whatever the job is waiting for: `GenerateImage` for planned variants and
/// `EmbedImage` for generated ones while it is `generating` (and the fan-in, in case every
/// variant is already finished), or the message of the stage it is at. For a retried submission
/// and for a periodic sweep of jobs that have not moved for a while (a message lost before it was
/// sent). Duplicates are harmless. Returns the messages sent.
pub async fn resume(
    store: &impl JobStore,
    dispatch: &impl Dispatcher,
    key: &JobKey,
    now: &Timestamp,
) -> Result<usize, StageError> {
    let job = load_job(store, key).await?;
    let messages: Vec<Message> = match job.status {
        JobStatus::Generating => {
            let mut messages = Vec::new();
            for v in store.variants(key).await? {
                match v.status {
                    VariantStatus::Planned => {
                        messages.push(GenerateImage::new(key, v.variant, v.provider).into())
                    }
                    VariantStatus::Generated => {
                        messages.push(EmbedImage::new(key, &v.image_id).into())
                    }
                    VariantStatus::Embedded | VariantStatus::Failed => {}
                }
            }
            if messages.is_empty() {
                return fan_in(store, dispatch, key, now, true).await;
            }
            messages
        }
        JobStatus::Clustering => vec![ClusterJob::new(key).into()],
        JobStatus::Selecting => vec![SelectDesigns::new(key).into()],
        JobStatus::Measuring => vec![MeasureCoverage::new(key).into()],
        JobStatus::Complete | JobStatus::Partial | JobStatus::Failed => Vec::new(),
    };
    dispatch.send_all(&messages).await?;
    Ok(messages.len())
}

/// The ports a queue stage function runs with, whatever the platform (D1, R2 and Queues on
/// Workers; Spin's database, key-value store and durable queue).
pub struct StagePorts<'a, S, B, D> {
    pub store: &'a S,
    pub blobs: &'a B,
    pub dispatch: &'a D,
}

/// One queue stage function's handler, written once per function with the one handler it links
/// (so that the generate function links only the renderer, embed only the embedder) and run by
/// each platform's consumer: `bff_cloudflare::consumer::consume` and
/// `bff_spin::consumer::on_doorbell`.
#[allow(async_fn_in_trait)]
pub trait QueueStage {
    async fn handle<S, B, D>(
        &self,
        ports: &StagePorts<'_, S, B, D>,
        message: &Message,
        now: &Timestamp,
    ) -> Result<StageOutcome, StageError>
    where
        S: JobStore + crate::ports::FeedbackStore,
        B: BlobStore,
        D: Dispatcher;
}

/// The embeddings of one space: a job clusters and selects within one embedding space only.
/// When a deployment changed its embedder while a job ran, the space most of the job's images
/// were embedded in wins (the earliest on a tie); the others are left out.
pub fn one_space(
    mut embeddings: Vec<crate::ports::EmbeddingRow>,
) -> Vec<crate::ports::EmbeddingRow> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for e in &embeddings {
        match counts.iter_mut().find(|(s, _)| *s == e.embedder) {
            Some((_, n)) => *n += 1,
            None => counts.push((&e.embedder, 1)),
        }
    }
    let Some(space) = counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .map(|(s, _)| s.to_string())
    else {
        return embeddings;
    };
    embeddings.retain(|e| e.embedder == space);
    embeddings
}

/// The error for a message of another stage (a queue bound to the wrong function): permanent.
pub fn misrouted(message: &Message) -> StageError {
    StageError::Permanent(Permanent::BadMessage(MessageError::UnknownQueue {
        queue: message.queue().to_string(),
    }))
}

/// The ports every queue-triggered stage needs, for runners that consume several queues in one
/// place (a local runner, a Spin component subscribed to every channel, tests).
pub struct Ports<'a, S, B, D, P, E> {
    pub store: &'a S,
    pub blobs: &'a B,
    pub dispatch: &'a D,
    pub provider: &'a P,
    pub embedder: &'a E,
}

impl<S, B, D, P, E> Ports<'_, S, B, D, P, E>
where
    S: JobStore,
    B: BlobStore,
    D: Dispatcher,
    P: ImageProvider,
    E: ImageEmbedder,
{
    /// Runs the handler of the message's stage.
    pub async fn handle(
        &self,
        message: &Message,
        now: &Timestamp,
    ) -> Result<StageOutcome, StageError> {
        match message {
            Message::GenerateImage(m) => {
                generate::handle(self.store, self.blobs, self.dispatch, self.provider, m, now).await
            }
            Message::EmbedImage(m) => {
                embed::handle(self.store, self.blobs, self.dispatch, self.embedder, m, now).await
            }
            Message::ClusterJob(m) => cluster::handle(self.store, self.dispatch, m, now).await,
            Message::SelectDesigns(m) => select::handle(self.store, self.dispatch, m, now).await,
            Message::MeasureCoverage(m) => coverage::handle(self.store, m, now).await,
            // Learning reads the feedback port, which these ports do not include.
            Message::LearnFromFeedback(_) => Err(StageError::Permanent(Permanent::BadMessage(
                MessageError::UnknownQueue {
                    queue: crate::messages::LEARN_QUEUE.to_string(),
                },
            ))),
        }
    }

    /// [`give_up`] with these ports.
    pub async fn give_up(
        &self,
        message: &Message,
        reason: &str,
        now: &Timestamp,
    ) -> Result<StageOutcome, StageError> {
        give_up(self.store, self.dispatch, message, reason, now).await
    }
}
