//! The durable queue of the Spin deployment on a real SQLite, a real PostgreSQL and a real Redis
//! doorbell: duplicates, a failing handler retried with back-off into a dead-letter record, a
//! doorbell rung while no subscriber listens, and a consumer that dies holding a message.

mod common;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bff_pipeline::messages::{ClusterJob, Message};
use bff_pipeline::ports::PortError;
use bff_pipeline::stages::{Retryable, StageError, StageOutcome};
use bff_pipeline::{JobKey, Timestamp};
use bff_store::queue::{
    self, consume_one, Outgoing, QueueHandler, Settled, LEASE_MS, MAX_ATTEMPTS,
};
use bff_store::{Connection, SqlStore};
use bff_test_servers::RedisServer;
use common::block_on;

const T0: i64 = 1_764_000_000_000;

/// Counts deliveries per job; fails the jobs named in `failing` with a retryable error.
#[derive(Default)]
struct Handler {
    failing: Vec<String>,
    handled: RefCell<BTreeMap<String, u32>>,
    given_up: RefCell<Vec<String>>,
}

impl QueueHandler for Handler {
    async fn handle(
        &self,
        message: &Message,
        _now: &Timestamp,
    ) -> Result<StageOutcome, StageError> {
        let job = message.key().job_id;
        *self.handled.borrow_mut().entry(job.clone()).or_default() += 1;
        if self.failing.contains(&job) {
            return Err(StageError::Retryable(Retryable::Port(PortError::new(
                "provider",
                "down (test)",
            ))));
        }
        Ok(StageOutcome::Done { sent: 0 })
    }

    async fn give_up(
        &self,
        message: &Message,
        _reason: &str,
        _now: &Timestamp,
    ) -> Result<StageOutcome, StageError> {
        self.given_up.borrow_mut().push(message.key().job_id);
        Ok(StageOutcome::Skipped {
            reason: "given up".into(),
        })
    }
}

fn cluster(job: &str) -> Message {
    ClusterJob::new(&JobKey::new("alice", job)).into()
}

fn send<C: Connection>(store: &SqlStore<C>, id: &str, message: &Message, now: i64) {
    block_on(store.enqueue(
        &[Outgoing::new(id.to_string(), message)],
        &Timestamp::from_unix_ms(now),
    ))
    .unwrap();
}

/// Drains the queue at the clock's current time.
fn drain<C: Connection>(
    store: &SqlStore<C>,
    clock: &Cell<i64>,
    consumer: &str,
    handler: &Handler,
) -> Vec<Settled> {
    let now = || Timestamp::from_unix_ms(clock.get());
    let mut settled = Vec::new();
    while let Some(s) =
        block_on(consume_one(store, "bff-cluster", consumer, &now, handler)).unwrap()
    {
        settled.push(s);
    }
    settled
}

fn semantics<C: Connection>(store: &SqlStore<C>) {
    let clock = Cell::new(T0);
    let handler = Handler {
        failing: vec!["down".into()],
        ..Handler::default()
    };
    // The same message id twice is stored once; the same message under two ids is delivered
    // twice (the stages tolerate duplicates).
    send(store, "m-1", &cluster("a"), T0);
    send(store, "m-1", &cluster("a"), T0);
    send(store, "m-2", &cluster("a"), T0);
    assert_eq!(block_on(store.queue_depth("bff-cluster")).unwrap(), 2);
    let settled = drain(store, &clock, "c1", &handler);
    assert_eq!(settled.len(), 2);
    assert_eq!(handler.handled.borrow()["a"], 2);
    assert_eq!(block_on(store.queue_depth("bff-cluster")).unwrap(), 0);

    // A failing handler: retried after 1, 2, 4 s, then given up and dead-lettered.
    send(store, "m-3", &cluster("down"), T0);
    let mut waits = Vec::new();
    for attempt in 1..=MAX_ATTEMPTS {
        let settled = drain(store, &clock, "c1", &handler);
        assert_eq!(settled.len(), 1, "attempt {attempt}: {settled:?}");
        match &settled[0] {
            Settled::Retrying {
                after_ms, claimed, ..
            } => {
                assert_eq!(claimed.attempts, attempt);
                // Not visible again before its back-off.
                clock.set(clock.get() + after_ms - 1);
                assert!(drain(store, &clock, "c1", &handler).is_empty());
                clock.set(clock.get() + 1);
                waits.push(*after_ms);
            }
            Settled::GaveUp { dead_lettered, .. } => {
                assert_eq!(attempt, MAX_ATTEMPTS);
                assert!(dead_lettered);
            }
            other => panic!("attempt {attempt}: {other:?}"),
        }
    }
    assert_eq!(waits, [1_000, 2_000, 4_000]);
    assert_eq!(handler.handled.borrow()["down"], MAX_ATTEMPTS);
    assert_eq!(*handler.given_up.borrow(), ["down"]);
    let letters = common::query(
        store.connection(),
        "SELECT queue, job_id FROM dead_letters WHERE message_id = 'm-3'",
        &[],
    );
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0]["queue"], "bff-cluster-dlq");
    assert_eq!(letters[0]["job_id"], "down");
    assert_eq!(block_on(store.queue_depth("bff-cluster")).unwrap(), 0);

    // A consumer that dies holding a message: nobody else sees it during the lease, then the
    // next consumer takes it (second attempt) and the dead one can no longer settle it.
    send(store, "m-4", &cluster("b"), clock.get());
    let now = Timestamp::from_unix_ms(clock.get());
    let held = block_on(store.claim("bff-cluster", "dying", &now, LEASE_MS))
        .unwrap()
        .expect("claimed");
    assert!(drain(store, &clock, "c2", &handler).is_empty());
    clock.set(clock.get() + LEASE_MS);
    let settled = drain(store, &clock, "c2", &handler);
    assert!(
        matches!(&settled[..], [Settled::Handled { claimed, .. }] if claimed.attempts == 2),
        "{settled:?}"
    );
    assert!(!block_on(store.ack(&held, "dying")).unwrap());

    // An unreadable body is refused and recorded.
    block_on(store.connection().execute(
        "INSERT INTO queue_messages (message_id, queue, body, attempts, visible_at, created_at) \
         VALUES ('m-5', 'bff-cluster', 'not json', 0, ?1, ?1)",
        &[Timestamp::from_unix_ms(T0).as_str().into()],
    ))
    .unwrap();
    let settled = drain(store, &clock, "c2", &handler);
    assert!(
        matches!(&settled[..], [Settled::Refused { .. }]),
        "{settled:?}"
    );
}

#[test]
fn the_queue_settles_every_message_on_sqlite() {
    semantics(&SqlStore::new(common::migrated_sqlite()));
}

#[test]
fn the_queue_settles_every_message_on_postgres() {
    let (_server, app) = common::migrated_postgres();
    semantics(&SqlStore::new(app));
}

/// The doorbell on a real Redis: a message whose doorbell rang while no subscriber listened is
/// still handled, once the pump rings again for the queues with due messages.
#[test]
fn a_doorbell_lost_while_nobody_listens_is_rung_again_by_the_pump() {
    let redis_server = RedisServer::start().unwrap_or_else(|e| panic!("{e:#}"));
    let client = redis::Client::open(redis_server.url()).unwrap();
    let mut publisher = client.get_connection().unwrap();
    let store = SqlStore::new(common::migrated_sqlite());
    let clock = Cell::new(T0);

    // Enqueued and rung while nothing subscribes: pub/sub drops the doorbell.
    send(&store, "m-1", &cluster("late"), T0);
    let receivers: i64 = redis::cmd("PUBLISH")
        .arg("bff-cluster")
        .arg("bff-cluster")
        .query(&mut publisher)
        .unwrap();
    assert_eq!(receivers, 0, "nobody listened");

    // A subscriber starts; the pump rings every queue with due messages.
    let mut subscriber = client.get_connection().unwrap();
    let mut pubsub = subscriber.as_pubsub();
    pubsub.subscribe("bff-cluster").unwrap();
    pubsub
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let due = block_on(store.due_queues(&Timestamp::from_unix_ms(T0))).unwrap();
    assert_eq!(due, ["bff-cluster"]);
    for queue in &due {
        let receivers: i64 = redis::cmd("PUBLISH")
            .arg(queue)
            .arg(queue)
            .query(&mut publisher)
            .unwrap();
        assert_eq!(receivers, 1);
    }
    let handler = Handler::default();
    let start = Instant::now();
    let doorbell = pubsub.get_message().expect("the doorbell");
    assert_eq!(doorbell.get_channel_name(), "bff-cluster");
    let settled = drain(&store, &clock, "c1", &handler);
    assert_eq!(settled.len(), 1);
    assert_eq!(handler.handled.borrow()["late"], 1);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(block_on(store.due_queues(&Timestamp::from_unix_ms(T0)))
        .unwrap()
        .is_empty());
    let _ = queue::backoff_ms(1);
}
