//! `bff-fn-coverage` (Worker `bff-coverage`): consumer of the `bff-coverage` queue and of `bff-coverage-dlq`; stage 9: attribute coverage of the selected designs, gaps ranked by severity, 15-25% boosts for the user's next jobs; completes the job.
//!
//! The entry point hands the batch and this Worker's handler (`bff_pipeline::stages::coverage::handle`,
//! the only stage it links) to `bff_cloudflare::consumer::consume`, which builds the D1, R2 and
//! Queues adapters, runs the handler for each message and acks, retries or gives up on each one
//! by itself (on the dead-letter queue: gives up, so that the variant or the job is marked failed
//! instead of waiting forever).

use bff_cloudflare::consumer::{self, Adapters, Stage};
use bff_pipeline::messages::Message;
use bff_pipeline::stages::{self, StageError, StageOutcome};
use bff_pipeline::Timestamp;
use worker::{event, Context, Env, MessageBatch, Result};

struct Coverage;

impl Stage for Coverage {
    async fn handle(
        &self,
        a: &Adapters,
        message: &Message,
        now: &Timestamp,
    ) -> std::result::Result<StageOutcome, StageError> {
        match message {
            Message::MeasureCoverage(m) => stages::coverage::handle(&a.store, m, now).await,
            other => Err(consumer::misrouted(other)),
        }
    }
}

#[event(queue)]
async fn consume(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
    consumer::consume(batch, &env, Coverage).await
}
