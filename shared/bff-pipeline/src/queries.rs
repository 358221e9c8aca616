//! The read side of the HTTP API: load a user's rows through the ports and build the response
//! bodies of [`crate::api`]. A job, image or result that the user does not have is a 404, whether
//! it does not exist or belongs to someone else (the reply does not tell them apart).

use crate::api::{
    ApiError, CandidatesResponse, ClustersResponse, CoverageResponse, DiversityResponse,
    JobStatusResponse,
};
use crate::ids::JobKey;
use crate::ports::{BlobStore, JobRow, JobStore};

async fn job(store: &impl JobStore, key: &JobKey) -> Result<JobRow, ApiError> {
    store.job(key).await?.ok_or_else(|| not_found(key))
}

fn not_found(key: &JobKey) -> ApiError {
    ApiError::not_found(format!("no generation job {}", key.job_id)).with_field("job_id")
}

/// `GET /api/generation/{job}`: status, progress per stage and, once selected, the designs.
pub async fn job_status(
    store: &impl JobStore,
    key: &JobKey,
) -> Result<JobStatusResponse, ApiError> {
    let job = job(store, key).await?;
    let progress = store.job_progress(key).await?;
    let picks = store.picks(key).await?;
    let images = if picks.is_empty() {
        Vec::new()
    } else {
        store.images(key).await?
    };
    let profiles = store.style_profiles(key).await?;
    // Only a job with failed or moved variants needs them read.
    let variants = if progress.failed > 0 || job.providers.len() > 1 {
        store.variants(key).await?
    } else {
        Vec::new()
    };
    Ok(JobStatusResponse::from_rows(
        &job, progress, &variants, &picks, &images, &profiles,
    ))
}

/// `GET /api/generation/{job}/images`: every image made so far.
pub async fn candidates(
    store: &impl JobStore,
    key: &JobKey,
) -> Result<CandidatesResponse, ApiError> {
    job(store, key).await?;
    let images = store.images(key).await?;
    Ok(CandidatesResponse::from_rows(&key.job_id, &images))
}

/// `GET /api/clusters/{job}`: K, silhouettes and the styles.
pub async fn clusters(store: &impl JobStore, key: &JobKey) -> Result<ClustersResponse, ApiError> {
    job(store, key).await?;
    let result = store
        .cluster_result(key)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("job {} is not clustered yet", key.job_id)))?;
    let profiles = store.style_profiles(key).await?;
    let assignments = store.cluster_assignments(key).await?;
    Ok(ClustersResponse::from_rows(
        &result,
        &profiles,
        &assignments,
    ))
}

/// `GET /api/diversity/{job}`: the DPP selection and its diversity figures.
pub async fn diversity(store: &impl JobStore, key: &JobKey) -> Result<DiversityResponse, ApiError> {
    job(store, key).await?;
    let selection = store
        .selection(key)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("job {} has no selection yet", key.job_id)))?;
    let picks = store.picks(key).await?;
    Ok(DiversityResponse::from_rows(&selection, &picks))
}

/// `GET /api/coverage/{job}`: coverage of the selected designs and the ranked gaps.
pub async fn coverage(store: &impl JobStore, key: &JobKey) -> Result<CoverageResponse, ApiError> {
    job(store, key).await?;
    let report = store.coverage_report(key).await?.ok_or_else(|| {
        ApiError::not_found(format!("job {} has no coverage report yet", key.job_id))
    })?;
    let gaps = store.attribute_gaps(key).await?;
    Ok(CoverageResponse::from_rows(&report, &gaps))
}

/// `GET /api/generation/{job}/images/{image}`: the PNG bytes of one of the user's images.
pub async fn image_png(
    store: &impl JobStore,
    blobs: &impl BlobStore,
    key: &JobKey,
    image_id: &str,
) -> Result<Vec<u8>, ApiError> {
    let image = store.image(key, image_id).await?.ok_or_else(|| {
        ApiError::not_found(format!("no image {image_id} in job {}", key.job_id))
            .with_field("image_id")
    })?;
    blobs
        .get(&image.blob_key)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("the bytes of image {image_id} are missing")))
}
