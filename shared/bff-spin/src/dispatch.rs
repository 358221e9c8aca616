//! [`DurableDispatcher`]: `bff_pipeline::ports::Dispatcher` on the store's durable queue.
//!
//! Spin's Redis trigger is plain pub/sub (at most once, nothing kept while no one listens), so a
//! message is first stored (`SqlStore::enqueue`, in one transaction for a whole `send_all`), then
//! the queue's name is published on the queue's channel as a doorbell for its consumer. A failed
//! publish is logged, not an error: the message is already durable, and the pump (the gateway's
//! `/internal/pump`, from `SqlStore::due_queues`) rings again.

use bff_pipeline::messages::Message;
use bff_pipeline::ports::{Dispatcher, PortError};
use bff_store::queue::Outgoing;

use crate::db::SpinStore;
use crate::text::host_error;

pub struct DurableDispatcher<'a> {
    store: &'a SpinStore,
    /// `redis://host:port` (the variable `redis_url`); `None`: no doorbells (the pump rings).
    redis_url: Option<String>,
}

impl<'a> DurableDispatcher<'a> {
    pub fn new(store: &'a SpinStore, redis_url: Option<String>) -> Self {
        Self { store, redis_url }
    }

    /// Publishes each queue's name on its channel; failures are logged.
    pub async fn ring(&self, queues: &[&str]) {
        ring(self.redis_url.as_deref(), queues).await;
    }
}

/// Publishes each queue's name on its channel at `redis_url`; failures are logged, not returned.
pub async fn ring(redis_url: Option<&str>, queues: &[&str]) {
    let Some(url) = redis_url else {
        eprintln!(
            "bff-doorbell not rung for {}: no redis_url; the pump will",
            queues.join(",")
        );
        return;
    };
    let conn = match spin_sdk::redis::Connection::open(url).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "bff-doorbell not rung for {}: redis {url}: {}",
                queues.join(","),
                host_error(&format!("{e:?}"))
            );
            return;
        }
    };
    for queue in queues {
        if let Err(e) = conn.publish(queue, queue.as_bytes()).await {
            eprintln!(
                "bff-doorbell not rung for {queue}: {}",
                host_error(&format!("{e:?}"))
            );
        }
    }
}

impl Dispatcher for DurableDispatcher<'_> {
    async fn send(&self, message: &Message) -> Result<(), PortError> {
        self.send_all(std::slice::from_ref(message)).await
    }

    async fn send_all(&self, messages: &[Message]) -> Result<(), PortError> {
        if messages.is_empty() {
            return Ok(());
        }
        let outgoing = messages
            .iter()
            .map(|m| {
                crate::ids::random_uuid()
                    .map(|id| Outgoing::new(id, m))
                    .map_err(|e| PortError::new("queue", e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.store.enqueue(&outgoing, &crate::now()).await?;
        let mut queues: Vec<&str> = outgoing.iter().map(|m| m.queue).collect();
        queues.sort_unstable();
        queues.dedup();
        self.ring(&queues).await;
        Ok(())
    }
}
