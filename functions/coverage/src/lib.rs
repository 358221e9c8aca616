//! `bff-fn-coverage` (Worker `bff-coverage`): consumer of the `bff-coverage` queue and of `bff-coverage-dlq`; stage 9: attribute coverage of the selected designs, gaps ranked by severity, 15-25% boosts for the user's next jobs; completes the job.
//!
//! The entry point only hands the batch to `bff_cloudflare::consumer::consume`, which builds the
//! D1, R2 and Queues adapters, runs `bff_pipeline::stages::coverage::handle` for each message and acks,
//! retries or gives up on each one by itself (on the dead-letter queue: gives up, so that the
//! variant or the job is marked failed instead of waiting forever).

use worker::{event, Context, Env, MessageBatch, Result};

#[event(queue)]
async fn consume(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
    bff_cloudflare::consumer::consume(batch, &env).await
}
