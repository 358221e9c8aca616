//! Stage 7a, embed: one 512-dimensional, L2-normalised vector per image, then the fan-in.
//!
//! Order: read the PNG, embed it, check and normalise the vector, insert the embedding (which
//! moves the variant to `embedded`), then the fan-in: [`JobStore::complete_embedding_fan_in`]
//! returns true for exactly one caller per job, which sends `ClusterJob`. A delivery that finds
//! the image already embedded (or its variant failed) skips the work but still runs the fan-in
//! step, and re-sends `ClusterJob` while the job waits at `clustering`: the delivery that
//! completed the fan-in may have stopped before sending it. Duplicate `ClusterJob`s are harmless.
//!
//! Failures: an unavailable embedder is retryable. Bytes that cannot be embedded, a missing blob
//! or a vector of the wrong size fail the variant (the job completes as `partial` without it).

use super::{fail_variant, fan_in, load_job, Permanent, Retryable, StageError, StageOutcome};
use crate::messages::{EmbedImage, QueueMessage};
use crate::ports::{
    BlobStore, Dispatcher, EmbedderError, EmbeddingRow, ImageEmbedder, JobStatus, JobStore,
    VariantStatus,
};
use crate::time::Timestamp;
use crate::EMBEDDING_DIM;

/// Embeds one stored image and runs the fan-in; see the module docs.
pub async fn handle(
    store: &impl JobStore,
    blobs: &impl BlobStore,
    dispatch: &impl Dispatcher,
    embedder: &impl ImageEmbedder,
    message: &EmbedImage,
    now: &Timestamp,
) -> Result<StageOutcome, StageError> {
    let key = message.key();
    let job = load_job(store, &key).await?;
    let image = store.image(&key, &message.image_id).await?.ok_or_else(|| {
        StageError::Permanent(Permanent::ImageNotFound {
            job_id: key.job_id.clone(),
            image_id: message.image_id.clone(),
        })
    })?;
    let variant = store.variant(&key, image.variant).await?.ok_or_else(|| {
        StageError::Permanent(Permanent::VariantNotFound {
            job_id: key.job_id.clone(),
            variant: image.variant,
        })
    })?;
    match (job.status, variant.status) {
        (JobStatus::Generating, VariantStatus::Generated) => {}
        (JobStatus::Generating | JobStatus::Clustering, _) => {
            let resent = fan_in(store, dispatch, &key, now).await?;
            return Ok(StageOutcome::AlreadyDone { resent });
        }
        (status, _) => {
            return Ok(StageOutcome::Skipped {
                reason: format!("the job is already {status}"),
            })
        }
    }

    let Some(bytes) = blobs.get(&image.blob_key).await? else {
        let reason = format!("the image bytes are missing ({})", image.blob_key);
        return fail_variant(store, dispatch, &key, image.variant, &reason, now).await;
    };
    let embedding = match embedder.embed(&bytes).await {
        Ok(embedding) => embedding,
        Err(e @ EmbedderError::Unavailable { .. }) => {
            return Err(StageError::Retryable(Retryable::Embedder(e)))
        }
        Err(e @ EmbedderError::Unreadable { .. }) => {
            return fail_variant(store, dispatch, &key, image.variant, &e.to_string(), now).await
        }
    };
    let vector = match normalised(embedding.vector) {
        Ok(vector) => vector,
        Err(reason) => {
            return fail_variant(store, dispatch, &key, image.variant, &reason, now).await
        }
    };
    let row = EmbeddingRow {
        image_id: image.image_id.clone(),
        job_id: key.job_id.clone(),
        user_id: key.user_id.clone(),
        variant: image.variant,
        embedder: embedding.embedder,
        vector,
        created_at: now.clone(),
    };
    store.insert_embedding(&row, now).await?;
    let sent = fan_in(store, dispatch, &key, now).await?;
    Ok(StageOutcome::Done { sent })
}

/// Checks the dimension and finiteness and scales to unit length (the embedder's own
/// normalisation is not trusted: the DPP and the cosine distances assume it).
fn normalised(mut vector: Vec<f32>) -> Result<Vec<f32>, String> {
    if vector.len() != EMBEDDING_DIM {
        return Err(format!(
            "the embedder returned {} values, expected {EMBEDDING_DIM}",
            vector.len()
        ));
    }
    if vector.iter().any(|v| !v.is_finite()) {
        return Err("the embedder returned a value that is not finite".into());
    }
    let norm = vector
        .iter()
        .map(|v| f64::from(*v) * f64::from(*v))
        .sum::<f64>()
        .sqrt();
    if norm == 0.0 {
        return Err("the embedder returned the zero vector".into());
    }
    vector
        .iter_mut()
        .for_each(|v| *v = (f64::from(*v) / norm) as f32);
    Ok(vector)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_checked_and_normalised() {
        let mut v = vec![0.0f32; EMBEDDING_DIM];
        v[0] = 3.0;
        v[1] = 4.0;
        let n = normalised(v).unwrap();
        assert!((n[0] - 0.6).abs() < 1e-7 && (n[1] - 0.8).abs() < 1e-7);
        assert!(normalised(vec![1.0; 3])
            .unwrap_err()
            .contains("expected 512"));
        assert!(normalised(vec![0.0; EMBEDDING_DIM]).is_err());
        let mut nan = vec![1.0f32; EMBEDDING_DIM];
        nan[7] = f32::NAN;
        assert!(normalised(nan).is_err());
    }
}
