//! The one crate that talks to Fermyon Spin's host through `spin-sdk` (7.0.0, Spin 4.1 or later).
//!
//! The pipeline's ports on Spin (built for `wasm32-wasip2` only):
//! - [`db`]: the store, `bff_store::SqlStore` over [`db::SpinDb`], which is Spin's SQLite
//!   ([`sqlite::SpinSqlite`], the default) or PostgreSQL ([`pg::SpinPostgres`]), chosen by the
//!   application variables `database` and `postgres_url` ([`config`]).
//! - [`blobs`]: [`blobs::KvBlobs`], the `BlobStore` on the key-value store `default`.
//! - [`dispatch`]: [`dispatch::DurableDispatcher`], the `Dispatcher`: messages go into the
//!   store's durable queue (`bff_store::queue`), then the queue's Redis channel is rung as a
//!   doorbell.
//! - [`consumer`]: the body of every Redis-triggered stage component: on a doorbell, drain the
//!   component's queue one message at a time with `bff_store::queue::consume_one`, one log line
//!   per settled message ([`report`]).
//! - [`web`]: the HTTP components (gateway, prompt, feedback, analytics) over `bff-http`, with
//!   local service chaining and the gateway's internal routes (sweep, rollup, pump, migrate).
//! - [`ops`]: the pump (rings the doorbells of the queues with due messages) and the migration
//!   runner, for the gateway's internal routes.
//!
//! Pure helpers, compiled (and tested) on every target: [`report`] (the log lines), [`meter`]
//! (database work per message), [`config`] (which database), [`ids`] (message ids), [`text`]
//! (hex, host error text, decimals).
//!
//! # Entry points
//!
//! Spin's entry-point macros (`#[redis_subscriber]`, `#[http_service]`) expand to
//! `::spin_sdk::…` paths. A stage component names this crate `spin_sdk` at its root,
//! `extern crate bff_spin as spin_sdk;`, and the re-exports below answer those paths, so that
//! `spin-sdk` stays a dependency of this crate alone.

pub mod config;
pub mod ids;
pub mod meter;
pub mod report;
pub mod text;

#[cfg(target_os = "wasi")]
pub mod blobs;
#[cfg(target_os = "wasi")]
pub mod consumer;
#[cfg(target_os = "wasi")]
pub mod db;
#[cfg(target_os = "wasi")]
pub mod dispatch;
#[cfg(target_os = "wasi")]
pub mod ops;
#[cfg(target_os = "wasi")]
pub mod pg;
#[cfg(target_os = "wasi")]
pub mod providers;
#[cfg(target_os = "wasi")]
pub mod sqlite;
#[cfg(target_os = "wasi")]
pub mod web;

/// What the entry-point macros' expansions name (see the crate docs).
#[cfg(target_os = "wasi")]
#[doc(hidden)]
pub use spin_sdk::{http, http_service, redis_subscriber, wasip3, wit_bindgen};

/// The SDK itself, for what a component needs beyond these helpers.
#[cfg(target_os = "wasi")]
pub use spin_sdk as sdk;

use bff_pipeline::Timestamp;

/// The current time as the pipeline's timestamp (Spin gives guests the real wall clock).
pub fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Timestamp::from_unix_ms(ms)
}
