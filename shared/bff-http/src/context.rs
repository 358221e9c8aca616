//! The context of the functions behind the gateway that write (prompt, feedback): the store, the
//! queues, the time and the platform's log and meter.

use bff_pipeline::api::{ApiError, MAX_BODY_BYTES};
use bff_pipeline::Timestamp;
use bff_store::SqlStore;

use crate::message::{HttpRequest, HttpResponse};
use crate::platform::{Log, Meter, USER_HEADER};

/// What the prompt and feedback handlers use.
pub struct StageContext<'a, C, D> {
    pub store: &'a SqlStore<C>,
    pub dispatch: &'a D,
    pub now: Timestamp,
    pub log: &'a dyn Log,
    /// Database work, for the `call` log record each handled request logs.
    pub meter: &'a dyn Meter,
}

/// The user the gateway authenticated ([`USER_HEADER`]), or a 401: a call without it did not come
/// from the gateway.
pub fn caller(request: &HttpRequest) -> Result<&str, HttpResponse> {
    match request.header(USER_HEADER) {
        Some(user) if !user.is_empty() => Ok(user),
        _ => Err(HttpResponse::error(&ApiError::unauthorized(
            "this service is called by the gateway only",
        ))),
    }
}

/// The answer for a request no route of a function matches (JSON, like every answer).
pub fn no_route(request: &HttpRequest, path_exists: bool) -> HttpResponse {
    HttpResponse::error(&ApiError::no_route(
        request.method.as_str(),
        request.path(),
        path_exists,
    ))
}

/// 413 when the request declares a body over [`MAX_BODY_BYTES`], before it is read.
pub fn declared_too_large(request: &HttpRequest) -> Option<HttpResponse> {
    request
        .declared_length()
        .is_some_and(|n| n > MAX_BODY_BYTES)
        .then(|| {
            HttpResponse::error(&ApiError::payload_too_large(format!(
                "the request body is over {MAX_BODY_BYTES} bytes"
            )))
        })
}
