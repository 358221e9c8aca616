//! `bff-fn-coverage`: stage 9: attribute coverage of the selected designs, gaps ranked by severity, 15-25%
//! boosts for the user's next jobs; completes the job (`bff_pipeline::stages::coverage::handle`,
//! the only stage it links).
//!
//! One crate, two platforms, chosen by the target:
//! - Cloudflare Workers (`wasm32-unknown-unknown`, Worker `bff-coverage`): consumer of the `bff-coverage`
//!   queue and of `bff-coverage-dlq`. The entry point hands the batch to
//!   `bff_cloudflare::consumer::consume`, which builds the D1, R2 and Queues adapters and acks,
//!   retries or gives up on each message by itself.
//! - Fermyon Spin (`wasm32-wasip2`, component `coverage` in `spin.toml`): subscriber of the Redis
//!   channel `bff-coverage`; each doorbell drains the queue from the store with
//!   `bff_spin::consumer::on_doorbell`.

// Spin's entry-point macro expands to `::spin_sdk::…` paths; bff-spin answers them.
#[cfg(target_os = "wasi")]
extern crate bff_spin as spin_sdk;

#[cfg(target_os = "wasi")]
mod spin {
    use bff_pipeline::messages::{Message, COVERAGE_QUEUE};
    use bff_pipeline::stages::{self, StageError, StageOutcome};
    use bff_pipeline::Timestamp;
    use bff_spin::consumer::{self, Adapters, Stage};

    struct Coverage;

    impl Stage for Coverage {
        async fn handle(
            &self,
            a: &Adapters<'_>,
            message: &Message,
            now: &Timestamp,
        ) -> Result<StageOutcome, StageError> {
            match message {
                Message::MeasureCoverage(m) => stages::coverage::handle(a.store, m, now).await,
                other => Err(consumer::misrouted(other)),
            }
        }
    }

    #[spin_sdk::redis_subscriber]
    async fn on_doorbell(payload: Vec<u8>) -> Result<(), String> {
        consumer::on_doorbell(COVERAGE_QUEUE, &payload, Coverage).await
    }
}

#[cfg(not(target_os = "wasi"))]
mod workers {
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
    async fn consume(
        batch: MessageBatch<serde_json::Value>,
        env: Env,
        _ctx: Context,
    ) -> Result<()> {
        consumer::consume(batch, &env, Coverage).await
    }
}
