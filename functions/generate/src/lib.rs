//! `bff-fn-generate`: stages 3-6: renders (or asks the configured provider for) the image of one
//! variant, stores the PNG and its metadata, enqueues its embedding
//! (`bff_pipeline::stages::generate::handle`, the only stage it links).
//!
//! One crate, two platforms, chosen by the target:
//! - Cloudflare Workers (`wasm32-unknown-unknown`, Worker `bff-generate`): consumer of the
//!   `bff-generate` queue and of `bff-generate-dlq`. The entry point hands the batch to
//!   `bff_cloudflare::consumer::consume`, which builds the D1, R2 and Queues adapters and acks,
//!   retries or gives up on each message by itself (on the dead-letter queue: gives up, so that
//!   the variant or the job is marked failed instead of waiting forever).
//! - Fermyon Spin (`wasm32-wasip2`, component `generate` in `spin.toml`): subscriber of the Redis
//!   channel `bff-generate`; each doorbell drains the queue from the store with
//!   `bff_spin::consumer::on_doorbell` (SQLite or PostgreSQL, blobs in the key-value store).

// Spin's entry-point macro expands to `::spin_sdk::…` paths; bff-spin answers them.
#[cfg(target_os = "wasi")]
extern crate bff_spin as spin_sdk;

#[cfg(target_os = "wasi")]
mod spin {
    use bff_pipeline::messages::{Message, GENERATE_QUEUE};
    use bff_pipeline::offline::SketchProvider;
    use bff_pipeline::stages::{self, StageError, StageOutcome};
    use bff_pipeline::Timestamp;
    use bff_spin::consumer::{self, Adapters, Stage};

    struct Generate;

    impl Stage for Generate {
        async fn handle(
            &self,
            a: &Adapters<'_>,
            message: &Message,
            now: &Timestamp,
        ) -> Result<StageOutcome, StageError> {
            match message {
                Message::GenerateImage(m) => {
                    stages::generate::handle(
                        a.store,
                        &a.blobs,
                        &a.dispatch,
                        &SketchProvider,
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
        consumer::on_doorbell(GENERATE_QUEUE, &payload, Generate).await
    }
}

#[cfg(not(target_os = "wasi"))]
mod workers {
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
                    stages::generate::handle(
                        &a.store,
                        &a.blobs,
                        &a.dispatch,
                        &SketchProvider,
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
        consumer::consume(batch, &env, Generate).await
    }
}
