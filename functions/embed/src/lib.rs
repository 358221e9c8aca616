//! `bff-fn-embed`: stage 7a: embeds one stored image (512-d descriptor), and the last embedding of a job
//! (the fan-in) enqueues its clustering (`bff_pipeline::stages::embed::handle`, the only stage it
//! links).
//!
//! One crate, two platforms, chosen by the target:
//! - Cloudflare Workers (`wasm32-unknown-unknown`, Worker `bff-embed`): consumer of the `bff-embed`
//!   queue and of `bff-embed-dlq`. The entry point hands the batch to
//!   `bff_cloudflare::consumer::consume`, which builds the D1, R2 and Queues adapters and acks,
//!   retries or gives up on each message by itself.
//! - Fermyon Spin (`wasm32-wasip2`, component `embed` in `spin.toml`): subscriber of the Redis
//!   channel `bff-embed`; each doorbell drains the queue from the store with
//!   `bff_spin::consumer::on_doorbell`.

// Spin's entry-point macro expands to `::spin_sdk::…` paths; bff-spin answers them.
#[cfg(target_os = "wasi")]
extern crate bff_spin as spin_sdk;

#[cfg(target_os = "wasi")]
mod spin {
    use bff_pipeline::messages::{Message, EMBED_QUEUE};
    use bff_pipeline::offline::DescriptorEmbedder;
    use bff_pipeline::stages::{self, StageError, StageOutcome};
    use bff_pipeline::Timestamp;
    use bff_spin::consumer::{self, Adapters, Stage};

    struct Embed;

    impl Stage for Embed {
        async fn handle(
            &self,
            a: &Adapters<'_>,
            message: &Message,
            now: &Timestamp,
        ) -> Result<StageOutcome, StageError> {
            match message {
                Message::EmbedImage(m) => {
                    stages::embed::handle(
                        a.store,
                        &a.blobs,
                        &a.dispatch,
                        &DescriptorEmbedder,
                        m,
                        now,
                    )
                    .await
                }
                other => Err(consumer::misrouted(other)),
            }
        }
    }

    #[spin_sdk::redis_subscriber]
    async fn on_doorbell(payload: Vec<u8>) -> Result<(), String> {
        consumer::on_doorbell(EMBED_QUEUE, &payload, Embed).await
    }
}

#[cfg(not(target_os = "wasi"))]
mod workers {
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
                    stages::embed::handle(
                        &a.store,
                        &a.blobs,
                        &a.dispatch,
                        &DescriptorEmbedder,
                        m,
                        now,
                    )
                    .await
                }
                other => Err(consumer::misrouted(other)),
            }
        }
    }

    #[event(queue)]
    async fn consume(
        batch: MessageBatch<serde_json::Value>,
        env: Env,
        _ctx: Context,
    ) -> Result<()> {
        consumer::consume(batch, &env, Embed).await
    }
}
