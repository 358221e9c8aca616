//! `bff-fn-select` (Worker `bff-select`): consumer of the `bff-select` queue and of `bff-select-dlq`; stage 8: DPP greedy MAP selection of the target number of designs, cluster-aware, near-duplicates removed; enqueues the coverage.
//!
//! The entry point only hands the batch to `bff_cloudflare::consumer::consume`, which builds the
//! D1, R2 and Queues adapters, runs `bff_pipeline::stages::select::handle` for each message and acks,
//! retries or gives up on each one by itself (on the dead-letter queue: gives up, so that the
//! variant or the job is marked failed instead of waiting forever).

use worker::{event, Context, Env, MessageBatch, Result};

#[event(queue)]
async fn consume(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
    bff_cloudflare::consumer::consume(batch, &env).await
}
