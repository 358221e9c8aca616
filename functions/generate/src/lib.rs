//! `bff-fn-generate`: stages 3-6: renders (or asks the configured provider for) the image of one
//! variant, stores the PNG and its metadata, enqueues its embedding
//! (`bff_pipeline::stages::generate::handle`, the only stage it links).
//!
//! One crate, two platforms, chosen by the target:
//! - Cloudflare Workers (`wasm32-unknown-unknown`, Worker `bff-generate`): consumer of the
//!   `bff-generate` queue and of `bff-generate-dlq`. The entry point hands the batch to
//!   `bff_cloudflare::consumer::consume`, which builds the D1, R2 and Queues adapters and acks,
//!   retries or gives up on each message by itself (on the dead-letter queue: gives up, so that
//!   the variant or the job is marked failed instead of waiting forever). Workers AI goes through
//!   the Worker's `AI` binding (`[ai]` in its config), the other providers over `fetch`.
//! - Fermyon Spin (`wasm32-wasip2`, component `generate` in `spin.toml`): subscriber of the Redis
//!   channel `bff-generate`; each doorbell drains the queue from the store with
//!   `bff_spin::consumer::on_doorbell` (SQLite or PostgreSQL, blobs in the key-value store).

// Spin's entry-point macro expands to `::spin_sdk::…` paths; bff-spin answers them.
#[cfg(target_os = "wasi")]
extern crate bff_spin as spin_sdk;

use bff_pipeline::messages::Message;
use bff_pipeline::ports::{BlobStore, Dispatcher, FeedbackStore, ImageProvider, JobStore};
use bff_pipeline::stages::{self, QueueStage, StageError, StageOutcome, StagePorts};
use bff_pipeline::Timestamp;

/// This function's stage, the same on both platforms, over the platform's providers
/// (`bff_providers::Providers` with its HTTP client; the offline renderer included).
struct Generate<P>(P);

impl<P: ImageProvider> QueueStage for Generate<P> {
    async fn handle<S, B, D>(
        &self,
        p: &StagePorts<'_, S, B, D>,
        message: &Message,
        now: &Timestamp,
    ) -> Result<StageOutcome, StageError>
    where
        S: JobStore + FeedbackStore,
        B: BlobStore,
        D: Dispatcher,
    {
        match message {
            Message::GenerateImage(m) => {
                stages::generate::handle(p.store, p.blobs, p.dispatch, &self.0, m, now).await
            }
            other => Err(stages::misrouted(other)),
        }
    }
}

#[cfg(target_os = "wasi")]
mod spin {
    use bff_pipeline::messages::GENERATE_QUEUE;

    #[spin_sdk::redis_subscriber]
    async fn on_doorbell(payload: Vec<u8>) -> Result<(), String> {
        let providers = bff_spin::providers::providers().await;
        bff_spin::consumer::on_doorbell(GENERATE_QUEUE, &payload, super::Generate(providers)).await
    }
}

#[cfg(not(target_os = "wasi"))]
mod workers {
    use worker::{event, Context, Env, MessageBatch, Result};

    #[event(queue)]
    async fn consume(
        batch: MessageBatch<serde_json::Value>,
        env: Env,
        _ctx: Context,
    ) -> Result<()> {
        let providers = bff_cloudflare::providers::providers(&env);
        bff_cloudflare::consumer::consume(batch, &env, super::Generate(providers)).await
    }
}
