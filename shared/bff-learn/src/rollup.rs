//! Daily rollups: one UTC day of a designer's activity, aggregated once so that analytics
//! reads over 90 days touch 90 rows instead of every design and every piece of feedback.
//!
//! [`roll_up`] is a pure function of its input: running it twice for a day gives the same
//! rows, and so does running it over the same rows in another order. Only items whose `at_ms`
//! falls on `input.day` (UTC) count. Duplicates count once, the latest version winning:
//! feedback per `feedback_id` (a re-rating made on a later day moves that feedback to the later
//! day), picks per `(job_id, image_id)`, coverage reports per `job_id` (a job's coverage
//! recomputed replaces the earlier report). `jobs` and `images` are the caller's counts for the
//! day, copied as given.

use crate::day::{day_number, MS_PER_DAY};
use crate::feedback::{latest_feedback, RatedImage};
use crate::success::Tally;
use bff_domain::AttributeValue;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A design the selection picked for the designer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickedDesign {
    /// The job it was picked in.
    pub job_id: String,
    /// The picked design.
    pub image_id: String,
    /// The values it shows.
    pub attributes: Vec<AttributeValue>,
    /// When it was picked, unix milliseconds.
    pub at_ms: i64,
}

/// The outcome of one job's coverage analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageSample {
    /// The job analysed.
    pub job_id: String,
    /// Overall coverage in `[0, 1]`.
    pub overall: f64,
    /// The categories the selected set covered.
    pub categories_covered: Vec<String>,
    /// When the report was made, unix milliseconds.
    pub at_ms: i64,
}

/// Everything that happened on one day, as the caller read it from storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayInput {
    /// The UTC day, `"YYYY-MM-DD"`.
    pub day: String,
    /// Jobs created that day.
    pub jobs: u32,
    /// Images generated that day.
    pub images: u32,
    /// Picks; those of other days are ignored.
    pub picks: Vec<PickedDesign>,
    /// Feedback; that of other days is ignored.
    pub feedback: Vec<RatedImage>,
    /// Coverage reports; those of other days are ignored.
    pub coverage: Vec<CoverageSample>,
}

/// One day's totals: the feedback summary and coverage history read these.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DailyTotals {
    /// The UTC day.
    pub day: String,
    /// Jobs created.
    pub jobs: u32,
    /// Images generated.
    pub images: u32,
    /// Designs picked.
    pub picks: u32,
    /// Pieces of feedback.
    pub feedback: u32,
    /// Of which with a rating.
    pub ratings: u32,
    /// The sum of the ratings.
    pub rating_sum: f64,
    /// Likes.
    pub likes: u32,
    /// Dislikes.
    pub dislikes: u32,
    /// Standouts.
    pub standouts: u32,
    /// Coverage reports.
    pub coverage_reports: u32,
    /// The sum of their overall coverage.
    pub coverage_sum: f64,
}

/// One value's activity on one day: style evolution reads the picks, standout rates the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyAttribute {
    /// The UTC day.
    pub day: String,
    /// The value.
    pub attribute: AttributeValue,
    /// Picked designs showing it.
    pub picks: u32,
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

/// How often a category was covered on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyCategoryCoverage {
    /// The UTC day.
    pub day: String,
    /// The category id.
    pub category: String,
    /// Reports in which the category was covered.
    pub reports: u32,
}

/// One day's rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayRollup {
    /// The day's totals.
    pub totals: DailyTotals,
    /// One row per value picked or given feedback that day, sorted by attribute.
    pub attributes: Vec<DailyAttribute>,
    /// One row per category covered in at least one report that day, sorted by category.
    pub categories: Vec<DailyCategoryCoverage>,
}

/// Only items whose at_ms falls on input.day count; deterministic order.
///
/// A day string that is not a valid date counts no items.
pub fn roll_up(input: &DayInput) -> DayRollup {
    let day = day_number(&input.day);
    let on_day = |ms: i64| day == Some(ms.div_euclid(MS_PER_DAY));

    let picks: Vec<&PickedDesign> = latest_by(
        &input.picks,
        |p| (p.job_id.as_str(), p.image_id.as_str()),
        |a, b| (a.at_ms, &a.attributes).cmp(&(b.at_ms, &b.attributes)),
    )
    .into_iter()
    .filter(|p| on_day(p.at_ms))
    .collect();
    let feedback: Vec<&RatedImage> = latest_feedback(&input.feedback)
        .into_iter()
        .filter(|r| on_day(r.at_ms))
        .collect();
    let coverage: Vec<&CoverageSample> = latest_by(
        &input.coverage,
        |c| c.job_id.as_str(),
        |a, b| {
            (a.at_ms, &a.categories_covered)
                .cmp(&(b.at_ms, &b.categories_covered))
                .then_with(|| a.overall.total_cmp(&b.overall))
        },
    )
    .into_iter()
    .filter(|c| on_day(c.at_ms))
    .collect();

    let mut tally = Tally::default();
    let mut by_value: BTreeMap<&AttributeValue, (u32, Tally)> = BTreeMap::new();
    for p in &picks {
        let mut values: Vec<&AttributeValue> = p.attributes.iter().collect();
        values.sort();
        values.dedup();
        for v in values {
            by_value.entry(v).or_default().0 += 1;
        }
    }
    for r in &feedback {
        tally.add(r);
        for v in r.distinct_attributes() {
            by_value.entry(v).or_default().1.add(r);
        }
    }
    let mut by_category: BTreeMap<&str, u32> = BTreeMap::new();
    for c in &coverage {
        let mut cats: Vec<&str> = c.categories_covered.iter().map(String::as_str).collect();
        cats.sort_unstable();
        cats.dedup();
        for cat in cats {
            *by_category.entry(cat).or_default() += 1;
        }
    }

    DayRollup {
        totals: DailyTotals {
            day: input.day.clone(),
            jobs: input.jobs,
            images: input.images,
            picks: count(picks.len()),
            feedback: count(feedback.len()),
            ratings: tally.ratings,
            rating_sum: tally.rating_sum,
            likes: tally.likes,
            dislikes: tally.dislikes,
            standouts: tally.standouts,
            coverage_reports: count(coverage.len()),
            // Summed in job id order, so the float sum does not depend on the input order.
            coverage_sum: coverage.iter().map(|c| c.overall).sum(),
        },
        attributes: by_value
            .into_iter()
            .map(|(attribute, (picks, t))| DailyAttribute {
                day: input.day.clone(),
                attribute: attribute.clone(),
                picks,
                ratings: t.ratings,
                rating_sum: t.rating_sum,
                likes: t.likes,
                dislikes: t.dislikes,
                standouts: t.standouts,
            })
            .collect(),
        categories: by_category
            .into_iter()
            .map(|(category, reports)| DailyCategoryCoverage {
                day: input.day.clone(),
                category: category.to_string(),
                reports,
            })
            .collect(),
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The greatest item (by `later`) per key, in key order.
fn latest_by<'a, T, K: Ord>(
    items: &'a [T],
    key: impl Fn(&'a T) -> K,
    later: impl Fn(&T, &T) -> core::cmp::Ordering,
) -> Vec<&'a T> {
    let mut kept: BTreeMap<K, &'a T> = BTreeMap::new();
    for item in items {
        kept.entry(key(item))
            .and_modify(|k| {
                if later(item, k).is_gt() {
                    *k = item;
                }
            })
            .or_insert(item);
    }
    kept.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::day::day_start_ms;
    use crate::feedback::tests::rated;
    use proptest::prelude::*;

    fn av(c: &str, v: &str) -> AttributeValue {
        AttributeValue::new(c, v)
    }

    fn pick(job: &str, image: &str, attrs: &[(&str, &str)], at_ms: i64) -> PickedDesign {
        PickedDesign {
            job_id: job.into(),
            image_id: image.into(),
            attributes: attrs.iter().map(|(c, v)| av(c, v)).collect(),
            at_ms,
        }
    }

    fn cov(job: &str, overall: f64, cats: &[&str], at_ms: i64) -> CoverageSample {
        CoverageSample {
            job_id: job.into(),
            overall,
            categories_covered: cats.iter().map(|c| c.to_string()).collect(),
            at_ms,
        }
    }

    fn sample_input() -> DayInput {
        let d = day_start_ms("2024-09-10").unwrap();
        let before = d - 1;
        let after = d + MS_PER_DAY;
        DayInput {
            day: "2024-09-10".into(),
            jobs: 2,
            images: 30,
            picks: vec![
                pick("j1", "i1", &[("fabric", "linen"), ("colour", "red")], d + 5),
                pick(
                    "j1",
                    "i2",
                    &[("fabric", "linen"), ("fabric", "linen")],
                    d + 6,
                ),
                pick("j1", "i2", &[("fabric", "linen")], d + 6), // duplicate delivery
                pick("j0", "i9", &[("fabric", "silk")], before),
                pick("j3", "i8", &[("fabric", "silk")], after),
            ],
            feedback: vec![
                rated(
                    "f1",
                    &[("fabric", "linen")],
                    Some(5),
                    Some(true),
                    true,
                    d + 100,
                ),
                rated("f2", &[("colour", "red")], Some(2), None, false, d + 200),
                rated(
                    "f3",
                    &[("colour", "red")],
                    None,
                    Some(false),
                    false,
                    d + MS_PER_DAY - 1,
                ),
                rated("f4", &[("fabric", "silk")], Some(4), None, false, before),
            ],
            coverage: vec![
                cov("j1", 0.8, &["fabric", "colour", "fabric"], d + 10),
                cov("j2", 0.5, &["fabric"], d + 20),
                cov("j0", 0.1, &["neckline"], after),
            ],
        }
    }

    #[test]
    fn rolls_up_one_day_by_hand() {
        let r = roll_up(&sample_input());
        let t = &r.totals;
        assert_eq!(t.day, "2024-09-10");
        assert_eq!((t.jobs, t.images, t.picks, t.feedback), (2, 30, 2, 3));
        assert_eq!((t.ratings, t.likes, t.dislikes, t.standouts), (2, 1, 1, 1));
        assert_eq!(t.rating_sum, 7.0);
        assert_eq!(t.coverage_reports, 2);
        assert!((t.coverage_sum - 1.3).abs() < 1e-12);

        let rows: Vec<_> = r
            .attributes
            .iter()
            .map(|a| {
                (
                    a.attribute.value.as_str(),
                    a.picks,
                    a.ratings,
                    a.likes,
                    a.dislikes,
                    a.standouts,
                )
            })
            .collect();
        assert_eq!(rows, [("red", 1, 1, 0, 1, 0), ("linen", 2, 1, 1, 0, 1)]);
        let cats: Vec<_> = r
            .categories
            .iter()
            .map(|c| (c.category.as_str(), c.reports))
            .collect();
        assert_eq!(cats, [("colour", 1), ("fabric", 2)]);
    }

    #[test]
    fn rolling_up_twice_gives_the_same_rows() {
        let input = sample_input();
        assert_eq!(roll_up(&input), roll_up(&input));
    }

    #[test]
    fn other_days_and_invalid_days_count_nothing() {
        let mut input = sample_input();
        input.day = "2024-09-12".into();
        let r = roll_up(&input);
        assert_eq!(
            (r.totals.picks, r.totals.feedback, r.totals.coverage_reports),
            (0, 0, 0)
        );
        assert!(r.attributes.is_empty() && r.categories.is_empty());
        input.day = "2024-09-11".into();
        let r = roll_up(&input);
        assert_eq!(
            (r.totals.picks, r.totals.feedback, r.totals.coverage_reports),
            (1, 0, 1)
        );
        input.day = "not a day".into();
        assert_eq!(roll_up(&input).totals.picks, 0);
    }

    #[test]
    fn serialises_as_snake_case_rows() {
        let r = roll_up(&sample_input());
        let v = serde_json::to_value(&r.totals).unwrap();
        assert_eq!(v["coverage_reports"], 2);
        let back: DayRollup = serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }

    proptest! {
        #[test]
        fn roll_up_ignores_order_and_is_idempotent(
            picks in proptest::collection::vec((0u8..3, 0u8..4, -2i64..3, proptest::collection::vec(0u8..4, 0..3)), 0..12),
            feedback in proptest::collection::vec((0u8..6, proptest::option::of(0u8..7), proptest::option::of(any::<bool>()), any::<bool>(), -2i64..3), 0..12),
            coverage in proptest::collection::vec((0u8..4, 0.0f64..1.0, -2i64..3, proptest::collection::vec(0u8..4, 0..4)), 0..8),
            seed in any::<u64>(),
        ) {
            let d = day_start_ms("2024-09-10").unwrap();
            let at = |h: i64| d + h * (MS_PER_DAY / 3);
            let input = DayInput {
                day: "2024-09-10".into(),
                jobs: 1,
                images: 2,
                picks: picks.iter().map(|(j, i, h, vs)| PickedDesign {
                    job_id: format!("j{j}"),
                    image_id: format!("i{i}"),
                    attributes: vs.iter().map(|v| av("colour", &format!("c{v}"))).collect(),
                    at_ms: at(*h),
                }).collect(),
                feedback: feedback.iter().map(|(id, r, l, s, h)| {
                    rated(&format!("f{id}"), &[("colour", "c1")], *r, *l, *s, at(*h))
                }).collect(),
                coverage: coverage.iter().map(|(j, o, h, cs)| CoverageSample {
                    job_id: format!("j{j}"),
                    overall: *o,
                    categories_covered: cs.iter().map(|c| format!("cat{c}")).collect(),
                    at_ms: at(*h),
                }).collect(),
            };
            let first = roll_up(&input);
            prop_assert_eq!(&first, &roll_up(&input));
            // A deterministic shuffle of every list.
            let mut shuffled = input.clone();
            let mut s = seed;
            let mut next = move |n: usize| { s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (s >> 33) as usize % n.max(1) };
            for i in (1..shuffled.picks.len()).rev() { let j = next(i + 1); shuffled.picks.swap(i, j); }
            for i in (1..shuffled.feedback.len()).rev() { let j = next(i + 1); shuffled.feedback.swap(i, j); }
            for i in (1..shuffled.coverage.len()).rev() { let j = next(i + 1); shuffled.coverage.swap(i, j); }
            prop_assert_eq!(&first, &roll_up(&shuffled));
            // Rolling up the day's own items again changes nothing.
            let mut doubled = input.clone();
            doubled.picks.extend(input.picks.iter().cloned());
            doubled.feedback.extend(input.feedback.iter().cloned());
            doubled.coverage.extend(input.coverage.iter().cloned());
            prop_assert_eq!(&first, &roll_up(&doubled));
        }
    }
}
