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
//! the user's analytics version, the day and the view. Every new piece of feedback, learning step
//! and rollup moves the version, so the next request after new feedback misses the cache and is
//! computed again. `X-Bff-Cache: hit | miss` says which happened.
//!
//! A shell over `bff_http::analytics`: D1, the Cache API and the console.
//!
//! On Fermyon Spin (`wasm32-wasip2`, component `analytics` in `spin.toml`) the same `bff-http` handler
//! runs behind `bff_spin::web::analytics`.

// Spin's entry-point macro expands to `::spin_sdk::…` paths; bff-spin answers them.
#[cfg(target_os = "wasi")]
extern crate bff_spin as spin_sdk;

#[cfg(target_os = "wasi")]
mod spin {
    #[spin_sdk::http_service]
    async fn handle(request: spin_sdk::http::Request) -> bff_spin::web::Reply {
        bff_spin::web::analytics(request).await
    }
}

#[cfg(not(target_os = "wasi"))]
mod workers {
    use bff_cloudflare::consumer::now;
    use bff_cloudflare::{http, ConsoleLog, EdgeCache};
    use bff_http::AnalyticsContext;
    use worker::{event, Context, Env, Request, Response, Result};

    #[event(fetch)]
    async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
        let request = http::read_request(&mut req).await?;
        let store = bff_cloudflare::store(&env)?;
        let ctx = AnalyticsContext {
            store: &store,
            cache: &EdgeCache::default(),
            now: now(),
            log: &ConsoleLog,
        };
        http::into_response(bff_http::analytics::handle(&request, &ctx).await)
    }
}
