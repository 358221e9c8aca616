//! Standout designs: the few a designer reacts to far more strongly than to the rest.
//!
//! A standout is flagged when feedback arrives, from the rating, the design's quality score and
//! the designer's other ratings. Two rules, each with a confidence in `(0, 1]`:
//!
//! - **High rating and quality** ([`StandoutRule::HighRatingAndQuality`]): a rating of at least
//!   [`HIGH_RATING`] (4) on a design whose quality score is at least [`QUALITY_THRESHOLD`]
//!   (0.75). Confidence `0.5 + 0.25 × (rating − 3) / 2 + 0.25 × q`, where
//!   `q = (quality − 0.75) / 0.25` clamped to `[0, 1]`: 0.625 for a 4 at the threshold quality,
//!   0.75 for a 5 at the threshold, 1 for a 5 at quality 1.
//! - **Far above usual** ([`StandoutRule::FarAboveUsual`]): with at least [`MIN_HISTORY`] (5)
//!   other valid ratings by the same designer whose sample standard deviation (n − 1) is
//!   positive, `z = (rating − mean) / sd` of at least [`Z_THRESHOLD`] (1.5). This catches the
//!   3 of a designer who rarely gives more than a 2, and ignores the 4 of one who rates
//!   everything 4. Confidence is the standard normal CDF of `z` (0.933 at the threshold).
//!
//! When both rules apply, the one with the higher confidence is reported (the first rule on a
//! tie). `z` is recorded whenever the history allows computing it, whichever rule fires.
//!
//! Only a rating makes a standout: a like without a rating says "I like it", not "this one is
//! exceptional", and it counts in preference learning as a plain like.

use crate::feedback::FeedbackSignal;
use serde::{Deserialize, Serialize};

/// The quality score from which a highly rated design is a standout (the seed's threshold).
pub const QUALITY_THRESHOLD: f64 = 0.75;
/// The lowest rating that counts as high.
pub const HIGH_RATING: u8 = 4;
/// How many standard deviations above the designer's mean rating is far above usual.
pub const Z_THRESHOLD: f64 = 1.5;
/// The fewest other ratings from which a designer's usual rating is known.
pub const MIN_HISTORY: usize = 5;

/// Which rule made a design a standout, so the designer can be told why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum StandoutRule {
    /// A high rating on a high-quality design.
    HighRatingAndQuality,
    /// A rating far above the designer's usual ones.
    FarAboveUsual,
}

/// A design judged a standout, with how sure the judgement is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Standout {
    /// The rule that fired (the more confident one when both did).
    pub rule: StandoutRule,
    /// In `(0, 1]`.
    pub confidence: f64,
    /// The rating's z-score against the designer's other ratings, when there were enough.
    pub z: Option<f64>,
}

/// Judges one piece of feedback; `None` when the design is not a standout.
///
/// `history`: the user's OTHER ratings (not this image's). Values outside 1..=5 are ignored.
pub fn detect(signal: &FeedbackSignal, quality: f64, history: &[u8]) -> Option<Standout> {
    let rating = signal.valid_rating()?;
    let z = z_score(rating, history);

    let by_quality = (rating >= HIGH_RATING && quality >= QUALITY_THRESHOLD).then(|| {
        let r = f64::from(rating - 3) / 2.0;
        let q = ((quality - QUALITY_THRESHOLD) / (1.0 - QUALITY_THRESHOLD)).clamp(0.0, 1.0);
        Standout {
            rule: StandoutRule::HighRatingAndQuality,
            confidence: 0.5 + 0.25 * r + 0.25 * q,
            z,
        }
    });
    let by_history = z.filter(|z| *z >= Z_THRESHOLD).map(|z| Standout {
        rule: StandoutRule::FarAboveUsual,
        confidence: standard_normal_cdf(z),
        z: Some(z),
    });

    match (by_quality, by_history) {
        (Some(a), Some(b)) => Some(if b.confidence > a.confidence { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// `(rating − mean) / sd` over the valid ratings of `history`; `None` with fewer than
/// [`MIN_HISTORY`] of them or no spread.
fn z_score(rating: u8, history: &[u8]) -> Option<f64> {
    let valid: Vec<f64> = history
        .iter()
        .filter(|r| (1..=5).contains(*r))
        .map(|r| f64::from(*r))
        .collect();
    if valid.len() < MIN_HISTORY {
        return None;
    }
    let n = valid.len() as f64;
    let mean = valid.iter().sum::<f64>() / n;
    let var = valid.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let sd = var.sqrt();
    (sd > 0.0).then(|| (f64::from(rating) - mean) / sd)
}

/// The standard normal CDF Φ(z), through the error function of Abramowitz and Stegun 7.1.26
/// (absolute error below 1.5e-7), which is ample for a confidence.
pub fn standard_normal_cdf(z: f64) -> f64 {
    (0.5 * (1.0 + erf(z / core::f64::consts::SQRT_2))).clamp(0.0, 1.0)
}

/// Abramowitz and Stegun 7.1.26.
fn erf(x: f64) -> f64 {
    const P: f64 = 0.327_591_1;
    const A: [f64; 5] = [
        0.254_829_592,
        -0.284_496_736,
        1.421_413_741,
        -1.453_152_027,
        1.061_405_429,
    ];
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let x = x.abs();
    let t = 1.0 / (1.0 + P * x);
    let poly = A.iter().rev().fold(0.0, |acc, a| acc * t + a) * t;
    sign * (1.0 - poly * (-x * x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rating(r: u8) -> FeedbackSignal {
        FeedbackSignal {
            rating: Some(r),
            liked: None,
        }
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn normal_cdf_matches_tables() {
        // Values from standard normal tables.
        for (z, p) in [
            (0.0, 0.5),
            (1.0, 0.841_344_7),
            (1.5, 0.933_192_8),
            (2.0, 0.977_249_9),
            (-1.0, 0.158_655_3),
            (3.0, 0.998_650_1),
        ] {
            assert!(close(standard_normal_cdf(z), p, 2e-7), "z={z}");
        }
    }

    #[test]
    fn high_rating_and_quality_confidence() {
        let s = detect(&rating(4), 0.75, &[]).unwrap();
        assert_eq!(s.rule, StandoutRule::HighRatingAndQuality);
        assert!(close(s.confidence, 0.625, 1e-12));
        assert_eq!(s.z, None);
        let s = detect(&rating(5), 0.875, &[]).unwrap();
        assert!(close(s.confidence, 0.875, 1e-12));
        let s = detect(&rating(5), 1.0, &[]).unwrap();
        assert!(close(s.confidence, 1.0, 1e-12));
    }

    #[test]
    fn below_either_threshold_is_not_a_standout_without_history() {
        assert_eq!(detect(&rating(3), 0.99, &[]), None);
        assert_eq!(detect(&rating(5), 0.74, &[]), None);
        assert_eq!(detect(&FeedbackSignal::default(), 0.99, &[]), None);
    }

    #[test]
    fn a_like_alone_is_never_a_standout() {
        let like = FeedbackSignal {
            rating: None,
            liked: Some(true),
        };
        assert_eq!(detect(&like, 1.0, &[1, 1, 1, 1, 2, 1]), None);
    }

    #[test]
    fn far_above_usual_with_known_history() {
        // mean 3, sample variance (1 + 0 + 0 + 0 + 1) / 4 = 0.5, sd = 0.70711.
        let history = [2, 3, 3, 3, 4];
        let s = detect(&rating(5), 0.2, &history).unwrap();
        assert_eq!(s.rule, StandoutRule::FarAboveUsual);
        let z = 2.0 / 0.5f64.sqrt();
        assert!(close(s.z.unwrap(), z, 1e-12));
        assert!(close(s.confidence, 0.997_661_1, 1e-6));
        // z = 1.414 < 1.5: not far enough.
        assert_eq!(detect(&rating(4), 0.2, &history), None);
    }

    #[test]
    fn a_harsh_raters_three_stands_out() {
        // mean 1.2, sample sd sqrt(0.8 / 4) = 0.4472, z = 1.8 / 0.4472 = 4.02.
        let s = detect(&rating(3), 0.1, &[1, 1, 1, 1, 2]).unwrap();
        assert_eq!(s.rule, StandoutRule::FarAboveUsual);
        assert!(close(s.z.unwrap(), 1.8 / 0.2f64.sqrt(), 1e-12));
    }

    #[test]
    fn history_needs_length_and_spread() {
        assert_eq!(detect(&rating(5), 0.2, &[1, 2, 1, 2]), None);
        assert_eq!(detect(&rating(5), 0.2, &[3, 3, 3, 3, 3, 3]), None);
        // Invalid entries do not count towards the history.
        assert_eq!(detect(&rating(5), 0.2, &[1, 2, 1, 2, 0, 9]), None);
    }

    #[test]
    fn the_more_confident_rule_wins() {
        let history = [2, 3, 3, 3, 4];
        // Rule (a): 0.5 + 0.25 + 0.25 * 0.2 = 0.8; rule (b): Φ(2.83) = 0.9977.
        let s = detect(&rating(5), 0.8, &history).unwrap();
        assert_eq!(s.rule, StandoutRule::FarAboveUsual);
        // Rule (a) only: z = 1.41 stays recorded.
        let s = detect(&rating(4), 0.8, &history).unwrap();
        assert_eq!(s.rule, StandoutRule::HighRatingAndQuality);
        assert!(close(s.confidence, 0.675, 1e-12));
        assert!(close(s.z.unwrap(), 2f64.sqrt(), 1e-12));
        // Rule (a) at full confidence beats rule (b).
        let s = detect(&rating(5), 1.0, &history).unwrap();
        assert_eq!(s.rule, StandoutRule::HighRatingAndQuality);
    }

    #[test]
    fn serialises_snake_case() {
        let s = Standout {
            rule: StandoutRule::FarAboveUsual,
            confidence: 0.9,
            z: Some(2.0),
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"rule":"far_above_usual","confidence":0.9,"z":2.0}"#
        );
    }

    proptest! {
        #[test]
        fn confidence_is_in_the_unit_interval(
            r in proptest::option::of(0u8..8),
            liked in proptest::option::of(any::<bool>()),
            quality in -1.0f64..2.0,
            history in proptest::collection::vec(0u8..8, 0..40),
        ) {
            if let Some(s) = detect(&FeedbackSignal { rating: r, liked }, quality, &history) {
                prop_assert!(s.confidence > 0.0 && s.confidence <= 1.0, "{s:?}");
                prop_assert!(r.is_some());
            }
        }
    }
}
