//! The consumer's log lines, one per settled message, on the component's stdout.
//!
//! The end-to-end checks and the pipeline benchmark parse the first one exactly as the Workers
//! print it (`bff_cloudflare::consumer`):
//!
//! ```text
//! bff-handled <queue> job=<job_id> message=<message_id> d1_statements=<n> d1_round_trips=<n> outcome=<json>
//! bff-retrying <queue> job=<job_id> message=<message_id> attempt=<n>/<max>: <error>; retrying in <ms> ms
//! bff-gave-up <queue> job=<job_id> message=<message_id> attempts=<n> dead_lettered=<bool> reason=<text>
//! bff-refused <queue> message=<message_id> error=<text>
//! ```
//!
//! `d1_statements` and `d1_round_trips` are the database work of the stage's handler
//! ([`crate::meter`]), named as on Workers so that one parser reads both. Texts are on one line.

use bff_pipeline::messages::Message;
use bff_store::queue::{Claimed, Settled, MAX_ATTEMPTS};

use crate::text::one_line;
use bff_http::platform::Cost;

/// The job a claimed message is about, or `-` when its body does not decode.
fn job_of(claimed: &Claimed) -> String {
    Message::decode(&claimed.queue, &claimed.body)
        .map(|m| m.key().job_id)
        .unwrap_or_else(|_| "-".into())
}

/// The line for a settled message; `cost` is the handler's database work (used by handled
/// messages only).
pub fn line(settled: &Settled, cost: Cost) -> String {
    match settled {
        Settled::Handled {
            claimed,
            job_id,
            outcome,
        } => bff_http::platform::handled_line(
            &claimed.queue,
            job_id,
            &claimed.message_id,
            cost,
            &serde_json::to_string(outcome).unwrap_or_default(),
        ),
        Settled::Retrying {
            claimed,
            error,
            after_ms,
        } => format!(
            "bff-retrying {} job={} message={} attempt={}/{}: {}; retrying in {} ms",
            claimed.queue,
            job_of(claimed),
            claimed.message_id,
            claimed.attempts,
            MAX_ATTEMPTS,
            one_line(error),
            after_ms
        ),
        Settled::GaveUp {
            claimed,
            reason,
            dead_lettered,
        } => format!(
            "bff-gave-up {} job={} message={} attempts={} dead_lettered={} reason={}",
            claimed.queue,
            job_of(claimed),
            claimed.message_id,
            claimed.attempts,
            dead_lettered,
            one_line(reason)
        ),
        Settled::Refused { claimed, error } => format!(
            "bff-refused {} message={} error={}",
            claimed.queue,
            claimed.message_id,
            one_line(error)
        ),
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

    #[test]
    fn handled_lines_read_as_on_workers() {
        let settled = Settled::Handled {
            claimed: claimed(BODY, 1),
            job_id: "job-1".into(),
            outcome: StageOutcome::Done { sent: 1 },
        };
        let cost = Cost {
            statements: 4,
            round_trips: 7,
        };
        assert_eq!(
            line(&settled, cost),
            format!(
                "bff-handled bff-generate job=job-1 message=m-1 d1_statements=4 d1_round_trips=7 outcome={}",
                serde_json::to_string(&StageOutcome::Done { sent: 1 }).unwrap()
            )
        );
    }

    #[test]
    fn retries_give_ups_and_refusals_have_their_own_lines() {
        let retrying = Settled::Retrying {
            claimed: claimed(BODY, 2),
            error: "store down\nStack".into(),
            after_ms: 2000,
        };
        let line_text = line(&retrying, Cost::default());
        assert!(
            line_text.starts_with("bff-retrying bff-generate job="),
            "{line_text}"
        );
        assert!(
            line_text.contains(" message=m-1 attempt=2/4: store down Stack; retrying in 2000 ms")
        );

        let gave_up = Settled::GaveUp {
            claimed: claimed("{}", 4),
            reason: "no job".into(),
            dead_lettered: true,
        };
        assert_eq!(
            line(&gave_up, Cost::default()),
            "bff-gave-up bff-generate job=- message=m-1 attempts=4 dead_lettered=true reason=no job"
        );

        let refused = Settled::Refused {
            claimed: claimed("nope", 1),
            error: "malformed".into(),
        };
        assert_eq!(
            line(&refused, Cost::default()),
            "bff-refused bff-generate message=m-1 error=malformed"
        );
    }
}
