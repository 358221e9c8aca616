//! `bff-fn-prompt` (Worker `bff-prompt`): stages 1-2, the prompt stage. Plans a generation request
//! into variants (prompts drawn from the taxonomy with the user's learned preferences and
//! coverage-gap boosts), stores the job and its variants in D1 and enqueues one `GenerateImage`
//! per variant on `bff-generate`.
//!
//! It has no public route: the gateway calls it over a service binding (`PROMPT`) with a
//! [`PlanCall`] once it has authenticated the user and validated the request, so that the public
//! Worker stays a thin router and the planner deploys on its own. A plan is a few milliseconds of
//! pure work, one D1 read of the user's weights, one D1 batch and one queue batch; the call is
//! synchronous so that a brief that cannot be planned is still the submitter's 422.
//!
//! The entry point reads the call, checks the request again (the same pure validation the
//! gateway ran; which providers a request may name is the gateway's decision) and hands it to `bff_pipeline::stages::prompt::submit`, which is idempotent per
//! job id (a retried call creates nothing and re-sends only what is pending).

use bff_cloudflare::consumer::now;
use bff_cloudflare::{d1, http, QueueDispatcher};
use bff_pipeline::api::{ApiError, GenerationRequest, PlanCall, MAX_BODY_BYTES};
use bff_pipeline::stages::prompt;
use worker::{event, Context, Env, Method, Request, Response, Result};

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    if req.method() != Method::Post || req.path() != PlanCall::PATH {
        return api_error(&ApiError::not_found(format!(
            "the prompt Worker answers POST {} only",
            PlanCall::PATH
        )));
    }
    let body = req.bytes().await?;
    if body.len() > MAX_BODY_BYTES * 2 {
        return api_error(&ApiError::payload_too_large("the plan call is too large"));
    }
    let call: PlanCall = match serde_json::from_slice(&body) {
        Ok(call) => call,
        Err(e) => return api_error(&ApiError::bad_request(format!("invalid plan call: {e}"))),
    };
    // The gateway decides which providers a request may name (the development one only with
    // its development routes on); this re-check is of the request's shape and values.
    let request = match call
        .request
        .validate_with(&GenerationRequest::DEVELOPMENT_PROVIDERS)
    {
        Ok(valid) => valid,
        Err(e) => return api_error(&e),
    };
    let store = bff_cloudflare::store(&env)?;
    let dispatch = QueueDispatcher::new(env.clone());
    let before = d1::meter();
    let submitted = prompt::submit(
        &store,
        &dispatch,
        &call.user_id,
        &request,
        &call.job_id,
        &now(),
    )
    .await;
    let cost = d1::meter() - before;
    match submitted {
        Ok(submitted) => {
            // Same line shape as the queue consumers' (see `bff_cloudflare::consumer`).
            worker::console_log!(
                "bff-handled bff-prompt job={} message=- d1_statements={} d1_round_trips={} outcome={{\"variants\":{}}}",
                call.job_id,
                cost.statements,
                cost.round_trips,
                submitted.variants
            );
            http::json(202, &submitted.response())
        }
        Err(e) => api_error(&e),
    }
}

fn api_error(e: &ApiError) -> Result<Response> {
    http::json(e.status, e)
}
