//! The ports of stages 10-11: feedback, learning and analytics. Separate from [`super::JobStore`]
//! because the generation chain never needs them; the D1 adapter implements all three.

use bff_learn::feedback::RatedImage;
use bff_learn::rollup::{DailyAttribute, DailyCategoryCoverage, DailyTotals, DayInput, DayRollup};
use bff_learn::standout::StandoutRule;
use bff_learn::success::{AttributeSuccess, ProfileSuccess};
use serde::{Deserialize, Serialize};

use super::{ImageRow, PortError, PreferenceRow};
use crate::time::Timestamp;

/// A user's current feedback on one image. One row per user and image: a re-rating replaces the
/// fields and raises `revision`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackRow {
    pub feedback_id: String,
    pub user_id: String,
    pub job_id: String,
    pub image_id: String,
    pub rating: Option<u8>,
    pub liked: Option<bool>,
    pub comment: Option<String>,
    pub tags: Vec<String>,
    /// 1 for the first feedback, +1 per re-rating (set by the store).
    pub revision: u32,
    /// The revision learning has applied; 0 before the first.
    pub learned_revision: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A standout design (the seed's "outlier").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlierRow {
    pub feedback_id: String,
    pub user_id: String,
    pub job_id: String,
    pub image_id: String,
    pub rating: Option<u8>,
    pub quality: f64,
    pub rule: StandoutRule,
    pub confidence: f64,
    pub z: Option<f64>,
    pub created_at: Timestamp,
}

/// One preference update: a feedback revision moved a value's weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearningUpdateRow {
    pub update_id: String,
    pub user_id: String,
    pub feedback_id: String,
    pub revision: u32,
    pub category: String,
    pub value: String,
    pub weight_before: f64,
    pub weight_after: f64,
    /// The posterior before and after and the feedback's signal.
    pub evidence: serde_json::Value,
    pub created_at: Timestamp,
}

/// Everything one learning step writes, in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Learned {
    pub user_id: String,
    pub feedback_id: String,
    pub revision: u32,
    pub preferences: Vec<PreferenceRow>,
    pub updates: Vec<LearningUpdateRow>,
    pub attribute_success: Vec<AttributeSuccess>,
    pub profile_success: Option<ProfileSuccess>,
    pub now: Timestamp,
}

/// Feedback that learning has not caught up with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlearnedFeedback {
    pub user_id: String,
    pub job_id: String,
    pub feedback_id: String,
    pub revision: u32,
}

/// Feedback and learning state. Reads are scoped by user.
#[allow(async_fn_in_trait)]
pub trait FeedbackStore {
    /// The user's image with that id, whatever its job; `None` for an unknown or foreign id.
    async fn owned_image(
        &self,
        user_id: &str,
        image_id: &str,
    ) -> Result<Option<ImageRow>, PortError>;

    /// The user's most recent `limit` ratings, the image `except_image_id` left out.
    async fn rating_history(
        &self,
        user_id: &str,
        except_image_id: &str,
        limit: u32,
    ) -> Result<Vec<u8>, PortError>;

    /// Inserts the feedback or replaces the user's feedback on that image (`revision` + 1, the
    /// first `created_at` kept), writes the standout or deletes a previous one, and moves the
    /// user's analytics version, in one transaction. Returns the row as stored.
    async fn save_feedback(
        &self,
        feedback: &FeedbackRow,
        standout: Option<&OutlierRow>,
    ) -> Result<FeedbackRow, PortError>;

    /// One piece of the user's feedback.
    async fn feedback(
        &self,
        user_id: &str,
        feedback_id: &str,
    ) -> Result<Option<(FeedbackRow, Option<OutlierRow>)>, PortError>;

    /// The user's feedback, newest first, optionally of one job.
    async fn list_feedback(
        &self,
        user_id: &str,
        job_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(FeedbackRow, Option<OutlierRow>)>, PortError>;

    /// The user's current feedback updated at or after `since`, with what learning needs of each
    /// image (values shown, quality, style profile, standout).
    async fn rated_images(
        &self,
        user_id: &str,
        since: &Timestamp,
    ) -> Result<Vec<RatedImage>, PortError>;

    /// Images generated in a style profile.
    async fn profile_generations(&self, user_id: &str, profile_id: &str) -> Result<u32, PortError>;

    /// Writes a learning step and marks the revision learned (never lowers `learned_revision`),
    /// in one transaction. Writing the same step twice changes nothing.
    async fn save_learning(&self, learned: &Learned) -> Result<(), PortError>;

    /// Feedback whose revision is not learned and that was last updated before `before`.
    async fn unlearned_feedback(
        &self,
        before: &Timestamp,
        limit: u32,
    ) -> Result<Vec<UnlearnedFeedback>, PortError>;
}

/// Daily rollups and the tables analytics reads.
#[allow(async_fn_in_trait)]
pub trait AnalyticsStore {
    /// Changes with every feedback and rollup of the user (part of the analytics cache key).
    async fn analytics_version(&self, user_id: &str) -> Result<u64, PortError>;

    /// Users with jobs, feedback or coverage reports on `day` (`YYYY-MM-DD`, UTC).
    async fn active_users(&self, day: &str) -> Result<Vec<String>, PortError>;

    /// What a user did on `day`.
    async fn day_input(&self, user_id: &str, day: &str) -> Result<DayInput, PortError>;

    /// Replaces the user's rollup rows of that day and moves their analytics version, in one
    /// transaction: writing the same rollup twice changes nothing but the version.
    async fn save_rollup(
        &self,
        user_id: &str,
        rollup: &DayRollup,
        now: &Timestamp,
    ) -> Result<(), PortError>;

    /// Rollup rows of `from..=to` (days).
    async fn daily_totals(
        &self,
        user_id: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<DailyTotals>, PortError>;
    async fn daily_attributes(
        &self,
        user_id: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<DailyAttribute>, PortError>;
    async fn daily_categories(
        &self,
        user_id: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<DailyCategoryCoverage>, PortError>;

    /// `vlt_attribute_success` of the user.
    async fn attribute_success(&self, user_id: &str) -> Result<Vec<AttributeSuccess>, PortError>;

    /// `style_profile_success` of the user with each profile's name.
    async fn profile_success(
        &self,
        user_id: &str,
    ) -> Result<Vec<(ProfileSuccess, String)>, PortError>;

    /// The user's total ratings and standouts (for standout-rate lifts).
    async fn standout_totals(&self, user_id: &str) -> Result<(u32, u32), PortError>;
}
