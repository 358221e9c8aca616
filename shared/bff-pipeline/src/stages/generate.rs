//! Stages 3-6, generate: one image per variant.
//!
//! Order: call the provider, store the PNG (key `images/{user}/{job}/{image}.png`), insert the
//! image row (which moves the variant to `generated`), send `EmbedImage`. A delivery that finds
//! the variant already `generated` re-sends `EmbedImage` (the first may have stopped before
//! sending); one that finds it `embedded` or `failed`, or the job past generation, does nothing.
//! Blob first, row second: a row always has its bytes, and a blob without a row is overwritten
//! with the same bytes by the retry.
//!
//! Quality: the provider's own score when it has one, otherwise prompt adherence (how faithfully
//! the picture shows the variant's renderable planned values, stand-ins counting half, halved
//! when it shows a value the brief excludes; [`crate::quality`]). For the sketch renderer that
//! is what quality means here; it is not an aesthetic judgement.
//!
//! Failures: an unavailable provider is retryable (no sooner than its `retry-after`); a provider
//! that refuses the request or its content (`moderated: ...`) fails the variant at once; a
//! provider that cannot be used at all (a wrong key, a used-up quota) fails the job. When retries run out, the Worker calls [`mark_image_failed`] (or
//! [`super::give_up`]): the variant fails and the job completes as `partial` without it.
//!
//! Moves: a job spread over several providers moves a planned variant whose provider cannot be
//! used, or kept failing, to its next untried provider and sends the variant's `GenerateImage`
//! again, naming that provider (v2). Each message is for one provider: a v2 message whose
//! provider is not the variant's is stale (the variant has moved on, so its newer message is in
//! charge): its delivery is acknowledged without calling any provider, and its give-up moves
//! nothing, so that a late retry of the old provider's message cannot count against the new
//! provider or draw with it a second time. One exception: a message for the provider the variant
//! is moving to, delivered before the move is written (the move sends first), is retried. A v1
//! message names no provider and is for whichever one the variant is on.

use bff_domain::prompt::{prompt_for, DesignRequest};
use bff_domain::Taxonomy;

use super::{fail_variant, load_job, Permanent, Retryable, StageError, StageOutcome};
use crate::ids::image_blob_key;
use crate::messages::{EmbedImage, GenerateImage, QueueMessage};
use crate::ports::{
    BlobStore, Dispatcher, ImageProvider, ImageRequest, ImageRow, JobRow, JobStatus, JobStore,
    Provider, ProviderError, Reroute, VariantRow, VariantStatus,
};
use crate::quality::{prompt_adherence, provider_score, renderable};
use crate::time::Timestamp;

/// Generates, stores and forwards the image of one variant; see the module docs.
pub async fn handle(
    store: &impl JobStore,
    blobs: &impl BlobStore,
    dispatch: &impl Dispatcher,
    provider: &impl ImageProvider,
    message: &GenerateImage,
    now: &Timestamp,
) -> Result<StageOutcome, StageError> {
    let key = message.key();
    let job = load_job(store, &key).await?;
    if job.status != JobStatus::Generating {
        return Ok(StageOutcome::Skipped {
            reason: format!("the job is already {}", job.status),
        });
    }
    let variant = store.variant(&key, message.variant).await?.ok_or_else(|| {
        StageError::Permanent(Permanent::VariantNotFound {
            job_id: key.job_id.clone(),
            variant: message.variant,
        })
    })?;
    if let Some(sent_for) = message.provider {
        if sent_for != variant.provider {
            return not_on_its_provider(&job, &variant, sent_for);
        }
    }
    match variant.status {
        VariantStatus::Planned => {}
        VariantStatus::Generated => {
            dispatch
                .send(&EmbedImage::new(&key, &variant.image_id).into())
                .await?;
            return Ok(StageOutcome::AlreadyDone { resent: 1 });
        }
        VariantStatus::Embedded => return Ok(StageOutcome::AlreadyDone { resent: 0 }),
        VariantStatus::Failed => {
            return Ok(StageOutcome::Skipped {
                reason: format!("variant {} has failed", variant.variant),
            })
        }
    }

    let requested = variant.attribute_values();
    let request = ImageRequest {
        image_id: &variant.image_id,
        provider: variant.provider,
        model: variant.model,
        prompt: &variant.prompt.positive,
        negative_prompt: &variant.prompt.negative,
        attributes: &requested,
        seed: variant.seed,
        parameters: &variant.prompt.parameters,
    };
    let image = match provider.generate(&request).await {
        Ok(image) => image,
        Err(e @ ProviderError::Unavailable { .. }) => {
            return Err(StageError::Retryable(Retryable::Provider(e)))
        }
        Err(
            e @ (ProviderError::Rejected { .. }
            | ProviderError::Moderated { .. }
            | ProviderError::NotConfigured { .. }),
        ) => {
            return fail_variant(store, dispatch, &key, variant.variant, &e.to_string(), now).await
        }
        // The deployment's key or quota: every request to this provider would fail the same way.
        // The variant moves to the job's next provider; a job with only this provider stops
        // here, once, with the provider's explanation (the other variants' deliveries then find
        // the job failed and do nothing).
        Err(e @ ProviderError::Stopped { .. }) => {
            let reason = e.to_string();
            if let Some(outcome) = reroute(store, dispatch, &job, &variant, &reason, now).await? {
                return Ok(outcome);
            }
            if job.providers.len() <= 1 {
                store.fail_job(&key, &reason, now).await?;
                return Ok(StageOutcome::JobFinished {
                    status: JobStatus::Failed,
                });
            }
            return fail_variant(store, dispatch, &key, variant.variant, &reason, now).await;
        }
    };

    let taxonomy = Taxonomy::embedded();
    // A provider that cannot say what it drew is taken at its word: the renderable values asked for.
    let drawn = image.drawn.unwrap_or_else(|| {
        requested
            .iter()
            .filter(|a| renderable(taxonomy, a))
            .cloned()
            .collect()
    });
    let quality = provider_score(image.quality).unwrap_or_else(|| {
        prompt_adherence(
            taxonomy,
            &requested,
            &drawn,
            &image.approximated,
            &job.excluded,
        )
    });
    let blob_key = image_blob_key(&key.user_id, &key.job_id, &variant.image_id);
    let bytes = image.png.len() as u64;
    blobs.put(&blob_key, image.png, "image/png").await?;
    let row = ImageRow {
        image_id: variant.image_id.clone(),
        job_id: key.job_id.clone(),
        user_id: key.user_id.clone(),
        variant: variant.variant,
        prompt: variant.prompt.positive.clone(),
        negative_prompt: variant.prompt.negative.clone(),
        seed: variant.seed,
        provider: variant.provider,
        model: image.model,
        parameters: image.parameters,
        requested,
        drawn,
        quality,
        blob_key,
        width: image.width,
        height: image.height,
        bytes,
        cost: image.cost,
        tags: Vec::new(),
        created_at: now.clone(),
    };
    store.insert_image(&row, now).await?;
    dispatch
        .send(&EmbedImage::new(&key, &variant.image_id).into())
        .await?;
    Ok(StageOutcome::Done { sent: 1 })
}

/// A v2 message sent for `sent_for`, read while its variant is on another provider. Retried when
/// the variant is still planned and `sent_for` is the provider it moves to next (the move sends
/// its message before writing, so the message can arrive first); otherwise stale: the variant
/// has moved on from `sent_for` (or will not move again), and its newer message is in charge.
fn not_on_its_provider(
    job: &JobRow,
    variant: &VariantRow,
    sent_for: Provider,
) -> Result<StageOutcome, StageError> {
    if variant.status == VariantStatus::Planned
        && job.next_provider(&variant.providers_tried()) == Some(sent_for)
    {
        return Err(StageError::Retryable(Retryable::NotMovedYet {
            job_id: job.job_id.clone(),
            variant: variant.variant,
            provider: sent_for,
        }));
    }
    Ok(StageOutcome::Skipped {
        reason: format!(
            "stale message for {sent_for}: variant {} is {} on {}",
            variant.variant, variant.status, variant.provider
        ),
    })
}

/// Moves a planned variant from its provider to the job's next untried one and sends its
/// `GenerateImage` again, naming the new provider; `None` when every provider of the job has
/// been tried. The move is conditional on the provider read (`variant.provider`), which callers
/// have checked is the one their message was sent for.
///
/// The message is sent before the move is written: when the send fails, nothing moved and the
/// retry makes the same move; when the write fails after the send, the retry sends again (a
/// duplicate, which the stage tolerates) and writes it. Writing first would lose the message
/// when the send fails after the write: the retry of the old provider's message then finds the
/// variant moved on and, being stale, sends nothing. A new message delivered before the write is
/// retried ([`Retryable::NotMovedYet`]).
async fn reroute(
    store: &impl JobStore,
    dispatch: &impl Dispatcher,
    job: &JobRow,
    variant: &VariantRow,
    reason: &str,
    now: &Timestamp,
) -> Result<Option<StageOutcome>, StageError> {
    let Some(to) = job.next_provider(&variant.providers_tried()) else {
        return Ok(None);
    };
    let key = job.key();
    let move_ = Reroute {
        from: variant.provider,
        to,
        reason: reason.to_string(),
    };
    // The new provider's model family may write prompts another way (sentences for OpenAI,
    // weighted tokens and a negative prompt for Stable Diffusion): the variant gets its own.
    let family = to.model_family();
    let prompt = if family == variant.prompt.family {
        variant.prompt.clone()
    } else {
        let request = DesignRequest {
            required: job.requested.clone(),
            excluded: job.excluded.clone(),
            modifiers: job.modifiers.clone(),
        };
        prompt_for(
            family,
            &variant.attributes,
            &request,
            &job.personalisation,
            Taxonomy::embedded(),
        )
    };
    dispatch
        .send(&GenerateImage::new(&key, variant.variant, to).into())
        .await?;
    store
        .reroute_variant(&key, variant.variant, &move_, &prompt, now)
        .await?;
    Ok(Some(StageOutcome::Rerouted {
        variant: variant.variant,
        from: move_.from,
        to,
    }))
}

/// After generation gave up on a variant (retries exhausted, dead-lettered): a planned variant
/// moves to the job's next untried provider when it has one; otherwise it fails and the fan-in
/// runs so that the job completes without it. Idempotent; an already generated or embedded
/// variant is left as it is.
///
/// A v2 message gives up on its own provider only: when the variant is on another one (it has
/// moved on from the message's provider, or has not been moved to it), nothing happens and the
/// message for the provider the variant is on is in charge. A v1 message gives up on whatever
/// provider the variant is on.
pub async fn mark_image_failed(
    store: &impl JobStore,
    dispatch: &impl Dispatcher,
    message: &GenerateImage,
    reason: &str,
    now: &Timestamp,
) -> Result<StageOutcome, StageError> {
    let key = message.key();
    let variant = store.variant(&key, message.variant).await?;
    if let (Some(sent_for), Some(v)) = (message.provider, &variant) {
        if sent_for != v.provider {
            return Ok(StageOutcome::Skipped {
                reason: format!(
                    "stale message for {sent_for}: variant {} is {} on {}",
                    v.variant, v.status, v.provider
                ),
            });
        }
    }
    // From here the variant is on the message's provider (v2) or any (v1): a move is from it.
    if let Some(v) = variant
        .as_ref()
        .filter(|v| v.status == VariantStatus::Planned)
    {
        if let Some(job) = store.job(&key).await? {
            if job.status == JobStatus::Generating {
                if let Some(outcome) = reroute(store, dispatch, &job, v, reason, now).await? {
                    return Ok(outcome);
                }
            }
        }
    }
    match variant {
        // A failed variant runs the fan-in again: the call that failed it may have stopped
        // before sending `ClusterJob`.
        Some(v) if matches!(v.status, VariantStatus::Planned | VariantStatus::Failed) => {
            fail_variant(store, dispatch, &key, v.variant, reason, now).await
        }
        Some(v) => Ok(StageOutcome::Skipped {
            reason: format!("variant {} is already {}", v.variant, v.status),
        }),
        None => Err(StageError::Permanent(Permanent::VariantNotFound {
            job_id: key.job_id,
            variant: message.variant,
        })),
    }
}
