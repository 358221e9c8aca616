//! The HTTP components on Spin: `bff-http`'s handlers (written once, shared with the Workers)
//! wired to Spin's host. The gateway is the public HTTP trigger; prompt, feedback and analytics
//! are private components the gateway reaches through Spin's local service chaining
//! (`http://<component>.spin.internal`), passing the authenticated user as the Workers do.
//!
//! The gateway also serves the internal routes a scheduler calls, each behind
//! `Authorization: Bearer <internal_secret>` (a Spin variable; empty refuses them all):
//! `POST /internal/sweep` (stalled jobs and unlearned feedback, every 10 minutes),
//! `POST /internal/rollup` (the daily analytics rollup), `POST /internal/pump` (rings the
//! doorbells of queues with due messages: retries after their back-off, lost doorbells; every few
//! seconds) and `POST /internal/migrate` (the schema's missing migrations; on Postgres the variable
//! `postgres_owner_url` names the schema owner).

use bff_http::analytics::{AnalyticsContext, ResponseCache};
use bff_http::gateway::{self, GatewayContext, ROLLUP_CRON, SWEEP_CRON};
use bff_http::platform::{Check, Log, NamedCheck, Service, Services, USER_HEADER};
use bff_http::{HttpRequest, HttpResponse, Method, StageContext, MAX_READ_BYTES};
use bff_pipeline::api::ApiError;
use bff_pipeline::ports::PortError;
use bytes::Bytes;
use http_body_util::Full;
use sha2::{Digest, Sha256};
use spin_sdk::http::body::IncomingBodyExt;
use spin_sdk::http::{HeaderName, HeaderValue, Request, StatusCode};
use spin_sdk::key_value::Store;

use crate::blobs::KvBlobs;
use crate::config::DatabaseChoice;
use crate::db::{open_store, variable, SpinDb, SpinStore};
use crate::dispatch::DurableDispatcher;
use crate::meter::meter;

/// The response type of every HTTP component.
pub type Reply = spin_sdk::http::Response<Full<Bytes>>;

/// Headers that describe the framing of a body that is read whole here.
const FRAMING: [&str; 3] = ["content-length", "transfer-encoding", "connection"];

/// Spin's request as a plain one (the body read whole, unless it declares more than the API
/// reads at most: the handlers refuse it by its declared length).
pub async fn read_request(req: Request) -> HttpRequest {
    let method = Method::parse(req.method().as_str());
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let mut request = HttpRequest {
        method,
        path_and_query,
        headers,
        body: Vec::new(),
    };
    if request
        .declared_length()
        .is_none_or(|n| n <= MAX_READ_BYTES)
    {
        request.body = req
            .into_body()
            .bytes()
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
    }
    request
}

/// A plain response as Spin's.
pub fn reply(response: HttpResponse) -> Reply {
    let mut builder = spin_sdk::http::Response::builder()
        .status(StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    for (name, value) in &response.headers {
        if FRAMING.iter().any(|f| name.eq_ignore_ascii_case(f)) {
            continue;
        }
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            builder = builder.header(n, v);
        }
    }
    builder
        .body(Full::new(Bytes::from(response.body)))
        .unwrap_or_else(|_| spin_sdk::http::Response::new(Full::new(Bytes::new())))
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> HttpResponse {
    HttpResponse::error(&ApiError::unavailable(format!("{what}: {e}")))
}

/// Log lines on the component's output (Spin writes them to its log).
pub struct StdoutLog;

impl Log for StdoutLog {
    fn info(&self, line: &str) {
        println!("{line}");
    }

    fn error(&self, line: &str) {
        eprintln!("{line}");
    }
}

fn new_id() -> Result<String, PortError> {
    crate::ids::random_uuid().map_err(|e| PortError::new("ids", e))
}

/// The prompt, feedback and analytics components through Spin's local service chaining.
pub struct ChainedServices;

impl Services for ChainedServices {
    async fn call(
        &self,
        service: Service,
        method: Method,
        path_and_query: &str,
        user_id: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<HttpResponse, PortError> {
        let port = |e: String| PortError::new("service", format!("{}: {e}", service.name()));
        let mut builder = spin_sdk::http::Request::builder()
            .method(method.as_str())
            .uri(format!(
                "http://{}.spin.internal{path_and_query}",
                service.name()
            ))
            .header("content-type", "application/json");
        if let Some(user) = user_id {
            builder = builder.header(USER_HEADER, user);
        }
        let request = builder
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| port(e.to_string()))?;
        let response = spin_sdk::http::send(request)
            .await
            .map_err(|e| port(format!("{e:?}")))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter(|(n, _)| !FRAMING.iter().any(|f| n.as_str().eq_ignore_ascii_case(f)))
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let body = response
            .into_body()
            .bytes()
            .await
            .map_err(|e| port(format!("{e:?}")))?
            .to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// The analytics answers cached in the key-value store, with their expiry (the store has no
/// time to live of its own).
pub struct KvCache {
    store: Option<Store>,
}

impl KvCache {
    pub async fn open() -> Self {
        KvCache {
            store: Store::open_default().await.ok(),
        }
    }

    fn key(key: &str) -> String {
        let digest = Sha256::digest(key.as_bytes());
        format!("cache/analytics/{}", bff_store::rows::encode_hex(&digest))
    }
}

impl ResponseCache for KvCache {
    async fn get(&self, key: &str) -> Option<String> {
        let bytes = self.store.as_ref()?.get(&Self::key(key)).await.ok()??;
        let entry: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        let expires = entry["expires_ms"].as_i64()?;
        (crate::now().unix_ms() < expires).then(|| entry["body"].as_str().map(String::from))?
    }

    async fn put(&self, key: &str, body: &str, max_age_seconds: u32) -> Result<(), String> {
        let Some(store) = &self.store else {
            return Err("no key-value store".into());
        };
        let entry = serde_json::json!({
            "expires_ms": crate::now().unix_ms() + i64::from(max_age_seconds) * 1000,
            "body": body,
        });
        store
            .set(&Self::key(key), entry.to_string().into_bytes())
            .await
            .map_err(|e| format!("{e:?}"))
    }
}

async fn redis_url() -> Option<String> {
    variable("redis_url")
        .await
        .ok()
        .flatten()
        .filter(|u| !u.trim().is_empty())
}

/// The gateway component: the public API (`bff_http::gateway`) and the internal routes.
/// Where spin.toml mounts the studio's build (`target/studio/`) in the gateway component.
const STUDIO_DIR: &str = "/studio";

pub async fn gateway(req: Request) -> Reply {
    let request = read_request(req).await;
    if request.path().starts_with("/internal/") {
        return reply(internal(&request).await);
    }
    // The studio's files, mounted at /studio (spin.toml); the API is under /api/.
    if !request.path().starts_with("/api/") {
        let read = |path: &str| std::fs::read(format!("{STUDIO_DIR}{path}")).ok();
        if let Some(file) = bff_http::studio::serve(&request, read) {
            return reply(file);
        }
    }
    let store = match open_store().await {
        Ok(s) => s,
        Err(e) => return reply(unavailable("database", e)),
    };
    let blobs = match KvBlobs::open_default().await {
        Ok(b) => b,
        Err(e) => return reply(unavailable("blob store", e)),
    };
    let redis = redis_url().await;
    let checks: Vec<NamedCheck> = vec![
        ("key_value".into(), Check::passed()),
        (
            "redis".into(),
            match &redis {
                Some(_) => Check::passed(),
                None => Check::failed("the variable redis_url is not set"),
            },
        ),
    ];
    let dispatch = DurableDispatcher::new(&store, redis);
    let dev_routes = variable("dev_routes").await.ok().flatten().as_deref() == Some("enabled");
    let admin_token = variable("admin_token").await.ok().flatten();
    let limits = bff_http::Limits::parse(
        &variable("rate_limits")
            .await
            .ok()
            .flatten()
            .unwrap_or_default(),
    )
    .map_err(|e| format!("variable rate_limits: {e}"));
    // A malformed list closes cross-origin access rather than guess.
    let cors_origins = variable("cors_origins")
        .await
        .ok()
        .flatten()
        .and_then(|v| bff_http::edge::cors_origins(&v).ok())
        .unwrap_or_default();
    let settings = crate::providers::Variables::read().await;
    let providers = settings.enabled();
    let budget = settings.budget();
    let provider_checks = if bff_http::gateway::is_health_check(request.path()) {
        settings.reachability(&providers).await
    } else {
        Vec::new()
    };
    let platform_checks = move || checks.clone();
    let ctx = GatewayContext {
        store: &store,
        blobs: &blobs,
        dispatch: &dispatch,
        services: &ChainedServices,
        ids: &new_id,
        log: &StdoutLog,
        now: crate::now(),
        dev_routes,
        admin_token: admin_token.as_deref(),
        cors_origins: &cors_origins,
        limits: &limits,
        meter: &meter,
        clock: &|| crate::now().unix_ms(),
        user_seen: Default::default(),
        retention_days: Ok(None),
        providers: &providers,
        budget: &budget,
        provider_checks: &provider_checks,
        store_check: store_check_name(&store),
        platform_checks: &platform_checks,
    };
    reply(gateway::handle(&request, &ctx).await)
}

fn store_check_name(store: &SpinStore) -> &'static str {
    match store.connection() {
        SpinDb::Sqlite(_) => "sqlite",
        SpinDb::Postgres(_) => "postgres",
    }
}

/// Whether the request carries the internal secret (compared in constant time).
async fn authorised(request: &HttpRequest) -> bool {
    let secret = variable("internal_secret")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    bff_store::operations::bearer_is(request.header("authorization"), &secret)
}

async fn internal(request: &HttpRequest) -> HttpResponse {
    if request.method != Method::Post {
        return HttpResponse::error(&ApiError::no_route(
            request.method.as_str(),
            request.path(),
            true,
        ));
    }
    if !authorised(request).await {
        return HttpResponse::error(&ApiError::unauthorized(
            "the internal routes need Authorization: Bearer <internal_secret>",
        ));
    }
    let task = request.path().trim_start_matches("/internal/");
    if task == "migrate" {
        return migrate().await;
    }
    let store = match open_store().await {
        Ok(s) => s,
        Err(e) => return unavailable("database", e),
    };
    let redis = redis_url().await;
    match task {
        "pump" => match crate::ops::pump(&store, redis.as_deref()).await {
            Ok(queues) => HttpResponse::json(200, &serde_json::json!({ "rang": queues })),
            Err(e) => unavailable("pump", e),
        },
        "sweep" | "rollup" => {
            let blobs = match KvBlobs::open_default().await {
                Ok(b) => b,
                Err(e) => return unavailable("blob store", e),
            };
            let dispatch = DurableDispatcher::new(&store, redis);
            let no_checks = Vec::<NamedCheck>::new;
            let ctx = GatewayContext {
                store: &store,
                blobs: &blobs,
                dispatch: &dispatch,
                services: &ChainedServices,
                ids: &new_id,
                log: &StdoutLog,
                now: crate::now(),
                dev_routes: false,
                admin_token: None,
                cors_origins: &[],
                limits: &Ok(Default::default()),
                meter: &meter,
                clock: &|| crate::now().unix_ms(),
                user_seen: Default::default(),
                retention_days: bff_http::cron::retention_days(
                    &variable("retention_days")
                        .await
                        .ok()
                        .flatten()
                        .unwrap_or_default(),
                )
                .map_err(|e| format!("variable {e}")),
                providers: &[],
                budget: &Ok(Default::default()),
                provider_checks: &[],
                store_check: store_check_name(&store),
                platform_checks: &no_checks,
            };
            let cron = if task == "sweep" {
                SWEEP_CRON
            } else {
                ROLLUP_CRON
            };
            gateway::scheduled(cron, &ctx).await;
            HttpResponse::json(200, &serde_json::json!({ "ran": task }))
        }
        other => HttpResponse::error(&ApiError::not_found(format!(
            "no internal task {other:?} (sweep, rollup, pump, migrate)"
        ))),
    }
}

async fn migrate() -> HttpResponse {
    let choice = match crate::db::database_choice().await {
        Ok(DatabaseChoice::Postgres { url }) => {
            match variable("postgres_owner_url").await.ok().flatten() {
                Some(owner) if !owner.trim().is_empty() => DatabaseChoice::Postgres { url: owner },
                _ => DatabaseChoice::Postgres { url },
            }
        }
        Ok(choice) => choice,
        Err(e) => return unavailable("database", e),
    };
    match crate::ops::migrate(&choice).await {
        Ok(applied) => HttpResponse::json(200, &serde_json::json!({ "applied": applied })),
        Err(e) => unavailable("migrate", e),
    }
}

/// A function behind the gateway (prompt, feedback): its handler with the store and the queues.
async fn stage(
    req: Request,
    handler: impl AsyncFnOnce(
        &HttpRequest,
        &StageContext<'_, SpinDb, DurableDispatcher<'_>>,
    ) -> HttpResponse,
) -> Reply {
    let request = read_request(req).await;
    let store = match open_store().await {
        Ok(s) => s,
        Err(e) => return reply(unavailable("database", e)),
    };
    let dispatch = DurableDispatcher::new(&store, redis_url().await);
    let ctx = StageContext {
        store: &store,
        dispatch: &dispatch,
        now: crate::now(),
        log: &StdoutLog,
        meter: &meter,
    };
    reply(handler(&request, &ctx).await)
}

/// The prompt component (private: the gateway calls it).
pub async fn prompt(req: Request) -> Reply {
    stage(req, async |r, c| bff_http::prompt::handle(r, c).await).await
}

/// The feedback component (private: the gateway calls it).
pub async fn feedback(req: Request) -> Reply {
    stage(req, async |r, c| bff_http::feedback::handle(r, c).await).await
}

/// The analytics component (private: the gateway calls it, for views and the rollup).
pub async fn analytics(req: Request) -> Reply {
    let request = read_request(req).await;
    let store = match open_store().await {
        Ok(s) => s,
        Err(e) => return reply(unavailable("database", e)),
    };
    let cache = KvCache::open().await;
    let ctx = AnalyticsContext {
        store: &store,
        cache: &cache,
        now: crate::now(),
        log: &StdoutLog,
    };
    reply(bff_http::analytics::handle(&request, &ctx).await)
}
