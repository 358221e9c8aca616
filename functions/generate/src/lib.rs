//! `bff-fn-generate` (Worker `bff-generate`): consumer of the `bff-generate` queue and of `bff-generate-dlq`; stages 3-6: renders (or asks the configured provider for) the image of one variant, stores the PNG in R2 and its metadata in D1, enqueues its embedding.
//!
//! The entry point only hands the batch to `bff_cloudflare::consumer::consume`, which builds the
//! D1, R2 and Queues adapters, runs `bff_pipeline::stages::generate::handle` for each message and acks,
//! retries or gives up on each one by itself (on the dead-letter queue: gives up, so that the
//! variant or the job is marked failed instead of waiting forever).

use worker::{event, Context, Env, MessageBatch, Result};

#[event(queue)]
async fn consume(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
    bff_cloudflare::consumer::consume(batch, &env).await
}
