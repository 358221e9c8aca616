//! The HTTP API of the pipeline written once, free of any platform, so that a Cloudflare Worker
//! and a Spin component answer the same requests the same way. A platform's function is a thin
//! shell: its bindings become the pipeline's ports and the store's connection, its request a
//! [`HttpRequest`]; it calls the handler and turns the [`HttpResponse`] into its own.
//!
//! - [`message`]: [`HttpRequest`], [`HttpResponse`] (JSON helpers), [`Method`].
//! - [`router`]: method and path patterns (`/api/generation/:id`) to routes; 404 and 405 told
//!   apart.
//! - [`platform`]: what the handlers need from the platform besides the ports: [`Services`] (calls
//!   to the prompt, feedback and analytics functions), [`Ids`], [`Log`], [`Meter`], health
//!   [`Check`]s, and the structured log records (`LogRecord`).
//! - [`gateway`]: the public API ([`gateway::handle`]) and its cron ([`gateway::scheduled`]).
//! - [`prompt`], [`feedback`], [`analytics`]: the functions behind the gateway, which take the
//!   user from [`platform::USER_HEADER`].
//! - [`cron`]: the sweep of stalled jobs and unlearned feedback, the daily rollup.
//!
//! Handlers are generic over the store's connection (`bff_store::Connection`; the store is
//! `bff_store::SqlStore<C>`), the `BlobStore` and `Dispatcher` ports of `bff-pipeline`, and the
//! platform traits; they never fail: every error is an answer (`ApiError` JSON). Like
//! `bff-pipeline`, nothing here reads a clock (callers pass `now`), draws entropy (ids come from
//! [`Ids`]) or does I/O except through those traits; the crate builds for
//! `wasm32-unknown-unknown` and `wasm32-wasip2`.

pub mod analytics;
pub mod bodies;
pub mod context;
pub mod cron;
pub mod edge;
pub mod feedback;
pub mod gateway;
pub mod message;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod platform;
pub mod prompt;
pub mod router;
pub mod studio;

pub use analytics::{AnalyticsContext, ResponseCache};
pub use bff_pipeline::budget::Budget;
pub use bff_pipeline::limits::Limits;
pub use bff_pipeline::ports::Provider;
pub use context::StageContext;
pub use gateway::GatewayContext;
pub use message::{HttpRequest, HttpResponse, Method, MAX_READ_BYTES};
pub use platform::{
    Check, Cost, Ids, Log, Meter, NamedCheck, PlatformChecks, Service, Services, USER_HEADER,
};

#[cfg(test)]
mod testing;
