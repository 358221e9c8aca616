//! What the handlers need from the platform besides the pipeline's ports: calls to the other
//! functions ([`Services`]), new ids ([`Ids`]), a log ([`Log`]), the database work done
//! ([`Meter`]) and the health of its bindings ([`Check`]).

use std::cell::RefCell;

use bff_pipeline::ports::PortError;
use bff_pipeline::Timestamp;
use serde::Serialize;

use crate::message::{HttpResponse, Method};

/// The functions the gateway calls once it has authenticated a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// Plans and stores a job (`POST /plan`, a `PlanCall`).
    Prompt,
    /// `/api/feedback*`.
    Feedback,
    /// `/api/analytics/*` and `POST /internal/rollup`.
    Analytics,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::Prompt, Service::Feedback, Service::Analytics];

    /// The name of its binding (`[[services]] binding` on Workers): `PROMPT`, `FEEDBACK`,
    /// `ANALYTICS`.
    pub fn binding(self) -> &'static str {
        match self {
            Service::Prompt => "PROMPT",
            Service::Feedback => "FEEDBACK",
            Service::Analytics => "ANALYTICS",
        }
    }

    /// Its name in the health answer: `prompt`, `feedback`, `analytics`.
    pub fn name(self) -> &'static str {
        match self {
            Service::Prompt => "prompt",
            Service::Feedback => "feedback",
            Service::Analytics => "analytics",
        }
    }
}

/// The authenticated user's id on a call from the gateway to another function. Those functions
/// have no public route, so only the gateway, which sets it after checking the bearer token (and
/// never passes a client's through), can call them.
pub const USER_HEADER: &str = "X-Bff-User";

/// Calls to the other functions: service bindings on Workers, local service chaining on Spin.
#[allow(async_fn_in_trait)]
pub trait Services {
    /// Sends `method path_and_query` with `body` (JSON) to `service`, with `user_id` in
    /// [`USER_HEADER`] when given, and returns its answer as it is. `Err` when the service could
    /// not be reached (the gateway answers 503).
    async fn call(
        &self,
        service: Service,
        method: Method,
        path_and_query: &str,
        user_id: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<HttpResponse, PortError>;

    /// Whether the service is bound (for the health check), without calling it.
    fn check(&self, service: Service) -> Result<(), String> {
        let _ = service;
        Ok(())
    }
}

/// New random ids: a job's id, a development user's id and token. Workers use
/// `crypto.randomUUID()`.
pub trait Ids {
    /// A random RFC 4122 version 4 UUID (`8-4-4-4-12` lower-case hex).
    fn new_id(&self) -> Result<String, PortError>;
}

impl<F: Fn() -> Result<String, PortError>> Ids for F {
    fn new_id(&self) -> Result<String, PortError> {
        self()
    }
}

/// Where the handlers' log lines go (`console.log` / `console.error` on Workers, stdout /
/// stderr on Spin).
pub trait Log {
    fn info(&self, line: &str);
    fn error(&self, line: &str);
}

/// A log that keeps its lines, for tests.
#[derive(Debug, Default)]
pub struct RecordingLog {
    lines: RefCell<Vec<(bool, String)>>,
}

impl RecordingLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every line so far, errors marked `ERROR `.
    pub fn lines(&self) -> Vec<String> {
        self.lines
            .borrow()
            .iter()
            .map(|(error, line)| {
                if *error {
                    format!("ERROR {line}")
                } else {
                    line.clone()
                }
            })
            .collect()
    }
}

impl Log for RecordingLog {
    fn info(&self, line: &str) {
        self.lines.borrow_mut().push((false, line.to_string()));
    }

    fn error(&self, line: &str) {
        self.lines.borrow_mut().push((true, line.to_string()));
    }
}

/// Database work: statements run and round trips (a transaction is one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    pub statements: u64,
    pub round_trips: u64,
}

impl std::ops::Sub for Cost {
    type Output = Cost;
    fn sub(self, earlier: Cost) -> Cost {
        Cost {
            statements: self.statements.saturating_sub(earlier.statements),
            round_trips: self.round_trips.saturating_sub(earlier.round_trips),
        }
    }
}

/// The database work the platform's connection has done so far; two readings give the cost of
/// what happened between them.
pub trait Meter {
    fn reading(&self) -> Cost;
}

impl<F: Fn() -> Cost> Meter for F {
    fn reading(&self) -> Cost {
        self()
    }
}

/// A meter that reads zero (a platform that does not count).
pub struct NoMeter;

impl Meter for NoMeter {
    fn reading(&self) -> Cost {
        Cost::default()
    }
}

/// One structured log line: a JSON object on one line, the form every function logs what it
/// handled in (an API request, a queue message, a call behind the gateway, a retry, a give-up).
/// Log tools read the fields; the pipeline benchmark sums `db_statements` and `db_round_trips`
/// of the `message` and `call` records, and the end-to-end checks count them (`xtask`'s
/// `parse_handled`). Nothing secret goes in: the user is a hash of their id, never a token.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LogRecord<'a> {
    /// `request` (the gateway), `call` (a function behind it), `message` (a queue consumer),
    /// `retry`, `gave_up`, `refused`.
    pub event: &'a str,
    /// When it was handled (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<&'a str>,
    /// The function or queue: `bff-gateway`, `bff-prompt`, `bff-generate`, ...
    pub source: &'a str,
    /// The request id (`X-Request-Id`), or the queue message's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<&'a str>,
    /// The route's pattern (`/api/generation/:id`), never a path with its ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<&'a str>,
    /// The HTTP status of a request or call; absent for a message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// [`user_hash`] of the user it was for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    pub db_statements: u64,
    pub db_round_trips: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
}

impl LogRecord<'_> {
    /// The record as one line of JSON.
    pub fn line(&self) -> String {
        // A struct of strings and numbers always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The record with the database work `cost`.
    pub fn with_cost(mut self, cost: Cost) -> Self {
        self.db_statements = cost.statements;
        self.db_round_trips = cost.round_trips;
        self
    }
}

/// The user as logs name them: the first 16 hex digits of the SHA-256 of their id, so that a log
/// line can be followed per user without naming anyone.
pub fn user_hash(user_id: &str) -> String {
    bff_store::operations::token_hash(user_id)[..16].to_string()
}

/// The record a function logs per handled message (`message`) or synchronous call (`call`):
/// which, for whom, and the database work it took.
#[allow(clippy::too_many_arguments)]
pub fn handled_line(
    event: &str,
    source: &str,
    time: &Timestamp,
    user_id: &str,
    job_id: &str,
    message_id: Option<&str>,
    cost: Cost,
    duration_ms: Option<u64>,
    outcome: serde_json::Value,
) -> String {
    LogRecord {
        event,
        time: Some(time.as_str()),
        source,
        request_id: message_id,
        user: Some(user_hash(user_id)),
        job_id: Some(job_id),
        duration_ms,
        outcome: Some(outcome),
        ..LogRecord::default()
    }
    .with_cost(cost)
    .line()
}

/// One check of the health answer: `{"ok": true}` or `{"ok": false, "error": "..."}`; a
/// configured thing that cannot be checked at no cost is `{"ok": true, "not_probed": "why"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Check {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_probed: Option<String>,
}

impl Check {
    pub fn passed() -> Self {
        Check {
            ok: true,
            error: None,
            not_probed: None,
        }
    }

    pub fn failed(error: impl Into<String>) -> Self {
        Check {
            ok: false,
            error: Some(error.into()),
            not_probed: None,
        }
    }

    /// Configured, but not checked (and why): counted as passed.
    pub fn not_probed(why: impl Into<String>) -> Self {
        Check {
            ok: true,
            error: None,
            not_probed: Some(why.into()),
        }
    }
}

impl<T, E: std::fmt::Display> From<Result<T, E>> for Check {
    fn from(r: Result<T, E>) -> Self {
        match r {
            Ok(_) => Check::passed(),
            Err(e) => Check::failed(e.to_string()),
        }
    }
}

/// A platform check by name (`queue`, `r2`), as the health answer lists it.
pub type NamedCheck = (String, Check);

/// The platform's own checks for the health answer (its bindings exist), asked for only by a
/// health check.
pub trait PlatformChecks {
    fn checks(&self) -> Vec<NamedCheck>;
}

impl<F: Fn() -> Vec<NamedCheck>> PlatformChecks for F {
    fn checks(&self) -> Vec<NamedCheck> {
        self()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handled_line_is_one_json_object_without_the_user_id() {
        let cost = Cost {
            statements: 40,
            round_trips: 4,
        };
        let now = Timestamp::parse("2026-12-05T10:00:00Z").unwrap();
        let line = handled_line(
            "call",
            "bff-prompt",
            &now,
            "user-1",
            "j-1",
            None,
            cost,
            None,
            serde_json::json!({ "variants": 36 }),
        );
        assert!(!line.contains('\n') && !line.contains("user-1"), "{line}");
        let record: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            record,
            serde_json::json!({
                "event": "call", "time": "2026-12-05T10:00:00Z", "source": "bff-prompt",
                "user": user_hash("user-1"), "job_id": "j-1", "db_statements": 40,
                "db_round_trips": 4, "outcome": { "variants": 36 }
            })
        );
        assert_eq!(user_hash("user-1").len(), 16);
        let later = Cost {
            statements: 45,
            round_trips: 5,
        };
        assert_eq!(
            later - cost,
            Cost {
                statements: 5,
                round_trips: 1
            }
        );
    }

    #[test]
    fn checks_serialise_as_the_health_answer_shows_them() {
        let ok: Check = Ok::<(), String>(()).into();
        let bad: Check = Err::<(), _>("no binding DB").into();
        assert_eq!(serde_json::to_string(&ok).unwrap(), r#"{"ok":true}"#);
        assert_eq!(
            serde_json::to_string(&bad).unwrap(),
            r#"{"ok":false,"error":"no binding DB"}"#
        );
    }
}
