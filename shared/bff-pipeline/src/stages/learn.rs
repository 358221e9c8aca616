//! Stage 10b, learning: updates the designer's preference model from their feedback.
//!
//! The model (`bff_learn::preference`) is a Beta posterior per attribute value with exponential
//! forgetting (half-life 30 days), fed by every piece of the user's current feedback: standouts
//! weigh more than plain likes, dislikes and low ratings count against. Because the posterior is a
//! function of the current feedback rows and `now`, the handler recomputes it for the values the
//! rated image shows instead of adding to stored counts: a duplicate delivery writes the same
//! rows, and a re-rating replaces the earlier rating's evidence instead of adding to it.
//!
//! One step writes, in one transaction: the posteriors and planner weights of the image's values
//! (`user_preferences`), one `learning_updates` row per value (weight before and after, the
//! evidence), the values' `vlt_attribute_success`, the image's style profile's
//! `style_profile_success`, and the feedback's `learned_revision`.

use std::collections::BTreeMap;

use bff_learn::preference;
use bff_learn::success;

use super::{StageError, StageOutcome};
use crate::messages::LearnFromFeedback;
use crate::ports::{FeedbackStore, JobStore, Learned, LearningUpdateRow, PreferenceRow};
use crate::time::Timestamp;

/// Feedback older than this is not read: with a 30-day half-life its weight is below 2^-12.
pub const WINDOW_DAYS: i64 = 365;

/// Learns from the feedback's current revision; see the module docs.
pub async fn handle(
    store: &(impl FeedbackStore + JobStore),
    message: &LearnFromFeedback,
    now: &Timestamp,
) -> Result<StageOutcome, StageError> {
    let user_id = &message.user_id;
    let Some((feedback, _)) = store.feedback(user_id, &message.feedback_id).await? else {
        return Ok(StageOutcome::Skipped {
            reason: format!("no feedback {}", message.feedback_id),
        });
    };
    if feedback.learned_revision >= feedback.revision {
        return Ok(StageOutcome::AlreadyDone { resent: 0 });
    }
    let now_ms = now.unix_ms();
    let since = Timestamp::from_unix_ms(now_ms - WINDOW_DAYS * 86_400_000);
    let rated = store.rated_images(user_id, &since).await?;
    let Some(this) = rated.iter().find(|r| r.feedback_id == feedback.feedback_id) else {
        return Ok(StageOutcome::Skipped {
            reason: format!("feedback {} is older than the window", feedback.feedback_id),
        });
    };

    let learned = preference::learn(&rated, now_ms);
    let before: BTreeMap<(String, String), PreferenceRow> = store
        .user_preferences(user_id)
        .await?
        .into_iter()
        .map(|p| ((p.category.clone(), p.value.clone()), p))
        .collect();
    let mut preferences = Vec::new();
    let mut updates = Vec::new();
    for attribute in &this.attributes {
        let Some(w) = learned.iter().find(|w| &w.attribute == attribute) else {
            continue;
        };
        let key = (attribute.category.clone(), attribute.value.clone());
        let old = before.get(&key);
        let weight_before = old.map_or(1.0, |p| p.weight);
        preferences.push(PreferenceRow {
            user_id: user_id.clone(),
            category: attribute.category.clone(),
            value: attribute.value.clone(),
            alpha: w.posterior.alpha,
            beta: w.posterior.beta,
            evidence: w.posterior.evidence,
            weight: w.weight,
            updated_at: now.clone(),
        });
        updates.push(LearningUpdateRow {
            update_id: format!(
                "{}-r{}-{}-{}",
                feedback.feedback_id, feedback.revision, attribute.category, attribute.value
            ),
            user_id: user_id.clone(),
            feedback_id: feedback.feedback_id.clone(),
            revision: feedback.revision,
            category: attribute.category.clone(),
            value: attribute.value.clone(),
            weight_before,
            weight_after: w.weight,
            evidence: serde_json::json!({
                "rating": feedback.rating,
                "liked": feedback.liked,
                "standout": this.standout,
                "before": old.map(|p| serde_json::json!({
                    "alpha": p.alpha, "beta": p.beta, "evidence": p.evidence, "at": p.updated_at,
                })),
                "after": {
                    "alpha": w.posterior.alpha,
                    "beta": w.posterior.beta,
                    "evidence": w.posterior.evidence,
                },
                "feedback_considered": rated.len(),
            }),
            created_at: now.clone(),
        });
    }
    let attribute_success = success::attribute_success(&rated)
        .into_iter()
        .filter(|s| this.attributes.contains(&s.attribute))
        .collect();
    let profile_success = match &this.profile_id {
        Some(profile) => {
            let generations = store.profile_generations(user_id, profile).await?;
            success::profile_success(&rated, &[(profile.clone(), generations)])
                .into_iter()
                .find(|p| &p.profile_id == profile)
        }
        None => None,
    };
    store
        .save_learning(&Learned {
            user_id: user_id.clone(),
            feedback_id: feedback.feedback_id.clone(),
            revision: feedback.revision,
            preferences,
            updates,
            attribute_success,
            profile_success,
            now: now.clone(),
        })
        .await?;
    Ok(StageOutcome::Done { sent: 0 })
}
