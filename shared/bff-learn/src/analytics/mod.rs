//! What the designer sees of their own history: all computed from the daily rollups and the
//! success tables, so that each read touches at most a few hundred rows.
//!
//! - [`style_evolution`]: which values their picks showed, week by week, over the last
//!   [`EVOLUTION_DAYS`] days.
//! - [`profile_performance`]: their style profiles, best first.
//! - [`standout_rates`]: which values their standouts show, against their overall rate.
//! - [`feedback_summary`] and [`coverage_history`]: the last days at a glance.
//! - [`recommendations`]: a few things to try, each with the evidence behind it.
//!
//! Windows are whole UTC days ending `today` (`"YYYY-MM-DD"`), `today` included; an invalid
//! `today` gives empty results rather than a guess. Rows listed twice for the same day are
//! added together.

mod recommend;

pub use recommend::{
    recommendations, Recommendation, RecommendationInput, RecommendationKind, DRIFT_MIN_CHANGE,
    DRIFT_MIN_PICKS, DRIFT_MIN_WEEKS, MAX_RECOMMENDATIONS, NEVER_COVERED_DAYS,
    TRY_LESS_DISLIKE_MARGIN, TRY_LESS_MAX_MEAN, TRY_LESS_MIN_RATINGS, TRY_MORE_MIN_LIFT,
    TRY_MORE_MIN_RATINGS,
};

use crate::day::{day_from_number, day_number, monday_of};
use crate::rollup::{DailyAttribute, DailyTotals};
use crate::success::{ratio, AttributeSuccess, ProfileSuccess};
use bff_domain::AttributeValue;
use core::cmp::Ordering;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The style evolution window, in days: long enough to see a season turn.
pub const EVOLUTION_DAYS: i64 = 90;

/// The day numbers `[today − (days − 1), today]`, or `None` when `today` is invalid or the
/// window empty.
pub(crate) fn window(today: &str, days: i64) -> Option<core::ops::RangeInclusive<i64>> {
    let end = day_number(today)?;
    (days > 0).then(|| end - (days - 1)..=end)
}

/// One week of picks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct WeekShare {
    /// The week's Monday, `"YYYY-MM-DD"`.
    pub week: String,
    /// Designs picked that week (in the window).
    pub picks: u32,
    /// One entry per value shown by at least one pick, sorted by attribute.
    pub shares: Vec<ValueShare>,
}

/// How much of a week's picks showed a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ValueShare {
    /// The value.
    pub attribute: AttributeValue,
    /// Picks showing it.
    pub picks: u32,
    /// Share of that week's picks showing the value.
    pub share: f64,
}

/// The last 90 days by week, oldest first, weeks with no picks omitted.
///
/// Weeks are labelled by their Monday; the oldest week may start before the window and then
/// counts only its days inside it. Week totals come from `totals`, value counts from
/// `attributes`.
pub fn style_evolution(
    totals: &[DailyTotals],
    attributes: &[DailyAttribute],
    today: &str,
) -> Vec<WeekShare> {
    let Some(range) = window(today, EVOLUTION_DAYS) else {
        return Vec::new();
    };
    let week_of = |day: &str| day_number(day).filter(|n| range.contains(n)).map(monday_of);
    let mut weeks: BTreeMap<i64, (u32, BTreeMap<&AttributeValue, u32>)> = BTreeMap::new();
    for t in totals {
        if let Some(w) = week_of(&t.day) {
            let e = weeks.entry(w).or_default();
            e.0 = e.0.saturating_add(t.picks);
        }
    }
    for a in attributes.iter().filter(|a| a.picks > 0) {
        if let Some(w) = week_of(&a.day) {
            let e = weeks
                .entry(w)
                .or_default()
                .1
                .entry(&a.attribute)
                .or_default();
            *e = e.saturating_add(a.picks);
        }
    }
    weeks
        .into_iter()
        .filter(|(_, (picks, _))| *picks > 0)
        .map(|(monday, (picks, values))| WeekShare {
            week: day_from_number(monday),
            picks,
            shares: values
                .into_iter()
                .map(|(attribute, n)| ValueShare {
                    attribute: attribute.clone(),
                    picks: n,
                    share: f64::from(n) / f64::from(picks),
                })
                .collect(),
        })
        .collect()
}

/// How one style profile performs for the designer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ProfilePerformance {
    /// The style profile.
    pub profile_id: String,
    /// Its readable name (the id when none is known).
    pub name: String,
    /// Designs generated in it.
    pub generations: u32,
    /// Rated designs.
    pub ratings: u32,
    /// Mean rating, when rated.
    pub mean_rating: Option<f64>,
    /// Standout designs.
    pub standouts: u32,
    /// Standouts per rating, when rated.
    pub standout_rate: Option<f64>,
}

/// Descending order of optional numbers, missing ones last.
fn desc_missing_last(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Best first (standout rate, then mean rating, then id); `names` are `(profile_id, name)`.
pub fn profile_performance(
    success: &[ProfileSuccess],
    names: &[(String, String)],
) -> Vec<ProfilePerformance> {
    let names: BTreeMap<&str, &str> = names
        .iter()
        .map(|(id, name)| (id.as_str(), name.as_str()))
        .collect();
    let mut out: Vec<ProfilePerformance> = success
        .iter()
        .map(|s| ProfilePerformance {
            profile_id: s.profile_id.clone(),
            name: names
                .get(s.profile_id.as_str())
                .map_or_else(|| s.profile_id.clone(), |n| n.to_string()),
            generations: s.generations,
            ratings: s.ratings,
            mean_rating: s.mean_rating(),
            standouts: s.standouts,
            standout_rate: s.standout_rate(),
        })
        .collect();
    out.sort_by(|a, b| {
        desc_missing_last(a.standout_rate, b.standout_rate)
            .then_with(|| desc_missing_last(a.mean_rating, b.mean_rating))
            .then_with(|| a.profile_id.cmp(&b.profile_id))
    });
    out
}

/// How often designs showing a value stood out, against the designer's usual rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AttributeRate {
    /// The value.
    pub attribute: AttributeValue,
    /// Rated designs showing it.
    pub ratings: u32,
    /// Standout designs showing it.
    pub standouts: u32,
    /// `standouts / ratings`.
    pub standout_rate: f64,
    /// Rate / the user's overall standout rate; `None` while they have no standout.
    pub lift: Option<f64>,
}

/// Values with >= 1 rating, highest rate first (then more ratings, then attribute).
///
/// `overall_ratings` and `overall_standouts` are the designer's totals over all designs.
pub fn standout_rates(
    success: &[AttributeSuccess],
    overall_ratings: u32,
    overall_standouts: u32,
) -> Vec<AttributeRate> {
    let your_rate = ratio(f64::from(overall_standouts), overall_ratings).filter(|r| *r > 0.0);
    let mut out: Vec<AttributeRate> = success
        .iter()
        .filter(|s| s.ratings >= 1)
        .map(|s| {
            let rate = f64::from(s.standouts) / f64::from(s.ratings);
            AttributeRate {
                attribute: s.attribute.clone(),
                ratings: s.ratings,
                standouts: s.standouts,
                standout_rate: rate,
                lift: your_rate.map(|y| rate / y),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.standout_rate
            .total_cmp(&a.standout_rate)
            .then_with(|| b.ratings.cmp(&a.ratings))
            .then_with(|| a.attribute.cmp(&b.attribute))
    });
    out
}

/// The feedback of the last days at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FeedbackSummary {
    /// The window, in days, ending today.
    pub days: u32,
    /// Pieces of feedback.
    pub feedback: u32,
    /// Ratings.
    pub ratings: u32,
    /// Mean rating, when rated.
    pub mean_rating: Option<f64>,
    /// Likes.
    pub likes: u32,
    /// Dislikes.
    pub dislikes: u32,
    /// Standouts.
    pub standouts: u32,
    /// Standouts per rating, when rated.
    pub standout_rate: Option<f64>,
    /// The days of the window that have a rollup, oldest first.
    pub by_day: Vec<DailyTotals>,
}

/// The rollups of the window, one per day (duplicates added), oldest first.
fn days_in_window(totals: &[DailyTotals], today: &str, days: u32) -> Vec<DailyTotals> {
    let Some(range) = window(today, i64::from(days)) else {
        return Vec::new();
    };
    let mut by_day: BTreeMap<i64, DailyTotals> = BTreeMap::new();
    for t in totals {
        let Some(n) = day_number(&t.day).filter(|n| range.contains(n)) else {
            continue;
        };
        by_day
            .entry(n)
            .and_modify(|m| add_totals(m, t))
            .or_insert_with(|| t.clone());
    }
    by_day.into_values().collect()
}

fn add_totals(into: &mut DailyTotals, t: &DailyTotals) {
    into.jobs = into.jobs.saturating_add(t.jobs);
    into.images = into.images.saturating_add(t.images);
    into.picks = into.picks.saturating_add(t.picks);
    into.feedback = into.feedback.saturating_add(t.feedback);
    into.ratings = into.ratings.saturating_add(t.ratings);
    into.rating_sum += t.rating_sum;
    into.likes = into.likes.saturating_add(t.likes);
    into.dislikes = into.dislikes.saturating_add(t.dislikes);
    into.standouts = into.standouts.saturating_add(t.standouts);
    into.coverage_reports = into.coverage_reports.saturating_add(t.coverage_reports);
    into.coverage_sum += t.coverage_sum;
}

/// The `days` days ending today.
pub fn feedback_summary(totals: &[DailyTotals], today: &str, days: u32) -> FeedbackSummary {
    let by_day = days_in_window(totals, today, days);
    let mut sum = DailyTotals::default();
    for t in &by_day {
        add_totals(&mut sum, t);
    }
    FeedbackSummary {
        days,
        feedback: sum.feedback,
        ratings: sum.ratings,
        mean_rating: ratio(sum.rating_sum, sum.ratings),
        likes: sum.likes,
        dislikes: sum.dislikes,
        standouts: sum.standouts,
        standout_rate: ratio(f64::from(sum.standouts), sum.ratings),
        by_day,
    }
}

/// One day of coverage reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CoveragePoint {
    /// The UTC day.
    pub day: String,
    /// Coverage reports that day.
    pub reports: u32,
    /// Their mean overall coverage, when there were any.
    pub mean_overall: Option<f64>,
}

/// One point per day of the `days` days ending today that has a rollup, oldest first.
pub fn coverage_history(totals: &[DailyTotals], today: &str, days: u32) -> Vec<CoveragePoint> {
    days_in_window(totals, today, days)
        .into_iter()
        .map(|t| CoveragePoint {
            mean_overall: ratio(t.coverage_sum, t.coverage_reports),
            reports: t.coverage_reports,
            day: t.day,
        })
        .collect()
}

#[cfg(test)]
mod tests;
