//! `bff-fn-learn` (Worker `bff-learn`): consumer of the `bff-learn` queue and of `bff-learn-dlq`;
//! stage 10b: updates the designer's preference model, the attribute and style-profile success
//! tables and the learning log from one piece of feedback (`bff_pipeline::stages::learn`).
//!
//! The entry point hands the batch and this Worker's handler to
//! `bff_cloudflare::consumer::consume`, which acks, retries or gives up on each message (a given
//! up message leaves the feedback unlearned; the gateway's sweep sends it again).

use bff_cloudflare::consumer::{self, Adapters, Stage};
use bff_pipeline::messages::Message;
use bff_pipeline::stages::{self, StageError, StageOutcome};
use bff_pipeline::Timestamp;
use worker::{event, Context, Env, MessageBatch, Result};

struct Learn;

impl Stage for Learn {
    async fn handle(
        &self,
        a: &Adapters,
        message: &Message,
        now: &Timestamp,
    ) -> std::result::Result<StageOutcome, StageError> {
        match message {
            Message::LearnFromFeedback(m) => stages::learn::handle(&a.store, m, now).await,
            other => Err(consumer::misrouted(other)),
        }
    }
}

#[event(queue)]
async fn consume(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
    consumer::consume(batch, &env, Learn).await
}
