//! Per-user rate limits and quotas: what one user may ask of a deployment, so that nobody floods
//! the queues or the image budget.
//!
//! | limit | counts | window |
//! |---|---|---|
//! | `jobs_per_minute` | accepted `POST /api/generation` | the minute |
//! | `feedback_per_minute` | `POST /api/feedback` | the minute |
//! | `images_per_day` | the variants of accepted jobs | the UTC day |
//! | `active_jobs` | the user's unfinished jobs | none (checked, not counted) |
//!
//! A deployment sets them in one setting (`rate_limits`, e.g. `jobs_per_minute=5,
//! images_per_day=500`); the others keep their defaults, and `off` lifts one. Past a limit the
//! answer is 429 with `Retry-After` and a body naming the limit ([`refusal`]); the counters live
//! in the state database (`rate_counters`), one conditional upsert per request, so that
//! concurrent requests cannot pass a limit together.

use serde::Serialize;

use crate::api::ApiError;
use crate::time::Timestamp;

/// One limit of [`Limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    JobsPerMinute,
    FeedbackPerMinute,
    ImagesPerDay,
    ActiveJobs,
}

impl Limit {
    pub const ALL: [Limit; 4] = [
        Limit::JobsPerMinute,
        Limit::FeedbackPerMinute,
        Limit::ImagesPerDay,
        Limit::ActiveJobs,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Limit::JobsPerMinute => "jobs_per_minute",
            Limit::FeedbackPerMinute => "feedback_per_minute",
            Limit::ImagesPerDay => "images_per_day",
            Limit::ActiveJobs => "active_jobs",
        }
    }

    fn default_max(self) -> u32 {
        match self {
            Limit::JobsPerMinute => 10,
            Limit::FeedbackPerMinute => 120,
            Limit::ImagesPerDay => 3_000,
            Limit::ActiveJobs => 5,
        }
    }

    /// The counting window at `now`: its start, and seconds until the next one. `ActiveJobs` has
    /// none: a job must finish first, so its answer suggests a short wait.
    pub fn window(self, now: &Timestamp) -> Window {
        let ms = now.unix_ms();
        let span = match self {
            Limit::JobsPerMinute | Limit::FeedbackPerMinute => 60_000,
            Limit::ImagesPerDay => 86_400_000,
            Limit::ActiveJobs => {
                return Window {
                    start: now.clone(),
                    retry_after_seconds: ACTIVE_JOBS_RETRY_SECONDS,
                }
            }
        };
        let start = ms - ms.rem_euclid(span);
        Window {
            start: Timestamp::from_unix_ms(start),
            // At least a second: a client that waits 0 s would ask again at once.
            retry_after_seconds: (((start + span - ms) + 999) / 1000).max(1) as u64,
        }
    }
}

/// How long a user at `active_jobs` is asked to wait: about a small job's run.
const ACTIVE_JOBS_RETRY_SECONDS: u64 = 15;

/// A counting window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub start: Timestamp,
    pub retry_after_seconds: u64,
}

/// A deployment's limits; `None`: no limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    max: [Option<u32>; 4],
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max: Limit::ALL.map(|l| Some(l.default_max())),
        }
    }
}

impl Limits {
    /// Reads `name=value` pairs separated by commas over the defaults; `value` is a whole number
    /// from 1 to 1,000,000, or `off`. Unknown names and unreadable values are errors, so that a
    /// typo does not lift a limit.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut limits = Limits::default();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("limit {pair:?} is not name=value"))?;
            let (name, value) = (name.trim(), value.trim());
            let index = Limit::ALL
                .iter()
                .position(|l| l.name() == name)
                .ok_or_else(|| {
                    format!(
                        "unknown limit {name:?}; known limits: {}",
                        Limit::ALL.map(Limit::name).join(", ")
                    )
                })?;
            limits.max[index] = match value {
                "off" => None,
                number => Some(
                    number
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=1_000_000).contains(n))
                        .ok_or_else(|| {
                            format!(
                                "limit {name}: {value:?} is not a number from 1 to 1000000 or off"
                            )
                        })?,
                ),
            };
        }
        Ok(limits)
    }

    /// The most `limit` allows, or `None` when it is off.
    pub fn max(&self, limit: Limit) -> Option<u32> {
        self.max[Limit::ALL.iter().position(|l| *l == limit).unwrap_or(0)]
    }
}

/// The 429 for a request past `limit` (which allows `max` per window): the limit named in the
/// message and in `details`, with the seconds to wait (the caller sends them as `Retry-After`).
pub fn refusal(limit: Limit, max: u32, window: &Window) -> ApiError {
    let what = match limit {
        Limit::JobsPerMinute => format!("{max} generation jobs a minute"),
        Limit::FeedbackPerMinute => format!("{max} feedback requests a minute"),
        Limit::ImagesPerDay => format!("{max} images a day"),
        Limit::ActiveJobs => format!("{max} unfinished jobs at once"),
    };
    ApiError::too_many_requests(format!(
        "rate limit {}: this deployment allows {what}; try again in {} s",
        limit.name(),
        window.retry_after_seconds
    ))
    .with_details(serde_json::json!({
        "limit": limit.name(),
        "max": max,
        "retry_after_seconds": window.retry_after_seconds,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_over_the_defaults_strictly() {
        let limits = Limits::parse(" jobs_per_minute = 3, images_per_day=off ,,").unwrap();
        assert_eq!(limits.max(Limit::JobsPerMinute), Some(3));
        assert_eq!(limits.max(Limit::ImagesPerDay), None);
        assert_eq!(limits.max(Limit::ActiveJobs), Some(5));
        assert_eq!(Limits::parse("").unwrap(), Limits::default());
        for bad in [
            "jobs_per_hour=3",
            "jobs_per_minute=0",
            "jobs_per_minute=-1",
            "jobs_per_minute=many",
            "jobs_per_minute",
        ] {
            assert!(Limits::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn windows_start_on_the_minute_and_the_utc_day() {
        let now = Timestamp::parse("2026-12-05T10:41:20.250Z").unwrap();
        let minute = Limit::JobsPerMinute.window(&now);
        assert_eq!(minute.start.as_str(), "2026-12-05T10:41:00.000Z");
        assert_eq!(minute.retry_after_seconds, 40);
        let day = Limit::ImagesPerDay.window(&now);
        assert_eq!(day.start.as_str(), "2026-12-05T00:00:00.000Z");
        assert_eq!(day.retry_after_seconds, 13 * 3600 + 18 * 60 + 40);
        let edge = Timestamp::parse("2026-12-05T10:41:59.999Z").unwrap();
        assert_eq!(
            Limit::FeedbackPerMinute.window(&edge).retry_after_seconds,
            1
        );
        assert_eq!(Limit::ActiveJobs.window(&now).retry_after_seconds, 15);
    }

    #[test]
    fn a_refusal_names_its_limit() {
        let now = Timestamp::parse("2026-12-05T10:41:20Z").unwrap();
        let e = refusal(Limit::JobsPerMinute, 3, &Limit::JobsPerMinute.window(&now));
        assert_eq!((e.status, e.code), (429, "rate_limited"));
        assert!(
            e.message.contains("jobs_per_minute") && e.message.contains("40 s"),
            "{}",
            e.message
        );
        let details = e.details.unwrap();
        assert_eq!(details["limit"], "jobs_per_minute");
        assert_eq!(details["max"], 3);
        assert_eq!(details["retry_after_seconds"], 40);
    }
}
