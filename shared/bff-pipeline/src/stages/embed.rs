//! Stage 7a, embed: one L2-normalised vector per image in the deployment's embedding space,
//! then the fan-in.
//!
//! Order: read the PNG, embed it (or find its vector in the cache: identical bytes are embedded
//! once per space, under `cache/embeddings/<space>/<sha-256 of the bytes>`), check and normalise
//! the vector; with an embedder that also reads text (CLIP), tag the picture zero-shot
//! ([`crate::zero_shot`], the taxonomy's label vectors cached once per taxonomy version and space
//! under `cache/labels/<space>/<version>`) when its model could not say what it drew, and record
//! the tags, the drawn values and the prompt adherence they give; insert the embedding (which
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
    encode_vector, BlobStore, Dispatcher, EmbedderError, EmbeddingRow, ImageEmbedder,
    ImageEmbedding, JobStatus, JobStore, VariantStatus,
};
use crate::quality::prompt_adherence;
use crate::time::Timestamp;
use crate::zero_shot;
use bff_domain::{AttributeValue, Taxonomy};

/// The lengths of vector the stage accepts: any embedding space from a small CLIP to a large
/// one (the descriptor's 512, CLIP ViT-B/32's 512, jina-clip-v2's up to 1024).
pub const MIN_DIM: usize = 8;
pub const MAX_DIM: usize = 4096;

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
            let resent = fan_in(store, dispatch, &key, now, true).await?;
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
    let space = embedder.space();
    let cache_key = format!("cache/embeddings/{}/{}", slug(&space), sha256_hex(&bytes));
    let cached = blobs.get(&cache_key).await?.and_then(|b| decode_cached(&b));
    let was_cached = cached.is_some();
    let embedding = match cached {
        Some(vector) => ImageEmbedding {
            vector,
            embedder: space.clone(),
        },
        None => match embedder.embed(&bytes).await {
            Ok(embedding) => embedding,
            Err(e @ EmbedderError::Unavailable { .. }) => {
                return Err(StageError::Retryable(Retryable::Embedder(e)))
            }
            Err(e @ EmbedderError::Unreadable { .. }) => {
                return fail_variant(store, dispatch, &key, image.variant, &e.to_string(), now)
                    .await
            }
        },
    };
    let vector = match normalised(embedding.vector) {
        Ok(vector) => vector,
        Err(reason) => {
            return fail_variant(store, dispatch, &key, image.variant, &reason, now).await
        }
    };
    if !was_cached {
        blobs
            .put(
                &cache_key,
                encode_vector(&vector),
                "application/octet-stream",
            )
            .await?;
    }
    if !image.provider.reports_drawn() {
        if let Some(labels) = label_vectors(blobs, embedder, &space).await? {
            let tags = zero_shot::tag(&vector, &labels);
            let drawn: Vec<_> = tags.iter().map(|t| t.attribute()).collect();
            let taxonomy = Taxonomy::embedded();
            let quality = prompt_adherence(taxonomy, &image.requested, &drawn, &[], &job.excluded);
            store
                .retag_image(&key, &image.image_id, &tags, quality, now)
                .await?;
        }
    }
    let row = EmbeddingRow {
        image_id: image.image_id.clone(),
        job_id: key.job_id.clone(),
        user_id: key.user_id.clone(),
        variant: image.variant,
        embedder: space,
        vector,
        created_at: now.clone(),
    };
    store.insert_embedding(&row, now).await?;
    let sent = fan_in(store, dispatch, &key, now, false).await?;
    Ok(StageOutcome::Done { sent })
}

/// The taxonomy's label vectors in the embedder's space, from the cache or embedded now (and
/// cached); `None` when the embedder reads no text.
async fn label_vectors(
    blobs: &impl BlobStore,
    embedder: &impl ImageEmbedder,
    space: &str,
) -> Result<Option<Vec<(AttributeValue, Vec<f32>)>>, StageError> {
    let taxonomy = Taxonomy::embedded();
    let labels = zero_shot::label_texts(taxonomy);
    let key = format!("cache/labels/{}/{}", slug(space), slug(taxonomy.version()));
    if let Some(bytes) = blobs.get(&key).await? {
        if let Ok(vectors) = serde_json::from_slice::<Vec<Vec<f32>>>(&bytes) {
            if vectors.len() == labels.len() {
                return Ok(Some(
                    labels.into_iter().map(|(a, _)| a).zip(vectors).collect(),
                ));
            }
        }
    }
    let mut vectors = Vec::with_capacity(labels.len());
    for chunk in labels.chunks(LABEL_BATCH) {
        let texts: Vec<String> = chunk.iter().map(|(_, t)| t.clone()).collect();
        match embedder.embed_texts(&texts).await {
            Ok(Some(batch)) if batch.len() == texts.len() => vectors.extend(batch),
            Ok(Some(batch)) => {
                return Err(StageError::Retryable(Retryable::Embedder(
                    EmbedderError::Unavailable {
                        message: format!(
                            "the embedder answered {} vectors for {} texts",
                            batch.len(),
                            texts.len()
                        ),
                    },
                )))
            }
            Ok(None) => return Ok(None),
            Err(e) => return Err(StageError::Retryable(Retryable::Embedder(e))),
        }
    }
    let text = serde_json::to_vec(&vectors).unwrap_or_default();
    blobs.put(&key, text, "application/json").await?;
    Ok(Some(
        labels.into_iter().map(|(a, _)| a).zip(vectors).collect(),
    ))
}

/// Texts per embedding request (services cap their batches; 64 is within all of them).
const LABEL_BATCH: usize = 64;

/// A name as one path segment of a blob key.
fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A cached vector (little-endian `f32`s); `None` when it is not one.
fn decode_cached(bytes: &[u8]) -> Option<Vec<f32>> {
    (!bytes.is_empty() && bytes.len() % 4 == 0).then(|| {
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    })
}

/// Checks the dimension and finiteness and scales to unit length (the embedder's own
/// normalisation is not trusted: the DPP and the cosine distances assume it).
fn normalised(mut vector: Vec<f32>) -> Result<Vec<f32>, String> {
    if !(MIN_DIM..=MAX_DIM).contains(&vector.len()) {
        return Err(format!(
            "the embedder returned {} values, expected {MIN_DIM} to {MAX_DIM}",
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
    use crate::EMBEDDING_DIM;

    #[test]
    fn cached_vectors_read_back_and_other_bytes_do_not() {
        let v = vec![0.25f32, -1.5, 3.0];
        assert_eq!(decode_cached(&encode_vector(&v)), Some(v));
        assert_eq!(decode_cached(b"abc"), None);
        assert_eq!(decode_cached(b""), None);
        assert_eq!(slug("jina-clip-v2@512"), "jina-clip-v2_512");
        assert_eq!(sha256_hex(b"abc").len(), 64);
    }

    #[test]
    fn vectors_are_checked_and_normalised() {
        let mut v = vec![0.0f32; EMBEDDING_DIM];
        v[0] = 3.0;
        v[1] = 4.0;
        let n = normalised(v).unwrap();
        assert!((n[0] - 0.6).abs() < 1e-7 && (n[1] - 0.8).abs() < 1e-7);
        assert!(normalised(vec![1.0; 3])
            .unwrap_err()
            .contains("expected 8 to 4096"));
        assert!(normalised(vec![1.0; 16]).is_ok(), "a small CLIP's space");
        assert!(normalised(vec![0.0; EMBEDDING_DIM]).is_err());
        let mut nan = vec![1.0f32; EMBEDDING_DIM];
        nan[7] = f32::NAN;
        assert!(normalised(nan).is_err());
    }
}
