//! `bff-fn-embed` (Worker `bff-embed`): consumer of the `bff-embed` queue and of `bff-embed-dlq`; stage 7a: embeds one stored image (512-d descriptor), and the last embedding of a job (the fan-in) enqueues its clustering.
//!
//! The entry point hands the batch and this Worker's handler (`bff_pipeline::stages::embed::handle`,
//! the only stage it links) to `bff_cloudflare::consumer::consume`, which builds the D1, R2 and
//! Queues adapters, runs the handler for each message and acks, retries or gives up on each one
//! by itself (on the dead-letter queue: gives up, so that the variant or the job is marked failed
//! instead of waiting forever).

use bff_cloudflare::consumer::{self, Adapters, Stage};
use bff_pipeline::messages::Message;
use bff_pipeline::offline::DescriptorEmbedder;
use bff_pipeline::stages::{self, StageError, StageOutcome};
use bff_pipeline::Timestamp;
use worker::{event, Context, Env, MessageBatch, Result};

struct Embed;

impl Stage for Embed {
    async fn handle(
        &self,
        a: &Adapters,
        message: &Message,
        now: &Timestamp,
    ) -> std::result::Result<StageOutcome, StageError> {
        match message {
            Message::EmbedImage(m) => {
                stages::embed::handle(&a.store, &a.blobs, &a.dispatch, &DescriptorEmbedder, m, now)
                    .await
            }
            other => Err(consumer::misrouted(other)),
        }
    }
}

#[event(queue)]
async fn consume(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
    consumer::consume(batch, &env, Embed).await
}
