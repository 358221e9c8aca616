//! `bff-fn-select`: stage 8: DPP greedy MAP selection of the target number of designs, cluster-aware,
//! near-duplicates removed; enqueues the coverage (`bff_pipeline::stages::select::handle`, the
//! only stage it links).
//!
//! One crate, two platforms, chosen by the target:
//! - Cloudflare Workers (`wasm32-unknown-unknown`, Worker `bff-select`): consumer of the `bff-select`
//!   queue and of `bff-select-dlq`. The entry point hands the batch to
//!   `bff_cloudflare::consumer::consume`, which builds the D1, R2 and Queues adapters and acks,
//!   retries or gives up on each message by itself.
//! - Fermyon Spin (`wasm32-wasip2`, component `select` in `spin.toml`): subscriber of the Redis
//!   channel `bff-select`; each doorbell drains the queue from the store with
//!   `bff_spin::consumer::on_doorbell`.

// Spin's entry-point macro expands to `::spin_sdk::…` paths; bff-spin answers them.
#[cfg(target_os = "wasi")]
extern crate bff_spin as spin_sdk;

#[cfg(target_os = "wasi")]
mod spin {
    use bff_pipeline::messages::{Message, SELECT_QUEUE};
    use bff_pipeline::stages::{self, StageError, StageOutcome};
    use bff_pipeline::Timestamp;
    use bff_spin::consumer::{self, Adapters, Stage};

    struct Select;

    impl Stage for Select {
        async fn handle(
            &self,
            a: &Adapters<'_>,
            message: &Message,
            now: &Timestamp,
        ) -> Result<StageOutcome, StageError> {
            match message {
                Message::SelectDesigns(m) => {
                    stages::select::handle(a.store, &a.dispatch, m, now).await
                }
                other => Err(consumer::misrouted(other)),
            }
        }
    }

    #[spin_sdk::redis_subscriber]
    async fn on_doorbell(payload: Vec<u8>) -> Result<(), String> {
        consumer::on_doorbell(SELECT_QUEUE, &payload, Select).await
    }
}

#[cfg(not(target_os = "wasi"))]
mod workers {
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
    async fn consume(
        batch: MessageBatch<serde_json::Value>,
        env: Env,
        _ctx: Context,
    ) -> Result<()> {
        consumer::consume(batch, &env, Select).await
    }
}
