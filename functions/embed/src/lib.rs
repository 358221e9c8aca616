//! `bff-fn-embed` (Worker `bff-embed`): consumer of the `bff-embed` queue and of `bff-embed-dlq`; stage 7a: embeds one stored image (512-d descriptor), and the last embedding of a job (the fan-in) enqueues its clustering.
//!
//! The entry point only hands the batch to `bff_cloudflare::consumer::consume`, which builds the
//! D1, R2 and Queues adapters, runs `bff_pipeline::stages::embed::handle` for each message and acks,
//! retries or gives up on each one by itself (on the dead-letter queue: gives up, so that the
//! variant or the job is marked failed instead of waiting forever).

use worker::{event, Context, Env, MessageBatch, Result};

#[event(queue)]
async fn consume(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
    bff_cloudflare::consumer::consume(batch, &env).await
}
