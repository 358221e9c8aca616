//! `bff-fn-cluster`: stage 7b: k-means with K in 3..8 chosen by silhouette over a job's embeddings, style
//! profiles per cluster; enqueues the selection (`bff_pipeline::stages::cluster::handle`, the only
//! stage it links).
//!
//! One crate, two platforms, chosen by the target:
//! - Cloudflare Workers (`wasm32-unknown-unknown`, Worker `bff-cluster`): consumer of the `bff-cluster`
//!   queue and of `bff-cluster-dlq`. The entry point hands the batch to
//!   `bff_cloudflare::consumer::consume`, which builds the D1, R2 and Queues adapters and acks,
//!   retries or gives up on each message by itself.
//! - Fermyon Spin (`wasm32-wasip2`, component `cluster` in `spin.toml`): subscriber of the Redis
//!   channel `bff-cluster`; each doorbell drains the queue from the store with
//!   `bff_spin::consumer::on_doorbell`.

// Spin's entry-point macro expands to `::spin_sdk::…` paths; bff-spin answers them.
#[cfg(target_os = "wasi")]
extern crate bff_spin as spin_sdk;

#[cfg(target_os = "wasi")]
mod spin {
    use bff_pipeline::messages::{Message, CLUSTER_QUEUE};
    use bff_pipeline::stages::{self, StageError, StageOutcome};
    use bff_pipeline::Timestamp;
    use bff_spin::consumer::{self, Adapters, Stage};

    struct Cluster;

    impl Stage for Cluster {
        async fn handle(
            &self,
            a: &Adapters<'_>,
            message: &Message,
            now: &Timestamp,
        ) -> Result<StageOutcome, StageError> {
            match message {
                Message::ClusterJob(m) => {
                    stages::cluster::handle(a.store, &a.dispatch, m, now).await
                }
                other => Err(consumer::misrouted(other)),
            }
        }
    }

    #[spin_sdk::redis_subscriber]
    async fn on_doorbell(payload: Vec<u8>) -> Result<(), String> {
        consumer::on_doorbell(CLUSTER_QUEUE, &payload, Cluster).await
    }
}

#[cfg(not(target_os = "wasi"))]
mod workers {
    use bff_cloudflare::consumer::{self, Adapters, Stage};
    use bff_pipeline::messages::Message;
    use bff_pipeline::stages::{self, StageError, StageOutcome};
    use bff_pipeline::Timestamp;
    use worker::{event, Context, Env, MessageBatch, Result};

    struct Cluster;

    impl Stage for Cluster {
        async fn handle(
            &self,
            a: &Adapters,
            message: &Message,
            now: &Timestamp,
        ) -> std::result::Result<StageOutcome, StageError> {
            match message {
                Message::ClusterJob(m) => {
                    stages::cluster::handle(&a.store, &a.dispatch, m, now).await
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
        consumer::consume(batch, &env, Cluster).await
    }
}
