//! `bff-fn-analytics` (Worker `bff-analytics`): stage 11, the designer's analytics and the daily
//! rollup.
//!
//! No public route: the gateway forwards `GET /api/analytics/:view` over its `ANALYTICS` service
//! binding with the user it authenticated, and its daily cron calls `POST /internal/rollup`.
//!
//! | route | what it does |
//! |---|---|
//! | `GET /api/analytics/:view` | `evolution`, `styles`, `standouts`, `feedback`, `coverage`, `recommendations` (`bff_pipeline::stages::analytics::View`) |
//! | `POST /internal/rollup` | rolls up yesterday and today, or the days of `{"days": ["YYYY-MM-DD", ...]}` |
//!
//! Answers are cached at the edge (the Cache API) for five minutes under a key made of the user,
//! the user's analytics version and the view. Every new piece of feedback, learning step and
//! rollup moves the version, so the next request after new feedback misses the cache and is
//! computed again. `X-Bff-Cache: hit | miss` says which happened.

use bff_cloudflare::consumer::now;
use bff_cloudflare::{http, service};
use bff_pipeline::api::ApiError;
use bff_pipeline::ports::AnalyticsStore;
use bff_pipeline::stages::analytics::{self, View, CACHE_SECONDS};
use serde::Deserialize;
use worker::{
    event, Cache, Context, Env, Headers, Request, Response, Result, RouteContext, Router,
};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Router::new()
        .get_async("/api/analytics/:view", view)
        .post_async("/internal/rollup", rollup)
        .run(req, env)
        .await
}

fn api_error(e: &ApiError) -> Result<Response> {
    http::json(e.status, e)
}

async fn view(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let user_id = match service::caller(&req)? {
        Ok(user) => user,
        Err(response) => return Ok(response),
    };
    let name = ctx.param("view").cloned().unwrap_or_default();
    let view = match View::parse(&name) {
        Ok(view) => view,
        Err(e) => return api_error(&e),
    };
    let store = bff_cloudflare::store(&ctx.env)?;
    let version = match store.analytics_version(&user_id).await {
        Ok(v) => v,
        Err(e) => return api_error(&ApiError::from(e)),
    };
    let now = now();
    // The day is part of the key too: "this week" moves at midnight even without feedback.
    let key = format!(
        "https://bff-analytics.internal/cache/{user_id}/{version}/{}/{}",
        now.day(),
        view.name()
    );
    let cache = Cache::default();
    if let Ok(Some(mut cached)) = cache.get(key.as_str(), false).await {
        // A cached response's headers are immutable: answer with its body in a new one.
        return answer(cached.text().await?, "hit");
    }
    let body = match analytics::answer(&store, &user_id, view, &now).await {
        Ok(body) => serde_json::to_string(&body)?,
        Err(e) => return api_error(&e),
    };
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    headers.set("Cache-Control", &format!("public, max-age={CACHE_SECONDS}"))?;
    let stored = Response::ok(body.clone())?.with_headers(headers);
    if let Err(e) = cache.put(key.as_str(), stored).await {
        worker::console_error!("analytics cache put: {e}");
    }
    answer(body, "miss")
}

/// The JSON answer to the client: the client always revalidates (the key moves with new
/// feedback, which a browser cache would not know); `X-Bff-Cache` says whether the edge had it.
fn answer(body: String, cache: &str) -> Result<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    headers.set("Cache-Control", "private, no-cache")?;
    headers.set("X-Bff-Cache", cache)?;
    Ok(Response::ok(body)?.with_headers(headers))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RollupRequest {
    #[serde(default)]
    days: Option<Vec<String>>,
}

async fn rollup(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let body = req.bytes().await?;
    let request: RollupRequest = if body.is_empty() {
        RollupRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => {
                return api_error(&ApiError::bad_request(format!("invalid rollup body: {e}")))
            }
        }
    };
    let now = now();
    let days = match request.days {
        Some(days) => {
            for day in &days {
                let valid = bff_pipeline::Timestamp::parse(&format!("{day}T00:00:00Z"))
                    .is_ok_and(|t| t.day() == *day);
                if !valid {
                    return api_error(
                        &ApiError::unprocessable(format!("{day:?} is not a day (YYYY-MM-DD)"))
                            .with_field("days"),
                    );
                }
            }
            days
        }
        None => analytics::cron_days(&now),
    };
    let store = bff_cloudflare::store(&ctx.env)?;
    match analytics::roll_up(&store, &days, &now).await {
        Ok(report) => {
            worker::console_log!("rollup: {}", serde_json::to_string(&report)?);
            http::json(200, &report)
        }
        Err(e) => api_error(&ApiError::from(e)),
    }
}
