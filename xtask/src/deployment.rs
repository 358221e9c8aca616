//! A running deployment of the pipeline, as the end-to-end checks see it.
//!
//! The checks (`e2e`, `e2e_feedback`) speak to the public HTTP API like any client, and need from
//! the deployment only what a client cannot do: run the two scheduled jobs now, read the database
//! directly (to recompute figures independently of the code under test), and read its log (which
//! messages each stage handled, and for failure reports). [`workers::Dev`](crate::workers::Dev)
//! implements it for the Cloudflare Workers under `wrangler dev`; a Spin deployment implements it
//! with its internal routes (`POST /internal/sweep`, `POST /internal/rollup` with
//! `Authorization: Bearer <internal secret>`), a native PostgreSQL or SQLite connection and
//! Spin's log.

use std::path::Path;

use anyhow::Result;
use serde_json::Value;

/// A running deployment of the whole pipeline.
pub trait Deployment {
    /// A short, stable name: `workers` (Cloudflare Workers under `wrangler dev`), `spin`.
    fn name(&self) -> &str;

    /// Where the public API answers: `http://host:port`, no trailing slash.
    fn base_url(&self) -> &str;

    /// Runs the sweep of stalled jobs and unlearned feedback once (what the 10-minute schedule
    /// runs); an error when the deployment refused or failed it. The work it starts may finish
    /// after it returns.
    fn sweep(&self) -> Result<()>;

    /// Runs the daily analytics rollup once (what the daily schedule runs); an error when the
    /// deployment refused or failed it. The rollup may finish after it returns: the checks wait
    /// for its rows.
    fn rollup(&self) -> Result<()>;

    /// The rows of one read-only SQL statement on the deployment's database, read directly (not
    /// through the pipeline), each a JSON object keyed by column name: NULL → null, integers →
    /// integral numbers, floats → numbers, text and JSON columns → strings.
    fn query(&self, sql: &str) -> Result<Vec<Value>>;

    /// Where the deployment's output goes (named in failure reports).
    fn log_path(&self) -> &Path;

    /// Everything the deployment has logged so far.
    fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Every message (or synchronous stage call) handled for `job_id`, in log order, from the
    /// `bff-handled` lines the stages log.
    fn handled(&self, job_id: &str) -> Vec<Handled> {
        handled_in(&self.log(), job_id)
    }

    /// The last `lines` lines of the log.
    fn log_tail(&self, lines: usize) -> String {
        let log = self.log();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

/// One message (or prompt or feedback call) a stage handled, as its log line says:
/// `bff-handled <queue> job=<id> message=<id> d1_statements=<n> d1_round_trips=<n> …`
/// (`db_statements` and `db_round_trips` are read as the same fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    pub queue: String,
    pub job_id: String,
    pub message_id: String,
    /// Database statements the handling ran.
    pub statements: u64,
    /// Database round trips it took (a batch is one).
    pub round_trips: u64,
}

/// The `bff-handled` lines of `log` about `job_id`, in order.
pub fn handled_in(log: &str, job_id: &str) -> Vec<Handled> {
    log.lines()
        .filter_map(parse_handled)
        .filter(|h| h.job_id == job_id)
        .collect()
}

fn parse_handled(line: &str) -> Option<Handled> {
    let rest = &line[line.find("bff-handled ")? + "bff-handled ".len()..];
    let mut words = rest.split_whitespace();
    let queue = words.next()?.to_string();
    let mut field = |names: &[&str]| {
        let (name, value) = words.next()?.split_once('=')?;
        names.contains(&name).then(|| value.to_string())
    };
    Some(Handled {
        queue,
        job_id: field(&["job"])?,
        message_id: field(&["message"])?,
        statements: field(&["d1_statements", "db_statements"])?.parse().ok()?,
        round_trips: field(&["d1_round_trips", "db_round_trips"])?.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_handled_lines() {
        let line = "[wrangler:info] bff-handled bff-embed job=j-1 message=abc d1_statements=7 \
                    d1_round_trips=4 outcome={\"done\":true}";
        let embed = Handled {
            queue: "bff-embed".into(),
            job_id: "j-1".into(),
            message_id: "abc".into(),
            statements: 7,
            round_trips: 4,
        };
        assert_eq!(parse_handled(line), Some(embed.clone()));
        let neutral = "bff-handled bff-embed job=j-1 message=abc db_statements=7 db_round_trips=4";
        assert_eq!(parse_handled(neutral), Some(embed.clone()));
        assert_eq!(parse_handled("bff-handled bff-embed job=j-1"), None);
        assert_eq!(
            parse_handled("bff-handled bff-embed job=j-1 message=abc rows=7 d1_round_trips=4"),
            None
        );
        assert_eq!(parse_handled("GET /api/generation/j-1 200"), None);
        let log = format!("{line}\nbff-handled bff-embed job=j-2 message=x d1_statements=1 d1_round_trips=1\n{line}");
        assert_eq!(handled_in(&log, "j-1"), vec![embed.clone(), embed]);
    }
}
