//! `bff-fn-cluster` (Worker `bff-cluster`): consumer of the `bff-cluster` queue and of `bff-cluster-dlq`; stage 7b: k-means with K in 3..8 chosen by silhouette over a job's embeddings, style profiles per cluster; enqueues the selection.
//!
//! The entry point only hands the batch to `bff_cloudflare::consumer::consume`, which builds the
//! D1, R2 and Queues adapters, runs `bff_pipeline::stages::cluster::handle` for each message and acks,
//! retries or gives up on each one by itself (on the dead-letter queue: gives up, so that the
//! variant or the job is marked failed instead of waiting forever).

use worker::{event, Context, Env, MessageBatch, Result};

#[event(queue)]
async fn consume(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
    bff_cloudflare::consumer::consume(batch, &env).await
}
