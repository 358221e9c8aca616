//! The one crate that talks to Cloudflare's bindings (D1, Queues, R2) through the `worker` crate.
//!
//! Stage functions keep their entry points (`#[event(fetch|queue|scheduled)]`, which expand to
//! `::worker::…` paths) and call these helpers for everything else, so that the binding code,
//! its error handling and the names of the bindings live in one place.
//!
//! The pipeline's ports on Cloudflare:
//! - [`store`]: [`D1JobStore`], `bff_pipeline::ports::JobStore` on D1; every SQL statement of the
//!   pipeline is in [`sql`], rows are read back by [`rows`].
//! - [`blobs`]: [`R2Blobs`], the `BlobStore` on R2.
//! - [`dispatch`]: [`QueueDispatcher`], the `Dispatcher`: each message to the producer binding of
//!   its queue.
//! - [`consumer`]: the body of every queue-consuming stage Worker (decode, handle, ack / retry /
//!   give up per message, dead-letter queues).
//! - [`feedback_store`]: the feedback, learning and analytics ports on the same [`D1JobStore`].
//! - [`auth`]: bearer tokens, stored as SHA-256 hashes.
//! - [`service`]: the gateway's calls to the prompt, feedback and analytics Workers over service
//!   bindings, with the authenticated user.
//!
//! Helpers under them:
//! - [`d1`]: run a statement, read the first row or all rows, batches, with typed parameters.
//! - [`queue`]: send messages, settle them.
//! - [`r2`]: put and get whole objects.
//! - [`http`]: JSON responses and JSON errors.
//! - [`bindings`]: the binding names the `wrangler.toml` files declare.
//!
//! [`rows`], [`sql`] and the token hashing are pure and tested natively; everything else calls into
//! JavaScript: it compiles for the host (so the workspace builds, lints and tests everywhere) but
//! only runs inside workerd.

pub mod auth;
pub mod blobs;
pub mod consumer;
pub mod d1;
pub mod dispatch;
pub mod feedback_store;
pub mod http;
pub mod queue;
pub mod r2;
pub mod rows;
pub mod service;
pub mod sql;
pub mod store;

pub use blobs::R2Blobs;
pub use dispatch::QueueDispatcher;
pub use store::D1JobStore;

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
