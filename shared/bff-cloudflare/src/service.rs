//! Calls between Workers over service bindings: the gateway authenticates a request and hands it
//! to the Worker of its stage (prompt, feedback, analytics) with the user it authenticated.
//!
//! Those Workers have no public route (`workers_dev = false` and no `routes`): only a Worker bound
//! to them can call them, so they take the user from [`USER_HEADER`], which the gateway sets
//! after checking the bearer token (and which it never passes through from a client).

use bff_pipeline::api::ApiError;
use worker::wasm_bindgen::JsValue;
use worker::{Env, Headers, Method, Request, RequestInit, Response, Result};

use crate::http;

/// The authenticated user's id on a call from the gateway.
pub const USER_HEADER: &str = "X-Bff-User";

/// Service binding names (`[[services]]` in the gateway's `wrangler.toml`).
pub const PROMPT: &str = "PROMPT";
pub const FEEDBACK: &str = "FEEDBACK";
pub const ANALYTICS: &str = "ANALYTICS";

/// Sends `method path` with `body` to the Worker bound as `binding`, as `user_id`, and returns
/// its answer as it is. A binding that does not answer is a 503 JSON error.
pub async fn call(
    env: &Env,
    binding: &str,
    method: Method,
    path_and_query: &str,
    user_id: Option<&str>,
    body: Option<String>,
) -> Result<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    if let Some(user) = user_id {
        headers.set(USER_HEADER, user)?;
    }
    let init = RequestInit {
        method,
        headers,
        body: body.map(|b| JsValue::from_str(&b)),
        ..RequestInit::default()
    };
    let url = format!(
        "https://{}.internal{path_and_query}",
        binding.to_lowercase()
    );
    let answer = match env.service(binding) {
        Ok(service) => service.fetch(url, Some(init)).await,
        Err(e) => Err(e),
    };
    match answer {
        Ok(response) => Ok(response),
        Err(e) => http::json(
            503,
            &ApiError::unavailable(format!("the {binding} service did not answer: {e}")),
        ),
    }
}

/// The user the gateway authenticated, or a 401 (a call without it did not come from the gateway).
pub fn caller(req: &Request) -> Result<std::result::Result<String, Response>> {
    match req.headers().get(USER_HEADER)? {
        Some(user) if !user.is_empty() => Ok(Ok(user)),
        _ => Ok(Err(http::json(
            401,
            &ApiError::unauthorized("this service is called by the gateway only"),
        )?)),
    }
}
