//! The conformance suite (`conformance/`) on a real SQLite (rusqlite) and a real PostgreSQL server
//! started for the test: each must end a job, its redelivery, feedback and learning exactly as
//! the in-memory fakes do, pass the analytics checks, and let exactly one of two concurrent
//! callers win the fan-in.

mod common;
mod conformance;

use std::sync::{Arc, Barrier};

use bff_pipeline::fakes::MemoryStore;
use bff_pipeline::ports::{JobStatus, JobStore};
use bff_pipeline::{JobKey, Timestamp};
use bff_store::native::{PostgresConnection, SqliteConnection};
use bff_store::{migrations, Connection, SqlStore};
use common::{block_on, NOW};

fn reference() -> conformance::Summary {
    block_on(conformance::job_and_feedback_ports(&MemoryStore::new()))
}

#[test]
fn sqlite_ends_every_port_as_the_fakes_do() {
    let store = SqlStore::new(common::migrated_sqlite());
    let summary = block_on(conformance::job_and_feedback_ports(&store));
    assert_eq!(summary, reference());
    block_on(conformance::analytics_ports(&store));
    block_on(conformance::reroute_port(&store));
}

#[test]
fn postgres_ends_every_port_as_the_fakes_do() {
    let (server, app) = common::migrated_postgres();
    let store = SqlStore::new(app);
    let summary = block_on(conformance::job_and_feedback_ports(&store));
    assert_eq!(summary, reference(), "server log:\n{}", server.log());
    block_on(conformance::analytics_ports(&store));
    block_on(conformance::reroute_port(&store));
}

/// A job whose every variant is embedded and whose fan-in has not run yet: `generating`.
fn job_ready_for_fan_in<S: JobStore>(store: &S, user: &str, job: &str) -> JobKey {
    block_on(conformance::run_job(store, user, job, 2));
    let key = JobKey::new(user, job);
    // Put the finished job back at the fan-in: generating, all variants embedded.
    let t = Timestamp::from_unix_ms(conformance::T0);
    block_on(store.fail_job(&key, "reset for the fan-in race", &t)).unwrap();
    key
}

/// Two callers on two connections race for the fan-in of the same job; returns how many won.
fn race<C: bff_store::Connection>(
    open: impl Fn() -> C + Send + Sync + 'static,
    key: &JobKey,
    reset: impl FnOnce(),
) -> usize {
    reset();
    let open = Arc::new(open);
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (open, barrier, key) = (Arc::clone(&open), Arc::clone(&barrier), key.clone());
            std::thread::spawn(move || {
                let store = SqlStore::new(open());
                let now = Timestamp::from_unix_ms(conformance::T0 + 9_000_000);
                barrier.wait();
                block_on(store.complete_embedding_fan_in(&key, &now)).expect("fan-in")
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("caller"))
        .filter(|won| *won)
        .count()
}

const RESET: &str = "UPDATE generation_jobs SET status = 'generating', error = NULL \
     WHERE job_id = ?1 AND user_id = ?2";

#[test]
fn the_fan_in_has_one_winner_on_sqlite_with_two_connections() {
    let dir = std::env::temp_dir().join(format!("bff-fan-in-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bff.sqlite");
    let _ = std::fs::remove_file(&path);
    let conn = SqliteConnection::open(&path).unwrap();
    block_on(migrations::migrate(&conn, NOW)).unwrap();
    let store = SqlStore::new(conn);
    let key = job_ready_for_fan_in(&store, "alice", "race-1");
    for round in 0..5 {
        let open_path = path.clone();
        let winners = race(
            move || SqliteConnection::open(&open_path).unwrap(),
            &key,
            || {
                common::execute(
                    store.connection(),
                    RESET,
                    &[key.job_id.as_str().into(), key.user_id.as_str().into()],
                );
            },
        );
        assert_eq!(
            winners, 1,
            "round {round}: {winners} callers won the fan-in"
        );
    }
    let job = block_on(store.job(&key)).unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Clustering);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_fan_in_has_one_winner_on_postgres_with_two_connections() {
    let (server, app) = common::migrated_postgres();
    let store = SqlStore::new(app);
    let key = job_ready_for_fan_in(&store, "alice", "race-1");
    let url = server.app_url();
    for round in 0..5 {
        let open_url = url.clone();
        let winners = race(
            move || PostgresConnection::connect(&open_url).unwrap(),
            &key,
            || {
                block_on(store.connection().scope(bff_store::Scope::User("alice"))).unwrap();
                common::execute(
                    store.connection(),
                    RESET,
                    &[key.job_id.as_str().into(), key.user_id.as_str().into()],
                );
            },
        );
        assert_eq!(
            winners, 1,
            "round {round}: {winners} callers won the fan-in"
        );
    }
}
