//! Stage 7b, cluster: the job's images grouped into styles.
//!
//! k-means with K chosen by the silhouette among 3..=8 (`bff_math::auto_k::choose_k`, seeded from
//! the job id, so a recomputation gives the same clusters), then one style profile per cluster:
//! its dominant drawn values, a name saying what sets it apart from the job's other clusters and
//! its centroid ([`super::style_profile`], [`super::style_names`]).
//! Fewer images than two clusters need (a job whose variants mostly failed) give a single cluster
//! without a silhouette rather than no designs. A job without any image fails here.
//!
//! Runs only while the job is `clustering`; stores the result (replacing any earlier attempt's),
//! moves the job to `selecting`, sends `SelectDesigns`. A delivery that finds the job already
//! `selecting` re-sends `SelectDesigns`; later ones do nothing.

use bff_domain::Taxonomy;
use bff_math::auto_k::{choose_k, AutoKError, AutoKParams};
use bff_math::Embeddings;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{gate, load_job, style_names, style_profile, Gate, StageError, StageOutcome};
use crate::ids::{stage_seed, style_profile_id, JobKey};
use crate::messages::{ClusterJob, QueueMessage, SelectDesigns};
use crate::ports::{
    ClusterAssignmentRow, ClusterResultRow, Dispatcher, EmbeddingRow, ImageRow, JobStatus,
    JobStore, StyleProfileRow,
};
use crate::time::Timestamp;

/// Smallest and largest K tried.
pub const K_MIN: usize = 3;
pub const K_MAX: usize = 8;

/// Clusters the job's embeddings and stores styles; see the module docs.
pub async fn handle(
    store: &impl JobStore,
    dispatch: &impl Dispatcher,
    message: &ClusterJob,
    now: &Timestamp,
) -> Result<StageOutcome, StageError> {
    let key = message.key();
    let job = load_job(store, &key).await?;
    match gate(job.status, JobStatus::Clustering, JobStatus::Selecting) {
        Gate::Work => {}
        Gate::Resend => {
            dispatch.send(&SelectDesigns::new(&key).into()).await?;
            return Ok(StageOutcome::AlreadyDone { resent: 1 });
        }
        Gate::Skip(reason) => return Ok(StageOutcome::Skipped { reason }),
    }

    let embeddings = super::one_space(store.embeddings(&key).await?);
    if embeddings.is_empty() {
        store
            .fail_job(&key, "no image could be generated and embedded", now)
            .await?;
        return Ok(StageOutcome::JobFinished {
            status: JobStatus::Failed,
        });
    }
    let images = store.images(&key).await?;
    let clustering = cluster(&key, &embeddings, &images, now)?;
    store
        .save_clusters(
            &clustering.result,
            &clustering.profiles,
            &clustering.assignments,
        )
        .await?;
    store
        .advance_job(&key, JobStatus::Clustering, JobStatus::Selecting, now)
        .await?;
    dispatch.send(&SelectDesigns::new(&key).into()).await?;
    Ok(StageOutcome::Done { sent: 1 })
}

/// The rows of one clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    pub result: ClusterResultRow,
    pub profiles: Vec<StyleProfileRow>,
    pub assignments: Vec<ClusterAssignmentRow>,
}

/// Clusters `embeddings` (ordered by variant) and profiles each cluster from the drawn values of
/// `images`. Pure.
pub fn cluster(
    key: &JobKey,
    embeddings: &[EmbeddingRow],
    images: &[ImageRow],
    now: &Timestamp,
) -> Result<Clustering, StageError> {
    let vectors: Vec<&[f32]> = embeddings.iter().map(|e| e.vector.as_slice()).collect();
    let data = Embeddings::from_rows(&vectors)
        .map_err(|e| StageError::invalid(key, format!("embeddings: {e}")))?;
    let seed = stage_seed(&key.job_id, "cluster");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let params = AutoKParams {
        k_min: K_MIN,
        k_max: K_MAX,
        ..AutoKParams::default()
    };
    let (labels, centroids, silhouette, candidates) = match choose_k(&data, &params, &mut rng) {
        Ok(r) => (
            r.model.labels,
            r.model.centroids,
            Some(r.silhouette),
            r.candidates,
        ),
        // Too few (distinct) images for two clusters: one style holding them all.
        Err(AutoKError::NotEnoughPoints { .. }) => {
            let labels = vec![0; data.len()];
            let centroid = mean(&vectors);
            (labels, vec![centroid], None, Vec::new())
        }
        Err(e) => return Err(StageError::invalid(key, format!("clustering: {e}"))),
    };

    let taxonomy = Taxonomy::embedded();
    let drawn_of = |image_id: &str| {
        images
            .iter()
            .find(|i| i.image_id == image_id)
            .map_or(&[][..], |i| i.drawn.as_slice())
    };
    let members: Vec<Vec<&[_]>> = (0..centroids.len())
        .map(|c| {
            embeddings
                .iter()
                .zip(&labels)
                .filter(|(_, l)| **l == c)
                .map(|(e, _)| drawn_of(&e.image_id))
                .collect()
        })
        .collect();
    let names = style_names(taxonomy, &members);
    let mut profiles = Vec::with_capacity(centroids.len());
    for (c, ((centroid, members), name)) in centroids.iter().zip(&members).zip(names).enumerate() {
        let dominant = style_profile(taxonomy, members);
        profiles.push(StyleProfileRow {
            profile_id: style_profile_id(&key.job_id, c as u32),
            job_id: key.job_id.clone(),
            user_id: key.user_id.clone(),
            cluster: c as u32,
            name,
            size: members.len() as u32,
            dominant,
            centroid: centroid.clone(),
            created_at: now.clone(),
        });
    }
    let assignments = embeddings
        .iter()
        .zip(&labels)
        .map(|(e, &l)| ClusterAssignmentRow {
            image_id: e.image_id.clone(),
            job_id: key.job_id.clone(),
            user_id: key.user_id.clone(),
            cluster: l as u32,
            distance: cosine_distance(&e.vector, &centroids[l]),
        })
        .collect();
    Ok(Clustering {
        result: ClusterResultRow {
            job_id: key.job_id.clone(),
            user_id: key.user_id.clone(),
            k: centroids.len() as u32,
            silhouette,
            candidates,
            image_count: embeddings.len() as u32,
            seed,
            created_at: now.clone(),
        },
        profiles,
        assignments,
    })
}

fn mean(vectors: &[&[f32]]) -> Vec<f32> {
    let dim = vectors.first().map_or(0, |v| v.len());
    let mut sum = vec![0.0f64; dim];
    for v in vectors {
        for (s, x) in sum.iter_mut().zip(*v) {
            *s += f64::from(*x);
        }
    }
    let n = vectors.len().max(1) as f64;
    sum.into_iter().map(|s| (s / n) as f32).collect()
}

/// `1 − cos(a, b)`; 1 when either is the zero vector.
fn cosine_distance(a: &[f32], b: &[f32]) -> f64 {
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        return 1.0;
    }
    1.0 - dot / (na.sqrt() * nb.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_distance_is_zero_for_parallel_vectors() {
        assert!(cosine_distance(&[1.0, 2.0], &[2.0, 4.0]).abs() < 1e-12);
        assert!((cosine_distance(&[1.0, 0.0], &[0.0, 3.0]) - 1.0).abs() < 1e-12);
        assert_eq!(cosine_distance(&[0.0, 0.0], &[1.0, 0.0]), 1.0);
        assert_eq!(mean(&[&[1.0, 2.0], &[3.0, 4.0]]), vec![2.0, 3.0]);
    }
}
