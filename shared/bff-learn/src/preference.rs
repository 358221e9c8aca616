//! Preference learning: how much a designer likes each attribute value, and how sure we are.
//!
//! Each attribute value has a Beta-Bernoulli posterior over "the designer likes designs showing
//! this value". Every piece of feedback on a design gives each value the design shows some
//! success and failure evidence ([`evidence`]):
//!
//! | signal | success | failure |
//! |---|---|---|
//! | rating 5 | 2 | 0 |
//! | rating 4 | 1 | 0 |
//! | rating 3 | 0.25 | 0.25 |
//! | rating 2 | 0 | 1 |
//! | rating 1 | 0 | 2 |
//! | like | +1 | |
//! | dislike | | +1 |
//! | standout | × [`STANDOUT_WEIGHT`] (3) | |
//!
//! A standout's success evidence is multiplied, so a standout design weighs more than a plain
//! like: a 5-star liked standout gives 9 successes, a plain like 1.
//!
//! **Forgetting.** Tastes move, so evidence fades with a half-life of [`HALF_LIFE_DAYS`] (30):
//! feedback `age` days old weighs `0.5^(age / 30)`, 1/8 after 90 days. The posterior at
//! `now_ms` is `Beta(PRIOR_ALPHA + Σ success × decay, PRIOR_BETA + Σ failure × decay)`. The
//! prior itself does not fade: a value whose evidence is all old drifts back to neutral.
//!
//! **Why recomputing is the online update.** Discounted Thompson sampling updates online: at
//! each new piece of feedback, multiply the accumulated evidence by `0.5^(Δt / 30)` for the
//! days `Δt` since the last update, then add the new evidence (and decay once more up to the
//! moment of reading). Decay factors multiply, `0.5^(a/30) × 0.5^(b/30) = 0.5^((a+b)/30)`, so
//! each piece of evidence ends up weighted by `0.5^(age/30)` with `age` its time from the feedback
//! to now, exactly the sum [`learn`] computes. Recomputing from the stored feedback therefore
//! gives the same posterior as the online rule, with two advantages an online increment lacks:
//! - a re-rating replaces one term of the sum (the feedback with the same `feedback_id`), so the
//!   old rating's contribution is gone exactly, instead of being subtracted after decay;
//! - a duplicated delivery of the same feedback changes nothing, since the feedback set is
//!   keyed by `feedback_id` ([`crate::feedback::latest_feedback`]), whereas an online increment
//!   would count it twice.
//!
//! **Planner weights.** The prompt planner multiplies a value's sampling prior by a weight in
//! `[MIN_WEIGHT, MAX_WEIGHT]`, 1 being neutral: [`Posterior::weight`] is the odds ratio of the
//! posterior mean against the prior mean, `(p / (1 - p)) / (p0 / (1 - p0))`, the multiplicative
//! preference of a Bradley-Terry or logistic model, so that a value liked nine times out of ten
//! weighs about 9 (clamped to 5) and one disliked as often about 1/9 (clamped to 0.2);
//! [`Posterior::sample_weight`] is the same for a Thompson draw from the posterior, which keeps
//! exploring values with little evidence.

use crate::day::MS_PER_DAY;
use crate::feedback::{latest_feedback, FeedbackSignal, RatedImage};
use bff_domain::AttributeValue;
use rand_distr::{Beta, Distribution};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Days after which a piece of evidence weighs half: evidence 90 days old weighs 1/8.
pub const HALF_LIFE_DAYS: f64 = 30.0;
/// Prior successes: with [`PRIOR_BETA`], a uniform prior, so a value starts neutral.
pub const PRIOR_ALPHA: f64 = 1.0;
/// Prior failures.
pub const PRIOR_BETA: f64 = 1.0;
/// The lowest planner weight: a disliked value is drawn rarely but never excluded, so the
/// designer can change their mind.
pub const MIN_WEIGHT: f64 = 0.2;
/// The highest planner weight, so that one value cannot crowd out the rest of its category.
pub const MAX_WEIGHT: f64 = 5.0;
/// How much more a standout's success evidence weighs than the same feedback on an ordinary
/// design.
pub const STANDOUT_WEIGHT: f64 = 3.0;

/// The success and failure evidence one piece of feedback gives each value the image shows.
///
/// Returns `(success, failure)`; the table is in the module documentation.
pub fn evidence(signal: &FeedbackSignal, standout: bool) -> (f64, f64) {
    let (mut success, mut failure) = match signal.valid_rating() {
        Some(5) => (2.0, 0.0),
        Some(4) => (1.0, 0.0),
        Some(3) => (0.25, 0.25),
        Some(2) => (0.0, 1.0),
        Some(1) => (0.0, 2.0),
        _ => (0.0, 0.0),
    };
    match signal.liked {
        Some(true) => success += 1.0,
        Some(false) => failure += 1.0,
        None => {}
    }
    if standout {
        success *= STANDOUT_WEIGHT;
    }
    (success, failure)
}

/// The weight of evidence `age_ms` old: `0.5^(age_days / HALF_LIFE_DAYS)`. Feedback from the
/// future (a clock ahead of the reader's) weighs as fresh, never more.
pub fn decay(age_ms: i64) -> f64 {
    let age_days = age_ms.max(0) as f64 / MS_PER_DAY as f64;
    0.5f64.powf(age_days / HALF_LIFE_DAYS)
}

/// What we believe about a designer's liking for one value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Posterior {
    /// Prior plus decayed success evidence.
    pub alpha: f64,
    /// Prior plus decayed failure evidence.
    pub beta: f64,
    /// Decayed success plus failure evidence: how much the posterior rests on feedback.
    pub evidence: f64,
}

impl Posterior {
    /// Belief before any feedback: neutral.
    pub fn prior() -> Self {
        Self {
            alpha: PRIOR_ALPHA,
            beta: PRIOR_BETA,
            evidence: 0.0,
        }
    }

    /// The prior updated with decayed evidence.
    pub fn from_evidence(success: f64, failure: f64) -> Self {
        Self {
            alpha: PRIOR_ALPHA + success,
            beta: PRIOR_BETA + failure,
            evidence: success + failure,
        }
    }

    /// The same posterior `elapsed_ms` later with no new feedback: every piece of evidence has
    /// decayed by the same factor, so the decayed posterior is the prior plus the stored
    /// evidence times [`decay`]`(elapsed_ms)`, exactly what [`learn`] would give at that time.
    pub fn decayed(&self, elapsed_ms: i64) -> Self {
        let k = decay(elapsed_ms);
        Self {
            alpha: PRIOR_ALPHA + (self.alpha - PRIOR_ALPHA).max(0.0) * k,
            beta: PRIOR_BETA + (self.beta - PRIOR_BETA).max(0.0) * k,
            evidence: self.evidence.max(0.0) * k,
        }
    }

    /// The expected chance that the designer likes a design showing the value.
    pub fn mean(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }

    /// Planner weight: the odds ratio of the posterior mean to the prior mean, clamped to
    /// [MIN_WEIGHT, MAX_WEIGHT]; 1 = neutral.
    pub fn weight(&self) -> f64 {
        to_weight(self.mean())
    }

    /// A draw from the posterior, for Thompson sampling; the mean when the parameters are not
    /// a valid Beta distribution.
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match Beta::new(self.alpha, self.beta) {
            Ok(beta) => beta.sample(rng),
            Err(_) => self.mean(),
        }
    }

    /// Thompson sample turned into a planner weight the same way (odds ratio, clamped).
    pub fn sample_weight<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        to_weight(self.sample(rng))
    }
}

/// The prior's mean, the probability that means "neutral".
fn prior_mean() -> f64 {
    PRIOR_ALPHA / (PRIOR_ALPHA + PRIOR_BETA)
}

fn to_weight(p: f64) -> f64 {
    if !p.is_finite() {
        return 1.0;
    }
    let odds = |q: f64| q / (1.0 - q);
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (odds(p) / odds(prior_mean())).clamp(MIN_WEIGHT, MAX_WEIGHT)
}

/// One value's learned belief and the planner weight it gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnedWeight {
    /// The value.
    pub attribute: AttributeValue,
    /// The belief about it.
    pub posterior: Posterior,
    /// `posterior.weight()`, stored so that the planner need not recompute it.
    pub weight: f64,
}

/// The posterior of every value shown by any of `rated` at `now_ms`: prior + sum over feedback of evidence × 0.5^(age_days/HALF_LIFE_DAYS). Sorted by attribute.
///
/// Only the latest version of each `feedback_id` counts (see the module documentation).
pub fn learn(rated: &[RatedImage], now_ms: i64) -> Vec<LearnedWeight> {
    let mut sums: BTreeMap<&AttributeValue, (f64, f64)> = BTreeMap::new();
    for r in latest_feedback(rated) {
        let (s, f) = evidence(&r.signal, r.standout);
        let d = decay(now_ms.saturating_sub(r.at_ms));
        for value in r.distinct_attributes() {
            let e = sums.entry(value).or_default();
            e.0 += s * d;
            e.1 += f * d;
        }
    }
    sums.into_iter()
        .map(|(attribute, (s, f))| {
            let posterior = Posterior::from_evidence(s, f);
            LearnedWeight {
                attribute: attribute.clone(),
                weight: posterior.weight(),
                posterior,
            }
        })
        .collect()
}

/// How one learning update moved a value's planner weight, for the record of updates shown to
/// the designer ("what my feedback changed").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightChange {
    /// The value.
    pub attribute: AttributeValue,
    /// The weight before (1 when the value had no learned weight).
    pub before: f64,
    /// The weight after (1 when the value no longer has one).
    pub after: f64,
}

/// The values whose weight differs by more than `tolerance` between two learning results,
/// sorted by attribute.
pub fn weight_changes(
    before: &[LearnedWeight],
    after: &[LearnedWeight],
    tolerance: f64,
) -> Vec<WeightChange> {
    let mut both: BTreeMap<&AttributeValue, (f64, f64)> = BTreeMap::new();
    for w in before {
        both.entry(&w.attribute).or_insert((1.0, 1.0)).0 = w.weight;
    }
    for w in after {
        both.entry(&w.attribute).or_insert((1.0, 1.0)).1 = w.weight;
    }
    both.into_iter()
        .filter(|(_, (b, a))| (a - b).abs() > tolerance)
        .map(|(attribute, (before, after))| WeightChange {
            attribute: attribute.clone(),
            before,
            after,
        })
        .collect()
}

#[cfg(test)]
mod decayed_tests {
    use super::*;

    #[test]
    fn decaying_a_posterior_equals_learning_later() {
        let p = Posterior::from_evidence(4.0, 2.0);
        let later = p.decayed(30 * MS_PER_DAY);
        assert!((later.alpha - 3.0).abs() < 1e-12 && (later.beta - 2.0).abs() < 1e-12);
        assert!((later.evidence - 3.0).abs() < 1e-12);
        assert_eq!(p.decayed(0), p);
        assert_eq!(p.decayed(-5), p);
        let far = p.decayed(3650 * MS_PER_DAY);
        assert!((far.weight() - 1.0).abs() < 1e-6);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feedback::tests::rated;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    const DAY: i64 = MS_PER_DAY;
    const NOW: i64 = 1_726_000_000_000;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn weight_of(ws: &[LearnedWeight], c: &str, v: &str) -> Option<LearnedWeight> {
        ws.iter()
            .find(|w| w.attribute == AttributeValue::new(c, v))
            .cloned()
    }

    fn sig(rating: Option<u8>, liked: Option<bool>) -> FeedbackSignal {
        FeedbackSignal { rating, liked }
    }

    #[test]
    fn evidence_table() {
        assert_eq!(evidence(&sig(Some(5), None), false), (2.0, 0.0));
        assert_eq!(evidence(&sig(Some(4), None), false), (1.0, 0.0));
        assert_eq!(evidence(&sig(Some(3), None), false), (0.25, 0.25));
        assert_eq!(evidence(&sig(Some(2), None), false), (0.0, 1.0));
        assert_eq!(evidence(&sig(Some(1), None), false), (0.0, 2.0));
        assert_eq!(evidence(&sig(None, Some(true)), false), (1.0, 0.0));
        assert_eq!(evidence(&sig(None, Some(false)), false), (0.0, 1.0));
        assert_eq!(evidence(&sig(Some(5), Some(true)), true), (9.0, 0.0));
        assert_eq!(evidence(&sig(Some(2), Some(true)), false), (1.0, 1.0));
        assert_eq!(evidence(&sig(Some(9), None), false), (0.0, 0.0));
    }

    #[test]
    fn decay_halves_every_thirty_days() {
        assert!(close(decay(0), 1.0));
        assert!(close(decay(30 * DAY), 0.5));
        assert!(close(decay(60 * DAY), 0.25));
        assert!(close(decay(90 * DAY), 0.125));
        assert!(close(decay(-5 * DAY), 1.0));

        let fresh = learn(
            &[rated(
                "a",
                &[("fabric", "linen")],
                Some(5),
                None,
                false,
                NOW,
            )],
            NOW,
        );
        let old = learn(
            &[rated(
                "a",
                &[("fabric", "linen")],
                Some(5),
                None,
                false,
                NOW - 30 * DAY,
            )],
            NOW,
        );
        // Two successes fresh, one after thirty days.
        assert!(close(fresh[0].posterior.alpha, 3.0));
        assert!(close(old[0].posterior.alpha, 2.0));
        assert!(close(old[0].posterior.evidence, 1.0));
        assert!(close(old[0].posterior.beta, 1.0));
    }

    #[test]
    fn posterior_and_weight_by_hand() {
        // Two images showing linen: a 4 (1 success) and a dislike (1 failure) 30 days ago
        // (0.5 failure). alpha = 2, beta = 1.5, mean = 4/7, weight = 8/7.
        let ws = learn(
            &[
                rated(
                    "a",
                    &[("fabric", "linen"), ("colour", "red")],
                    Some(4),
                    None,
                    false,
                    NOW,
                ),
                rated(
                    "b",
                    &[("fabric", "linen")],
                    None,
                    Some(false),
                    false,
                    NOW - 30 * DAY,
                ),
            ],
            NOW,
        );
        let linen = weight_of(&ws, "fabric", "linen").unwrap();
        assert!(close(linen.posterior.alpha, 2.0));
        assert!(close(linen.posterior.beta, 1.5));
        assert!(close(linen.posterior.evidence, 1.5));
        // The odds of the posterior mean are alpha / beta (the prior's are 1).
        assert!(close(linen.weight, 2.0 / 1.5));
        let red = weight_of(&ws, "colour", "red").unwrap();
        assert!(close(red.weight, 2.0));
        // Sorted by attribute: colour before fabric.
        assert_eq!(ws[0].attribute.category, "colour");
    }

    #[test]
    fn likes_and_standouts_raise_dislikes_lower() {
        let base = |liked, standout, rating| {
            learn(
                &[rated(
                    "x",
                    &[("fabric", "linen")],
                    rating,
                    liked,
                    standout,
                    NOW,
                )],
                NOW,
            )[0]
            .weight
        };
        let neutral = Posterior::prior().weight();
        assert!(close(neutral, 1.0));
        let like = base(Some(true), false, None);
        let dislike = base(Some(false), false, None);
        let five = base(None, false, Some(5));
        let five_standout = base(None, true, Some(5));
        assert!(like > neutral);
        assert!(dislike < neutral);
        assert!(five_standout > five);
        assert!(five_standout > like);
    }

    #[test]
    fn weight_is_clamped() {
        let p = Posterior::from_evidence(0.0, 1e6);
        assert!(close(p.weight(), MIN_WEIGHT));
        let p = Posterior::from_evidence(1e6, 0.0);
        assert!(close(p.weight(), MAX_WEIGHT));
        // Nine to one: odds 9 against the prior's 1, clamped to 5; one to nine: 1/9 → 0.2.
        assert!(close(
            Posterior::from_evidence(8.0, 0.0).weight(),
            MAX_WEIGHT
        ));
        let p = Posterior::from_evidence(2.0, 0.0); // mean 3/4: odds 3
        assert!(close(p.weight(), 3.0));
    }

    #[test]
    fn re_rating_equals_learning_from_scratch() {
        let a = rated(
            "f1",
            &[("fabric", "linen")],
            Some(2),
            None,
            false,
            NOW - 40 * DAY,
        );
        let b = rated(
            "f2",
            &[("fabric", "linen"), ("colour", "red")],
            Some(5),
            Some(true),
            true,
            NOW - 3 * DAY,
        );
        let mut a2 = a.clone();
        a2.signal.rating = Some(5);
        a2.at_ms = NOW - DAY;
        // The caller stores both versions or only the new one: either way the old is gone.
        let with_history = learn(&[a.clone(), b.clone(), a2.clone()], NOW);
        let replaced = learn(&[b.clone(), a2.clone()], NOW);
        assert_eq!(with_history, replaced);
        // And duplicate deliveries change nothing.
        assert_eq!(
            learn(&[b.clone(), a2.clone(), b.clone(), a2.clone()], NOW),
            replaced
        );
        // By hand: linen = 2 × 0.5^(1/30) + 9 × 0.5^(3/30) successes.
        let linen = weight_of(&replaced, "fabric", "linen").unwrap();
        let s = 2.0 * 0.5f64.powf(1.0 / 30.0) + 9.0 * 0.5f64.powf(0.1);
        assert!(close(linen.posterior.alpha, 1.0 + s));
        assert!(close(linen.posterior.beta, 1.0));
    }

    #[test]
    fn batch_equals_online_update_with_forgetting() {
        let events = [
            rated(
                "1",
                &[("fabric", "linen")],
                Some(5),
                None,
                false,
                NOW - 80 * DAY,
            ),
            rated(
                "2",
                &[("fabric", "linen")],
                Some(1),
                Some(false),
                false,
                NOW - 41 * DAY,
            ),
            rated(
                "3",
                &[("fabric", "linen")],
                Some(3),
                Some(true),
                false,
                NOW - 7 * DAY,
            ),
            rated(
                "4",
                &[("fabric", "linen")],
                Some(4),
                None,
                true,
                NOW - DAY / 3,
            ),
        ];
        // Online: decay what we have by the time elapsed, then add the new evidence.
        let (mut s, mut f, mut t) = (0.0, 0.0, events[0].at_ms);
        for e in &events {
            let d = decay(e.at_ms - t);
            let (es, ef) = evidence(&e.signal, e.standout);
            s = s * d + es;
            f = f * d + ef;
            t = e.at_ms;
        }
        let d = decay(NOW - t);
        let online = Posterior::from_evidence(s * d, f * d);
        let batch = learn(&events, NOW)[0].posterior;
        assert!(close(online.alpha, batch.alpha), "{online:?} {batch:?}");
        assert!(close(online.beta, batch.beta));
    }

    #[test]
    fn thompson_samples_average_to_the_posterior_mean() {
        let p = Posterior::from_evidence(29.0, 19.0); // Beta(30, 20), mean 0.6
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 20_000;
        let mean_sample = (0..n).map(|_| p.sample(&mut rng)).sum::<f64>() / n as f64;
        assert!((mean_sample - 0.6).abs() < 0.005, "{mean_sample}");
        let mean_weight = (0..n).map(|_| p.sample_weight(&mut rng)).sum::<f64>() / n as f64;
        // E[X / (1 - X)] for X ~ Beta(a, b) is a / (b - 1).
        assert!((mean_weight - 30.0 / 19.0).abs() < 0.02, "{mean_weight}");
        // Same seed, same draws.
        let mut a = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut b = Xoshiro256PlusPlus::seed_from_u64(3);
        assert_eq!(p.sample(&mut a), p.sample(&mut b));
    }

    #[test]
    fn weight_changes_report_moves() {
        let before = learn(
            &[rated(
                "a",
                &[("fabric", "linen"), ("colour", "red")],
                Some(4),
                None,
                false,
                NOW,
            )],
            NOW,
        );
        let after = learn(
            &[
                rated(
                    "a",
                    &[("fabric", "linen"), ("colour", "red")],
                    Some(4),
                    None,
                    false,
                    NOW,
                ),
                rated(
                    "b",
                    &[("fabric", "linen"), ("neckline", "v-neck")],
                    Some(1),
                    None,
                    false,
                    NOW,
                ),
            ],
            NOW,
        );
        let changes = weight_changes(&before, &after, 1e-9);
        let names: Vec<_> = changes.iter().map(|c| c.attribute.value.as_str()).collect();
        assert_eq!(names, ["linen", "v-neck"]);
        assert!(close(changes[0].before, 2.0));
        // Linen: Beta(2, 3), odds 2/3; v-neck: Beta(1, 3), odds 1/3.
        assert!(close(changes[0].after, 2.0 / 3.0));
        assert!(close(changes[1].before, 1.0));
        assert!(close(changes[1].after, 1.0 / 3.0));
    }

    fn arb_rated() -> impl Strategy<Value = RatedImage> {
        (
            0u8..6,
            proptest::option::of(0u8..7),
            proptest::option::of(any::<bool>()),
            any::<bool>(),
            -400i64..400,
            proptest::collection::vec((0u8..3, 0u8..4), 0..4),
        )
            .prop_map(|(id, rating, liked, standout, age_days, attrs)| {
                let attrs: Vec<(String, String)> = attrs
                    .into_iter()
                    .map(|(c, v)| (format!("c{c}"), format!("v{v}")))
                    .collect();
                let attrs: Vec<(&str, &str)> = attrs
                    .iter()
                    .map(|(c, v)| (c.as_str(), v.as_str()))
                    .collect();
                rated(
                    &format!("f{id}"),
                    &attrs,
                    rating,
                    liked,
                    standout,
                    NOW - age_days * DAY,
                )
            })
    }

    proptest! {
        #[test]
        fn weights_stay_within_bounds(
            rated in proptest::collection::vec(arb_rated(), 0..30),
            seed in any::<u64>(),
        ) {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            for w in learn(&rated, NOW) {
                prop_assert!((MIN_WEIGHT..=MAX_WEIGHT).contains(&w.weight));
                let s = w.posterior.sample_weight(&mut rng);
                prop_assert!((MIN_WEIGHT..=MAX_WEIGHT).contains(&s));
                prop_assert!(w.posterior.alpha >= PRIOR_ALPHA && w.posterior.beta >= PRIOR_BETA);
            }
        }

        #[test]
        fn learning_ignores_row_order(
            mut rated in proptest::collection::vec(arb_rated(), 0..20),
        ) {
            let a = learn(&rated, NOW);
            rated.reverse();
            prop_assert_eq!(a, learn(&rated, NOW));
        }
    }
}
