//! What the handlers need from the platform besides the pipeline's ports: calls to the other
//! functions ([`Services`]), new ids ([`Ids`]), a log ([`Log`]), the database work done
//! ([`Meter`]) and the health of its bindings ([`Check`]).

use std::cell::RefCell;

use bff_pipeline::ports::PortError;
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

/// The line a function logs per handled message or request, which the pipeline benchmark sums
/// and the end-to-end redelivery check counts (`xtask`'s `parse_handled` reads it):
/// `bff-handled <queue or worker> job=<id> message=<id or -> d1_statements=<n> d1_round_trips=<n>
/// outcome=<json>`.
pub fn handled_line(
    source: &str,
    job_id: &str,
    message_id: &str,
    cost: Cost,
    outcome: &str,
) -> String {
    format!(
        "bff-handled {source} job={job_id} message={message_id} d1_statements={} d1_round_trips={} outcome={outcome}",
        cost.statements, cost.round_trips
    )
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
    fn the_handled_line_keeps_its_format() {
        let cost = Cost {
            statements: 40,
            round_trips: 4,
        };
        assert_eq!(
            handled_line("bff-prompt", "j-1", "-", cost, "{\"variants\":36}"),
            "bff-handled bff-prompt job=j-1 message=- d1_statements=40 d1_round_trips=4 outcome={\"variants\":36}"
        );
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
