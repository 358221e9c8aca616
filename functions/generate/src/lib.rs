//! `bff-fn-generate` (Worker `bff-generate`): consumer of the `bff-generate` queue and of `bff-generate-dlq`; stages 3-6: renders (or asks the configured provider for) the image of one variant, stores the PNG in R2 and its metadata in D1, enqueues its embedding.
//!
//! The entry point hands the batch and this Worker's handler (`bff_pipeline::stages::generate::handle`,
//! the only stage it links) to `bff_cloudflare::consumer::consume`, which builds the D1, R2 and
//! Queues adapters, runs the handler for each message and acks, retries or gives up on each one
//! by itself (on the dead-letter queue: gives up, so that the variant or the job is marked failed
//! instead of waiting forever).

use bff_cloudflare::consumer::{self, Adapters, Stage};
use bff_pipeline::messages::Message;
use bff_pipeline::offline::SketchProvider;
use bff_pipeline::stages::{self, StageError, StageOutcome};
use bff_pipeline::Timestamp;
use worker::{event, Context, Env, MessageBatch, Result};

struct Generate;

impl Stage for Generate {
    async fn handle(
        &self,
        a: &Adapters,
        message: &Message,
        now: &Timestamp,
    ) -> std::result::Result<StageOutcome, StageError> {
        match message {
            Message::GenerateImage(m) => {
                stages::generate::handle(&a.store, &a.blobs, &a.dispatch, &SketchProvider, m, now)
                    .await
            }
            other => Err(consumer::misrouted(other)),
        }
    }
}

#[event(queue)]
async fn consume(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
    consumer::consume(batch, &env, Generate).await
}
