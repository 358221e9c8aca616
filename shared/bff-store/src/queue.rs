//! The durable queue of the Spin deployment: messages live in the database (`queue_messages`),
//! Redis pub/sub only rings a doorbell.
//!
//! Spin's Redis trigger is plain pub/sub: at most once, a handler error is only logged, and a
//! message published while nothing subscribes is gone. Cloudflare Queues give at least once with
//! retries and dead-letter queues; this gives the same on Spin:
//!
//! - [`SqlStore::enqueue`] inserts the messages in one transaction; the sender then publishes the
//!   queue's name on its Redis channel (the doorbell). A lost doorbell loses nothing: the message
//!   is in the table, and the pump ([`SqlStore::due_queues`], called by the scheduled route) rings
//!   again for every queue with due messages.
//! - A consumer [`claim`](SqlStore::claim)s one due message at a time: one conditional UPDATE that
//!   raises `attempts`, names the consumer and hides the message for a lease
//!   (`FOR UPDATE SKIP LOCKED` on Postgres, so that concurrent consumers never take the same row;
//!   SQLite runs one writer at a time). A consumer that dies mid-message leaves the claim to
//!   expire, and the next claim takes the message again.
//! - [`consume_one`] settles each message as the Workers' consumer does: handled → deleted;
//!   retryable error → visible again after a back-off of 1, 2, 4 ... s; after [`MAX_ATTEMPTS`]
//!   (or a permanent error) → `give_up` (the variant or the job fails), recorded in
//!   `dead_letters` under the stage's dead-letter queue name, deleted. A give-up that fails for
//!   good (the message names a job or variant that does not exist) is recorded there too and
//!   deleted; one that fails for now (the store) is retried.

use bff_pipeline::messages::Message;
use bff_pipeline::ports::PortError;
use bff_pipeline::stages::{StageError, StageOutcome};
use bff_pipeline::Timestamp;
use serde::Deserialize;

use crate::operations::DeadLetter;
use crate::sql;
use crate::{Connection, SqlStore};

/// Deliveries of one message before it is given up: the first and three retries, as the Workers'
/// `max_retries = 3`.
pub const MAX_ATTEMPTS: u32 = 4;
/// How long a claimed message stays hidden from other consumers.
pub const LEASE_MS: i64 = 60_000;
/// Longest back-off before a retry.
pub const MAX_BACKOFF_MS: i64 = 300_000;

/// The delay before the next delivery after `attempts` failed ones: 1 s, 2 s, 4 s ... at most
/// [`MAX_BACKOFF_MS`].
pub fn backoff_ms(attempts: u32) -> i64 {
    let doublings = attempts.saturating_sub(1).min(20);
    (1_000i64 << doublings).min(MAX_BACKOFF_MS)
}

/// A message to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Unique per send (a re-send is a new message; consumers tolerate duplicates).
    pub message_id: String,
    pub queue: &'static str,
    pub body: String,
}

impl Outgoing {
    pub fn new(message_id: String, message: &Message) -> Self {
        Self {
            message_id,
            queue: message.queue(),
            body: message.encode(),
        }
    }
}

/// A message a consumer holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Claimed {
    pub message_id: String,
    pub queue: String,
    pub body: String,
    /// Deliveries so far, this one included.
    pub attempts: u32,
}

impl<C: Connection> SqlStore<C> {
    /// Stores the messages, in one transaction.
    pub async fn enqueue(&self, messages: &[Outgoing], now: &Timestamp) -> Result<(), PortError> {
        if messages.is_empty() {
            return Ok(());
        }
        self.scope_system().await?;
        let statements = messages
            .iter()
            .map(|m| {
                self.stmt(
                    sql::ENQUEUE,
                    &[
                        m.message_id.as_str().into(),
                        m.queue.into(),
                        m.body.as_str().into(),
                        now.as_str().into(),
                    ],
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.batch(statements).await.map(|_| ())
    }

    /// Takes the oldest due message of `queue` for `consumer`, hiding it from others for
    /// `lease_ms`.
    pub async fn claim(
        &self,
        queue: &str,
        consumer: &str,
        now: &Timestamp,
        lease_ms: i64,
    ) -> Result<Option<Claimed>, PortError> {
        self.scope_system().await?;
        let until = Timestamp::from_unix_ms(now.unix_ms() + lease_ms);
        let rows = self
            .raw(
                self.pick(&sql::CLAIM),
                &[
                    queue.into(),
                    now.as_str().into(),
                    consumer.into(),
                    until.as_str().into(),
                ],
            )
            .await?;
        rows.into_iter()
            .next()
            .map(|row| {
                serde_json::from_value(row)
                    .map_err(|e| PortError::new("queue", format!("unreadable message: {e}")))
            })
            .transpose()
    }

    /// Deletes a handled (or given up) message, if `consumer` still holds it.
    pub async fn ack(&self, claimed: &Claimed, consumer: &str) -> Result<bool, PortError> {
        self.scope_system().await?;
        let n = self
            .exec(
                sql::ACK,
                &[claimed.message_id.as_str().into(), consumer.into()],
            )
            .await?;
        Ok(n == 1)
    }

    /// Makes the message visible again at `visible_at`, with the error that stopped it.
    pub async fn retry_later(
        &self,
        claimed: &Claimed,
        consumer: &str,
        error: &str,
        visible_at: &Timestamp,
    ) -> Result<bool, PortError> {
        self.scope_system().await?;
        let n = self
            .exec(
                sql::RETRY_LATER,
                &[
                    claimed.message_id.as_str().into(),
                    consumer.into(),
                    visible_at.as_str().into(),
                    error.into(),
                ],
            )
            .await?;
        Ok(n == 1)
    }

    /// The queues that have a message due at `now` (the pump rings their doorbells).
    pub async fn due_queues(&self, now: &Timestamp) -> Result<Vec<String>, PortError> {
        #[derive(Deserialize)]
        struct Queue {
            queue: String,
        }
        self.scope_system().await?;
        self.raw(sql::DUE_QUEUES, &[now.as_str().into()])
            .await?
            .into_iter()
            .map(|row| {
                serde_json::from_value::<Queue>(row)
                    .map(|q| q.queue)
                    .map_err(|e| PortError::new("queue", e.to_string()))
            })
            .collect()
    }

    /// Messages waiting in `queue`, claimed or not.
    pub async fn queue_depth(&self, queue: &str) -> Result<u64, PortError> {
        self.scope_system().await?;
        let rows = self.raw(sql::QUEUE_DEPTH, &[queue.into()]).await?;
        Ok(rows.first().and_then(|r| r["n"].as_u64()).unwrap_or(0))
    }
}

/// Runs the stage of one message and gives up on one: implemented per component with the one
/// `bff_pipeline::stages` handler it links.
#[allow(async_fn_in_trait)]
pub trait QueueHandler {
    async fn handle(&self, message: &Message, now: &Timestamp) -> Result<StageOutcome, StageError>;
    async fn give_up(
        &self,
        message: &Message,
        reason: &str,
        now: &Timestamp,
    ) -> Result<StageOutcome, StageError>;
}

/// What [`consume_one`] did with a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// Handled and deleted.
    Handled {
        claimed: Claimed,
        job_id: String,
        outcome: StageOutcome,
    },
    /// Visible again after `after_ms`.
    Retrying {
        claimed: Claimed,
        error: String,
        after_ms: i64,
    },
    /// Given up (retries exhausted or a permanent error), deleted; recorded in `dead_letters`
    /// when the retries ran out.
    GaveUp {
        claimed: Claimed,
        reason: String,
        dead_lettered: bool,
    },
    /// A body that does not decode: recorded in `dead_letters`, deleted.
    Refused { claimed: Claimed, error: String },
}

/// Claims one due message of `queue` and settles it; `None` when nothing is due. `clock` gives the
/// time before and after the handler (pure: the caller owns the clock).
pub async fn consume_one<C: Connection>(
    store: &SqlStore<C>,
    queue: &str,
    consumer: &str,
    clock: &impl Fn() -> Timestamp,
    handler: &impl QueueHandler,
) -> Result<Option<Settled>, PortError> {
    let now = clock();
    let Some(claimed) = store.claim(queue, consumer, &now, LEASE_MS).await? else {
        return Ok(None);
    };
    let message = match Message::decode(&claimed.queue, &claimed.body) {
        Ok(m) => m,
        Err(error) => {
            let outcome = serde_json::json!({ "refused": error.to_string() }).to_string();
            let letter = DeadLetter {
                message_id: &claimed.message_id,
                queue: &claimed.queue,
                key: None,
                body: &claimed.body,
                outcome: &outcome,
            };
            store.record_dead_letter(&letter, &now).await?;
            store.ack(&claimed, consumer).await?;
            return Ok(Some(Settled::Refused {
                claimed,
                error: error.to_string(),
            }));
        }
    };
    // A consumer died during the last permitted delivery: the message is not tried again.
    if claimed.attempts > MAX_ATTEMPTS {
        let reason = format!(
            "gave up after {MAX_ATTEMPTS} deliveries of {}",
            message.queue()
        );
        return give_up(
            store, consumer, handler, claimed, &message, reason, true, &now,
        )
        .await;
    }
    match handler.handle(&message, &now).await {
        Ok(outcome) => {
            store.ack(&claimed, consumer).await?;
            Ok(Some(Settled::Handled {
                job_id: message.key().job_id,
                claimed,
                outcome,
            }))
        }
        Err(error) if error.is_retryable() && claimed.attempts < MAX_ATTEMPTS => {
            // A provider's `retry-after` can only lengthen the back-off.
            let asked = error
                .retry_after_ms()
                .map_or(0, |ms| ms.min(MAX_BACKOFF_MS as u64) as i64);
            let after_ms = backoff_ms(claimed.attempts).max(asked);
            let later = Timestamp::from_unix_ms(clock().unix_ms() + after_ms);
            store
                .retry_later(&claimed, consumer, &error.to_string(), &later)
                .await?;
            Ok(Some(Settled::Retrying {
                claimed,
                error: error.to_string(),
                after_ms,
            }))
        }
        Err(error) => {
            let exhausted = error.is_retryable();
            let reason = if exhausted {
                format!("gave up after the retries of {}: {error}", message.queue())
            } else {
                error.to_string()
            };
            give_up(
                store,
                consumer,
                handler,
                claimed,
                &message,
                reason,
                exhausted,
                &clock(),
            )
            .await
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn give_up<C: Connection>(
    store: &SqlStore<C>,
    consumer: &str,
    handler: &impl QueueHandler,
    claimed: Claimed,
    message: &Message,
    reason: String,
    dead_letter: bool,
    now: &Timestamp,
) -> Result<Option<Settled>, PortError> {
    let (outcome, dead_letter) = match handler.give_up(message, &reason, now).await {
        // A deleted job's message: nothing of the user is recorded again.
        Ok(StageOutcome::JobGone) => (
            serde_json::to_string(&StageOutcome::JobGone).unwrap_or_default(),
            false,
        ),
        Ok(outcome) => (
            serde_json::to_string(&outcome).unwrap_or_default(),
            dead_letter,
        ),
        // Nothing to fail (a message about a job or variant that does not exist): retrying the
        // give-up cannot help either. The message is recorded as a dead letter, so that it is not
        // lost silently, and deleted.
        Err(error) if !error.is_retryable() => (
            serde_json::json!({ "give_up_failed": error.to_string() }).to_string(),
            true,
        ),
        Err(error) => {
            // Giving up needs the store too: try the whole message again later.
            let later = Timestamp::from_unix_ms(now.unix_ms() + backoff_ms(claimed.attempts));
            store
                .retry_later(&claimed, consumer, &error.to_string(), &later)
                .await?;
            return Ok(Some(Settled::Retrying {
                after_ms: later.unix_ms() - now.unix_ms(),
                claimed,
                error: error.to_string(),
            }));
        }
    };
    if dead_letter {
        let key = message.key();
        let letter = DeadLetter {
            message_id: &claimed.message_id,
            queue: message.dead_letter_queue(),
            key: Some(&key),
            body: &claimed.body,
            outcome: &outcome,
        };
        store.record_dead_letter(&letter, now).await?;
    }
    store.ack(&claimed, consumer).await?;
    Ok(Some(Settled::GaveUp {
        claimed,
        reason,
        dead_lettered: dead_letter,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let delays: Vec<i64> = (1..=5).map(backoff_ms).collect();
        assert_eq!(delays, [1_000, 2_000, 4_000, 8_000, 16_000]);
        assert_eq!(backoff_ms(0), 1_000);
        assert_eq!(backoff_ms(40), MAX_BACKOFF_MS);
    }

    /// A connection that holds one claimable message and records what was sent to it.
    struct OneMessage {
        body: String,
        sent: std::cell::RefCell<Vec<String>>,
    }

    impl Connection for OneMessage {
        fn dialect(&self) -> crate::Dialect {
            crate::Dialect::Sqlite
        }
        async fn scope(&self, _: crate::Scope<'_>) -> Result<(), crate::SqlError> {
            Ok(())
        }
        async fn execute(&self, sql: &str, _: &[crate::Param]) -> Result<u64, crate::SqlError> {
            self.sent.borrow_mut().push(sql.to_string());
            Ok(1)
        }
        async fn query(
            &self,
            sql: &str,
            _: &[crate::Param],
        ) -> Result<Vec<crate::Row>, crate::SqlError> {
            self.sent.borrow_mut().push(sql.to_string());
            let row = serde_json::json!({
                "message_id": "m-1", "queue": "bff-generate", "body": self.body, "attempts": 1,
            });
            match row {
                serde_json::Value::Object(row) if sql.contains("RETURNING") => Ok(vec![row]),
                _ => Ok(vec![]),
            }
        }
        async fn transaction(
            &self,
            statements: &[crate::Statement],
        ) -> Result<Vec<u64>, crate::SqlError> {
            let mut sent = self.sent.borrow_mut();
            sent.extend(statements.iter().map(|s| s.sql.clone()));
            Ok(vec![1; statements.len()])
        }
    }

    /// A stage whose job does not exist: the handler and the give-up both fail for good.
    struct NoSuchJob;

    impl QueueHandler for NoSuchJob {
        async fn handle(&self, _: &Message, _: &Timestamp) -> Result<StageOutcome, StageError> {
            Err(no_job())
        }
        async fn give_up(
            &self,
            _: &Message,
            _: &str,
            _: &Timestamp,
        ) -> Result<StageOutcome, StageError> {
            Err(no_job())
        }
    }

    fn no_job() -> StageError {
        StageError::Permanent(bff_pipeline::stages::Permanent::BadMessage(
            bff_pipeline::messages::MessageError::UnknownQueue {
                queue: "no such job".into(),
            },
        ))
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(v) = future.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    #[test]
    fn a_message_with_nothing_to_give_up_is_dead_lettered_and_deleted() {
        let store = SqlStore::new(OneMessage {
            body: r#"{"v":1,"job_id":"job-missing","user_id":"user-1","variant":0}"#.into(),
            sent: Default::default(),
        });
        let clock = || Timestamp::from_unix_ms(1_000_000);
        let settled = block_on(consume_one(
            &store,
            "bff-generate",
            "c-1",
            &clock,
            &NoSuchJob,
        ));
        match settled {
            Ok(Some(Settled::GaveUp {
                dead_lettered: true,
                claimed,
                ..
            })) => assert_eq!(claimed.message_id, "m-1"),
            other => panic!("expected a dead-lettered give-up, got {other:?}"),
        }
        let sent = store.connection().sent.borrow();
        assert!(
            sent.iter()
                .any(|s| s.starts_with("INSERT INTO dead_letters")),
            "{sent:?}"
        );
        assert!(sent.iter().any(|s| s == sql::ACK), "{sent:?}");
        assert!(!sent.iter().any(|s| s == sql::RETRY_LATER), "{sent:?}");
    }

    /// A stage that handles every message, keeping the last one.
    #[derive(Default)]
    struct Keeps(std::cell::RefCell<Option<Message>>);

    impl QueueHandler for Keeps {
        async fn handle(&self, m: &Message, _: &Timestamp) -> Result<StageOutcome, StageError> {
            *self.0.borrow_mut() = Some(m.clone());
            Ok(StageOutcome::Done { sent: 0 })
        }
        async fn give_up(
            &self,
            _: &Message,
            _: &str,
            _: &Timestamp,
        ) -> Result<StageOutcome, StageError> {
            Err(no_job())
        }
    }

    #[test]
    fn both_generate_message_versions_are_handled_and_others_refused() {
        use bff_pipeline::messages::GenerateImage;
        use bff_pipeline::ports::Provider;
        let clock = || Timestamp::from_unix_ms(1_000_000);
        let v1 = r#"{"v":1,"job_id":"job-1","user_id":"user-1","variant":2}"#;
        let v2 = r#"{"v":2,"job_id":"job-1","user_id":"user-1","variant":2,"provider":"openai"}"#;
        for (body, provider) in [(v1, None), (v2, Some(Provider::OpenAi))] {
            let store = SqlStore::new(OneMessage {
                body: body.into(),
                sent: Default::default(),
            });
            let handler = Keeps::default();
            let settled = block_on(consume_one(&store, "bff-generate", "c-1", &clock, &handler));
            assert!(
                matches!(settled, Ok(Some(Settled::Handled { .. }))),
                "{settled:?}"
            );
            match handler.0.take() {
                Some(Message::GenerateImage(GenerateImage {
                    variant: 2,
                    provider: p,
                    ..
                })) => assert_eq!(p, provider),
                other => panic!("{body}: {other:?}"),
            }
        }
        for body in [
            r#"{"v":1,"job_id":"job-1","user_id":"user-1","variant":2,"provider":"openai"}"#,
            r#"{"v":2,"job_id":"job-1","user_id":"user-1","variant":2}"#,
            r#"{"v":3,"job_id":"job-1","user_id":"user-1","variant":2,"provider":"openai"}"#,
        ] {
            let store = SqlStore::new(OneMessage {
                body: body.into(),
                sent: Default::default(),
            });
            let settled = block_on(consume_one(
                &store,
                "bff-generate",
                "c-1",
                &clock,
                &Keeps::default(),
            ));
            assert!(
                matches!(settled, Ok(Some(Settled::Refused { .. }))),
                "{body}: {settled:?}"
            );
        }
    }

    /// A provider answering 429 with `retry-after: 7`.
    struct RateLimited;

    impl QueueHandler for RateLimited {
        async fn handle(&self, _: &Message, _: &Timestamp) -> Result<StageOutcome, StageError> {
            Err(StageError::Retryable(
                bff_pipeline::stages::Retryable::Provider(
                    bff_pipeline::ports::ProviderError::Unavailable {
                        message: "openai answered 429".into(),
                        retry_after_ms: Some(7_000),
                    },
                ),
            ))
        }
        async fn give_up(
            &self,
            _: &Message,
            _: &str,
            _: &Timestamp,
        ) -> Result<StageOutcome, StageError> {
            Err(no_job())
        }
    }

    #[test]
    fn a_providers_retry_after_delays_the_retry_past_the_back_off() {
        let store = SqlStore::new(OneMessage {
            body: r#"{"v":1,"job_id":"job-1","user_id":"user-1","variant":0}"#.into(),
            sent: Default::default(),
        });
        let clock = || Timestamp::from_unix_ms(1_000_000);
        match block_on(consume_one(
            &store,
            "bff-generate",
            "c-1",
            &clock,
            &RateLimited,
        )) {
            Ok(Some(Settled::Retrying { after_ms, .. })) => {
                assert_eq!(
                    after_ms, 7_000,
                    "the first back-off is 1 s; the provider asked for 7"
                )
            }
            other => panic!("expected a retry, got {other:?}"),
        }
    }
}
