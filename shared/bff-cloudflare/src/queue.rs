//! Queues: typed messages in, typed batches out.
//!
//! Producers send serde-serialisable messages (JSON content type, readable in the dashboard).
//! Consumers take `worker::MessageBatch<T>` in their `#[event(queue)]` handler and settle every
//! message with [`settle`]: `Ok` acknowledges it, `Err` asks for a retry, so that one bad message
//! does not send the whole batch back and after `max_retries` it goes to the dead-letter queue.

use serde::Serialize;
use worker::{Env, MessageBuilder, MessageExt, QueueContentType, Result};

/// The producer bound as `binding`.
pub fn producer(env: &Env, binding: &str) -> Result<worker::Queue> {
    env.queue(binding)
}

/// Sends one message as JSON.
pub async fn send<T: Serialize>(queue: &worker::Queue, message: &T) -> Result<()> {
    queue
        .send(
            MessageBuilder::new(message)
                .content_type(QueueContentType::Json)
                .build(),
        )
        .await
}

/// Acknowledges the message when `outcome` is `Ok`; logs the error and retries it otherwise.
/// Returns whether it was acknowledged.
pub fn settle<M: MessageExt, E: std::fmt::Display>(
    message: &M,
    outcome: std::result::Result<(), E>,
) -> bool {
    match outcome {
        Ok(()) => {
            message.ack();
            true
        }
        Err(error) => {
            worker::console_error!("message {} failed, retrying: {error}", message.id());
            message.retry();
            false
        }
    }
}

/// The message body as JSON text (what a producer sent with the JSON content type).
pub fn body_json(message: &worker::RawMessage) -> Result<String> {
    worker::js_sys::JSON::stringify(&message.body())?
        .as_string()
        .ok_or_else(|| worker::Error::RustError("message body is not JSON".into()))
}

/// The message body decoded as `T`. Works on raw messages so that a body that does not decode
/// can still be retried (and reach the dead-letter queue) instead of failing the whole batch.
pub fn decode<T: serde::de::DeserializeOwned>(message: &worker::RawMessage) -> Result<T> {
    Ok(serde_json::from_str(&body_json(message)?)?)
}

fn json_message(json: &str) -> Result<worker::SendMessage<worker::wasm_bindgen::JsValue>> {
    let value = worker::js_sys::JSON::parse(json)?;
    Ok(worker::RawMessageBuilder::new(value).build_with_content_type(QueueContentType::Json))
}

/// Sends a JSON text body as a JSON message (a plain object on the consumer's side).
pub async fn send_json(queue: &worker::Queue, json: &str) -> Result<()> {
    queue.send_raw(json_message(json)?).await
}

/// Sends JSON text bodies in one `sendBatch` (at most 100).
pub async fn send_json_batch(queue: &worker::Queue, bodies: &[String]) -> Result<()> {
    let messages = bodies
        .iter()
        .map(|b| json_message(b))
        .collect::<Result<Vec<_>>>()?;
    queue.send_raw_batch(messages).await
}
