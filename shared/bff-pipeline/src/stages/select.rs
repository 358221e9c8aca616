//! Stage 8, select: the designs the designer sees, chosen by a DPP.
//!
//! Greedy MAP of a determinantal point process over the job's embedded images
//! (`bff_math::dpp::select`): quality (prompt adherence) against diversity with the job's θ
//! (default 0.7), cluster-aware (every style represented when the count allows, no style more
//! than half the picks), near-duplicates (cosine ≥ 0.98 to a pick) suppressed, up to the number of
//! designs asked for. Each pick records its rank, gain, novelty, cluster and why it was picked:
//! `quality` (quality alone would have chosen it) or `novelty` (it beat a higher-quality design by
//! adding more that is new). Fewer picks than asked happen only when the candidates run out
//! (failed variants, near-duplicates).
//!
//! Runs only while the job is `selecting`; stores the selection (replacing any earlier attempt's),
//! moves the job to `measuring`, sends `MeasureCoverage`. A delivery that finds the job already
//! `measuring` re-sends `MeasureCoverage`; later ones do nothing.

use std::collections::BTreeMap;

use bff_math::dpp::{select as dpp_select, ClusterConstraint, DppParams};
use bff_math::Embeddings;

use super::{gate, load_job, Gate, StageError, StageOutcome};
use crate::ids::JobKey;
use crate::messages::{MeasureCoverage, QueueMessage, SelectDesigns};
use crate::ports::{
    ClusterAssignmentRow, Dispatcher, EmbeddingRow, ImageRow, JobRow, JobStatus, JobStore, PickRow,
    SelectionRow, SuppressedImage,
};
use crate::time::Timestamp;

/// Largest share of the picks one cluster may take.
pub const MAX_CLUSTER_SHARE: f64 = 0.5;

/// Selects the job's designs; see the module docs.
pub async fn handle(
    store: &impl JobStore,
    dispatch: &impl Dispatcher,
    message: &SelectDesigns,
    now: &Timestamp,
) -> Result<StageOutcome, StageError> {
    let key = message.key();
    let job = load_job(store, &key).await?;
    match gate(job.status, JobStatus::Selecting, JobStatus::Measuring) {
        Gate::Work => {}
        Gate::Resend => {
            dispatch.send(&MeasureCoverage::new(&key).into()).await?;
            return Ok(StageOutcome::AlreadyDone { resent: 1 });
        }
        Gate::Skip(reason) => return Ok(StageOutcome::Skipped { reason }),
    }

    let embeddings = super::one_space(store.embeddings(&key).await?);
    let images = store.images(&key).await?;
    let assignments = store.cluster_assignments(&key).await?;
    let (selection, picks) = select(&key, &job, &embeddings, &images, &assignments, now)?;
    store.save_selection(&selection, &picks).await?;
    store
        .advance_job(&key, JobStatus::Selecting, JobStatus::Measuring, now)
        .await?;
    dispatch.send(&MeasureCoverage::new(&key).into()).await?;
    Ok(StageOutcome::Done { sent: 1 })
}

/// The DPP selection over `embeddings` (ordered by variant), with quality from `images` and
/// clusters from `assignments`. Pure.
pub fn select(
    key: &JobKey,
    job: &JobRow,
    embeddings: &[EmbeddingRow],
    images: &[ImageRow],
    assignments: &[ClusterAssignmentRow],
    now: &Timestamp,
) -> Result<(SelectionRow, Vec<PickRow>), StageError> {
    let quality_of: BTreeMap<&str, f64> = images
        .iter()
        .map(|i| (i.image_id.as_str(), i.quality.clamp(0.0, 1.0)))
        .collect();
    let cluster_of: BTreeMap<&str, u32> = assignments
        .iter()
        .map(|a| (a.image_id.as_str(), a.cluster))
        .collect();
    let mut quality = Vec::with_capacity(embeddings.len());
    let mut labels = Vec::with_capacity(embeddings.len());
    for e in embeddings {
        let q = quality_of.get(e.image_id.as_str()).copied();
        let c = cluster_of.get(e.image_id.as_str()).copied();
        let (Some(q), Some(c)) = (q, c) else {
            return Err(StageError::invalid(
                key,
                format!("image {} has no quality score or no cluster", e.image_id),
            ));
        };
        quality.push(if q.is_nan() { 0.0 } else { q });
        labels.push(c);
    }
    let vectors: Vec<&[f32]> = embeddings.iter().map(|e| e.vector.as_slice()).collect();
    let data = Embeddings::from_rows(&vectors)
        .map_err(|e| StageError::invalid(key, format!("embeddings: {e}")))?;
    let params = DppParams::new(job.designs as usize)
        .theta(job.theta)
        .clusters(Some(ClusterConstraint {
            labels: labels.iter().map(|l| *l as usize).collect(),
            max_share: MAX_CLUSTER_SHARE,
        }));
    let result = dpp_select(&data, &quality, &params)
        .map_err(|e| StageError::invalid(key, format!("selection: {e}")))?;

    let picks: Vec<PickRow> = result
        .picks
        .iter()
        .enumerate()
        .map(|(rank, p)| PickRow {
            job_id: key.job_id.clone(),
            user_id: key.user_id.clone(),
            rank: rank as u32 + 1,
            image_id: embeddings[p.index].image_id.clone(),
            variant: embeddings[p.index].variant,
            cluster: labels[p.index],
            quality: p.quality,
            log_gain: p.log_gain,
            novelty: p.novelty,
            reason: p.reason,
        })
        .collect();
    let selection = SelectionRow {
        job_id: key.job_id.clone(),
        user_id: key.user_id.clone(),
        theta: job.theta,
        target: job.designs,
        picked: picks.len() as u32,
        candidates: embeddings.len() as u32,
        stop: result.stop,
        log_det_kernel: result.log_det_kernel,
        log_det_similarity: result.log_det_similarity,
        mean_pairwise_cosine_distance: result.mean_pairwise_cosine_distance,
        cluster_cap_relaxed: result.cluster_cap_relaxed,
        suppressed: result
            .suppressed
            .iter()
            .map(|s| SuppressedImage {
                image_id: embeddings[s.index].image_id.clone(),
                duplicate_of: embeddings[s.duplicate_of].image_id.clone(),
                cosine: s.cosine,
            })
            .collect(),
        created_at: now.clone(),
    };
    Ok((selection, picks))
}
