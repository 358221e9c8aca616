//! Feedback as learning and analytics read it.
//!
//! A designer reacts to a design with a rating from 1 to 5, a like or a dislike, or both.
//! [`RatedImage`] joins that reaction to what learning needs to know about the design: the
//! attribute values it shows and the style profile it belongs to.

use bff_domain::AttributeValue;
use serde::{Deserialize, Serialize};

/// The lowest valid rating.
pub const MIN_RATING: u8 = 1;
/// The highest valid rating.
pub const MAX_RATING: u8 = 5;

/// A designer's reaction to one design: the stars and the thumb are independent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FeedbackSignal {
    /// Stars, 1 to 5; anything outside that range is read as no rating.
    pub rating: Option<u8>,
    /// `Some(true)` for a like, `Some(false)` for a dislike.
    pub liked: Option<bool>,
}

impl FeedbackSignal {
    /// The rating if it is one of the five valid stars: a corrupt value must not count as a
    /// rating anywhere, so every reader goes through this.
    pub fn valid_rating(&self) -> Option<u8> {
        self.rating
            .filter(|r| (MIN_RATING..=MAX_RATING).contains(r))
    }
}

/// One piece of feedback as learning and analytics read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatedImage {
    /// Identifies the piece of feedback: a later version with the same id (a re-rating, or the
    /// same message delivered twice) replaces the earlier one.
    pub feedback_id: String,
    /// The generation job the design came from.
    pub job_id: String,
    /// The rated design.
    pub image_id: String,
    /// The style profile (cluster) the image belongs to.
    pub profile_id: Option<String>,
    /// The design's values: its planned ones, what the designer judged (fabric included, which a
    /// sketch cannot draw).
    pub attributes: Vec<AttributeValue>,
    /// The design's quality score in `[0, 1]`.
    pub quality: f64,
    /// The designer's reaction.
    pub signal: FeedbackSignal,
    /// Whether the design was judged a standout when the feedback arrived.
    pub standout: bool,
    /// When the feedback was given (or last changed), unix milliseconds.
    pub at_ms: i64,
}

impl RatedImage {
    /// The values the image shows, each once and in order, so that a value listed twice is
    /// not counted twice.
    pub fn distinct_attributes(&self) -> Vec<&AttributeValue> {
        let mut values: Vec<&AttributeValue> = self.attributes.iter().collect();
        values.sort();
        values.dedup();
        values
    }
}

/// Whether `a` is the later version of a piece of feedback than `b`: later `at_ms` wins; equal
/// times are ordered by the rest of the row so that the choice never depends on the order rows
/// arrive in.
fn is_later(a: &RatedImage, b: &RatedImage) -> bool {
    /// Everything that tells two versions apart, the time first.
    type Key<'a> = (
        i64,
        Option<u8>,
        Option<bool>,
        bool,
        &'a [AttributeValue],
        &'a str,
        &'a str,
        Option<&'a str>,
    );
    fn key(r: &RatedImage) -> Key<'_> {
        (
            r.at_ms,
            r.signal.rating,
            r.signal.liked,
            r.standout,
            &r.attributes,
            &r.image_id,
            &r.job_id,
            r.profile_id.as_deref(),
        )
    }
    key(a)
        .cmp(&key(b))
        .then_with(|| a.quality.total_cmp(&b.quality))
        .is_gt()
}

/// The latest version of each piece of feedback, ordered by feedback id.
///
/// Every reader of feedback goes through this, so a re-rating replaces the old rating and a
/// duplicated delivery counts once, whatever the order of the rows.
pub fn latest_feedback(rated: &[RatedImage]) -> Vec<&RatedImage> {
    let mut latest: std::collections::BTreeMap<&str, &RatedImage> = Default::default();
    for r in rated {
        latest
            .entry(r.feedback_id.as_str())
            .and_modify(|kept| {
                if is_later(r, kept) {
                    *kept = r;
                }
            })
            .or_insert(r);
    }
    latest.into_values().collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A rated image for tests: `attrs` are `(category, value)` pairs.
    pub(crate) fn rated(
        id: &str,
        attrs: &[(&str, &str)],
        rating: Option<u8>,
        liked: Option<bool>,
        standout: bool,
        at_ms: i64,
    ) -> RatedImage {
        RatedImage {
            feedback_id: id.to_string(),
            job_id: "job-1".to_string(),
            image_id: format!("img-{id}"),
            profile_id: None,
            attributes: attrs
                .iter()
                .map(|(c, v)| AttributeValue::new(*c, *v))
                .collect(),
            quality: 0.5,
            signal: FeedbackSignal { rating, liked },
            standout,
            at_ms,
        }
    }

    #[test]
    fn out_of_range_ratings_are_no_ratings() {
        for (r, want) in [(0, None), (1, Some(1)), (5, Some(5)), (6, None)] {
            let s = FeedbackSignal {
                rating: Some(r),
                liked: None,
            };
            assert_eq!(s.valid_rating(), want);
        }
    }

    #[test]
    fn latest_version_wins_in_any_order() {
        let old = rated("f1", &[("fabric", "linen")], Some(2), None, false, 100);
        let new = rated("f1", &[("fabric", "linen")], Some(5), None, false, 200);
        let other = rated("f2", &[("fabric", "silk")], Some(3), None, false, 50);
        let rows_a = [old.clone(), new.clone(), other.clone()];
        let a = latest_feedback(&rows_a);
        let rows_b = [other.clone(), new.clone(), old.clone(), new.clone()];
        let b = latest_feedback(&rows_b);
        assert_eq!(a, b);
        assert_eq!(a, vec![&new, &other]);
    }

    #[test]
    fn distinct_attributes_drop_repeats() {
        let r = rated(
            "f",
            &[("fabric", "linen"), ("colour", "red"), ("fabric", "linen")],
            None,
            None,
            false,
            0,
        );
        let got: Vec<_> = r.distinct_attributes().into_iter().cloned().collect();
        assert_eq!(
            got,
            vec![
                AttributeValue::new("colour", "red"),
                AttributeValue::new("fabric", "linen")
            ]
        );
    }
}
