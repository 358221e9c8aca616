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
//!
//! SQL given to [`Deployment::query`] must read the same on SQLite and PostgreSQL 15: plain
//! `SELECT`s over the shared tables and views, `COALESCE` rather than `IFNULL`, no SQLite
//! functions (`json_*`, `hex`, `strftime`), `ORDER BY` wherever order matters, lower-case column
//! aliases. JSON columns come back as their JSON text in a string (read them with
//! [`json_column`]); aggregates whose type differs between the two (`AVG` and `SUM` of `BIGINT`
//! are `NUMERIC` on PostgreSQL, which the native connection refuses) are computed in Rust from the
//! rows.

use std::path::Path;

use anyhow::{Context, Result};
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
    ///
    /// It reads every user's rows: the checks count rows across users ("bad input wrote
    /// nothing"), which would pass without looking if row security hid them. On PostgreSQL that
    /// means the system scope (`bff.scope = 'system'`) or a role that bypasses row security.
    fn query(&self, sql: &str) -> Result<Vec<Value>>;

    /// Where the deployment's output goes (named in failure reports).
    fn log_path(&self) -> &Path;

    /// Everything the deployment has logged so far.
    fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Every message (or synchronous stage call) handled for `job_id`, in log order, from the
    /// `message` and `call` log records the stages log.
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

/// One message (or prompt or feedback call) a stage handled, as its log record says: a JSON
/// line with `"event": "message"` (or `"call"`), `source`, `job_id`, `request_id` (the message's
/// id; `-` for a call), `db_statements` and `db_round_trips`.
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

/// The `message` and `call` log records of `log` about `job_id`, in order.
pub fn handled_in(log: &str, job_id: &str) -> Vec<Handled> {
    log.lines()
        .filter_map(parse_handled)
        .filter(|h| h.job_id == job_id)
        .collect()
}

fn parse_handled(line: &str) -> Option<Handled> {
    let record = log_record(line)?;
    if !matches!(record["event"].as_str(), Some("message" | "call")) {
        return None;
    }
    Some(Handled {
        queue: record["source"].as_str()?.to_string(),
        job_id: record["job_id"].as_str()?.to_string(),
        message_id: record["request_id"].as_str().unwrap_or("-").to_string(),
        statements: record["db_statements"].as_u64()?,
        round_trips: record["db_round_trips"].as_u64()?,
    })
}

/// The structured record of a log line: the JSON object from the line's first `{` (a runtime may
/// put text around it, such as `[wrangler:info]` or a terminal's colour codes), if it is one with
/// an `event`.
pub fn log_record(line: &str) -> Option<Value> {
    let from = line.get(line.find('{')?..)?;
    let record: Value = serde_json::Deserializer::from_str(from)
        .into_iter::<Value>()
        .next()?
        .ok()?;
    record.get("event")?.as_str()?;
    Some(record)
}

/// Every structured record of `log` whose `event` is `event`.
pub fn log_records(log: &str, event: &str) -> Vec<Value> {
    log.lines()
        .filter_map(log_record)
        .filter(|r| r["event"] == event)
        .collect()
}

/// `text` as an SQL string literal (quotes doubled), the same in both dialects.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// An integer column: an integral number, or its decimal text (as some drivers return `BIGINT`
/// or `NUMERIC`); `None` for null or anything else.
pub fn integer(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A floating-point column (a number or its decimal text); NaN for null, so it never compares
/// equal.
pub fn float(value: &Value) -> f64 {
    match value {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => s.trim().parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

/// A JSON column: its JSON text parsed (SQLite's TEXT, PostgreSQL's `jsonb` as read by a native
/// connection), or the value itself when a driver already decoded it.
pub fn json_column(value: &Value) -> Result<Value> {
    match value {
        Value::String(text) => {
            serde_json::from_str(text).with_context(|| format!("JSON column is not JSON: {text}"))
        }
        other => Ok(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_handled_records() {
        let line = r#"[wrangler:info] {"event":"message","time":"2026-12-05T10:00:00.000Z","source":"bff-embed","request_id":"abc","user":"0123456789abcdef","job_id":"j-1","duration_ms":3,"db_statements":7,"db_round_trips":4,"outcome":{"done":true}}"#;
        let embed = Handled {
            queue: "bff-embed".into(),
            job_id: "j-1".into(),
            message_id: "abc".into(),
            statements: 7,
            round_trips: 4,
        };
        assert_eq!(parse_handled(line), Some(embed.clone()));
        let call = r#"{"event":"call","source":"bff-prompt","job_id":"j-1","db_statements":40,"db_round_trips":4}"#;
        assert_eq!(
            parse_handled(call).map(|h| (h.queue, h.message_id, h.statements)),
            Some(("bff-prompt".to_string(), "-".to_string(), 40))
        );
        let retry = r#"{"event":"retry","source":"bff-embed","job_id":"j-1","db_statements":0,"db_round_trips":0}"#;
        assert_eq!(parse_handled(retry), None);
        assert_eq!(
            parse_handled(r#"{"event":"message","source":"bff-embed"}"#),
            None
        );
        assert_eq!(parse_handled("GET /api/generation/j-1 200"), None);
        assert_eq!(parse_handled("{not json"), None);
        // As wrangler prints a console.error: colour codes around the record.
        let coloured = "\u{1b}[31m✘ \u{1b}[41;31m[\u{1b}[41;97mERROR\u{1b}[41;31m]\u{1b}[0m \u{1b}[1m{\"event\":\"retry\",\"source\":\"bff-generate\",\"error\":\"outage\"}\u{1b}[0m";
        assert_eq!(log_records(coloured, "retry")[0]["error"], "outage");
        let other = r#"{"event":"message","source":"bff-embed","request_id":"x","job_id":"j-2","db_statements":1,"db_round_trips":1}"#;
        let log = format!("{line}\n{other}\n{line}");
        assert_eq!(handled_in(&log, "j-1"), vec![embed.clone(), embed]);
        assert_eq!(log_records(&log, "message").len(), 3);
    }

    #[test]
    fn reads_columns_of_either_database() {
        assert_eq!(integer(&json!(3)), Some(3));
        assert_eq!(integer(&json!(3.0)), Some(3));
        assert_eq!(integer(&json!("12")), Some(12));
        assert_eq!(integer(&json!(null)), None);
        assert_eq!(integer(&json!(2.5)), None);
        assert_eq!(float(&json!("2.5")), 2.5);
        assert!(float(&json!(null)).is_nan());
        assert_eq!(
            json_column(&json!("[{\"category\":\"a\"}]")).unwrap(),
            json!([{ "category": "a" }])
        );
        assert_eq!(json_column(&json!([1])).unwrap(), json!([1]));
        assert!(json_column(&json!("not json")).is_err());
        assert_eq!(literal("o'brien"), "'o''brien'");
    }
}
