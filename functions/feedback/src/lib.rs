//! `bff-fn-feedback` (Worker `bff-feedback`): stage 10a, feedback on designs.
//!
//! No public route: the gateway forwards `/api/feedback*` over its `FEEDBACK` service binding
//! with the user it authenticated (`bff_cloudflare::service`).
//!
//! | route | what it does |
//! |---|---|
//! | `POST /api/feedback` | rating / like / comment / tags on one of the user's images; standout detection; enqueues learning. 201 the first time, 200 for a re-rating |
//! | `GET /api/feedback[?job_id=]` | the user's feedback, newest first |
//! | `GET /api/feedback/:image_id` | the user's feedback on one image |
//!
//! The logic is `bff_pipeline::stages::feedback`; this entry point wires D1 and the `bff-learn`
//! producer to it and turns its results into HTTP answers.

use bff_cloudflare::consumer::now;
use bff_cloudflare::{http, service, QueueDispatcher};
use bff_pipeline::api::feedback::FeedbackRequest;
use bff_pipeline::api::ApiError;
use bff_pipeline::stages::feedback;
use worker::{event, Context, Env, Request, Response, Result, RouteContext, Router};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Router::new()
        .post_async("/api/feedback", submit)
        .get_async("/api/feedback", list)
        .get_async("/api/feedback/:image", one)
        .run(req, env)
        .await
}

fn api_error(e: &ApiError) -> Result<Response> {
    http::json(e.status, e)
}

macro_rules! caller {
    ($req:expr) => {
        match service::caller(&$req)? {
            Ok(user) => user,
            Err(response) => return Ok(response),
        }
    };
}

async fn submit(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let user_id = caller!(req);
    let body = req.bytes().await?;
    let request = match FeedbackRequest::from_json(&body).and_then(|r| r.validate()) {
        Ok(valid) => valid,
        Err(e) => return api_error(&e),
    };
    let store = bff_cloudflare::store(&ctx.env)?;
    let dispatch = QueueDispatcher::new(ctx.env.clone());
    let before = bff_cloudflare::d1::meter();
    match feedback::submit(&store, &dispatch, &user_id, &request, &now()).await {
        Ok(done) => {
            let cost = bff_cloudflare::d1::meter() - before;
            worker::console_log!(
                "bff-handled bff-feedback job={} message=- d1_statements={} d1_round_trips={} outcome={{\"revision\":{}}}",
                done.view.job_id,
                cost.statements,
                cost.round_trips,
                done.view.revision
            );
            let status = if done.view.revision == 1 { 201 } else { 200 };
            http::json(
                status,
                &serde_json::json!({
                    "feedback": done.view,
                    "learning": if done.learning_queued { "queued" } else { "delayed" },
                }),
            )
        }
        Err(e) => api_error(&e),
    }
}

async fn list(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let user_id = caller!(req);
    let url = req.url()?;
    let job_id = url
        .query_pairs()
        .find(|(k, _)| k == "job_id")
        .map(|(_, v)| v.into_owned());
    let store = bff_cloudflare::store(&ctx.env)?;
    match feedback::list(&store, &user_id, job_id.as_deref()).await {
        Ok(list) => http::json(200, &list),
        Err(e) => api_error(&e),
    }
}

async fn one(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let user_id = caller!(req);
    let image = ctx.param("image").cloned().unwrap_or_default();
    let store = bff_cloudflare::store(&ctx.env)?;
    match feedback::one(&store, &user_id, &image).await {
        Ok(view) => http::json(200, &view),
        Err(e) => api_error(&e),
    }
}
