//! Stage 11, analytics: the daily rollup (cron) and the designer's analytics views.
//!
//! The rollup turns one day of a user's jobs, picks, feedback and coverage reports into the rows
//! of `analytics_daily_*` (`bff_learn::rollup`) and replaces that day's rows whole, so running it
//! twice for a day changes nothing. The views read those rollups and the success tables learning
//! keeps (`vlt_attribute_success`, `style_profile_success`), never the raw rows, so each answer is
//! a few indexed reads; the figures are computed by `bff_learn::analytics`.
//!
//! Freshness: standouts, style performance and the recommendations built on them move with every
//! piece of feedback learning has applied; the time series (style evolution, the 7-day feedback
//! summary, coverage history) move when the rollup runs (daily, and on demand through the cron
//! route). Every answer says when the user's rollup last ran.

use bff_domain::Taxonomy;
use bff_learn::analytics::{
    self, AttributeRate, CoveragePoint, FeedbackSummary, ProfilePerformance, Recommendation,
    RecommendationInput, WeekShare,
};
use serde::Serialize;
use serde_json::Value;

use crate::api::ApiError;
use crate::ports::{AnalyticsStore, PortError};
use crate::time::Timestamp;

/// How long an answer may be served from the edge cache.
pub const CACHE_SECONDS: u32 = 300;
/// Days of the style evolution.
pub const EVOLUTION_DAYS: i64 = analytics::EVOLUTION_DAYS;
/// Days of the feedback summary.
pub const SUMMARY_DAYS: u32 = 7;
/// Days of the coverage history and of the "never covered" recommendation.
pub const COVERAGE_DAYS: u32 = 30;

/// The analytics views, `GET /api/analytics/<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Attribute share of the picks by week, 90 days.
    Evolution,
    /// Style-profile (cluster) performance: mean rating, standout rate.
    Styles,
    /// Standout rate by attribute value.
    Standouts,
    /// The last 7 days of feedback.
    Feedback,
    /// Coverage of the last 30 days.
    Coverage,
    /// Personalised recommendations with their evidence.
    Recommendations,
}

impl View {
    pub const ALL: [View; 6] = [
        View::Evolution,
        View::Styles,
        View::Standouts,
        View::Feedback,
        View::Coverage,
        View::Recommendations,
    ];

    pub fn name(self) -> &'static str {
        match self {
            View::Evolution => "evolution",
            View::Styles => "styles",
            View::Standouts => "standouts",
            View::Feedback => "feedback",
            View::Coverage => "coverage",
            View::Recommendations => "recommendations",
        }
    }

    /// The view of a path segment; a 404 naming the views otherwise.
    pub fn parse(name: &str) -> Result<View, ApiError> {
        View::ALL
            .into_iter()
            .find(|v| v.name() == name)
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "no analytics view {name:?}; the views are {}",
                    View::ALL.map(View::name).join(", ")
                ))
            })
    }
}

fn day_before(now: &Timestamp, days: i64) -> String {
    Timestamp::from_unix_ms(now.unix_ms() - days * 86_400_000).day()
}

/// The answer of one view for the user at `now`.
pub async fn answer(
    store: &impl AnalyticsStore,
    user_id: &str,
    view: View,
    now: &Timestamp,
) -> Result<Value, ApiError> {
    let today = now.day();
    let body = match view {
        View::Evolution => {
            let from = day_before(now, EVOLUTION_DAYS - 1);
            let totals = store.daily_totals(user_id, &from, &today).await?;
            let attributes = store.daily_attributes(user_id, &from, &today).await?;
            data(EvolutionData {
                days: EVOLUTION_DAYS as u32,
                weeks: analytics::style_evolution(&totals, &attributes, &today),
            })
        }
        View::Styles => {
            let rows = store.profile_success(user_id).await?;
            let names: Vec<(String, String)> = rows
                .iter()
                .map(|(p, name)| (p.profile_id.clone(), name.clone()))
                .collect();
            let success: Vec<_> = rows.into_iter().map(|(p, _)| p).collect();
            data(StylesData {
                styles: analytics::profile_performance(&success, &names),
            })
        }
        View::Standouts => {
            let success = store.attribute_success(user_id).await?;
            let (ratings, standouts) = store.standout_totals(user_id).await?;
            data(StandoutsData {
                ratings,
                standouts,
                standout_rate: rate(standouts, ratings),
                attributes: analytics::standout_rates(&success, ratings, standouts),
            })
        }
        View::Feedback => {
            let from = day_before(now, i64::from(SUMMARY_DAYS) - 1);
            let totals = store.daily_totals(user_id, &from, &today).await?;
            data(FeedbackSummaryData {
                summary: analytics::feedback_summary(&totals, &today, SUMMARY_DAYS),
            })
        }
        View::Coverage => {
            let from = day_before(now, i64::from(COVERAGE_DAYS) - 1);
            let totals = store.daily_totals(user_id, &from, &today).await?;
            data(CoverageData {
                days: COVERAGE_DAYS,
                history: analytics::coverage_history(&totals, &today, COVERAGE_DAYS),
            })
        }
        View::Recommendations => {
            let success = store.attribute_success(user_id).await?;
            let (ratings, standouts) = store.standout_totals(user_id).await?;
            let rates = analytics::standout_rates(&success, ratings, standouts);
            let from30 = day_before(now, i64::from(COVERAGE_DAYS) - 1);
            let categories = store.daily_categories(user_id, &from30, &today).await?;
            let from90 = day_before(now, EVOLUTION_DAYS - 1);
            let totals = store.daily_totals(user_id, &from90, &today).await?;
            let attributes = store.daily_attributes(user_id, &from90, &today).await?;
            let evolution = analytics::style_evolution(&totals, &attributes, &today);
            let renderable: Vec<String> = Taxonomy::embedded()
                .categories()
                .iter()
                .filter(|c| c.renderable)
                .map(|c| c.id.to_string())
                .collect();
            let input = RecommendationInput {
                rates: &rates,
                success: &success,
                categories: &categories,
                renderable_categories: &renderable,
                evolution: &evolution,
                today: &today,
            };
            data(RecommendationsData {
                recommendations: analytics::recommendations(&input),
            })
        }
    };
    Ok(data(ViewAnswer {
        view,
        user_id: user_id.to_string(),
        today,
        data: body,
    }))
}

fn data<T: Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// A view's answer: which view, for whom, on which (UTC) day, and its data.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "openapi", schemars(rename = "{T}View"))]
pub struct ViewAnswer<T> {
    pub view: View,
    pub user_id: String,
    pub today: String,
    pub data: T,
}

/// `evolution`: the share of each value in the picks, week by week.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct EvolutionData {
    pub days: u32,
    pub weeks: Vec<WeekShare>,
}

/// `styles`: each style profile's performance.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StylesData {
    pub styles: Vec<ProfilePerformance>,
}

/// `standouts`: the user's ratings, standouts, and standout rate by value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StandoutsData {
    pub ratings: u32,
    pub standouts: u32,
    pub standout_rate: Option<f64>,
    pub attributes: Vec<AttributeRate>,
}

/// `feedback`: the last days' feedback.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FeedbackSummaryData {
    pub summary: FeedbackSummary,
}

/// `coverage`: the picks' coverage, day by day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CoverageData {
    pub days: u32,
    pub history: Vec<CoveragePoint>,
}

/// `recommendations`: what to try next, each with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RecommendationsData {
    pub recommendations: Vec<Recommendation>,
}

pub type EvolutionView = ViewAnswer<EvolutionData>;
pub type StylesView = ViewAnswer<StylesData>;
pub type StandoutsView = ViewAnswer<StandoutsData>;
pub type FeedbackSummaryView = ViewAnswer<FeedbackSummaryData>;
pub type CoverageView = ViewAnswer<CoverageData>;
pub type RecommendationsView = ViewAnswer<RecommendationsData>;

fn rate(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

/// What a rollup run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollupReport {
    pub days: Vec<String>,
    /// (day, users rolled up).
    pub users: Vec<(String, usize)>,
}

/// Rolls up `days` for every user active on each of them (the cron passes yesterday and today, so
/// that a run after midnight completes the day before). Idempotent.
pub async fn roll_up(
    store: &impl AnalyticsStore,
    days: &[String],
    now: &Timestamp,
) -> Result<RollupReport, PortError> {
    let mut report = RollupReport {
        days: days.to_vec(),
        users: Vec::new(),
    };
    for day in days {
        let users = store.active_users(day).await?;
        for user_id in &users {
            let input = store.day_input(user_id, day).await?;
            let rollup = bff_learn::rollup::roll_up(&input);
            store.save_rollup(user_id, &rollup, now).await?;
        }
        report.users.push((day.clone(), users.len()));
    }
    Ok(report)
}

/// Yesterday and today at `now` (UTC), the days the daily cron rolls up.
pub fn cron_days(now: &Timestamp) -> Vec<String> {
    vec![day_before(now, 1), now.day()]
}
