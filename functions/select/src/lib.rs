//! `bff-fn-select` (Worker `bff-select`): consumer of the `bff-select` queue and of `bff-select-dlq`; stage 8: DPP greedy MAP selection of the target number of designs, cluster-aware, near-duplicates removed; enqueues the coverage.
//!
//! The entry point hands the batch and this Worker's handler (`bff_pipeline::stages::select::handle`,
//! the only stage it links) to `bff_cloudflare::consumer::consume`, which builds the D1, R2 and
//! Queues adapters, runs the handler for each message and acks, retries or gives up on each one
//! by itself (on the dead-letter queue: gives up, so that the variant or the job is marked failed
//! instead of waiting forever).

use bff_cloudflare::consumer::{self, Adapters, Stage};
use bff_pipeline::messages::Message;
use bff_pipeline::stages::{self, StageError, StageOutcome};
use bff_pipeline::Timestamp;
use worker::{event, Context, Env, MessageBatch, Result};

struct Select;

impl Stage for Select {
    async fn handle(
        &self,
        a: &Adapters,
        message: &Message,
        now: &Timestamp,
    ) -> std::result::Result<StageOutcome, StageError> {
        match message {
            Message::SelectDesigns(m) => {
                stages::select::handle(&a.store, &a.dispatch, m, now).await
            }
            other => Err(consumer::misrouted(other)),
        }
    }
}

#[event(queue)]
async fn consume(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
    consumer::consume(batch, &env, Select).await
}
