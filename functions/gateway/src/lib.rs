//! `bff-gateway`: the HTTP API of the pipeline on Cloudflare Workers and the sweep of stalled
//! jobs.
//!
//! It authenticates, validates and routes; the stages are Workers of their own: the prompt stage
//! (`bff-prompt`) is called synchronously over the `PROMPT` service binding on
//! `POST /api/generation` (so that a brief that cannot be planned is still a 422), every later
//! stage is a queue consumer.
//!
//! | route | what it does |
//! |---|---|
//! | `GET /` | names the service |
//! | `GET /api/health-check`, `GET /api/{generation,clusters,diversity,coverage}/health-check` | D1 answers, R2 and the producer bindings exist |
//! | `POST /api/generation` | validates the request; the prompt Worker plans and stores the job and enqueues one `GenerateImage` per variant; 202 |
//! | `GET /api/generation/:id` | status, per-stage progress and, once chosen, the designs |
//! | `GET /api/generation/:id/images/:image` | the PNG from R2 |
//! | `GET /api/clusters/:id`, `/api/diversity/:id`, `/api/coverage/:id` | the clustering, the DPP selection, the coverage report with gaps and boosts |
//!
//! Every `/api` route but the health checks needs `Authorization: Bearer <token>` (401 without a
//! valid one); a job of another user is a 404. Errors are `ApiError` JSON bodies.
//!
//! Development routes, only when the variable `BFF_DEV_ROUTES` is `enabled` (`.dev.vars`, which only
//! `wrangler dev` reads): `POST /api/dev/users` creates a user and returns a token;
//! `POST /api/dev/redeliver/:id` sends every message of the job's stages again, as an
//! at-least-once queue may; `GET /api/dev/counts/:id` gives the job's row counts. With them on,
//! `POST /api/generation` also accepts the development provider `flaky-sketch` (the sketch
//! renderer with a simulated outage of every third image: real retries, dead-letter queues and
//! a `partial` job).
//!
//! Cron (`*/10 * * * *`): jobs that have not moved for 10 minutes get the message they wait for
//! again (`stages::resume`), in case one was lost between a write and its send.

use bff_cloudflare::consumer::now;
use bff_cloudflare::{bindings, dispatch, http, random_uuid, service, QueueDispatcher, R2Blobs};
use bff_pipeline::api::{ApiError, GenerationRequest, PlanCall, MAX_BODY_BYTES};
use bff_pipeline::messages::{
    ClusterJob, EmbedImage, GenerateImage, LearnFromFeedback, MeasureCoverage, Message,
    SelectDesigns,
};
use bff_pipeline::ports::{Dispatcher, FeedbackStore, JobStore};
use bff_pipeline::stages::resume;
use bff_pipeline::{queries, JobKey, Timestamp};
use serde::{Deserialize, Serialize};
use worker::{
    event, Context, Env, Headers, Method, Request, Response, Result, RouteContext, Router,
    ScheduleContext, ScheduledEvent,
};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let method = req.method().to_string();
    let path = req.path();
    let response = Router::new()
        .get("/", |_, _| {
            http::json(200, &serde_json::json!({ "service": "bff-gateway" }))
        })
        .get_async("/api/health-check", |_, ctx| health_check(ctx))
        .post_async("/api/generation", submit)
        .get_async("/api/generation/:id", job_status)
        .get_async("/api/generation/:id/images/:image", image)
        .get_async("/api/clusters/:id", |req, ctx| {
            job_view(req, ctx, JobView::Clusters)
        })
        .get_async("/api/diversity/:id", |req, ctx| {
            job_view(req, ctx, JobView::Diversity)
        })
        .get_async("/api/coverage/:id", |req, ctx| {
            job_view(req, ctx, JobView::Coverage)
        })
        .post_async("/api/feedback", |req, ctx| {
            forward(req, ctx, service::FEEDBACK)
        })
        .get_async("/api/feedback", |req, ctx| {
            forward(req, ctx, service::FEEDBACK)
        })
        .get_async("/api/feedback/:id", |req, ctx| async move {
            if is_health(&ctx) {
                return health_check(ctx).await;
            }
            forward(req, ctx, service::FEEDBACK).await
        })
        .get_async("/api/analytics/:id", |req, ctx| async move {
            if is_health(&ctx) {
                return health_check(ctx).await;
            }
            forward(req, ctx, service::ANALYTICS).await
        })
        .post_async("/api/dev/users", dev_create_user)
        .post_async("/api/dev/redeliver/:id", dev_redeliver)
        .get_async("/api/dev/counts/:id", dev_counts)
        .run(req, env)
        .await?;
    json_router_errors(response, &method, &path)
}

/// The router answers an unknown path (404) or method (405) in plain text; every answer of the
/// API is JSON, so those become `ApiError` bodies.
fn json_router_errors(response: Response, method: &str, path: &str) -> Result<Response> {
    let status = response.status_code();
    let is_json = response
        .headers()
        .get("Content-Type")?
        .is_some_and(|t| t.starts_with("application/json"));
    if is_json || !(status == 404 || status == 405) {
        return Ok(response);
    }
    api_error(&ApiError::no_route(method, path, status == 405))
}

/// The cron of the sweep (`[triggers] crons` in `wrangler.toml`).
const SWEEP_CRON: &str = "*/10 * * * *";
/// The cron of the daily analytics rollup.
const ROLLUP_CRON: &str = "15 0 * * *";

#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let cron = event.cron();
    let result = match cron.as_str() {
        ROLLUP_CRON => rollup(&env).await,
        SWEEP_CRON => sweep(&env).await,
        other => Err(worker::Error::RustError(format!(
            "no task for cron {other:?}"
        ))),
    };
    if let Err(error) = result {
        worker::console_error!("cron {cron}: {error}");
    }
}

/// The daily rollup runs in the analytics Worker (yesterday and today).
async fn rollup(env: &Env) -> Result<()> {
    let mut answer = service::call(
        env,
        service::ANALYTICS,
        Method::Post,
        "/internal/rollup",
        None,
        None,
    )
    .await?;
    let text = answer.text().await?;
    if answer.status_code() != 200 {
        return Err(worker::Error::RustError(format!(
            "rollup answered {}: {text}",
            answer.status_code()
        )));
    }
    worker::console_log!("cron rollup: {text}");
    Ok(())
}

async fn sweep(env: &Env) -> Result<()> {
    let store = bff_cloudflare::store(env)?;
    let dispatch = QueueDispatcher::new(env.clone());
    let now_ms = worker::Date::now().as_millis() as i64;
    let before = Timestamp::from_unix_ms(now_ms - 10 * 60 * 1000);
    let stale = store
        .stale_jobs(&before)
        .await
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
    for key in stale {
        let job = &key;
        match resume(&store, &dispatch, &key, &now()).await {
            Ok(sent) => worker::console_log!("sweep: job {} resumed, {sent} sent", job.job_id),
            Err(e) => worker::console_error!("sweep: job {}: {e}", job.job_id),
        }
    }
    // Feedback whose learning message was lost or given up on.
    let unlearned = store
        .unlearned_feedback(&before, 500)
        .await
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
    for f in &unlearned {
        let key = JobKey::new(&f.user_id, &f.job_id);
        let message = LearnFromFeedback::new(&key, &f.feedback_id, f.revision).into();
        if let Err(e) = dispatch.send(&message).await {
            worker::console_error!("sweep: feedback {}: {e}", f.feedback_id);
        }
    }
    Ok(())
}

fn api_error(e: &ApiError) -> Result<Response> {
    http::json(e.status, e)
}

/// The authenticated user, or the 401 response.
async fn user(req: &Request, env: &Env) -> Result<std::result::Result<String, Response>> {
    let store = bff_cloudflare::store(env)?;
    let header = req.headers().get("Authorization")?;
    match store.authenticate(header.as_deref()).await {
        Ok(Some(user_id)) => Ok(Ok(user_id)),
        Ok(None) => Ok(Err(api_error(&ApiError::unauthorized(
            "a valid bearer token is required (Authorization: Bearer <token>)",
        ))?)),
        Err(e) => Ok(Err(api_error(&ApiError::unavailable(e.to_string()))?)),
    }
}

macro_rules! authed {
    ($req:expr, $env:expr) => {
        match user(&$req, $env).await? {
            Ok(user_id) => user_id,
            Err(response) => return Ok(response),
        }
    };
}

#[derive(Serialize)]
struct Check {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl<T> From<Result<T>> for Check {
    fn from(r: Result<T>) -> Self {
        match r {
            Ok(_) => Check {
                ok: true,
                error: None,
            },
            Err(e) => Check {
                ok: false,
                error: Some(e.to_string()),
            },
        }
    }
}

async fn health_check(ctx: RouteContext<()>) -> Result<Response> {
    let d1_check: Check = async {
        bff_cloudflare::store(&ctx.env)?
            .health()
            .await
            .map_err(|e| worker::Error::RustError(e.to_string()))
    }
    .await
    .into();
    let queue_check: Check = ctx
        .env
        .queue(dispatch::producer_binding(bff_pipeline::messages::GENERATE_QUEUE).unwrap_or(""))
        .into();
    let r2_check: Check = ctx.env.bucket(bindings::BLOBS).into();
    let services: Vec<(&str, Check)> = [service::PROMPT, service::FEEDBACK, service::ANALYTICS]
        .into_iter()
        .map(|name| (name, ctx.env.service(name).into()))
        .collect();
    let ok = d1_check.ok && queue_check.ok && r2_check.ok && services.iter().all(|(_, c)| c.ok);
    let services: serde_json::Map<String, serde_json::Value> = services
        .into_iter()
        .map(|(name, c)| {
            (
                name.to_lowercase(),
                serde_json::to_value(c).unwrap_or_default(),
            )
        })
        .collect();
    http::json(
        if ok { 200 } else { 503 },
        &serde_json::json!({
            "status": if ok { "ok" } else { "degraded" },
            "checks": { "d1": d1_check, "queue": queue_check, "r2": r2_check, "services": services },
        }),
    )
}

async fn submit(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let user_id = authed!(req, &ctx.env);
    // Refuse an oversized body before reading it when its length is declared.
    let declared = req
        .headers()
        .get("Content-Length")?
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return api_error(&ApiError::payload_too_large(format!(
            "the request body is over {MAX_BODY_BYTES} bytes"
        )));
    }
    let body = req.bytes().await?;
    let request = match GenerationRequest::from_json(&body) {
        Ok(request) => request,
        Err(e) => return api_error(&e),
    };
    // Validated here so that bad input costs no hop; the prompt Worker plans and stores. The
    // development provider (a simulated outage) is accepted only with the development routes on.
    let checked = if dev_enabled(&ctx.env) {
        request.validate_with(&GenerationRequest::DEVELOPMENT_PROVIDERS)
    } else {
        request.validate()
    };
    if let Err(e) = checked {
        return api_error(&e);
    }
    let call = PlanCall {
        user_id,
        job_id: random_uuid()?,
        request,
    };
    service::call(
        &ctx.env,
        service::PROMPT,
        Method::Post,
        PlanCall::PATH,
        None,
        Some(serde_json::to_string(&call)?),
    )
    .await
}

/// `/api/feedback*` and `/api/analytics/*`: authenticated here, answered by the feedback and
/// analytics Workers with the user attached.
async fn forward(mut req: Request, ctx: RouteContext<()>, binding: &str) -> Result<Response> {
    let user_id = authed!(req, &ctx.env);
    let url = req.url()?;
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let body = if req.method() == Method::Post {
        let declared = req
            .headers()
            .get("Content-Length")?
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
            return api_error(&ApiError::payload_too_large(format!(
                "the request body is over {MAX_BODY_BYTES} bytes"
            )));
        }
        Some(req.text().await?)
    } else {
        None
    };
    service::call(&ctx.env, binding, req.method(), &path, Some(&user_id), body).await
}

/// The job key of the `:id` route parameter for the user (ids are checked by the store's
/// scoping: an unknown or foreign id reads nothing and gives 404).
fn key(ctx: &RouteContext<()>, user_id: &str) -> JobKey {
    JobKey::new(
        user_id,
        ctx.param("id").map(String::as_str).unwrap_or_default(),
    )
}

fn is_health(ctx: &RouteContext<()>) -> bool {
    ctx.param("id").is_some_and(|id| id == "health-check")
}

async fn job_status(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    if is_health(&ctx) {
        return health_check(ctx).await;
    }
    let user_id = authed!(req, &ctx.env);
    let store = bff_cloudflare::store(&ctx.env)?;
    match queries::job_status(&store, &key(&ctx, &user_id)).await {
        Ok(body) => http::json(200, &body),
        Err(e) => api_error(&e),
    }
}

async fn image(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let user_id = authed!(req, &ctx.env);
    let store = bff_cloudflare::store(&ctx.env)?;
    let blobs = R2Blobs::from_env(&ctx.env)?;
    let image_id = ctx.param("image").cloned().unwrap_or_default();
    let image_id = image_id.strip_suffix(".png").unwrap_or(&image_id);
    match queries::image_png(&store, &blobs, &key(&ctx, &user_id), image_id).await {
        Ok(png) => {
            let headers = Headers::new();
            headers.set("Content-Type", "image/png")?;
            headers.set("Cache-Control", "private, max-age=31536000, immutable")?;
            Ok(Response::from_bytes(png)?.with_headers(headers))
        }
        Err(e) => api_error(&e),
    }
}

/// The read-side views of a job beside its status.
#[derive(Clone, Copy)]
enum JobView {
    Clusters,
    Diversity,
    Coverage,
}

/// `GET /api/{clusters,diversity,coverage}/:id`: one handler, since only the query differs
/// (`/api/<view>/health-check` matches `:id` and answers the health check).
async fn job_view(req: Request, ctx: RouteContext<()>, view: JobView) -> Result<Response> {
    if is_health(&ctx) {
        return health_check(ctx).await;
    }
    let user_id = authed!(req, &ctx.env);
    let store = bff_cloudflare::store(&ctx.env)?;
    let key = key(&ctx, &user_id);
    let response = match view {
        JobView::Clusters => queries::clusters(&store, &key)
            .await
            .map(|b| http::json(200, &b)),
        JobView::Diversity => queries::diversity(&store, &key)
            .await
            .map(|b| http::json(200, &b)),
        JobView::Coverage => queries::coverage(&store, &key)
            .await
            .map(|b| http::json(200, &b)),
    };
    response.unwrap_or_else(|e| api_error(&e))
}

// --- development routes ---

/// The variable that turns on the development routes; `.dev.vars` sets it for `wrangler dev`.
const DEV_ROUTES: &str = "BFF_DEV_ROUTES";

fn dev_enabled(env: &Env) -> bool {
    env.var(DEV_ROUTES)
        .is_ok_and(|v| v.to_string() == "enabled")
}

fn not_found() -> Result<Response> {
    api_error(&ApiError::not_found("no such route"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    name: String,
}

async fn dev_create_user(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    if !dev_enabled(&ctx.env) {
        return not_found();
    }
    let name = match serde_json::from_slice::<NewUser>(&req.bytes().await?) {
        Ok(u) if !u.name.trim().is_empty() && u.name.len() <= 100 => u.name,
        _ => return api_error(&ApiError::bad_request("expected {\"name\": \"...\"}")),
    };
    let user_id = format!("user-{}", random_uuid()?);
    let token = format!(
        "bff_{}{}",
        random_uuid()?.replace('-', ""),
        random_uuid()?.replace('-', "")
    );
    bff_cloudflare::store(&ctx.env)?
        .create_user_token(&user_id, &name, &token, "development", &now())
        .await
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
    http::json(
        201,
        &serde_json::json!({ "user_id": user_id, "name": name, "token": token }),
    )
}

async fn dev_redeliver(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    if !dev_enabled(&ctx.env) {
        return not_found();
    }
    let user_id = authed!(req, &ctx.env);
    let key = key(&ctx, &user_id);
    let store = bff_cloudflare::store(&ctx.env)?;
    if store.job(&key).await.ok().flatten().is_none() {
        return api_error(&ApiError::not_found(format!(
            "no generation job {}",
            key.job_id
        )));
    }
    let mut messages: Vec<Message> = Vec::new();
    let variants = store
        .variants(&key)
        .await
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
    for v in &variants {
        messages.push(GenerateImage::new(&key, v.variant).into());
        messages.push(EmbedImage::new(&key, &v.image_id).into());
    }
    messages.push(ClusterJob::new(&key).into());
    messages.push(SelectDesigns::new(&key).into());
    messages.push(MeasureCoverage::new(&key).into());
    messages.sort_by_key(|m| m.queue());
    let dispatch = QueueDispatcher::new(ctx.env.clone());
    dispatch
        .send_all(&messages)
        .await
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
    http::json(
        202,
        &serde_json::json!({ "job_id": key.job_id, "redelivered": messages.len() }),
    )
}

async fn dev_counts(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    if !dev_enabled(&ctx.env) {
        return not_found();
    }
    let user_id = authed!(req, &ctx.env);
    let store = bff_cloudflare::store(&ctx.env)?;
    match store.row_counts(&key(&ctx, &user_id)).await {
        Ok(counts) => http::json(200, &counts),
        Err(e) => api_error(&ApiError::from(e)),
    }
}
