//! Recommendations: a few short things the designer can act on, each with its evidence.
//!
//! | kind | fires when | message |
//! |---|---|---|
//! | [`TryMore`](RecommendationKind::TryMore) | a value with at least [`TRY_MORE_MIN_RATINGS`] (3) ratings stands out at least [`TRY_MORE_MIN_LIFT`] (2) times as often as the designer's designs overall | "linen: standout rate 3.0x your average, try more" |
//! | [`TryLess`](RecommendationKind::TryLess) | a value with at least [`TRY_LESS_MIN_RATINGS`] (3) ratings has a mean rating of at most [`TRY_LESS_MAX_MEAN`] (2), or more than [`TRY_LESS_DISLIKE_MARGIN`] (1) dislikes beyond its likes | "polyester: mean rating 1.5 over 4 ratings, try less" |
//! | [`NeverCovered`](RecommendationKind::NeverCovered) | a renderable category covered in no coverage report of the last [`NEVER_COVERED_DAYS`] (30) days, while there were reports in those days | "neckline never covered in 30 days" |
//! | [`Drift`](RecommendationKind::Drift) | within one category, between the first and the second half of the style evolution window (each with at least [`DRIFT_MIN_WEEKS`] (2) weeks of picks and [`DRIFT_MIN_PICKS`] (6) picks), one value's share of picks fell by at least [`DRIFT_MIN_CHANGE`] (0.25) and another's rose by as much | "your picks drifted from minimal toward maximal since September" |
//!
//! A value that qualifies for both "try more" and "try less" has mixed evidence, and gets
//! neither. The halves of the evolution window are its first and last 45 days; a week belongs
//! to the half holding its Thursday, and "since" names the month of the second half's first
//! week with picks. The coverage reports of the last 30 days are counted from the category
//! rows: per day, the most reports any category was covered in (a lower bound, exact as soon as
//! one category, such as the garment type, is covered in every report).
//!
//! **Order.** Most actionable first: "try more" (the designer's clearest wins), "try less"
//! (generations spent on what they dislike), "never covered" (ground left unexplored), then
//! "drift" (a change to be aware of). Within a kind: the highest lift, the lowest mean rating,
//! the taxonomy's category order, the largest drift. At most [`MAX_RECOMMENDATIONS`] (8):
//! each kind first gets up to two places, then the remaining places go in the order above.

use super::{window, AttributeRate, WeekShare, EVOLUTION_DAYS};
use crate::day::{day_number, month_name, month_of};
use crate::rollup::DailyCategoryCoverage;
use crate::success::AttributeSuccess;
use bff_domain::AttributeValue;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The fewest ratings from which a value's standout rate is worth acting on.
pub const TRY_MORE_MIN_RATINGS: u32 = 3;
/// The standout-rate lift from which a value is worth more designs.
pub const TRY_MORE_MIN_LIFT: f64 = 2.0;
/// The fewest ratings from which a value's poor reception is worth acting on.
pub const TRY_LESS_MIN_RATINGS: u32 = 3;
/// The mean rating at or below which a value is worth fewer designs.
pub const TRY_LESS_MAX_MEAN: f64 = 2.0;
/// How many more dislikes than likes, beyond this margin, make a value worth fewer designs.
pub const TRY_LESS_DISLIKE_MARGIN: u32 = 1;
/// The window in which every renderable category should have been covered at least once.
pub const NEVER_COVERED_DAYS: i64 = 30;
/// The fewest weeks with picks each half of the evolution window needs to compare shares.
pub const DRIFT_MIN_WEEKS: usize = 2;
/// The fewest picks each half of the evolution window needs to compare shares.
pub const DRIFT_MIN_PICKS: u32 = 6;
/// The smallest change of a value's share of picks that counts as drift.
pub const DRIFT_MIN_CHANGE: f64 = 0.25;
/// The most recommendations shown at once: a few clear ones get read.
pub const MAX_RECOMMENDATIONS: usize = 8;
/// The places each kind gets before the rest are filled in order.
const PLACES_PER_KIND: usize = 2;

/// What a recommendation asks of the designer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecommendationKind {
    /// Generate more designs showing a value.
    TryMore,
    /// Generate fewer designs showing a value.
    TryLess,
    /// Explore a category the designs have not covered.
    NeverCovered,
    /// Their taste moved within a category.
    Drift,
}

/// One recommendation, readable and with the numbers behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Recommendation {
    /// What it asks.
    pub kind: RecommendationKind,
    /// One short sentence for the designer.
    pub message: String,
    /// The numbers it rests on, by name.
    pub evidence: serde_json::Value,
}

/// What the recommendations are drawn from.
#[derive(Debug, Clone, Copy)]
pub struct RecommendationInput<'a> {
    /// Standout rates per value ([`super::standout_rates`]).
    pub rates: &'a [AttributeRate],
    /// Success per value.
    pub success: &'a [AttributeSuccess],
    /// Daily category coverage rows (any days; the last 30 are read).
    pub categories: &'a [DailyCategoryCoverage],
    /// The categories the designs can show, in the taxonomy's order.
    pub renderable_categories: &'a [String],
    /// The style evolution ([`super::style_evolution`]).
    pub evolution: &'a [WeekShare],
    /// The UTC day, `"YYYY-MM-DD"`.
    pub today: &'a str,
}

/// Most actionable first, at most [`MAX_RECOMMENDATIONS`]; the rules are in the module
/// documentation.
pub fn recommendations(input: &RecommendationInput) -> Vec<Recommendation> {
    let less = try_less(input.success);
    let less_values: BTreeSet<&AttributeValue> = less.iter().map(|(a, _)| *a).collect();
    let more = try_more(input.rates);
    let more_values: BTreeSet<&AttributeValue> = more.iter().map(|(a, _)| *a).collect();
    let more: Vec<Recommendation> = more
        .into_iter()
        .filter(|(a, _)| !less_values.contains(a))
        .map(|(_, r)| r)
        .collect();
    let less: Vec<Recommendation> = less
        .into_iter()
        .filter(|(a, _)| !more_values.contains(a))
        .map(|(_, r)| r)
        .collect();
    let kinds = [
        more,
        less,
        never_covered(input.categories, input.renderable_categories, input.today),
        drift(input.evolution, input.today),
    ];

    let mut take: Vec<usize> = kinds.iter().map(|k| k.len().min(PLACES_PER_KIND)).collect();
    let mut left = MAX_RECOMMENDATIONS.saturating_sub(take.iter().sum());
    for (k, n) in kinds.iter().zip(take.iter_mut()) {
        let extra = (k.len() - *n).min(left);
        *n += extra;
        left -= extra;
    }
    let mut out: Vec<Recommendation> = kinds
        .into_iter()
        .zip(take)
        .flat_map(|(k, n)| k.into_iter().take(n))
        .collect();
    out.truncate(MAX_RECOMMENDATIONS);
    out
}

/// "Try more" candidates, best first.
fn try_more(rates: &[AttributeRate]) -> Vec<(&AttributeValue, Recommendation)> {
    let mut hits: Vec<(&AttributeRate, f64)> = rates
        .iter()
        .filter(|r| r.ratings >= TRY_MORE_MIN_RATINGS)
        .filter_map(|r| r.lift.filter(|l| *l >= TRY_MORE_MIN_LIFT).map(|l| (r, l)))
        .collect();
    hits.sort_by(|(a, la), (b, lb)| {
        lb.total_cmp(la)
            .then_with(|| b.ratings.cmp(&a.ratings))
            .then_with(|| a.attribute.cmp(&b.attribute))
    });
    hits.into_iter()
        .map(|(r, lift)| {
            let rec = Recommendation {
                kind: RecommendationKind::TryMore,
                message: format!(
                    "{}: standout rate {lift:.1}x your average, try more",
                    r.attribute.value
                ),
                evidence: json!({
                    "category": r.attribute.category,
                    "value": r.attribute.value,
                    "ratings": r.ratings,
                    "standouts": r.standouts,
                    "rate": r.standout_rate,
                    "your_rate": r.standout_rate / lift,
                    "lift": lift,
                }),
            };
            (&r.attribute, rec)
        })
        .collect()
}

fn plural(n: u32, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// "Try less" candidates, worst first.
fn try_less(success: &[AttributeSuccess]) -> Vec<(&AttributeValue, Recommendation)> {
    let mut hits: Vec<(&AttributeSuccess, f64)> = success
        .iter()
        .filter(|s| s.ratings >= TRY_LESS_MIN_RATINGS)
        .filter_map(|s| {
            let mean = s.mean_rating()?;
            let disliked = s.dislikes > s.likes.saturating_add(TRY_LESS_DISLIKE_MARGIN);
            (mean <= TRY_LESS_MAX_MEAN || disliked).then_some((s, mean))
        })
        .collect();
    hits.sort_by(|(a, ma), (b, mb)| {
        ma.total_cmp(mb)
            .then_with(|| {
                let net = |s: &AttributeSuccess| i64::from(s.dislikes) - i64::from(s.likes);
                net(b).cmp(&net(a))
            })
            .then_with(|| a.attribute.cmp(&b.attribute))
    });
    hits.into_iter()
        .map(|(s, mean)| {
            let message = if mean <= TRY_LESS_MAX_MEAN {
                format!(
                    "{}: mean rating {mean:.1} over {}, try less",
                    s.attribute.value,
                    plural(s.ratings, "rating")
                )
            } else {
                format!(
                    "{}: {} against {}, try less",
                    s.attribute.value,
                    plural(s.dislikes, "dislike"),
                    plural(s.likes, "like")
                )
            };
            let rec = Recommendation {
                kind: RecommendationKind::TryLess,
                message,
                evidence: json!({
                    "category": s.attribute.category,
                    "value": s.attribute.value,
                    "ratings": s.ratings,
                    "mean_rating": mean,
                    "likes": s.likes,
                    "dislikes": s.dislikes,
                }),
            };
            (&s.attribute, rec)
        })
        .collect()
}

/// Renderable categories left uncovered in the last 30 days, in the caller's order.
fn never_covered(
    rows: &[DailyCategoryCoverage],
    renderable: &[String],
    today: &str,
) -> Vec<Recommendation> {
    let Some(range) = window(today, NEVER_COVERED_DAYS) else {
        return Vec::new();
    };
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    let mut reports_per_day: BTreeMap<i64, u32> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.reports > 0) {
        let Some(n) = day_number(&row.day).filter(|n| range.contains(n)) else {
            continue;
        };
        covered.insert(&row.category);
        let most = reports_per_day.entry(n).or_default();
        *most = (*most).max(row.reports);
    }
    let reports: u32 = reports_per_day.values().sum();
    if reports == 0 {
        return Vec::new();
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    renderable
        .iter()
        .filter(|c| !covered.contains(c.as_str()) && seen.insert(c.as_str()))
        .map(|c| Recommendation {
            kind: RecommendationKind::NeverCovered,
            message: format!("{c} never covered in {NEVER_COVERED_DAYS} days"),
            evidence: json!({
                "category": c,
                "days": NEVER_COVERED_DAYS,
                "reports": reports,
            }),
        })
        .collect()
}

/// A half of the evolution window: its weeks with picks, its picks and picks per value.
#[derive(Default)]
struct Half<'a> {
    weeks: usize,
    picks: u32,
    first_week: Option<&'a str>,
    values: BTreeMap<&'a AttributeValue, u32>,
}

impl<'a> Half<'a> {
    fn add(&mut self, week: &'a WeekShare) {
        self.weeks += 1;
        self.picks = self.picks.saturating_add(week.picks);
        if self.first_week.is_none_or(|w| week.week.as_str() < w) {
            self.first_week = Some(&week.week);
        }
        for s in &week.shares {
            let e = self.values.entry(&s.attribute).or_default();
            *e = e.saturating_add(s.picks);
        }
    }

    fn share(&self, value: &AttributeValue) -> f64 {
        f64::from(self.values.get(value).copied().unwrap_or(0)) / f64::from(self.picks)
    }

    fn enough(&self) -> bool {
        self.weeks >= DRIFT_MIN_WEEKS && self.picks >= DRIFT_MIN_PICKS
    }
}

/// Per category, the value that fell most and the one that rose most, largest drift first.
fn drift(evolution: &[WeekShare], today: &str) -> Vec<Recommendation> {
    let Some(range) = window(today, EVOLUTION_DAYS) else {
        return Vec::new();
    };
    // The second half is the last 45 days; a week goes where its Thursday falls.
    let second_start = range.end() - (EVOLUTION_DAYS / 2 - 1);
    let (mut before, mut after) = (Half::default(), Half::default());
    for week in evolution.iter().filter(|w| w.picks > 0) {
        let Some(monday) = day_number(&week.week) else {
            continue;
        };
        if monday + 6 < *range.start() || monday > *range.end() {
            continue;
        }
        if monday + 3 < second_start {
            before.add(week);
        } else {
            after.add(week);
        }
    }
    if !before.enough() || !after.enough() {
        return Vec::new();
    }
    let since_day = after.first_week.unwrap_or_default();
    let since_month = month_of(since_day).map(month_name).unwrap_or_default();

    let mut by_category: BTreeMap<&str, BTreeSet<&AttributeValue>> = BTreeMap::new();
    for v in before.values.keys().chain(after.values.keys()) {
        by_category.entry(&v.category).or_default().insert(v);
    }
    let mut found: Vec<(f64, Recommendation)> = Vec::new();
    for (category, values) in by_category {
        let moves: Vec<(&AttributeValue, f64, f64)> = values
            .into_iter()
            .map(|v| (v, before.share(v), after.share(v)))
            .collect();
        let change = |m: &(&AttributeValue, f64, f64)| m.2 - m.1;
        let fell = moves
            .iter()
            .filter(|m| change(m) <= -DRIFT_MIN_CHANGE)
            .fold(None::<&(&AttributeValue, f64, f64)>, |best, m| match best {
                Some(b) if change(b) <= change(m) => Some(b),
                _ => Some(m),
            });
        let rose = moves.iter().filter(|m| change(m) >= DRIFT_MIN_CHANGE).fold(
            None::<&(&AttributeValue, f64, f64)>,
            |best, m| match best {
                Some(b) if change(b) >= change(m) => Some(b),
                _ => Some(m),
            },
        );
        let (Some(from), Some(to)) = (fell, rose) else {
            continue;
        };
        let size = change(to) - change(from);
        found.push((
            size,
            Recommendation {
                kind: RecommendationKind::Drift,
                message: format!(
                    "your picks drifted from {} toward {} since {since_month}",
                    from.0.value, to.0.value
                ),
                evidence: json!({
                    "category": category,
                    "from": from.0.value,
                    "to": to.0.value,
                    "from_share_before": from.1,
                    "from_share_after": from.2,
                    "to_share_before": to.1,
                    "to_share_after": to.2,
                    "since": since_day,
                    "since_month": since_month,
                }),
            },
        ));
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    found.into_iter().map(|(_, r)| r).collect()
}
