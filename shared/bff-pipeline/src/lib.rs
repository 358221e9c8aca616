//! The platform-free core of the Designer BFF pipeline.
//!
//! Each stage of the pipeline (prompt, generate, embed, cluster, select, coverage) runs as its own
//! edge function, chained by queues, with state in a database and images in an object store. This
//! crate is what those functions call: everything except the bindings.
//!
//! - [`messages`]: the queue messages, versioned, and the queue names: the one place their schemas
//!   live.
//! - [`api`]: the HTTP request and response bodies, validated once at the edge.
//! - [`ports`]: the traits through which stages reach storage, queues, image providers and
//!   embedders, and the plain-data rows they read and write.
//!
//! Like `bff-math` and `bff-domain`, nothing here reads a clock (callers pass `now`), asks for
//! entropy (seeds come from ids) or does I/O (that goes through the ports), and maps are ordered:
//! the crate builds for `wasm32-unknown-unknown` (Workers) and `wasm32-wasip2` (Spin), and the same
//! messages over the same stored rows always give the same rows.

pub mod api;
pub mod ids;
pub mod messages;
pub mod ports;
pub mod time;

pub use ids::JobKey;
pub use time::Timestamp;

/// Dimension of every stored embedding.
pub const EMBEDDING_DIM: usize = bff_embed::DIM;
