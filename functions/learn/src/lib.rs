//! `bff-fn-learn`: stage 10b: updates the designer's preference model, the attribute and style-profile
//! success tables and the learning log from one piece of feedback
//! (`bff_pipeline::stages::learn::handle`, the only stage it links). A given-up message leaves
//! the feedback unlearned; the gateway's sweep sends it again.
//!
//! One crate, two platforms, chosen by the target:
//! - Cloudflare Workers (`wasm32-unknown-unknown`, Worker `bff-learn`): consumer of the `bff-learn`
//!   queue and of `bff-learn-dlq`. The entry point hands the batch to
//!   `bff_cloudflare::consumer::consume`, which builds the D1, R2 and Queues adapters and acks,
//!   retries or gives up on each message by itself.
//! - Fermyon Spin (`wasm32-wasip2`, component `learn` in `spin.toml`): subscriber of the Redis
//!   channel `bff-learn`; each doorbell drains the queue from the store with
//!   `bff_spin::consumer::on_doorbell`.

// Spin's entry-point macro expands to `::spin_sdk::…` paths; bff-spin answers them.
#[cfg(target_os = "wasi")]
extern crate bff_spin as spin_sdk;

use bff_pipeline::messages::Message;
use bff_pipeline::ports::{BlobStore, Dispatcher, FeedbackStore, JobStore};
use bff_pipeline::stages::{self, QueueStage, StageError, StageOutcome, StagePorts};
use bff_pipeline::Timestamp;

/// This function's stage, the same on both platforms.
struct Learn;

impl QueueStage for Learn {
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
            Message::LearnFromFeedback(m) => stages::learn::handle(p.store, m, now).await,
            other => Err(stages::misrouted(other)),
        }
    }
}

#[cfg(target_os = "wasi")]
mod spin {
    use bff_pipeline::messages::LEARN_QUEUE;

    #[spin_sdk::redis_subscriber]
    async fn on_doorbell(payload: Vec<u8>) -> Result<(), String> {
        bff_spin::consumer::on_doorbell(LEARN_QUEUE, &payload, super::Learn).await
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
        bff_cloudflare::consumer::consume(batch, &env, super::Learn).await
    }
}
