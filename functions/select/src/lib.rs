//! `bff-fn-select`: stage 8: DPP greedy MAP selection of the target number of designs, cluster-aware,
//! near-duplicates removed; enqueues the coverage (`bff_pipeline::stages::select::handle`, the
//! only stage it links).
//!
//! One crate, two platforms, chosen by the target:
//! - Cloudflare Workers (`wasm32-unknown-unknown`, Worker `bff-select`): consumer of the `bff-select`
//!   queue and of `bff-select-dlq`. The entry point hands the batch to
//!   `bff_cloudflare::consumer::consume`, which builds the D1, R2 and Queues adapters and acks,
//!   retries or gives up on each message by itself.
//! - Fermyon Spin (`wasm32-wasip2`, component `select` in `spin.toml`): subscriber of the Redis
//!   channel `bff-select`; each doorbell drains the queue from the store with
//!   `bff_spin::consumer::on_doorbell`.

// Spin's entry-point macro expands to `::spin_sdk::…` paths; bff-spin answers them.
#[cfg(target_os = "wasi")]
extern crate bff_spin as spin_sdk;

use bff_pipeline::messages::Message;
use bff_pipeline::ports::{BlobStore, Dispatcher, FeedbackStore, JobStore};
use bff_pipeline::stages::{self, QueueStage, StageError, StageOutcome, StagePorts};
use bff_pipeline::Timestamp;

/// This function's stage, the same on both platforms.
struct Select;

impl QueueStage for Select {
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
            Message::SelectDesigns(m) => stages::select::handle(p.store, p.dispatch, m, now).await,
            other => Err(stages::misrouted(other)),
        }
    }
}

#[cfg(target_os = "wasi")]
mod spin {
    use bff_pipeline::messages::SELECT_QUEUE;

    #[spin_sdk::redis_subscriber]
    async fn on_doorbell(payload: Vec<u8>) -> Result<(), String> {
        bff_spin::consumer::on_doorbell(SELECT_QUEUE, &payload, super::Select).await
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
        bff_cloudflare::consumer::consume(batch, &env, super::Select).await
    }
}
