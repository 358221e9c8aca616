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
//! - [`stages`]: one handler per stage, each idempotent under duplicate delivery, and the fan-in
//!   that starts clustering once every image is embedded or failed.
//! - [`queries`]: the read side of the HTTP API (job status, clusters, diversity, coverage, image
//!   bytes).
//! - [`offline`]: the offline provider (sketch renderer) and embedder (descriptor) behind the
//!   same ports as real services.
//! - [`quality`]: the quality score (prompt adherence) and what counts as renderable.
//! - [`ids`], [`time`]: deterministic ids, keys and seeds; timestamps passed in by callers.
//! - `fakes` (feature `fakes`): in-memory implementations of every port for tests.
//!
//! A whole job on the in-memory ports, delivering each message as a queue consumer would (a
//! Worker acknowledges on `Ok`, retries on `StageError::Retryable`, and calls
//! [`stages::give_up`] when retries run out):
//!
//! ```
//! use bff_pipeline::api::GenerationRequest;
//! use bff_pipeline::fakes::{MemoryBlobs, MemoryQueue, MemoryStore};
//! use bff_pipeline::offline::{DescriptorEmbedder, SketchProvider};
//! use bff_pipeline::ports::{JobStatus, JobStore};
//! use bff_pipeline::stages::{prompt, Ports};
//! use bff_pipeline::{JobKey, Timestamp};
//!
//! let (store, blobs, queue) = (MemoryStore::new(), MemoryBlobs::new(), MemoryQueue::new());
//! let ports = Ports {
//!     store: &store,
//!     blobs: &blobs,
//!     dispatch: &queue,
//!     provider: &SketchProvider,
//!     embedder: &DescriptorEmbedder,
//! };
//! let now = Timestamp::from_unix_ms(1_756_695_600_000);
//! let request = GenerationRequest::from_json(br#"{"brief": "black midi dress", "designs": 2}"#)?
//!     .validate()?;
//! pollster::block_on(async {
//!     let submitted = prompt::submit(&store, &queue, "user-1", &request, "job-1", &now).await?;
//!     assert_eq!(submitted.variants, 6);
//!     while let Some(message) = queue.pop() {
//!         ports.handle(&message, &now).await?;
//!     }
//!     let job = store.job(&JobKey::new("user-1", "job-1")).await?.expect("stored");
//!     assert_eq!(job.status, JobStatus::Complete);
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Like `bff-math` and `bff-domain`, nothing here reads a clock (callers pass `now`), asks for
//! entropy (seeds come from ids) or does I/O (that goes through the ports), and maps are ordered:
//! the crate builds for `wasm32-unknown-unknown` (Workers) and `wasm32-wasip2` (Spin), and the same
//! messages over the same stored rows always give the same rows.

pub mod adherence;
pub mod api;
pub mod budget;
#[cfg(any(test, feature = "fakes"))]
pub mod fakes;
pub mod ids;
pub mod limits;
pub mod messages;
pub mod offline;
pub mod ports;
pub mod quality;
pub mod queries;
pub mod stages;
pub mod time;
pub mod zero_shot;

pub use ids::JobKey;
pub use stages::{StageError, StageOutcome};
pub use time::Timestamp;

/// Dimension of every stored embedding.
pub const EMBEDDING_DIM: usize = bff_embed::DIM;
