//! The gateway: the public HTTP API. It authenticates, validates and routes; the prompt stage is
//! called synchronously through [`Services`] on `POST /api/generation` (so that a brief that
//! cannot be planned is still a 422), feedback and analytics are forwarded with the user, and
//! every later stage is a queue consumer.
//!
//! | route | what it does |
//! |---|---|
//! | `GET /` | names the service |
//! | `GET /api/health-check`, `GET /api/{generation,clusters,diversity,coverage,feedback,analytics}/health-check` | the store answers, the platform's bindings and services exist |
//! | `POST /api/generation` | validates the request; the prompt function plans and stores the job and enqueues one `GenerateImage` per variant; 202 |
//! | `GET /api/generation/:id` | status, per-stage progress and, once chosen, the designs |
//! | `GET /api/generation/:id/images/:image` | the PNG from the blob store |
//! | `GET /api/clusters/:id`, `/api/diversity/:id`, `/api/coverage/:id` | the clustering, the DPP selection, the coverage report with gaps and boosts |
//! | `POST /api/feedback`, `GET /api/feedback[?job_id=]`, `GET /api/feedback/:image_id` | forwarded to the feedback function with the user |
//! | `GET /api/analytics/:view` | forwarded to the analytics function with the user |
//! | `GET /api/providers` | the providers and their measured adherence |
//! | `GET /api/tokens`, `POST /api/tokens`, `DELETE /api/tokens/:id` | the user's tokens ([`tokens`]) |
//! | `POST /api/admin/users` | a new user and first token, behind the admin token ([`tokens`]) |
//!
//! Every route but `/` and the health checks needs `Authorization: Bearer <token>` (401 without a
//! valid one); a job of another user is a 404. Errors are `ApiError` JSON bodies, an unknown route
//! a JSON 404 and a wrong method a JSON 405.
//!
//! Development routes, only when [`GatewayContext::dev_routes`] is on (404 otherwise):
//! `POST /api/dev/users` creates a user and returns a token; `POST /api/dev/redeliver/:id` sends
//! every message of the job's stages again, as an at-least-once queue may; `GET
//! /api/dev/counts/:id` gives the job's row counts. With them on, `POST /api/generation` also
//! accepts the development provider `flaky-sketch`.
//!
//! Cron ([`scheduled`]): [`SWEEP_CRON`] re-sends what stalled jobs and unlearned feedback wait for
//! ([`crate::cron::sweep`]); [`ROLLUP_CRON`] asks the analytics function for the daily rollup.

use bff_pipeline::adherence::{self, ProvidersResponse, RoutingMode};
use bff_pipeline::api::{ApiError, BriefRequest, GenerationRequest, PlanCall, ValidGeneration};
use bff_pipeline::budget::{self, Budget, DailyLimit};
use bff_pipeline::limits::{self, Limit, Limits, Window};
use bff_pipeline::messages::{
    ClusterJob, EmbedImage, GenerateImage, MeasureCoverage, Message, SelectDesigns,
};
use bff_pipeline::ports::{BlobStore, Dispatcher, JobStore, PortError, Provider};
use bff_pipeline::{queries, JobKey, Timestamp};
use bff_store::{Connection, SqlStore};
use serde::{Deserialize, Serialize};

use crate::bodies::{Deleted, Health, HealthStatus, Jobs};
use crate::context::declared_too_large;
use crate::edge;
use crate::message::{HttpRequest, HttpResponse, Method};
use crate::platform::{
    user_hash, Check, Ids, Log, LogRecord, Meter, NamedCheck, PlatformChecks, Service, Services,
};
use crate::router::{Params, Routed, Router};

/// Everything the gateway's handlers use: the ports, the other functions and the platform's
/// facts for this request.
pub struct GatewayContext<'a, C, B, D, S> {
    pub store: &'a SqlStore<C>,
    pub blobs: &'a B,
    pub dispatch: &'a D,
    pub services: &'a S,
    pub ids: &'a dyn Ids,
    pub log: &'a dyn Log,
    pub now: Timestamp,
    /// The development routes and the development provider (`BFF_DEV_ROUTES=enabled` on Workers).
    pub dev_routes: bool,
    /// The admin API's bearer token (setting `admin_token`, a secret); unset or empty: the admin
    /// API answers 404.
    pub admin_token: Option<&'a str>,
    /// The origins whose pages may call the API (setting `cors_origins`, read by
    /// [`crate::edge::cors_origins`]); none by default.
    pub cors_origins: &'a [String],
    /// Per-user rate limits and quotas (setting `rate_limits`), or what is wrong with them: then
    /// no job or feedback is accepted.
    pub limits: &'a Result<Limits, String>,
    /// The database work done so far, for the request's log record.
    pub meter: &'a dyn Meter,
    /// Milliseconds on the platform's clock, for the request's duration.
    pub clock: &'a dyn Fn() -> i64,
    /// Whom the request authenticated as, once it has (for its log record).
    pub user_seen: std::cell::OnceCell<String>,
    /// How many days a job is kept (setting `retention_days`); the daily cron deletes older
    /// jobs with their images, embeddings and feedback. `None`: kept until deleted; an error: the
    /// setting is misconfigured (nothing is deleted and the cron logs why).
    pub retention_days: Result<Option<u32>, String>,
    /// The providers a request may name (setting `providers`; the sketch renderer by default).
    pub providers: &'a [Provider],
    /// Prices and the daily budget per user (settings `prices`, `daily_budget_usd`), or what is
    /// wrong with them: then no job is accepted.
    pub budget: &'a Result<Budget, String>,
    /// Whether each configured provider and the embedding service can be reached (answered only
    /// to health checks; see [`provider_checks`]).
    pub provider_checks: &'a [NamedCheck],
    /// The name of the store's check in the health answer (`d1`).
    pub store_check: &'a str,
    /// The platform's own checks (the queue producer and blob bindings exist), asked for only by
    /// the health check.
    pub platform_checks: &'a dyn PlatformChecks,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Brief,
    History,
    Health,
    OpenApi,
    Candidates,
    Submit,
    JobStatus,
    Image,
    View(JobView),
    Feedback,
    FeedbackOne,
    Analytics,
    Providers,
    Tokens,
    NewToken,
    RevokeToken,
    AdminUsers,
    AdminMetrics,
    DeleteJob,
    DeleteMe,
    DevUsers,
    DevRedeliver,
    DevCounts,
}

/// The read-side views of a job beside its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JobView {
    Clusters,
    Diversity,
    Coverage,
}

/// Every route: its method, its pattern (what the request's log record names) and its handler.
const ROUTES: &[(Method, &str, Route)] = &[
    (Method::Get, "/api/health-check", Route::Health),
    (Method::Get, "/api/openapi.json", Route::OpenApi),
    (Method::Post, "/api/brief", Route::Brief),
    (Method::Post, "/api/generation", Route::Submit),
    (Method::Get, "/api/generation", Route::History),
    (Method::Get, "/api/generation/:id", Route::JobStatus),
    (Method::Get, "/api/generation/:id/images", Route::Candidates),
    (Method::Delete, "/api/generation/:id", Route::DeleteJob),
    (Method::Delete, "/api/me", Route::DeleteMe),
    (
        Method::Get,
        "/api/generation/:id/images/:image",
        Route::Image,
    ),
    (
        Method::Get,
        "/api/clusters/:id",
        Route::View(JobView::Clusters),
    ),
    (
        Method::Get,
        "/api/diversity/:id",
        Route::View(JobView::Diversity),
    ),
    (
        Method::Get,
        "/api/coverage/:id",
        Route::View(JobView::Coverage),
    ),
    (Method::Post, "/api/feedback", Route::Feedback),
    (Method::Get, "/api/feedback", Route::Feedback),
    (Method::Get, "/api/feedback/:id", Route::FeedbackOne),
    (Method::Get, "/api/analytics/:id", Route::Analytics),
    (Method::Get, "/api/providers", Route::Providers),
    (Method::Get, "/api/tokens", Route::Tokens),
    (Method::Post, "/api/tokens", Route::NewToken),
    (Method::Delete, "/api/tokens/:id", Route::RevokeToken),
    (Method::Post, "/api/admin/users", Route::AdminUsers),
    (Method::Get, "/api/admin/metrics", Route::AdminMetrics),
    (Method::Post, "/api/dev/users", Route::DevUsers),
    (Method::Post, "/api/dev/redeliver/:id", Route::DevRedeliver),
    (Method::Get, "/api/dev/counts/:id", Route::DevCounts),
];

/// The API's OpenAPI 3.1 document (`api/openapi.json`, generated from the types by `cargo xtask
/// openapi`), served at `GET /api/openapi.json`.
pub const OPENAPI_DOCUMENT: &str = include_str!("../../../api/openapi.json");

/// The public routes as `(method, pattern)`: every route but the development ones.
pub fn public_routes() -> Vec<(String, String)> {
    ROUTES
        .iter()
        .filter(|(_, pattern, _)| !pattern.starts_with("/api/dev/"))
        .map(|(method, pattern, _)| (method.to_string(), pattern.to_string()))
        .collect()
}

fn router() -> Router<Route> {
    ROUTES
        .iter()
        .fold(Router::new(), |router, (method, pattern, route)| {
            router.route(method.clone(), pattern, *route)
        })
}

/// The pattern of `route` for `method`, as the request's log record names it.
fn pattern(method: &Method, route: Route) -> &'static str {
    ROUTES
        .iter()
        .find(|(m, _, r)| m == method && *r == route)
        .map_or("-", |(_, p, _)| *p)
}

/// Answers one request of the public API.
pub async fn handle<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
    B: BlobStore,
    D: Dispatcher,
    S: Services,
{
    let started = (ctx.clock)();
    let before = ctx.meter.reading();
    // A request id that cannot be drawn still leaves the request answerable.
    let request_id = ctx.ids.new_id().unwrap_or_else(|_| "unknown".into());
    let routed = router().at(&request.method, request.path());
    let (route, job_id) = match &routed {
        Routed::Found(route, params) => (
            pattern(&request.method, *route),
            matches!(
                route,
                Route::JobStatus
                    | Route::Candidates
                    | Route::Image
                    | Route::View(_)
                    | Route::DeleteJob
            )
            .then(|| params.get("id").map(str::to_string))
            .flatten(),
        ),
        _ => ("-", None),
    };
    let response = match edge::preflight(request, ctx.cors_origins) {
        Some(answer) => answer,
        None => answer_route(request, routed, ctx).await,
    };
    let response = edge::finish(response, request, &request_id, ctx.cors_origins);
    let record = LogRecord {
        event: "request",
        time: Some(ctx.now.as_str()),
        source: "bff-gateway",
        request_id: Some(&request_id),
        method: Some(request.method.as_str()),
        route: Some(route),
        status: Some(response.status),
        user: ctx.user_seen.get().map(|u| user_hash(u)),
        job_id: job_id.as_deref(),
        duration_ms: Some(((ctx.clock)() - started).max(0) as u64),
        ..LogRecord::default()
    }
    .with_cost(ctx.meter.reading() - before);
    ctx.log.info(&record.line());
    response
}

async fn answer_route<C, B, D, S>(
    request: &HttpRequest,
    routed: Routed<Route>,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
    B: BlobStore,
    D: Dispatcher,
    S: Services,
{
    let response = match routed {
        Routed::Found(route, params) => route_to(route, &params, request, ctx).await,
        Routed::MethodNotAllowed(allowed) => {
            let allowed: Vec<&str> = allowed.iter().map(Method::as_str).collect();
            no_route(request, true).with_header("Allow", allowed.join(", "))
        }
        Routed::NotFound => no_route(request, false),
    };
    // A function behind the gateway may answer an unknown path or method in plain text; every
    // answer of the API is JSON.
    if (response.status == 404 || response.status == 405) && !response.is_json() {
        return no_route(request, response.status == 405);
    }
    response
}

fn no_route(request: &HttpRequest, path_exists: bool) -> HttpResponse {
    HttpResponse::error(&ApiError::no_route(
        request.method.as_str(),
        request.path(),
        path_exists,
    ))
}

async fn route_to<C, B, D, S>(
    route: Route,
    params: &Params,
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
    B: BlobStore,
    D: Dispatcher,
    S: Services,
{
    // `/api/<view>/health-check` matches `:id` and answers the health check, before any token.
    let health = params.get("id") == Some("health-check");
    match route {
        Route::Brief => brief(request, ctx).await,
        Route::History => history(request, ctx).await,
        Route::OpenApi => HttpResponse::new(200, OPENAPI_DOCUMENT)
            .with_header("Content-Type", "application/json")
            .with_header("Cache-Control", "public, max-age=300"),
        Route::Health => health_check(ctx).await,
        Route::JobStatus | Route::View(_) | Route::FeedbackOne | Route::Analytics if health => {
            health_check(ctx).await
        }
        Route::Submit => submit(request, ctx).await,
        Route::JobStatus => job_status(request, params, ctx).await,
        Route::Candidates => candidates(request, params, ctx).await,
        Route::Image => image(request, params, ctx).await,
        Route::View(view) => job_view(request, params, ctx, view).await,
        Route::Feedback | Route::FeedbackOne => forward(request, ctx, Service::Feedback).await,
        Route::Analytics => forward(request, ctx, Service::Analytics).await,
        Route::Providers => providers(request, ctx).await,
        Route::Tokens => tokens::list(request, ctx).await,
        Route::NewToken => tokens::create(request, ctx).await,
        Route::RevokeToken => tokens::revoke(request, params, ctx).await,
        Route::AdminUsers => tokens::admin_create_user(request, ctx).await,
        Route::AdminMetrics => tokens::admin_metrics(request, ctx).await,
        Route::DeleteJob => delete_job(request, params, ctx).await,
        Route::DeleteMe => delete_me(request, ctx).await,
        Route::DevUsers => dev_create_user(request, ctx).await,
        Route::DevRedeliver => dev_redeliver(request, params, ctx).await,
        Route::DevCounts => dev_counts(request, params, ctx).await,
    }
}

/// The authenticated user at `now`, or the 401 (503 when the store cannot say).
async fn user<C: Connection>(
    request: &HttpRequest,
    store: &SqlStore<C>,
    now: &Timestamp,
) -> Result<String, HttpResponse> {
    match store
        .authenticate(request.header("Authorization"), now)
        .await
    {
        Ok(Some(user_id)) => Ok(user_id),
        Ok(None) => Err(HttpResponse::error(&ApiError::unauthorized(
            "a valid bearer token is required (Authorization: Bearer <token>)",
        ))),
        Err(e) => Err(HttpResponse::error(&ApiError::unavailable(e.to_string()))),
    }
}

macro_rules! authed {
    ($request:expr, $ctx:expr) => {
        match $crate::gateway::user($request, $ctx.store, &$ctx.now).await {
            Ok(user_id) => {
                let _ = $ctx.user_seen.set(user_id.clone());
                user_id
            }
            Err(response) => return response,
        }
    };
}

mod tokens;

/// Calls `service`; one that cannot be reached is a 503.
async fn call<S: Services>(
    services: &S,
    service: Service,
    method: Method,
    path_and_query: &str,
    user_id: Option<&str>,
    body: Option<Vec<u8>>,
) -> HttpResponse {
    match services
        .call(service, method, path_and_query, user_id, body)
        .await
    {
        Ok(response) => response,
        Err(e) => HttpResponse::error(&ApiError::unavailable(format!(
            "the {} service did not answer: {}",
            service.binding(),
            e.message
        ))),
    }
}

fn value<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

async fn health_check<C, B, D, S>(ctx: &GatewayContext<'_, C, B, D, S>) -> HttpResponse
where
    C: Connection,
    S: Services,
{
    let store: Check = ctx.store.health().await.into();
    let platform = ctx.platform_checks.checks();
    let services: Vec<(&str, Check)> = Service::ALL
        .into_iter()
        .map(|s| (s.name(), ctx.services.check(s).into()))
        .collect();
    let ok = store.ok && platform.iter().all(|(_, c)| c.ok) && services.iter().all(|(_, c)| c.ok);
    let mut checks = serde_json::Map::new();
    checks.insert(ctx.store_check.to_string(), value(&store));
    for (name, check) in &platform {
        checks.insert(name.clone(), value(check));
    }
    let services: serde_json::Map<String, serde_json::Value> = services
        .iter()
        .map(|(name, check)| (name.to_string(), value(check)))
        .collect();
    checks.insert("services".into(), services.into());
    // Reported, not part of `ok`: a provider that cannot be reached does not stop the pipeline
    // (its variants move to the job's next provider), and the offline renderer needs none.
    if !ctx.provider_checks.is_empty() {
        let providers: serde_json::Map<String, serde_json::Value> = ctx
            .provider_checks
            .iter()
            .map(|(name, check)| (name.clone(), value(check)))
            .collect();
        checks.insert("providers".into(), providers.into());
    }
    HttpResponse::json(
        if ok { 200 } else { 503 },
        &Health {
            status: if ok {
                HealthStatus::Ok
            } else {
                HealthStatus::Degraded
            },
            checks,
        },
    )
}

/// Whether `path` is a health check (which the platform answers with [`provider_checks`]).
pub fn is_health_check(path: &str) -> bool {
    path == "/api/health-check" || path.ends_with("/health-check")
}

/// Whether each of the `enabled` providers and the embedding service can be reached, probed at
/// no cost ([`bff_providers::health`]) and kept in `cache` for a minute.
pub async fn provider_checks<H, K>(
    http: &H,
    cache: &K,
    lookup: impl Fn(&bff_providers::settings::Setting) -> Option<String>,
    enabled: &[Provider],
) -> Vec<NamedCheck>
where
    H: bff_providers::HttpSend,
    K: crate::analytics::ResponseCache,
{
    use bff_providers::health;
    let probes = health::probes(&lookup, enabled);
    if probes.is_empty() {
        return Vec::new();
    }
    // A URL, as the Workers Cache API wants; the probed addresses make it change with them.
    let targets: String = probes
        .iter()
        .map(|p| p.call.url.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let key = format!(
        "https://bff-gateway.internal/cache/provider-health/{}",
        bff_store::rows::encode_hex(targets.as_bytes())
    );
    if let Some(cached) = cache.get(&key).await {
        if let Ok(checks) = serde_json::from_str::<Vec<(String, Check)>>(&cached) {
            return checks;
        }
    }
    let checks: Vec<NamedCheck> = health::run(http, &probes)
        .await
        .into_iter()
        .map(|(name, result)| {
            let check = match result {
                Ok(()) => Check::passed(),
                Err(e) => Check::failed(format!("cannot be reached: {e}")),
            };
            (name, check)
        })
        .collect();
    if let Ok(text) = serde_json::to_string(&checks) {
        let _ = cache.put(&key, &text, health::CACHE_SECONDS).await;
    }
    checks
}

/// Tagged images the providers' table reads, most recent first.
const ADHERENCE_SAMPLE: u32 = 5_000;

/// `GET /api/providers`: the providers a request may name and how faithfully each drew what it
/// was asked, by category, over the deployment's recent tagged images.
async fn providers<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
{
    let _user = authed!(request, ctx);
    let samples = match ctx.store.adherence_samples(ADHERENCE_SAMPLE).await {
        Ok(samples) => samples,
        Err(e) => return HttpResponse::error(&ApiError::from(e)),
    };
    HttpResponse::json(
        200,
        &ProvidersResponse {
            providers: ctx.providers.to_vec(),
            adherence: adherence::table(&samples),
            sampled_images: samples.len() as u32,
        },
    )
}

/// Tagged images a job's routing reads, most recent first: enough to rank a few providers on a
/// brief's categories, little enough to read on every submission.
const ROUTING_SAMPLE: u32 = 1_000;

/// The request with its variants spread over its providers: by measured adherence on the brief's
/// visible categories ([`adherence::route`]) unless the request asked for round robin or names
/// one provider.
async fn routed<C, B, D, S>(
    ctx: &GatewayContext<'_, C, B, D, S>,
    valid: ValidGeneration,
) -> Result<ValidGeneration, ApiError>
where
    C: Connection,
{
    if valid.route().mode != RoutingMode::Adherence || valid.providers().len() < 2 {
        return Ok(valid);
    }
    let samples = ctx.store.adherence_samples(ROUTING_SAMPLE).await?;
    let route = adherence::route(
        &adherence::table(&samples),
        valid.providers(),
        &valid.parsed().requested(),
        valid.variant_count(),
    );
    valid.with_route(route)
}

/// The job's cost estimate and the daily limit it must fit in when it is stored, refused here
/// already (402, with the figures) when it would pass the user's daily budget. The day is the UTC
/// day of the request. This read is the cheap first answer; the prompt function's insert of the
/// job enforces the limit atomically (two submissions at the same instant can both pass here).
async fn priced<C, B, D, S>(
    ctx: &GatewayContext<'_, C, B, D, S>,
    user_id: &str,
    valid: &ValidGeneration,
) -> Result<(f64, Option<DailyLimit>), ApiError>
where
    C: Connection,
{
    let budget = ctx.budget.as_ref().map_err(|problem| {
        ApiError::unavailable(format!(
            "this deployment's prices or budget are misconfigured ({problem}); no job is accepted \
             until they are fixed"
        ))
    })?;
    let estimate = valid.estimate(&budget.prices);
    let Some(daily_usd) = budget.daily_usd else {
        return Ok((estimate, None));
    };
    let limit = DailyLimit::of_day(daily_usd, &ctx.now);
    let spent = ctx.store.spent_since(user_id, &limit.day_start).await?;
    budget::check(Some(daily_usd), spent, estimate)?;
    Ok((estimate, Some(limit)))
}

async fn submit<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
    S: Services,
{
    let user_id = authed!(request, ctx);
    if let Some(refused) = declared_too_large(request) {
        return refused;
    }
    let generation = match GenerationRequest::from_json(&request.body) {
        Ok(generation) => generation,
        Err(e) => return HttpResponse::error(&e),
    };
    // Validated here so that bad input costs no hop; the prompt function plans and stores. The
    // development provider (a simulated outage) is accepted only with the development routes on.
    let mut accepted = ctx.providers.to_vec();
    if ctx.dev_routes {
        accepted.extend(GenerationRequest::DEVELOPMENT_PROVIDERS);
    }
    let valid = match generation.validate_with(&accepted) {
        Ok(valid) => valid,
        Err(e) => return HttpResponse::error(&e),
    };
    let valid = match routed(ctx, valid).await {
        Ok(valid) => valid,
        Err(e) => return HttpResponse::error(&e),
    };
    let (cost_estimate, limit) = match priced(ctx, &user_id, &valid).await {
        Ok(priced) => priced,
        Err(e) => return HttpResponse::error(&e),
    };
    let job_id = match ctx.ids.new_id() {
        Ok(id) => id,
        Err(e) => return HttpResponse::error(&ApiError::from(e)),
    };
    let plan = PlanCall {
        user_id: user_id.clone(),
        job_id,
        request: generation,
        cost_estimate,
        route: Some(valid.route().clone()),
        daily_budget_usd: limit.as_ref().map(|l| l.daily_usd),
        budget_day_start: limit.map(|l| l.day_start),
    };
    let body = match serde_json::to_vec(&plan) {
        Ok(body) => body,
        Err(e) => return HttpResponse::error(&ApiError::bad_request(e.to_string())),
    };
    // Last before the call, so that what is counted is a job the prompt function receives.
    let counted = match within_limits(
        ctx,
        &user_id,
        &[
            (Limit::ActiveJobs, 1),
            (Limit::JobsPerMinute, 1),
            (Limit::ImagesPerDay, valid.variant_count()),
        ],
    )
    .await
    {
        Ok(counted) => counted,
        Err(refused) => return refused,
    };
    let answer = call(
        ctx.services,
        Service::Prompt,
        Method::Post,
        PlanCall::PATH,
        None,
        Some(body),
    )
    .await;
    // A job the prompt function refused (a brief it cannot plan, a reused id) took no place.
    if answer.status >= 400 {
        uncount(ctx, &user_id, &counted).await;
    }
    answer
}

/// Counts a request against the user's `checks` (each limit with the amount it takes): the
/// counts taken, or the answer past a limit (429 with `Retry-After`; the counts this request
/// took before are given back, so a refused request leaves nothing written) or 503 when the
/// limits are misconfigured or cannot be read.
async fn within_limits<C, B, D, S>(
    ctx: &GatewayContext<'_, C, B, D, S>,
    user_id: &str,
    checks: &[(Limit, u32)],
) -> Result<Vec<(Limit, Window, u32)>, HttpResponse>
where
    C: Connection,
{
    let limits = ctx.limits.as_ref().map_err(|problem| {
        HttpResponse::error(&ApiError::unavailable(format!(
            "this deployment's rate limits are misconfigured ({problem}); nothing is accepted \
             until they are fixed"
        )))
    })?;
    let mut counted = Vec::new();
    for &(limit, amount) in checks {
        let Some(max) = limits.max(limit) else {
            continue;
        };
        let window = limit.window(&ctx.now);
        let within = match limit {
            Limit::ActiveJobs => ctx.store.active_jobs(user_id).await.map(|n| n < max),
            _ => {
                ctx.store
                    .count_within_limit(user_id, limit.name(), &window.start, amount, max)
                    .await
            }
        };
        let refused = match within {
            Ok(true) => {
                if limit != Limit::ActiveJobs {
                    counted.push((limit, window, amount));
                }
                continue;
            }
            Ok(false) => HttpResponse::error(&limits::refusal(limit, max, &window))
                .with_header("Retry-After", window.retry_after_seconds.to_string()),
            Err(e) => HttpResponse::error(&ApiError::from(e)),
        };
        uncount(ctx, user_id, &counted).await;
        return Err(refused);
    }
    Ok(counted)
}

/// Gives back counts a request took (best effort: a count that cannot be given back ends with
/// its window).
async fn uncount<C, B, D, S>(
    ctx: &GatewayContext<'_, C, B, D, S>,
    user_id: &str,
    counted: &[(Limit, Window, u32)],
) where
    C: Connection,
{
    for (limit, window, amount) in counted {
        if let Err(e) = ctx
            .store
            .uncount(user_id, limit.name(), &window.start, *amount)
            .await
        {
            ctx.log.error(&format!(
                "rate limit {}: cannot give back a count: {e}",
                limit.name()
            ));
        }
    }
}

/// `/api/feedback*` and `/api/analytics/*`: authenticated here, answered by the feedback and
/// analytics functions with the user attached.
async fn forward<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
    service: Service,
) -> HttpResponse
where
    C: Connection,
    S: Services,
{
    let user_id = authed!(request, ctx);
    let body = if request.method == Method::Post {
        if let Some(refused) = declared_too_large(request) {
            return refused;
        }
        Some(request.body.clone())
    } else {
        None
    };
    if service == Service::Feedback && request.method == Method::Post {
        if let Err(refused) = within_limits(ctx, &user_id, &[(Limit::FeedbackPerMinute, 1)]).await {
            return refused;
        }
    }
    call(
        ctx.services,
        service,
        request.method.clone(),
        &request.path_and_query,
        Some(&user_id),
        body,
    )
    .await
}

/// The job key of the `:id` parameter for the user (ids are checked by the store's scoping: an
/// unknown or foreign id reads nothing and gives 404).
fn key(params: &Params, user_id: &str) -> JobKey {
    JobKey::new(user_id, params.get("id").unwrap_or_default())
}

fn answer<T: Serialize>(result: Result<T, ApiError>) -> HttpResponse {
    answer_with(200, result)
}

/// A body with `status`, or the error's answer.
fn answer_with<T: Serialize>(status: u16, result: Result<T, ApiError>) -> HttpResponse {
    match result {
        Ok(body) => HttpResponse::json(status, &body),
        Err(e) => HttpResponse::error(&e),
    }
}

/// `POST /api/brief`: what the parser reads in a brief; nothing is written.
async fn brief<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
{
    let _user = authed!(request, ctx);
    if let Some(refused) = declared_too_large(request) {
        return refused;
    }
    answer(BriefRequest::preview(&request.body))
}

/// How many jobs the history lists.
const HISTORY_JOBS: u32 = 200;

/// `GET /api/generation`: the user's newest jobs, newest first.
async fn history<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
{
    let user_id = authed!(request, ctx);
    answer(
        ctx.store
            .jobs(&user_id, HISTORY_JOBS)
            .await
            .map(|jobs| Jobs { jobs })
            .map_err(ApiError::from),
    )
}

async fn candidates<C, B, D, S>(
    request: &HttpRequest,
    params: &Params,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
{
    let user_id = authed!(request, ctx);
    answer(queries::candidates(ctx.store, &key(params, &user_id)).await)
}

async fn job_status<C, B, D, S>(
    request: &HttpRequest,
    params: &Params,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
{
    let user_id = authed!(request, ctx);
    answer(queries::job_status(ctx.store, &key(params, &user_id)).await)
}

async fn image<C, B, D, S>(
    request: &HttpRequest,
    params: &Params,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
    B: BlobStore,
{
    let user_id = authed!(request, ctx);
    let image_id = params.get("image").unwrap_or_default();
    let image_id = image_id.strip_suffix(".png").unwrap_or(image_id);
    match queries::image_png(ctx.store, ctx.blobs, &key(params, &user_id), image_id).await {
        Ok(png) => HttpResponse::new(200, png)
            .with_header("Content-Type", "image/png")
            .with_header("Cache-Control", "private, max-age=31536000, immutable"),
        Err(e) => HttpResponse::error(&e),
    }
}

/// `GET /api/{clusters,diversity,coverage}/:id`: one handler, since only the query differs.
async fn job_view<C, B, D, S>(
    request: &HttpRequest,
    params: &Params,
    ctx: &GatewayContext<'_, C, B, D, S>,
    view: JobView,
) -> HttpResponse
where
    C: Connection,
{
    let user_id = authed!(request, ctx);
    let key = key(params, &user_id);
    match view {
        JobView::Clusters => answer(queries::clusters(ctx.store, &key).await),
        JobView::Diversity => answer(queries::diversity(ctx.store, &key).await),
        JobView::Coverage => answer(queries::coverage(ctx.store, &key).await),
    }
}

// --- deleting data ---

/// `DELETE /api/generation/:id`: the job and everything of it, images included. Idempotent:
/// again (or for an id that is not the user's) it deletes nothing and says so.
async fn delete_job<C, B, D, S>(
    request: &HttpRequest,
    params: &Params,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
    B: BlobStore,
{
    let user_id = authed!(request, ctx);
    let key = key(params, &user_id);
    if bff_pipeline::ids::validate_id("job_id", &key.job_id).is_err() {
        return HttpResponse::error(&ApiError::not_found(format!(
            "no generation job {}",
            key.job_id
        )));
    }
    // The images first: a failure leaves the rows, so the retry finds the job and goes on.
    let prefix = bff_pipeline::ids::job_blob_prefix(&key.user_id, &key.job_id);
    let blobs = match ctx.blobs.delete_prefix(&prefix).await {
        Ok(n) => n,
        Err(e) => return HttpResponse::error(&ApiError::from(e)),
    };
    answer(
        ctx.store
            .delete_job(&key)
            .await
            .map_err(ApiError::from)
            .map(|rows| Deleted {
                job_id: Some(key.job_id.clone()),
                user_id: None,
                rows: rows.into_iter().collect(),
                blobs,
            }),
    )
}

/// `DELETE /api/me`: everything of the user, tokens included (this token stops working).
async fn delete_me<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
    B: BlobStore,
{
    let user_id = authed!(request, ctx);
    let prefix = bff_pipeline::ids::user_blob_prefix(&user_id);
    let blobs = match ctx.blobs.delete_prefix(&prefix).await {
        Ok(n) => n,
        Err(e) => return HttpResponse::error(&ApiError::from(e)),
    };
    answer(
        ctx.store
            .delete_user(&user_id)
            .await
            .map_err(ApiError::from)
            .map(|rows| Deleted {
                job_id: None,
                user_id: Some(user_id.clone()),
                rows: rows.into_iter().collect(),
                blobs,
            }),
    )
}

// --- development routes ---

fn not_found() -> HttpResponse {
    HttpResponse::error(&ApiError::not_found("no such route"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    name: String,
}

async fn dev_create_user<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
{
    if !ctx.dev_routes {
        return not_found();
    }
    let name = match serde_json::from_slice::<NewUser>(&request.body) {
        Ok(u) if !u.name.trim().is_empty() && u.name.len() <= 100 => u.name,
        _ => return HttpResponse::error(&ApiError::bad_request("expected {\"name\": \"...\"}")),
    };
    let (user_id, token) = match new_user(ctx.ids) {
        Ok(ids) => ids,
        Err(e) => return HttpResponse::error(&ApiError::from(e)),
    };
    if let Err(e) = ctx
        .store
        .create_user_token(&user_id, &name, &token, "development", None, &ctx.now)
        .await
    {
        return HttpResponse::error(&ApiError::from(e));
    }
    HttpResponse::json(
        201,
        &serde_json::json!({ "user_id": user_id, "name": name, "token": token }),
    )
}

/// A new user's id and bearer token (two UUIDs of randomness).
fn new_user(ids: &dyn Ids) -> Result<(String, String), PortError> {
    let user_id = format!("user-{}", ids.new_id()?);
    let token = format!(
        "bff_{}{}",
        ids.new_id()?.replace('-', ""),
        ids.new_id()?.replace('-', "")
    );
    Ok((user_id, token))
}

async fn dev_redeliver<C, B, D, S>(
    request: &HttpRequest,
    params: &Params,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
    D: Dispatcher,
{
    if !ctx.dev_routes {
        return not_found();
    }
    let user_id = authed!(request, ctx);
    let key = key(params, &user_id);
    if ctx.store.job(&key).await.ok().flatten().is_none() {
        return HttpResponse::error(&ApiError::not_found(format!(
            "no generation job {}",
            key.job_id
        )));
    }
    let variants = match ctx.store.variants(&key).await {
        Ok(variants) => variants,
        Err(e) => return HttpResponse::error(&ApiError::from(e)),
    };
    let mut messages: Vec<Message> = Vec::new();
    for v in &variants {
        messages.push(GenerateImage::new(&key, v.variant, v.provider).into());
        messages.push(EmbedImage::new(&key, &v.image_id).into());
    }
    messages.push(ClusterJob::new(&key).into());
    messages.push(SelectDesigns::new(&key).into());
    messages.push(MeasureCoverage::new(&key).into());
    messages.sort_by_key(|m| m.queue());
    if let Err(e) = ctx.dispatch.send_all(&messages).await {
        return HttpResponse::error(&ApiError::from(e));
    }
    HttpResponse::json(
        202,
        &serde_json::json!({ "job_id": key.job_id, "redelivered": messages.len() }),
    )
}

async fn dev_counts<C, B, D, S>(
    request: &HttpRequest,
    params: &Params,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
{
    if !ctx.dev_routes {
        return not_found();
    }
    let user_id = authed!(request, ctx);
    match ctx.store.row_counts(&key(params, &user_id)).await {
        Ok(counts) => HttpResponse::json(200, &counts),
        Err(e) => HttpResponse::error(&ApiError::from(e)),
    }
}

// --- cron ---

/// The cron of the sweep (`[triggers] crons` in the Workers' `wrangler.toml`).
pub const SWEEP_CRON: &str = "*/10 * * * *";
/// The cron of the daily analytics rollup.
pub const ROLLUP_CRON: &str = "15 0 * * *";

/// Runs the task of `cron` and logs what failed (`cron <cron>: <error>`): the sweep here, the
/// rollup in the analytics function (yesterday and today).
pub async fn scheduled<C, B, D, S>(cron: &str, ctx: &GatewayContext<'_, C, B, D, S>)
where
    C: Connection,
    B: BlobStore,
    D: Dispatcher,
    S: Services,
{
    let result = match cron {
        ROLLUP_CRON => match (rollup(ctx).await, &ctx.retention_days) {
            (Ok(()), Err(problem)) => Err(format!("retention: {problem}; nothing deleted")),
            (Ok(()), Ok(Some(days))) => {
                let days = *days;
                crate::cron::retain(ctx.store, ctx.blobs, &ctx.now, days, ctx.log)
                    .await
                    .map(|report| {
                        ctx.log.info(&format!(
                            "retention: {} jobs older than {days} days deleted ({} rows, {} images)",
                            report.jobs, report.rows, report.images
                        ))
                    })
                    .map_err(|e| e.to_string())
            }
            (result, _) => result,
        },
        SWEEP_CRON => crate::cron::sweep(ctx.store, ctx.dispatch, &ctx.now, ctx.log)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        other => Err(format!("no task for cron {other:?}")),
    };
    if let Err(error) = result {
        ctx.log.error(&format!("cron {cron}: {error}"));
    }
}

/// The daily rollup, run by the analytics function.
async fn rollup<C, B, D, S: Services>(ctx: &GatewayContext<'_, C, B, D, S>) -> Result<(), String> {
    let answer = call(
        ctx.services,
        Service::Analytics,
        Method::Post,
        crate::analytics::ROLLUP_PATH,
        None,
        None,
    )
    .await;
    let text = answer.text();
    if answer.status != 200 {
        return Err(format!("rollup answered {}: {text}", answer.status));
    }
    ctx.log.info(&format!("cron rollup: {text}"));
    Ok(())
}

#[cfg(test)]
mod tests;
