//! Success tables: how designs showing each attribute value, and designs of each style profile,
//! fared with the designer.
//!
//! Counts are over the latest version of each piece of feedback (a re-rating replaces the old
//! rating). A design counts each value it shows once, however often the value is listed.
//! Ratings outside 1..=5 are not ratings.

use crate::feedback::{latest_feedback, RatedImage};
use bff_domain::AttributeValue;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The feedback counts shared by the success tables and the daily rollups.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Tally {
    pub ratings: u32,
    pub rating_sum: f64,
    pub likes: u32,
    pub dislikes: u32,
    pub standouts: u32,
}

impl Tally {
    pub(crate) fn add(&mut self, r: &RatedImage) {
        if let Some(rating) = r.signal.valid_rating() {
            self.ratings += 1;
            self.rating_sum += f64::from(rating);
        }
        match r.signal.liked {
            Some(true) => self.likes += 1,
            Some(false) => self.dislikes += 1,
            None => {}
        }
        if r.standout {
            self.standouts += 1;
        }
    }
}

/// `num / den`, or `None` when there is nothing to divide by.
pub(crate) fn ratio(num: f64, den: u32) -> Option<f64> {
    (den > 0).then(|| num / f64::from(den))
}

/// How designs showing one value fared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeSuccess {
    /// The value.
    pub attribute: AttributeValue,
    /// Rated designs showing it.
    pub ratings: u32,
    /// The sum of their ratings.
    pub rating_sum: f64,
    /// Liked designs showing it.
    pub likes: u32,
    /// Disliked designs showing it.
    pub dislikes: u32,
    /// Standout designs showing it.
    pub standouts: u32,
}

impl AttributeSuccess {
    /// The mean rating, when there is one.
    pub fn mean_rating(&self) -> Option<f64> {
        ratio(self.rating_sum, self.ratings)
    }

    /// Standouts per rating: a standout needs a rating, so this is the share of rated designs
    /// that stood out.
    pub fn standout_rate(&self) -> Option<f64> {
        ratio(f64::from(self.standouts), self.ratings)
    }
}

/// Per value shown (each image counts a value once), sorted by attribute.
pub fn attribute_success(rated: &[RatedImage]) -> Vec<AttributeSuccess> {
    let mut by_value: BTreeMap<&AttributeValue, Tally> = BTreeMap::new();
    for r in latest_feedback(rated) {
        for value in r.distinct_attributes() {
            by_value.entry(value).or_default().add(r);
        }
    }
    by_value
        .into_iter()
        .map(|(attribute, t)| AttributeSuccess {
            attribute: attribute.clone(),
            ratings: t.ratings,
            rating_sum: t.rating_sum,
            likes: t.likes,
            dislikes: t.dislikes,
            standouts: t.standouts,
        })
        .collect()
}

/// How the designs of one style profile fared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileSuccess {
    /// The style profile (cluster).
    pub profile_id: String,
    /// Designs generated in the profile.
    pub generations: u32,
    /// Rated designs of the profile.
    pub ratings: u32,
    /// The sum of their ratings.
    pub rating_sum: f64,
    /// Liked designs.
    pub likes: u32,
    /// Disliked designs.
    pub dislikes: u32,
    /// Standout designs.
    pub standouts: u32,
}

impl ProfileSuccess {
    /// The mean rating, when there is one.
    pub fn mean_rating(&self) -> Option<f64> {
        ratio(self.rating_sum, self.ratings)
    }

    /// Standouts per rating.
    pub fn standout_rate(&self) -> Option<f64> {
        ratio(f64::from(self.standouts), self.ratings)
    }
}

/// `generations`: images per profile id (from the caller); feedback counted per rated image's profile.
///
/// Every profile named in either appears, sorted by id; a profile listed twice in
/// `generations` has its counts added.
pub fn profile_success(rated: &[RatedImage], generations: &[(String, u32)]) -> Vec<ProfileSuccess> {
    let mut by_profile: BTreeMap<&str, (u32, Tally)> = BTreeMap::new();
    for (id, n) in generations {
        let e = by_profile.entry(id.as_str()).or_default();
        e.0 = e.0.saturating_add(*n);
    }
    for r in latest_feedback(rated) {
        if let Some(id) = &r.profile_id {
            by_profile.entry(id.as_str()).or_default().1.add(r);
        }
    }
    by_profile
        .into_iter()
        .map(|(id, (generations, t))| ProfileSuccess {
            profile_id: id.to_string(),
            generations,
            ratings: t.ratings,
            rating_sum: t.rating_sum,
            likes: t.likes,
            dislikes: t.dislikes,
            standouts: t.standouts,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feedback::tests::rated;

    #[test]
    fn attribute_success_by_hand() {
        let rows = [
            rated(
                "1",
                &[("fabric", "linen"), ("colour", "red"), ("fabric", "linen")],
                Some(5),
                Some(true),
                true,
                1,
            ),
            rated("2", &[("fabric", "linen")], Some(2), Some(false), false, 2),
            rated("3", &[("colour", "red")], None, Some(true), false, 3),
            // Replaced by the later version below.
            rated("4", &[("fabric", "linen")], Some(1), None, false, 4),
            rated("4", &[("fabric", "linen")], Some(4), None, false, 5),
        ];
        let s = attribute_success(&rows);
        assert_eq!(s.len(), 2);
        let red = &s[0];
        assert_eq!(red.attribute, AttributeValue::new("colour", "red"));
        assert_eq!(
            (red.ratings, red.likes, red.dislikes, red.standouts),
            (1, 2, 0, 1)
        );
        assert_eq!(red.mean_rating(), Some(5.0));
        let linen = &s[1];
        assert_eq!(
            (linen.ratings, linen.likes, linen.dislikes, linen.standouts),
            (3, 1, 1, 1)
        );
        assert_eq!(linen.rating_sum, 11.0);
        assert_eq!(linen.standout_rate(), Some(1.0 / 3.0));
    }

    #[test]
    fn no_ratings_no_means() {
        let s = attribute_success(&[rated(
            "1",
            &[("fabric", "silk")],
            None,
            Some(true),
            false,
            1,
        )]);
        assert_eq!(s[0].mean_rating(), None);
        assert_eq!(s[0].standout_rate(), None);
    }

    #[test]
    fn profile_success_by_hand() {
        let mut a = rated("1", &[], Some(5), None, true, 1);
        a.profile_id = Some("p1".into());
        let mut b = rated("2", &[], Some(3), Some(false), false, 1);
        b.profile_id = Some("p1".into());
        let mut c = rated("3", &[], Some(4), None, false, 1);
        c.profile_id = Some("p3".into());
        let d = rated("4", &[], Some(1), None, false, 1); // no profile
        let gens = [
            ("p1".to_string(), 10),
            ("p2".to_string(), 4),
            ("p1".to_string(), 2),
        ];
        let s = profile_success(&[a, b, c, d], &gens);
        let ids: Vec<_> = s.iter().map(|p| p.profile_id.as_str()).collect();
        assert_eq!(ids, ["p1", "p2", "p3"]);
        assert_eq!(
            (
                s[0].generations,
                s[0].ratings,
                s[0].dislikes,
                s[0].standouts
            ),
            (12, 2, 1, 1)
        );
        assert_eq!(s[0].mean_rating(), Some(4.0));
        assert_eq!(s[0].standout_rate(), Some(0.5));
        assert_eq!((s[1].generations, s[1].ratings), (4, 0));
        assert_eq!(
            (s[2].generations, s[2].ratings, s[2].rating_sum),
            (0, 1, 4.0)
        );
    }
}
