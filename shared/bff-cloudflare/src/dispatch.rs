//! [`QueueDispatcher`]: `bff_pipeline::ports::Dispatcher` on Cloudflare Queues. Each message goes
//! to the producer binding of its queue ([`producer_binding`]); a Worker only holds the producer
//! bindings of the queues it sends to, and a message for any other queue is an error.

use bff_pipeline::messages::{self, Message};
use bff_pipeline::ports::{Dispatcher, PortError};
use worker::Env;

use crate::queue;

/// The producer binding (in the `wrangler.toml` files) of a queue.
pub fn producer_binding(queue_name: &str) -> Option<&'static str> {
    Some(match queue_name {
        messages::GENERATE_QUEUE => "GENERATE_QUEUE",
        messages::EMBED_QUEUE => "EMBED_QUEUE",
        messages::CLUSTER_QUEUE => "CLUSTER_QUEUE",
        messages::SELECT_QUEUE => "SELECT_QUEUE",
        messages::COVERAGE_QUEUE => "COVERAGE_QUEUE",
        messages::LEARN_QUEUE => "LEARN_QUEUE",
        _ => return None,
    })
}

pub struct QueueDispatcher {
    env: Env,
}

impl QueueDispatcher {
    pub fn new(env: Env) -> Self {
        Self { env }
    }

    fn producer(&self, message: &Message) -> Result<worker::Queue, PortError> {
        let name = message.queue();
        let binding = producer_binding(name)
            .ok_or_else(|| PortError::new("queue", format!("no producer for queue {name}")))?;
        queue::producer(&self.env, binding)
            .map_err(|e| PortError::new("queue", format!("{binding}: {e}")))
    }
}

impl Dispatcher for QueueDispatcher {
    async fn send(&self, message: &Message) -> Result<(), PortError> {
        let producer = self.producer(message)?;
        queue::send_json(&producer, &message.encode())
            .await
            .map_err(|e| PortError::new("queue", e.to_string()))
    }

    async fn send_all(&self, messages: &[Message]) -> Result<(), PortError> {
        // One sendBatch (at most 100 messages) per queue.
        let mut i = 0;
        while i < messages.len() {
            let queue_name = messages[i].queue();
            let mut j = i;
            while j < messages.len() && j - i < 100 && messages[j].queue() == queue_name {
                j += 1;
            }
            let producer = self.producer(&messages[i])?;
            let bodies: Vec<String> = messages[i..j].iter().map(Message::encode).collect();
            queue::send_json_batch(&producer, &bodies)
                .await
                .map_err(|e| PortError::new("queue", e.to_string()))?;
            i = j;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_queue_has_a_producer_binding() {
        for q in [
            messages::GENERATE_QUEUE,
            messages::EMBED_QUEUE,
            messages::CLUSTER_QUEUE,
            messages::SELECT_QUEUE,
            messages::COVERAGE_QUEUE,
            messages::LEARN_QUEUE,
        ] {
            assert!(producer_binding(q).is_some(), "{q}");
        }
        assert_eq!(producer_binding("bff-ping"), None);
    }
}
