//! JSON responses. Errors are `{"error": {"kind": ..., "message": ...}}` with a matching status.

use serde::Serialize;
use worker::{Response, Result};

/// `value` as JSON with `status`.
pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Response> {
    Ok(Response::from_json(value)?.with_status(status))
}

/// A JSON error body with `status`; `kind` is a stable machine-readable word.
pub fn error(status: u16, kind: &str, message: impl std::fmt::Display) -> Result<Response> {
    json(
        status,
        &serde_json::json!({ "error": { "kind": kind, "message": message.to_string() } }),
    )
}
