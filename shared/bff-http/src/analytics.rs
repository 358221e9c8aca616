//! The analytics function (stage 11): the designer's analytics views and the daily rollup.
//!
//! No public route: the gateway forwards `GET /api/analytics/:view` with the user it
//! authenticated, and its daily cron calls `POST /internal/rollup`.
//!
//! | route | what it does |
//! |---|---|
//! | `GET /api/analytics/:view` | `evolution`, `styles`, `standouts`, `feedback`, `coverage`, `recommendations` (`bff_pipeline::stages::analytics::View`) |
//! | `POST /internal/rollup` | rolls up yesterday and today, or the days of `{"days": ["YYYY-MM-DD", ...]}` |
//!
//! Answers are cached ([`ResponseCache`]; the Cache API on Workers) for
//! [`CACHE_SECONDS`] under a key made of the user, the user's analytics version, the day and the
//! view. Every new piece of feedback, learning step and rollup moves the version, so the next
//! request after new feedback misses the cache and is computed again. `X-Bff-Cache: hit | miss`
//! says which happened.

use bff_pipeline::api::ApiError;
use bff_pipeline::ports::AnalyticsStore;
use bff_pipeline::stages::analytics::{self, View, CACHE_SECONDS};
use bff_pipeline::Timestamp;
use bff_store::{Connection, SqlStore};
use serde::Deserialize;

use crate::context::{caller, declared_too_large, no_route};
use crate::message::{HttpRequest, HttpResponse};
use crate::platform::Log;
use crate::router::{Routed, Router};

/// The route of the daily rollup (called by the gateway's cron).
pub const ROLLUP_PATH: &str = "/internal/rollup";

/// A cache of answer bodies by key, each kept for at most `max_age_seconds`. A cache that cannot
/// answer is a miss; one that cannot store is logged and otherwise ignored.
#[allow(async_fn_in_trait)]
pub trait ResponseCache {
    /// The body stored under `key`, if any (and not expired).
    async fn get(&self, key: &str) -> Option<String>;
    /// Stores `body` (JSON) under `key`.
    async fn put(&self, key: &str, body: &str, max_age_seconds: u32) -> Result<(), String>;
}

/// No cache: every request is a miss.
pub struct NoCache;

impl ResponseCache for NoCache {
    async fn get(&self, _key: &str) -> Option<String> {
        None
    }

    async fn put(&self, _key: &str, _body: &str, _max_age_seconds: u32) -> Result<(), String> {
        Ok(())
    }
}

/// What the analytics handlers use.
pub struct AnalyticsContext<'a, C, K> {
    pub store: &'a SqlStore<C>,
    pub cache: &'a K,
    pub now: Timestamp,
    pub log: &'a dyn Log,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    View,
    Rollup,
}

fn router() -> Router<Route> {
    Router::new()
        .get("/api/analytics/:view", Route::View)
        .post(ROLLUP_PATH, Route::Rollup)
}

/// Answers one request of the gateway (a view for its user, or the cron's rollup).
pub async fn handle<C, K>(request: &HttpRequest, ctx: &AnalyticsContext<'_, C, K>) -> HttpResponse
where
    C: Connection,
    K: ResponseCache,
{
    match router().at(&request.method, request.path()) {
        Routed::Found(Route::View, params) => {
            view(request, params.get("view").unwrap_or_default(), ctx).await
        }
        Routed::Found(Route::Rollup, _) => rollup(request, ctx).await,
        Routed::MethodNotAllowed(_) => no_route(request, true),
        Routed::NotFound => no_route(request, false),
    }
}

/// The cache key of a view: the day is part of it too, since "this week" moves at midnight even
/// without feedback. A URL, as the Workers Cache API wants.
pub fn cache_key(user_id: &str, version: u64, now: &Timestamp, view: View) -> String {
    format!(
        "https://bff-analytics.internal/cache/{user_id}/{version}/{}/{}",
        now.day(),
        view.name()
    )
}

async fn view<C, K>(
    request: &HttpRequest,
    name: &str,
    ctx: &AnalyticsContext<'_, C, K>,
) -> HttpResponse
where
    C: Connection,
    K: ResponseCache,
{
    let user_id = match caller(request) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let view = match View::parse(name) {
        Ok(view) => view,
        Err(e) => return HttpResponse::error(&e),
    };
    let version = match ctx.store.analytics_version(user_id).await {
        Ok(v) => v,
        Err(e) => return HttpResponse::error(&ApiError::from(e)),
    };
    let key = cache_key(user_id, version, &ctx.now, view);
    if let Some(cached) = ctx.cache.get(&key).await {
        return answer(cached, "hit");
    }
    let body = match analytics::answer(ctx.store, user_id, view, &ctx.now).await {
        Ok(body) => body.to_string(),
        Err(e) => return HttpResponse::error(&e),
    };
    if let Err(e) = ctx.cache.put(&key, &body, CACHE_SECONDS).await {
        ctx.log.error(&format!("analytics cache put: {e}"));
    }
    answer(body, "miss")
}

/// The JSON answer to the client: the client always revalidates (the key moves with new
/// feedback, which a browser cache would not know); `X-Bff-Cache` says whether the cache had it.
fn answer(body: String, cache: &str) -> HttpResponse {
    HttpResponse::new(200, body)
        .with_header("Content-Type", "application/json")
        .with_header("Cache-Control", "private, no-cache")
        .with_header("X-Bff-Cache", cache)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RollupRequest {
    #[serde(default)]
    days: Option<Vec<String>>,
}

async fn rollup<C, K>(request: &HttpRequest, ctx: &AnalyticsContext<'_, C, K>) -> HttpResponse
where
    C: Connection,
{
    if let Some(refused) = declared_too_large(request) {
        return refused;
    }
    let body: RollupRequest = if request.body.is_empty() {
        RollupRequest::default()
    } else {
        match serde_json::from_slice(&request.body) {
            Ok(r) => r,
            Err(e) => {
                return HttpResponse::error(&ApiError::bad_request(format!(
                    "invalid rollup body: {e}"
                )))
            }
        }
    };
    let days = match body.days {
        Some(days) => {
            for day in &days {
                let valid =
                    Timestamp::parse(&format!("{day}T00:00:00Z")).is_ok_and(|t| t.day() == *day);
                if !valid {
                    return HttpResponse::error(
                        &ApiError::unprocessable(format!("{day:?} is not a day (YYYY-MM-DD)"))
                            .with_field("days"),
                    );
                }
            }
            days
        }
        None => analytics::cron_days(&ctx.now),
    };
    match crate::cron::rollup(ctx.store, &days, &ctx.now, ctx.log).await {
        Ok(report) => HttpResponse::json(200, &report),
        Err(e) => HttpResponse::error(&ApiError::from(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Method;
    use crate::platform::RecordingLog;
    use crate::testing::*;

    struct World {
        store: SqlStore<TestDb>,
        cache: MapCache,
        log: RecordingLog,
    }

    impl World {
        fn new() -> Self {
            World {
                store: TestDb::store(),
                cache: MapCache::default(),
                log: RecordingLog::new(),
            }
        }

        fn handle(&self, request: &HttpRequest) -> HttpResponse {
            let ctx = AnalyticsContext {
                store: &self.store,
                cache: &self.cache,
                now: now(),
                log: &self.log,
            };
            run(handle(request, &ctx))
        }
    }

    #[test]
    fn views_need_the_caller_and_a_known_view() {
        let w = World::new();
        let r = w.handle(&HttpRequest::new(Method::Get, "/api/analytics/styles"));
        assert_eq!(r.status, 401);
        let r = w.handle(&from_gateway(Method::Get, "/api/analytics/horoscope"));
        assert_eq!((r.status, r.is_json()), (404, true));
        let r = w.handle(&from_gateway(Method::Post, "/api/analytics/styles"));
        assert_eq!(r.status, 405);
    }

    #[test]
    fn a_view_is_cached_under_the_user_version_day_and_view() {
        let w = World::new();
        let r = w.handle(&from_gateway(Method::Get, "/api/analytics/standouts"));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("X-Bff-Cache"), Some("miss"));
        assert_eq!(r.header("Cache-Control"), Some("private, no-cache"));
        assert!(r.is_json());
        let key = "https://bff-analytics.internal/cache/user-1/0/2026-04-02/standouts";
        assert_eq!(
            w.cache.entries.borrow().get(key).map(String::as_bytes),
            Some(&r.body[..])
        );
        let computed = w.store.connection().statements.borrow().len();
        let again = w.handle(&from_gateway(Method::Get, "/api/analytics/standouts"));
        assert_eq!(
            (again.header("X-Bff-Cache"), &again.body),
            (Some("hit"), &r.body)
        );
        // Only the version was read.
        assert_eq!(w.store.connection().statements.borrow().len(), computed + 1);
    }

    #[test]
    fn a_cache_that_cannot_store_is_logged() {
        let w = World {
            cache: MapCache {
                failing: true,
                ..MapCache::default()
            },
            ..World::new()
        };
        let r = w.handle(&from_gateway(Method::Get, "/api/analytics/feedback"));
        assert_eq!((r.status, r.header("X-Bff-Cache")), (200, Some("miss")));
        assert_eq!(
            w.log.lines(),
            ["ERROR analytics cache put: the cache is full"]
        );
    }

    #[test]
    fn the_rollup_takes_yesterday_and_today_or_the_days_asked_for() {
        let w = World::new();
        let r = w.handle(&HttpRequest::new(Method::Post, ROLLUP_PATH));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(
            r.json_body().unwrap(),
            serde_json::json!({
                "days": ["2026-04-01", "2026-04-02"],
                "users": [["2026-04-01", 0], ["2026-04-02", 0]],
            })
        );
        assert_eq!(
            w.log.lines(),
            [
                r#"rollup: {"days":["2026-04-01","2026-04-02"],"users":[["2026-04-01",0],["2026-04-02",0]]}"#
            ]
        );
        let r = w.handle(
            &HttpRequest::new(Method::Post, ROLLUP_PATH)
                .with_body(&br#"{"days": ["2026-03-01"]}"#[..]),
        );
        assert_eq!(
            r.json_body().unwrap()["days"],
            serde_json::json!(["2026-03-01"])
        );
        for (body, status) in [
            (&br#"{"days": ["2026-02-30"]}"#[..], 422),
            (br#"{"days": ["yesterday"]}"#, 422),
            (br#"{"day": "2026-03-01"}"#, 400),
            (b"[", 400),
        ] {
            let r = w.handle(&HttpRequest::new(Method::Post, ROLLUP_PATH).with_body(body));
            assert_eq!(r.status, status, "{}", r.text());
        }
    }
}
