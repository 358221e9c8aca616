//! The one crate that talks to Cloudflare's bindings (D1, Queues, R2) through the `worker` crate.
//!
//! Stage functions keep their entry points (`#[event(fetch|queue|scheduled)]`, which expand to
//! `::worker::…` paths) and call these helpers for everything else, so that the binding code,
//! its error handling and the names of the bindings live in one place.
//!
//! The pipeline's ports on Cloudflare:
//! - [`D1JobStore`]: `bff_store::SqlStore` (the `JobStore`, `FeedbackStore` and `AnalyticsStore`
//!   ports, users and tokens) over [`d1::D1Connection`]; the SQL lives in `bff-store`.
//! - [`blobs`]: [`R2Blobs`], the `BlobStore` on R2.
//! - [`dispatch`]: [`QueueDispatcher`], the `Dispatcher`: each message to the producer binding of
//!   its queue.
//! - [`consumer`]: the body of every queue-consuming stage Worker (decode, handle, ack / retry /
//!   give up per message, dead-letter queues).
//! - [`service`]: the gateway's calls to the prompt, feedback and analytics Workers over service
//!   bindings, with the authenticated user.
//!
//! Helpers under them:
//! - [`d1`]: the D1 connection: statements, rows, batches, with typed parameters, metered.
//! - [`queue`]: send messages, settle them.
//! - [`r2`]: put and get whole objects.
//! - [`http`]: JSON responses and JSON errors.
//! - [`bindings`]: the binding names the `wrangler.toml` files declare.
//!
//! Everything here calls into JavaScript: it compiles for the host (so the workspace builds, lints
//! and tests everywhere) but only runs inside workerd.

pub mod blobs;
pub mod consumer;
pub mod d1;
pub mod dispatch;
pub mod http;
pub mod queue;
pub mod r2;
pub mod service;

pub use bff_store::operations::{bearer, token_hash};
pub use blobs::R2Blobs;
pub use dispatch::QueueDispatcher;

/// The pipeline's state on D1.
pub type D1JobStore = bff_store::SqlStore<d1::D1Connection>;

/// The store on the D1 database bound as `DB`.
pub fn store(env: &worker::Env) -> worker::Result<D1JobStore> {
    Ok(bff_store::SqlStore::new(d1::D1Connection::new(
        d1::database(env, bindings::DB)?,
    )))
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
