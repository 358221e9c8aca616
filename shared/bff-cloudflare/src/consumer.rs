//! The body of every queue-consuming stage Worker: decode each message of the batch, run the
//! function's `bff_pipeline::stages::QueueStage` (its one handler) with the D1, R2 and Queues
//! adapters, and settle the message on its own.
//!
//! | handler result | what happens to the message |
//! |---|---|
//! | `Ok(outcome)` | acknowledged |
//! | `Err(Retryable)` | retried after a back-off ([`backoff_seconds`]); after `max_retries` the queue moves it to the stage's dead-letter queue |
//! | `Err(Permanent)` | [`give_up`](bff_pipeline::stages::give_up) (the variant or the job fails), then acknowledged |
//! | body that does not decode | recorded in `dead_letters`, acknowledged (retrying the same bytes cannot help) |
//!
//! On a dead-letter queue every message is given up: its variant fails (the job completes as
//! `partial` without it) or its job fails, and the message is recorded in `dead_letters`. Errors
//! are never returned from the `#[event(queue)]` handler (that would fail the whole batch).

use bff_pipeline::messages::{Message, MessageError};
use bff_pipeline::stages::{give_up, QueueStage, StageError, StageOutcome, StagePorts};
use bff_pipeline::Timestamp;
use worker::{Env, MessageBatch, MessageExt, RawMessage};

use bff_http::platform::LogRecord;
use bff_store::operations::DeadLetter;

use crate::{D1JobStore, QueueDispatcher, R2Blobs};

/// The current time as the pipeline's timestamp.
pub fn now() -> Timestamp {
    Timestamp::from_unix_ms(worker::Date::now().as_millis() as i64)
}

/// Consumes one batch of a stage queue or of its dead-letter queue with `stage`. The batch's
/// messages are handled at the same time, each on its own store connection (so each message's
/// D1 figures are its own): a stage that waits on a provider for seconds waits for all of them
/// at once. They share the blob and queue bindings, which hold no per-message state.
pub async fn consume<T>(
    batch: MessageBatch<T>,
    env: &Env,
    stage: impl QueueStage,
) -> worker::Result<()> {
    let queue_name = batch.queue();
    // Fail the whole batch (the runtime retries it) only when a binding is missing.
    crate::store(env)?;
    let (blobs, dispatch) = (&R2Blobs::from_env(env)?, &QueueDispatcher::new(env.clone()));
    let settling = batch
        .raw_iter()
        .map(|raw| settle(raw, env, &stage, &queue_name, blobs, dispatch));
    futures_util::future::join_all(settling).await;
    Ok(())
}

/// Handles one message and acks, retries or gives it up.
async fn settle(
    raw: RawMessage,
    env: &Env,
    stage: &impl QueueStage,
    queue_name: &str,
    blobs: &R2Blobs,
    dispatch: &QueueDispatcher,
) {
    let store = &match crate::store(env) {
        Ok(store) => store,
        Err(_) => return raw.retry(),
    };
    let ports = StagePorts {
        store,
        blobs,
        dispatch,
    };
    let body = crate::queue::body_json(&raw).unwrap_or_default();
    let message = match Message::decode(queue_name, &body) {
        Ok(m) => m,
        Err(error) => return refuse(store, queue_name, &raw, &body, &error).await,
    };
    let now = now();
    if queue_name.ends_with("-dlq") {
        let reason = format!("gave up after the retries of {}", message.queue());
        match give_up(store, dispatch, &message, &reason, &now).await {
            // A deleted job's message: nothing of the user is recorded again.
            Ok(StageOutcome::JobGone) => raw.ack(),
            Ok(outcome) => {
                let outcome = serde_json::to_string(&outcome).unwrap_or_default();
                record(store, queue_name, &raw, &message, &body, &outcome).await;
                raw.ack();
            }
            Err(error) => retry(&raw, queue_name, &error),
        }
        return;
    }
    let started = worker::Date::now().as_millis();
    match stage.handle(&ports, &message, &now).await {
        Ok(outcome) => {
            let key = message.key();
            // One JSON record per handled message, read by the pipeline benchmark and the e2e
            // redelivery check.
            let line = bff_http::platform::handled_line(
                "message",
                queue_name,
                &now,
                &key.user_id,
                &key.job_id,
                Some(&raw.id()),
                store.connection().cost(),
                Some(worker::Date::now().as_millis().saturating_sub(started)),
                serde_json::to_value(&outcome).unwrap_or_default(),
            );
            worker::console_log!("{line}");
            raw.ack();
        }
        Err(error) if error.is_retryable() => retry(&raw, queue_name, &error),
        Err(error) => {
            let text = error.to_string();
            let line = LogRecord {
                event: "gave_up",
                time: Some(now.as_str()),
                source: queue_name,
                request_id: Some(&raw.id()),
                job_id: Some(&message.key().job_id),
                error: Some(&text),
                ..LogRecord::default()
            };
            worker::console_error!("{}", line.line());
            match give_up(store, dispatch, &message, &error.to_string(), &now).await {
                Ok(_) => raw.ack(),
                Err(e) => retry(&raw, queue_name, &e),
            }
        }
    }
}

fn retry(raw: &RawMessage, queue_name: &str, error: &StageError) {
    let age_ms = worker::Date::now().as_millis() as i64 - raw.timestamp().as_millis() as i64;
    let delay = retry_delay_seconds(age_ms, error.retry_after_ms());
    let text = error.to_string();
    let (id, at) = (raw.id(), now());
    let line = LogRecord {
        event: "retry",
        time: Some(at.as_str()),
        source: queue_name,
        request_id: Some(&id),
        error: Some(&text),
        outcome: Some(serde_json::json!({ "retry_in_seconds": delay })),
        ..LogRecord::default()
    };
    worker::console_error!("{}", line.line());
    raw.retry_with_options(
        &worker::QueueRetryOptionsBuilder::new()
            .with_delay_seconds(delay)
            .build(),
    );
}

/// Longest delay before a retry.
pub const MAX_BACKOFF_SECONDS: u32 = 300;

/// The delay before retrying a message first sent `age_ms` ago: as long as it has already been
/// waiting, at least 1 s and at most [`MAX_BACKOFF_SECONDS`]. The binding does not expose a
/// message's attempt count, but its age doubles with every retry this way (1, 2, 4, 8 s...), which
/// is exponential back-off without it.
pub fn backoff_seconds(age_ms: i64) -> u32 {
    let age_s = (age_ms.max(0) as f64 / 1000.0).ceil() as u32;
    age_s.clamp(1, MAX_BACKOFF_SECONDS)
}

/// The delay before a retry: the back-off, or longer when a provider asked for it (a 429's
/// `retry-after`, rounded up to whole seconds, the queue's unit).
pub fn retry_delay_seconds(age_ms: i64, retry_after_ms: Option<u64>) -> u32 {
    let asked = retry_after_ms.map_or(0, |ms| ms.div_ceil(1000).min(u64::from(u32::MAX)) as u32);
    backoff_seconds(age_ms).max(asked.min(MAX_BACKOFF_SECONDS))
}

async fn refuse(
    store: &D1JobStore,
    queue_name: &str,
    raw: &RawMessage,
    body: &str,
    error: &MessageError,
) {
    worker::console_error!("{queue_name}: refused message {}: {error}", raw.id());
    let outcome = serde_json::json!({ "refused": error.to_string() }).to_string();
    let id = raw.id();
    let letter = DeadLetter {
        message_id: &id,
        queue: queue_name,
        key: None,
        body,
        outcome: &outcome,
    };
    let result = store.record_dead_letter(&letter, &now()).await;
    match result {
        Ok(_) => raw.ack(),
        Err(_) => raw.retry(),
    }
}

async fn record(
    store: &D1JobStore,
    queue_name: &str,
    raw: &RawMessage,
    message: &Message,
    body: &str,
    outcome: &str,
) {
    let key = message.key();
    let id = raw.id();
    let letter = DeadLetter {
        message_id: &id,
        queue: queue_name,
        key: Some(&key),
        body,
        outcome,
    };
    if let Err(e) = store.record_dead_letter(&letter, &now()).await {
        worker::console_error!("{queue_name}: could not record dead letter {id}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_the_retries() {
        // The first retry right after sending, then each one after the previous delay.
        let mut age_ms = 0;
        let mut delays = Vec::new();
        for _ in 0..5 {
            let delay = backoff_seconds(age_ms);
            delays.push(delay);
            age_ms += i64::from(delay) * 1000;
        }
        assert_eq!(delays, [1, 1, 2, 4, 8]);
        assert_eq!(backoff_seconds(-5_000), 1);
        assert_eq!(backoff_seconds(10_000_000), MAX_BACKOFF_SECONDS);
    }

    #[test]
    fn a_providers_retry_after_lengthens_the_delay_never_shortens_it() {
        assert_eq!(retry_delay_seconds(0, Some(2_500)), 3);
        assert_eq!(retry_delay_seconds(8_000, Some(1_000)), 8);
        assert_eq!(retry_delay_seconds(0, None), 1);
        assert_eq!(retry_delay_seconds(0, Some(u64::MAX)), MAX_BACKOFF_SECONDS);
    }
}
