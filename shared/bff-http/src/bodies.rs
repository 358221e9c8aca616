//! The bodies the gateway and the feedback function read and write themselves (the pipeline's are
//! in `bff_pipeline::api`). Each derives its JSON Schema for the OpenAPI document when the
//! `openapi` feature is on.

use std::collections::BTreeMap;

use bff_pipeline::api::feedback::FeedbackView;
use serde::{Deserialize, Serialize};

pub use bff_store::operations::{JobSummary, Metrics, TokenInfo, WeightChange};

/// `GET /api/feedback/{image}`: the feedback, and what learning changed for its current
/// revision (empty until learning has run).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FeedbackWithChanges {
    #[serde(flatten)]
    pub feedback: FeedbackView,
    /// The preference weights this revision moved, largest move first.
    pub changes: Vec<WeightChange>,
}

/// `GET /api/generation`: the user's jobs, newest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Jobs {
    pub jobs: Vec<JobSummary>,
}

/// `GET /api/health-check`: `ok` when every check passed, else `degraded` (and 503).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Health {
    pub status: HealthStatus,
    /// By name: the store, each binding of the platform, `services` (the functions behind the
    /// gateway) and `providers` (each configured image provider and embedding service, reported
    /// but not part of `status`): each `{"ok": bool, "error"?: string, "not_probed"?: string}`.
    pub checks: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
    Degraded,
}

/// What a deletion removed: rows by table, and the images in the blob store.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Deleted {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub rows: BTreeMap<String, u64>,
    pub blobs: u64,
}

/// `POST /api/feedback`'s answer: the feedback as stored, and whether learning was queued now or
/// waits for the sweep.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FeedbackSubmitted {
    pub feedback: FeedbackView,
    pub learning: LearningState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LearningState {
    Queued,
    Delayed,
}

/// `POST /api/tokens`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// 1 to 100 characters, no control characters.
    pub label: String,
    /// An RFC 3339 time, after now and within ten years; none: the token does not expire.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// `POST /api/admin/users`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 1 to 100 characters, no control characters.
    pub name: String,
    /// The first token's label.
    #[serde(default)]
    pub label: Option<String>,
    /// The first token's expiry (RFC 3339).
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// A token in the answer that creates it: the only time the token itself is shown.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: TokenInfo,
    pub token: String,
}

/// `GET /api/tokens`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Tokens {
    pub tokens: Vec<TokenInfo>,
}

/// `POST /api/admin/users`' answer.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CreatedUser {
    pub user_id: String,
    pub name: String,
    #[serde(flatten)]
    pub token: CreatedToken,
}

/// `GET /api/admin/metrics`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AdminMetrics {
    pub window_days: u32,
    pub metrics: Metrics,
}
