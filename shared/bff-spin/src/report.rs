//! The consumer's log records, one JSON line per settled message on the component's stdout,
//! the same records the Workers' consumer logs (`bff_http::platform::LogRecord`):
//!
//! - `message`: handled, with the database work of the stage's handler ([`crate::meter`]), how
//!   long it took and the outcome (the end-to-end checks and the pipeline benchmark read these);
//! - `retry`: the attempt failed and the message is visible again after `retry_in_ms`;
//! - `gave_up`: the last attempt failed (dead-lettered, or not when the handler said so);
//! - `refused`: the body could not be read.

use bff_http::platform::{handled_line, user_hash, Cost, LogRecord};
use bff_pipeline::messages::Message;
use bff_pipeline::Timestamp;
use bff_store::queue::{Claimed, Settled, MAX_ATTEMPTS};

use crate::text::one_line;

/// The job and user a claimed message is about, when its body decodes.
fn key_of(claimed: &Claimed) -> Option<(String, String)> {
    Message::decode(&claimed.queue, &claimed.body)
        .ok()
        .map(|m| m.key())
        .map(|k| (k.job_id, k.user_id))
}

/// The record of a settled message; `cost` is the handler's database work and `duration_ms`
/// how long the handling took (both used by handled messages only).
pub fn line(settled: &Settled, cost: Cost, now: &Timestamp, duration_ms: u64) -> String {
    let record = |event, claimed: &Claimed, error: String, outcome| {
        let key = key_of(claimed);
        LogRecord {
            event,
            time: Some(now.as_str()),
            source: &claimed.queue,
            request_id: Some(&claimed.message_id),
            user: key.as_ref().map(|(_, user)| user_hash(user)),
            job_id: key.as_ref().map(|(job, _)| job.as_str()),
            error: Some(&one_line(&error)),
            outcome: Some(outcome),
            ..LogRecord::default()
        }
        .line()
    };
    match settled {
        Settled::Handled {
            claimed,
            job_id,
            outcome,
        } => handled_line(
            "message",
            &claimed.queue,
            now,
            &key_of(claimed).map(|(_, user)| user).unwrap_or_default(),
            job_id,
            Some(&claimed.message_id),
            cost,
            Some(duration_ms),
            serde_json::to_value(outcome).unwrap_or_default(),
        ),
        Settled::Retrying {
            claimed,
            error,
            after_ms,
        } => record(
            "retry",
            claimed,
            error.clone(),
            serde_json::json!({
                "attempt": claimed.attempts, "max_attempts": MAX_ATTEMPTS, "retry_in_ms": after_ms
            }),
        ),
        Settled::GaveUp {
            claimed,
            reason,
            dead_lettered,
        } => record(
            "gave_up",
            claimed,
            reason.clone(),
            serde_json::json!({ "attempts": claimed.attempts, "dead_lettered": dead_lettered }),
        ),
        Settled::Refused { claimed, error } => {
            record("refused", claimed, error.clone(), serde_json::json!({}))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bff_pipeline::stages::StageOutcome;

    fn claimed(body: &str, attempts: u32) -> Claimed {
        Claimed {
            message_id: "m-1".into(),
            queue: "bff-generate".into(),
            body: body.into(),
            attempts,
        }
    }

    const BODY: &str = r#"{"v":1,"job_id":"job-1","user_id":"user-1","variant":3}"#;

    fn at() -> Timestamp {
        Timestamp::parse("2026-12-05T10:00:00Z").unwrap()
    }

    fn record(line: &str) -> serde_json::Value {
        assert!(!line.contains('\n'), "{line}");
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    #[test]
    fn handled_records_read_as_on_workers() {
        let settled = Settled::Handled {
            claimed: claimed(BODY, 1),
            job_id: "job-1".into(),
            outcome: StageOutcome::Done { sent: 1 },
        };
        let cost = Cost {
            statements: 4,
            round_trips: 7,
        };
        let r = record(&line(&settled, cost, &at(), 12));
        assert_eq!(
            r,
            serde_json::json!({
                "event": "message", "time": "2026-12-05T10:00:00Z", "source": "bff-generate",
                "request_id": "m-1", "user": user_hash("user-1"), "job_id": "job-1",
                "duration_ms": 12, "db_statements": 4, "db_round_trips": 7,
                "outcome": serde_json::to_value(StageOutcome::Done { sent: 1 }).unwrap()
            })
        );
    }

    #[test]
    fn retries_give_ups_and_refusals_have_their_own_records() {
        let retrying = Settled::Retrying {
            claimed: claimed(BODY, 2),
            error: "store down\nStack".into(),
            after_ms: 2000,
        };
        let r = record(&line(&retrying, Cost::default(), &at(), 0));
        assert_eq!(
            (&r["event"], &r["job_id"], &r["error"], &r["outcome"]),
            (
                &serde_json::json!("retry"),
                &serde_json::json!("job-1"),
                &serde_json::json!("store down Stack"),
                &serde_json::json!({ "attempt": 2, "max_attempts": 4, "retry_in_ms": 2000 })
            )
        );
        assert_eq!(r["user"], user_hash("user-1"));

        let gave_up = Settled::GaveUp {
            claimed: claimed("{}", 4),
            reason: "no job".into(),
            dead_lettered: true,
        };
        let r = record(&line(&gave_up, Cost::default(), &at(), 0));
        assert_eq!(
            (&r["event"], &r["error"], &r["outcome"]["dead_lettered"]),
            (
                &serde_json::json!("gave_up"),
                &serde_json::json!("no job"),
                &serde_json::json!(true)
            )
        );
        assert!(
            r.get("job_id").is_none(),
            "an unreadable body names no job: {r}"
        );

        let refused = Settled::Refused {
            claimed: claimed("nope", 1),
            error: "malformed".into(),
        };
        let r = record(&line(&refused, Cost::default(), &at(), 0));
        assert_eq!(
            (&r["event"], &r["request_id"]),
            (&serde_json::json!("refused"), &serde_json::json!("m-1"))
        );
    }
}
