//! `bff-fn-embed`: stage 7a: embeds one stored image (512-d descriptor), and the last embedding of a job
//! (the fan-in) enqueues its clustering (`bff_pipeline::stages::embed::handle`, the only stage it
//! links).
//!
//! One crate, two platforms, chosen by the target:
//! - Cloudflare Workers (`wasm32-unknown-unknown`, Worker `bff-embed`): consumer of the `bff-embed`
//!   queue and of `bff-embed-dlq`. The entry point hands the batch to
//!   `bff_cloudflare::consumer::consume`, which builds the D1, R2 and Queues adapters and acks,
//!   retries or gives up on each message by itself.
//! - Fermyon Spin (`wasm32-wasip2`, component `embed` in `spin.toml`): subscriber of the Redis
//!   channel `bff-embed`; each doorbell drains the queue from the store with
//!   `bff_spin::consumer::on_doorbell`.

// Spin's entry-point macro expands to `::spin_sdk::…` paths; bff-spin answers them.
#[cfg(target_os = "wasi")]
extern crate bff_spin as spin_sdk;

use bff_pipeline::messages::Message;
use bff_pipeline::ports::{BlobStore, Dispatcher, FeedbackStore, ImageEmbedder, JobStore};
use bff_pipeline::stages::{self, QueueStage, StageError, StageOutcome, StagePorts};
use bff_pipeline::Timestamp;

/// This function's stage, the same on both platforms, over the deployment's embedder (a CLIP
/// service by the settings `embedder`, `embedder_base_url`, ...; else the offline descriptor).
struct Embed<E>(E);

impl<E: ImageEmbedder> QueueStage for Embed<E> {
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
            Message::EmbedImage(m) => {
                stages::embed::handle(p.store, p.blobs, p.dispatch, &self.0, m, now).await
            }
            other => Err(stages::misrouted(other)),
        }
    }
}

#[cfg(target_os = "wasi")]
mod spin {
    use bff_pipeline::messages::EMBED_QUEUE;

    #[spin_sdk::redis_subscriber]
    async fn on_doorbell(payload: Vec<u8>) -> Result<(), String> {
        let embedder = bff_spin::providers::embedder().await;
        bff_spin::consumer::on_doorbell(EMBED_QUEUE, &payload, super::Embed(embedder)).await
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
        let embedder = bff_cloudflare::providers::embedder(&env);
        bff_cloudflare::consumer::consume(batch, &env, super::Embed(embedder)).await
    }
}
