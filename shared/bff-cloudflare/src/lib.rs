//! The one crate that talks to Cloudflare's bindings (D1, Queues, R2, service bindings, the Cache
//! API) through the `worker` crate.
//!
//! Stage functions keep their entry points (`#[event(fetch|queue|scheduled)]`, which expand to
//! `::worker::…` paths) and call these helpers for everything else, so that the binding code,
//! its error handling and the names of the bindings live in one place. The HTTP functions are
//! shells over `bff_http`: [`http`] converts requests and responses, and the adapters below are
//! what its handlers take.
//!
//! The pipeline's ports on Cloudflare:
//! - [`D1JobStore`]: `bff_store::SqlStore` (the `JobStore`, `FeedbackStore` and `AnalyticsStore`
//!   ports, users and tokens) over [`d1::D1Connection`]; the SQL lives in `bff-store`.
//! - [`blobs`]: [`R2Blobs`], the `BlobStore` on R2.
//! - [`dispatch`]: [`QueueDispatcher`], the `Dispatcher`: each message to the producer binding of
//!   its queue.
//! - [`consumer`]: the body of every queue-consuming stage Worker (decode, handle, ack / retry /
//!   give up per message, dead-letter queues).
//!
//! `bff_http`'s platform traits on Cloudflare:
//! - [`service`]: [`ServiceBindings`], `Services` over the gateway's service bindings to the
//!   prompt, feedback and analytics Workers, with the authenticated user.
//! - [`cache`]: [`EdgeCache`], the analytics answers' `ResponseCache` on the Cache API.
//! - [`ConsoleLog`], [`new_id`] (`crypto.randomUUID()`), [`BindingChecks`],
//!   [`dev_routes`].
//!
//! Helpers under them:
//! - [`d1`]: the D1 connection: statements, rows, batches, with typed parameters, metered.
//! - [`queue`]: send messages, settle them.
//! - [`r2`]: put and get whole objects.
//! - [`http`]: `worker` requests and responses to and from `bff_http`'s.
//! - [`bindings`]: the binding names the `wrangler.toml` files declare.
//!
//! Everything here calls into JavaScript: it compiles for the host (so the workspace builds, lints
//! and tests everywhere) but only runs inside workerd.

pub mod blobs;
pub mod cache;
pub mod consumer;
pub mod d1;
pub mod dispatch;
pub mod http;
pub mod providers;
pub mod queue;
pub mod r2;
pub mod service;

pub use bff_store::operations::{bearer, token_hash};
pub use blobs::R2Blobs;
pub use cache::EdgeCache;
pub use dispatch::QueueDispatcher;
pub use service::ServiceBindings;

/// The pipeline's state on D1.
pub type D1JobStore = bff_store::SqlStore<d1::D1Connection>;

/// The store on the D1 database bound as `DB`.
pub fn store(env: &worker::Env) -> worker::Result<D1JobStore> {
    Ok(bff_store::SqlStore::new(d1::D1Connection::new(
        d1::database(env, bindings::DB)?,
    )))
}

/// The store on `DB`, or, when the binding is missing, a store whose every statement fails with
/// that error (a 503, and a failed `d1` health check) rather than the whole request.
pub fn store_or_unavailable(env: &worker::Env) -> D1JobStore {
    match d1::database(env, bindings::DB) {
        Ok(db) => bff_store::SqlStore::new(d1::D1Connection::new(db)),
        Err(e) => bff_store::SqlStore::new(d1::D1Connection::unbound(e.to_string())),
    }
}

pub use worker;

/// Binding names, as declared in the `wrangler.toml` files.
pub mod bindings {
    /// The shared D1 database (`[[d1_databases]] binding`).
    pub const DB: &str = "DB";
    /// The R2 bucket for images and other blobs (`[[r2_buckets]] binding`).
    pub const BLOBS: &str = "BLOBS";
}

/// The current time as an RFC 3339 / ISO 8601 string in UTC (`2025-09-01T03:00:00.000Z`).
pub fn now_iso() -> String {
    String::from(worker::js_sys::Date::new_0().to_iso_string())
}

/// A random RFC 4122 version 4 UUID from the runtime's `crypto.randomUUID()`.
pub fn random_uuid() -> worker::Result<String> {
    use worker::js_sys::{Function, Reflect};
    use worker::wasm_bindgen::{JsCast, JsValue};
    let crypto = Reflect::get(&worker::js_sys::global(), &JsValue::from_str("crypto"))?;
    let random_uuid: Function = Reflect::get(&crypto, &JsValue::from_str("randomUUID"))?
        .dyn_into()
        .map_err(|_| worker::Error::RustError("crypto.randomUUID is not a function".into()))?;
    random_uuid
        .call0(&crypto)?
        .as_string()
        .ok_or_else(|| worker::Error::RustError("crypto.randomUUID returned no string".into()))
}

/// A new id for `bff_http` (`Ids`): `crypto.randomUUID()`.
pub fn new_id() -> Result<String, bff_pipeline::ports::PortError> {
    random_uuid().map_err(|e| bff_pipeline::ports::PortError::new("crypto", e.to_string()))
}

/// `bff_http`'s log on the Workers console (`wrangler tail`, `wrangler dev`'s output).
pub struct ConsoleLog;

impl bff_http::Log for ConsoleLog {
    fn info(&self, line: &str) {
        worker::console_log!("{line}");
    }

    fn error(&self, line: &str) {
        worker::console_error!("{line}");
    }
}

/// The variable that turns on the development routes; `.dev.vars` sets it for `wrangler dev`.
pub const DEV_ROUTES: &str = "BFF_DEV_ROUTES";

/// The secret that opens the admin API (`POST /api/admin/users`).
pub const ADMIN_TOKEN: &str = "BFF_ADMIN_TOKEN";

/// The origins whose pages may call the API, separated by commas.
pub const CORS_ORIGINS: &str = "BFF_CORS_ORIGINS";

/// How many days jobs are kept (`bff_http::cron::retention_days`).
pub const RETENTION_DAYS: &str = "BFF_RETENTION_DAYS";

/// The deployment's retention period in days, or what is wrong with the setting.
pub fn retention_days(env: &worker::Env) -> Result<Option<u32>, String> {
    let text = env
        .var(RETENTION_DAYS)
        .map(|v| v.to_string())
        .unwrap_or_default();
    bff_http::cron::retention_days(&text).map_err(|e| format!("setting {RETENTION_DAYS}: {e}"))
}

/// The per-user rate limits and quotas (`bff_pipeline::limits`).
pub const RATE_LIMITS: &str = "BFF_RATE_LIMITS";

/// The deployment's rate limits: the defaults with `BFF_RATE_LIMITS` over them, or what is wrong
/// with that setting.
pub fn rate_limits(env: &worker::Env) -> Result<bff_http::Limits, String> {
    let text = env
        .var(RATE_LIMITS)
        .map(|v| v.to_string())
        .unwrap_or_default();
    bff_http::Limits::parse(&text).map_err(|e| format!("setting {RATE_LIMITS}: {e}"))
}

/// Whether the development routes are on (`BFF_DEV_ROUTES=enabled`).
pub fn dev_routes(env: &worker::Env) -> bool {
    env.var(DEV_ROUTES)
        .is_ok_and(|v| v.to_string() == "enabled")
}

/// The origins the deployment trusts (`BFF_CORS_ORIGINS`); none when unset or malformed (a
/// malformed list closes cross-origin access rather than guess).
pub fn cors_origins(env: &worker::Env) -> Vec<String> {
    env.var(CORS_ORIGINS)
        .ok()
        .and_then(|v| bff_http::edge::cors_origins(&v.to_string()).ok())
        .unwrap_or_default()
}

/// The admin API's bearer token (`wrangler secret put BFF_ADMIN_TOKEN`; `.dev.vars` locally), if
/// the deployment has one.
pub fn admin_token(env: &worker::Env) -> Option<String> {
    env.secret(ADMIN_TOKEN)
        .map(|s| s.to_string())
        .or_else(|_| env.var(ADMIN_TOKEN).map(|v| v.to_string()))
        .ok()
        .filter(|t| !t.trim().is_empty())
}

/// The gateway's binding checks for its health answer (`bff_http::PlatformChecks`): a queue
/// producer (`queue`) and the R2 bucket (`r2`) are bound. The D1 check is the store's; the
/// services' are [`ServiceBindings`]'.
pub struct BindingChecks {
    env: worker::Env,
}

impl BindingChecks {
    pub fn new(env: worker::Env) -> Self {
        Self { env }
    }
}

impl bff_http::PlatformChecks for BindingChecks {
    fn checks(&self) -> Vec<bff_http::NamedCheck> {
        let queue =
            dispatch::producer_binding(bff_pipeline::messages::GENERATE_QUEUE).unwrap_or("");
        vec![
            ("queue".to_string(), self.env.queue(queue).into()),
            ("r2".to_string(), self.env.bucket(bindings::BLOBS).into()),
        ]
    }
}
