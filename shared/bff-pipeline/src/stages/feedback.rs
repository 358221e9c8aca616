//! Stage 10a, feedback: a designer rates, likes or dislikes one of their designs.
//!
//! The feedback is stored (one row per user and image: a re-rating replaces it and raises its
//! revision), checked for a standout (`bff_learn::standout`: a high rating on an image of quality
//! 0.75 or more, or a rating far above the designer's usual ones) and handed to learning with a
//! `LearnFromFeedback` message. Bad input writes nothing; an image the user does not own is a 404.
//! If the message cannot be sent, the feedback is still stored and the sweep sends it later
//! (`UnlearnedFeedback`); the answer says so.

use bff_learn::feedback::FeedbackSignal;
use bff_learn::standout;

use crate::api::feedback::{FeedbackList, FeedbackView, ValidFeedback};
use crate::api::ApiError;
use crate::ids::JobKey;
use crate::messages::LearnFromFeedback;
use crate::ports::{Dispatcher, FeedbackRow, FeedbackStore, OutlierRow};
use crate::time::Timestamp;

/// Ratings of the designer's usual taste the z-score rule looks at: the most recent ones.
pub const HISTORY_LIMIT: u32 = 200;
/// Most items `GET /api/feedback` lists.
pub const LIST_LIMIT: u32 = 500;

/// The id of a user's feedback on an image: one per image (images belong to one user).
pub fn feedback_id(image_id: &str) -> String {
    format!("fb-{image_id}")
}

/// What `submit` did.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    pub view: FeedbackView,
    /// False when the learning message could not be sent (the sweep will send it).
    pub learning_queued: bool,
}

/// Stores the feedback and its standout, then asks for learning; see the module docs.
pub async fn submit(
    store: &impl FeedbackStore,
    dispatch: &impl Dispatcher,
    user_id: &str,
    request: &ValidFeedback,
    now: &Timestamp,
) -> Result<Submitted, ApiError> {
    let image = store
        .owned_image(user_id, &request.image_id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("you have no image {}", request.image_id))
                .with_field("image_id")
        })?;
    let history = store
        .rating_history(user_id, &image.image_id, HISTORY_LIMIT)
        .await?;
    let signal = FeedbackSignal {
        rating: request.rating,
        liked: request.liked,
    };
    let id = feedback_id(&image.image_id);
    let found = standout::detect(&signal, image.quality, &history);
    let outlier = found.map(|s| OutlierRow {
        feedback_id: id.clone(),
        user_id: user_id.to_string(),
        job_id: image.job_id.clone(),
        image_id: image.image_id.clone(),
        rating: request.rating,
        quality: image.quality,
        rule: s.rule,
        confidence: s.confidence,
        z: s.z,
        created_at: now.clone(),
    });
    let row = FeedbackRow {
        feedback_id: id,
        user_id: user_id.to_string(),
        job_id: image.job_id.clone(),
        image_id: image.image_id.clone(),
        rating: request.rating,
        liked: request.liked,
        comment: request.comment.clone(),
        tags: request.tags.clone(),
        revision: 0,
        learned_revision: 0,
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    let stored = store.save_feedback(&row, outlier.as_ref()).await?;
    let key = JobKey::new(user_id, &stored.job_id);
    let message = LearnFromFeedback::new(&key, &stored.feedback_id, stored.revision).into();
    let learning_queued = dispatch.send(&message).await.is_ok();
    Ok(Submitted {
        view: FeedbackView::from_rows(&stored, outlier.as_ref()),
        learning_queued,
    })
}

/// `GET /api/feedback[?job_id=]`: the user's feedback, newest first.
pub async fn list(
    store: &impl FeedbackStore,
    user_id: &str,
    job_id: Option<&str>,
) -> Result<FeedbackList, ApiError> {
    if let Some(job_id) = job_id {
        crate::ids::validate_id("job_id", job_id)
            .map_err(|e| ApiError::unprocessable(e.to_string()).with_field("job_id"))?;
    }
    let rows = store.list_feedback(user_id, job_id, LIST_LIMIT).await?;
    Ok(FeedbackList {
        feedback: rows
            .iter()
            .map(|(f, o)| FeedbackView::from_rows(f, o.as_ref()))
            .collect(),
    })
}

/// `GET /api/feedback/:image_id`: the user's feedback on one image; 404 when there is none.
pub async fn one(
    store: &impl FeedbackStore,
    user_id: &str,
    image_id: &str,
) -> Result<FeedbackView, ApiError> {
    let missing = || ApiError::not_found(format!("you have no feedback on image {image_id}"));
    if crate::ids::validate_id("image_id", image_id).is_err() {
        return Err(missing());
    }
    let (f, o) = store
        .feedback(user_id, &feedback_id(image_id))
        .await?
        .ok_or_else(missing)?;
    Ok(FeedbackView::from_rows(&f, o.as_ref()))
}
