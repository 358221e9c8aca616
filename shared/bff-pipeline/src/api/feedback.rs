//! The feedback and analytics bodies of the HTTP API (`/api/feedback`, `/api/analytics/*`).

use bff_learn::standout::StandoutRule;
use serde::{Deserialize, Serialize};

use super::ApiError;
use crate::ids::validate_id;
use crate::ports::{FeedbackRow, OutlierRow};
use crate::time::Timestamp;

/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;
/// Most tags on one piece of feedback.
pub const MAX_TAGS: usize = 10;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 40;

/// `POST /api/feedback`: a rating, a like or dislike, or both, on one of the user's images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    pub image_id: String,
    /// 1 to 5.
    #[serde(default)]
    pub rating: Option<i64>,
    /// true: like, false: dislike.
    #[serde(default)]
    pub liked: Option<bool>,
    #[serde(default)]
    pub comment: Option<String>,
    /// Free words the designer files the design under ("resort", "for the client").
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A checked feedback request: trimmed comment (none when empty), tags lower-cased, trimmed and
/// without repeats.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidFeedback {
    pub image_id: String,
    pub rating: Option<u8>,
    pub liked: Option<bool>,
    pub comment: Option<String>,
    pub tags: Vec<String>,
}

impl FeedbackRequest {
    /// Reads a body: size limit, JSON, unknown fields refused (400 / 413).
    pub fn from_json(body: &[u8]) -> Result<Self, ApiError> {
        super::read_json(body, "feedback body")
    }

    /// Checks the values (422 naming the field).
    pub fn validate(&self) -> Result<ValidFeedback, ApiError> {
        validate_id("image_id", &self.image_id)
            .map_err(|e| ApiError::unprocessable(e.to_string()).with_field("image_id"))?;
        let rating = match self.rating {
            None => None,
            Some(r @ 1..=5) => Some(r as u8),
            Some(r) => {
                return Err(ApiError::unprocessable(format!(
                    "rating must be between 1 and 5, not {r}"
                ))
                .with_field("rating"))
            }
        };
        if rating.is_none() && self.liked.is_none() {
            return Err(ApiError::unprocessable(
                "give a rating (1-5), a like or dislike (\"liked\": true/false), or both",
            )
            .with_field("rating"));
        }
        let comment = self
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if let Some(c) = comment {
            super::plain_text("comment", c)?;
            let n = c.chars().count();
            if n > MAX_COMMENT_CHARS {
                return Err(ApiError::unprocessable(format!(
                    "the comment has {n} characters; at most {MAX_COMMENT_CHARS} are accepted"
                ))
                .with_field("comment"));
            }
        }
        if self.tags.len() > MAX_TAGS {
            return Err(ApiError::unprocessable(format!(
                "{} tags; at most {MAX_TAGS} are accepted",
                self.tags.len()
            ))
            .with_field("tags"));
        }
        let mut tags: Vec<String> = Vec::new();
        for tag in &self.tags {
            let tag = tag.trim().to_lowercase();
            let ok = !tag.is_empty()
                && tag.chars().count() <= MAX_TAG_CHARS
                && tag
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_');
            if !ok {
                return Err(ApiError::unprocessable(format!(
                    "tag {tag:?}: 1 to {MAX_TAG_CHARS} letters, digits, spaces, '-' or '_'"
                ))
                .with_field("tags"));
            }
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        Ok(ValidFeedback {
            image_id: self.image_id.clone(),
            rating,
            liked: self.liked,
            comment: comment.map(String::from),
            tags,
        })
    }
}

/// Why a design is a standout, as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StandoutView {
    pub rule: StandoutRule,
    pub confidence: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub z: Option<f64>,
}

/// One piece of feedback (the answer of `POST /api/feedback` and an item of `GET /api/feedback`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FeedbackView {
    pub feedback_id: String,
    pub job_id: String,
    pub image_id: String,
    pub rating: Option<u8>,
    pub liked: Option<bool>,
    pub comment: Option<String>,
    pub tags: Vec<String>,
    pub revision: u32,
    /// Whether learning has applied this revision yet.
    pub learned: bool,
    pub standout: Option<StandoutView>,
    pub image_url: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl FeedbackView {
    pub fn from_rows(feedback: &FeedbackRow, standout: Option<&OutlierRow>) -> Self {
        Self {
            feedback_id: feedback.feedback_id.clone(),
            job_id: feedback.job_id.clone(),
            image_id: feedback.image_id.clone(),
            rating: feedback.rating,
            liked: feedback.liked,
            comment: feedback.comment.clone(),
            tags: feedback.tags.clone(),
            revision: feedback.revision,
            learned: feedback.learned_revision >= feedback.revision,
            standout: standout.map(|o| StandoutView {
                rule: o.rule,
                confidence: o.confidence,
                z: o.z,
            }),
            image_url: super::image_url(&feedback.job_id, &feedback.image_id),
            created_at: feedback.created_at.clone(),
            updated_at: feedback.updated_at.clone(),
        }
    }
}

/// `GET /api/feedback`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FeedbackList {
    pub feedback: Vec<FeedbackView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> Result<ValidFeedback, ApiError> {
        FeedbackRequest::from_json(json.as_bytes())?.validate()
    }

    #[test]
    fn control_characters_are_refused() {
        let e = request(r#"{"image_id": "j-1-000", "rating": 5, "comment": "nice\u0000"}"#)
            .unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (422, Some("comment")));
        assert!(
            request(r#"{"image_id": "j-1-000", "rating": 5, "comment": "two\nlines"}"#).is_ok()
        );
    }

    #[test]
    fn good_feedback_is_normalised() {
        let v = request(
            r#"{"image_id": "j-1-000", "rating": 5, "comment": "  love it ", "tags": ["Resort", "resort", " client "]}"#,
        )
        .unwrap();
        assert_eq!(v.rating, Some(5));
        assert_eq!(v.comment.as_deref(), Some("love it"));
        assert_eq!(v.tags, ["resort", "client"]);
        let v = request(r#"{"image_id": "j-1-000", "liked": false, "comment": "   "}"#).unwrap();
        assert_eq!((v.rating, v.liked, v.comment), (None, Some(false), None));
    }

    #[test]
    fn bad_feedback_names_its_field() {
        for (body, status, field) in [
            (r#"{"image_id": "j", "rating": 6}"#, 422, Some("rating")),
            (r#"{"image_id": "j", "rating": 0}"#, 422, Some("rating")),
            (r#"{"image_id": "j"}"#, 422, Some("rating")),
            (
                r#"{"image_id": "../x", "rating": 3}"#,
                422,
                Some("image_id"),
            ),
            (
                r#"{"image_id": "j", "liked": true, "tags": ["a;b"]}"#,
                422,
                Some("tags"),
            ),
            (r#"{"image_id": "j", "rating": 3, "stars": 3}"#, 400, None),
            (r#"{"image_id": "j", "rating": "five"}"#, 400, None),
            (r#"{"image_id": "j", "rating": 3"#, 400, None),
        ] {
            let e = request(body).unwrap_err();
            assert_eq!(e.status, status, "{body}: {e}");
            assert_eq!(e.field.as_deref(), field, "{body}");
        }
        let long = format!(
            r#"{{"image_id": "j", "liked": true, "comment": "{}"}}"#,
            "x".repeat(2001)
        );
        assert_eq!(
            request(&long).unwrap_err().field.as_deref(),
            Some("comment")
        );
    }
}
