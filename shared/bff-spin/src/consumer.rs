//! The body of every Redis-triggered stage component: on a doorbell, drain the component's queue.
//!
//! A doorbell (any message on the queue's channel; the dispatcher publishes the queue's name)
//! says "the queue may have due messages". The component then claims and settles its queue's due
//! messages one at a time with `bff_store::queue::consume_one` until none is left:
//!
//! | handler result | what happens to the message |
//! |---|---|
//! | `Ok(outcome)` | deleted; a `message` record |
//! | `Err(Retryable)` before the last attempt | visible again after a back-off; a `retry` record |
//! | `Err(Permanent)`, or retries exhausted | `give_up` (the variant or the job fails), a dead-letter record when the retries ran out, deleted; a `gave_up` record |
//! | body that does not decode | dead-letter record, deleted; a `refused` record |
//!
//! The lines are in [`crate::report`]. A retry is not rung again here (Spin's Redis trigger runs
//! one message at a time per Redis server, so a consumer must not sleep): it is due after its
//! back-off, and the next doorbell or the pump's picks it up. Each invocation is its own
//! consumer (a random id), so that a claim left by a consumer that died expires and is taken again.

use std::cell::Cell;

use bff_pipeline::messages::Message;
use bff_pipeline::stages::{self, QueueStage, StageError, StageOutcome, StagePorts};
use bff_pipeline::Timestamp;
use bff_store::queue::{consume_one, QueueHandler};

use crate::blobs::KvBlobs;
use crate::db::{open_store, variable, SpinStore};
use crate::dispatch::DurableDispatcher;
use bff_http::platform::Cost;

use crate::meter::meter;

/// At most this many messages per doorbell, so that one busy queue cannot hold the Redis trigger
/// (shared by every queue on the server) for ever; a queue with more rings its own bell again.
pub const MAX_PER_DOORBELL: usize = 500;

/// The adapters a stage runs with.
struct Adapters<'a> {
    store: &'a SpinStore,
    blobs: KvBlobs,
    dispatch: DurableDispatcher<'a>,
}

/// A stage as the queue's handler; remembers the database work of the last `handle`.
struct Runner<'a, S> {
    adapters: &'a Adapters<'a>,
    stage: &'a S,
    cost: Cell<Cost>,
}

impl<S: QueueStage> QueueHandler for Runner<'_, S> {
    async fn handle(&self, message: &Message, now: &Timestamp) -> Result<StageOutcome, StageError> {
        let before = meter();
        let ports = StagePorts {
            store: self.adapters.store,
            blobs: &self.adapters.blobs,
            dispatch: &self.adapters.dispatch,
        };
        let result = self.stage.handle(&ports, message, now).await;
        self.cost.set(meter() - before);
        result
    }

    async fn give_up(
        &self,
        message: &Message,
        reason: &str,
        now: &Timestamp,
    ) -> Result<StageOutcome, StageError> {
        stages::give_up(
            self.adapters.store,
            &self.adapters.dispatch,
            message,
            reason,
            now,
        )
        .await
    }
}

/// Handles a doorbell for `queue` (the component's own queue): drains it with `stage`. Errors
/// of the store or the configuration are logged and returned (the trigger only logs them; the
/// messages stay in the store for the next doorbell).
pub async fn on_doorbell(
    queue: &'static str,
    payload: &[u8],
    stage: impl QueueStage,
) -> Result<(), String> {
    if payload != queue.as_bytes() {
        eprintln!(
            "bff-doorbell {queue}: payload {:?} is not the queue's name; draining {queue}",
            String::from_utf8_lossy(payload)
        );
    }
    let drained = drain(queue, &stage).await;
    if let Err(e) = &drained {
        eprintln!("bff-consumer {queue}: {e}");
    }
    drained
}

async fn drain(queue: &'static str, stage: &impl QueueStage) -> Result<(), String> {
    let store = open_store().await.map_err(|e| e.to_string())?;
    let blobs = KvBlobs::open_default().await.map_err(|e| e.to_string())?;
    let redis_url = variable("redis_url")
        .await?
        .filter(|u| !u.trim().is_empty());
    let adapters = Adapters {
        store: &store,
        blobs,
        dispatch: DurableDispatcher::new(&store, redis_url),
    };
    let consumer = format!("{queue}/{}", crate::ids::random_uuid()?);
    let runner = Runner {
        adapters: &adapters,
        stage,
        cost: Cell::new(Cost::default()),
    };
    for _ in 0..MAX_PER_DOORBELL {
        runner.cost.set(Cost::default());
        let started = crate::now();
        match consume_one(&store, queue, &consumer, &crate::now, &runner).await {
            Ok(Some(settled)) => {
                let now = crate::now();
                let took = (now.unix_ms() - started.unix_ms()).max(0) as u64;
                println!(
                    "{}",
                    crate::report::line(&settled, runner.cost.get(), &now, took)
                );
            }
            Ok(None) => return Ok(()),
            Err(e) => return Err(e.to_string()),
        }
    }
    // More than one doorbell's worth: ring again so that the rest is drained after the other
    // queues had their turn.
    adapters.dispatch.ring(&[queue]).await;
    Ok(())
}
