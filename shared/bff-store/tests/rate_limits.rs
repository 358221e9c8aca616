//! Rate-limit counters on a real SQLite (rusqlite) and a real PostgreSQL server (as the product's
//! role, row security on): counted up to the limit, a refusal writes nothing, and requests racing
//! on several connections never pass the limit together.

mod common;

use std::sync::{Arc, Barrier};

use bff_pipeline::Timestamp;
use bff_store::native::{PostgresConnection, SqliteConnection};
use bff_store::{migrations, Connection, SqlStore};
use common::{block_on, NOW};

fn window() -> Timestamp {
    Timestamp::parse("2026-12-05T10:41:00.000Z").unwrap()
}

fn counted<C: Connection>(store: &SqlStore<C>, user: &str, amount: u32, max: u32) -> bool {
    block_on(store.count_within_limit(user, "jobs_per_minute", &window(), amount, max)).unwrap()
}

fn counter<C: Connection>(store: &SqlStore<C>, user: &str) -> Option<i64> {
    block_on(store.connection().scope(bff_store::Scope::System)).unwrap();
    let rows = common::query(
        store.connection(),
        "SELECT count FROM rate_counters WHERE user_id = ?1",
        &[user.into()],
    );
    (!rows.is_empty()).then(|| common::count(&rows, "count"))
}

fn counts_up_to_the_limit<C: Connection>(store: &SqlStore<C>) {
    assert!(counted(store, "ada", 1, 3));
    assert!(counted(store, "ada", 2, 3));
    assert_eq!(counter(store, "ada"), Some(3));
    assert!(!counted(store, "ada", 1, 3), "past the limit");
    assert_eq!(counter(store, "ada"), Some(3), "a refusal writes nothing");
    // A first request larger than the limit writes no row at all.
    assert!(!counted(store, "bob", 4, 3));
    assert_eq!(counter(store, "bob"), None);
    // Another window or another user counts apart.
    let next = Timestamp::parse("2026-12-05T10:42:00.000Z").unwrap();
    assert!(block_on(store.count_within_limit("ada", "jobs_per_minute", &next, 3, 3)).unwrap());
    assert!(counted(store, "bob", 3, 3));
    // Taken back, a count makes room again.
    block_on(store.uncount("ada", "jobs_per_minute", &window(), 2)).unwrap();
    assert!(counted(store, "ada", 2, 3));
    assert!(!counted(store, "ada", 1, 3));
    // The sweep's cleanup.
    let deleted = block_on(store.delete_old_counters(&next)).unwrap();
    assert_eq!(deleted, 2, "ada's and bob's 10:41 windows");
    assert_eq!(block_on(store.active_jobs("ada")).unwrap(), 0);
}

#[test]
fn counters_count_up_to_the_limit_on_sqlite() {
    counts_up_to_the_limit(&SqlStore::new(common::migrated_sqlite()));
}

#[test]
fn counters_count_up_to_the_limit_on_postgres() {
    let (_server, app) = common::migrated_postgres();
    counts_up_to_the_limit(&SqlStore::new(app));
}

/// Eight callers on eight connections each count 1 against a limit of 5, `rounds` times in
/// fresh windows: exactly 5 win each time.
fn race<C: Connection + 'static>(open: impl Fn() -> C + Send + Sync + 'static, rounds: usize) {
    let open = Arc::new(open);
    for round in 0..rounds {
        let start = Timestamp::from_unix_ms(1_780_000_000_000 + round as i64 * 60_000);
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (open, barrier, start) =
                    (Arc::clone(&open), Arc::clone(&barrier), start.clone());
                std::thread::spawn(move || {
                    let store = SqlStore::new(open());
                    barrier.wait();
                    block_on(store.count_within_limit("ada", "jobs_per_minute", &start, 1, 5))
                        .expect("count")
                })
            })
            .collect();
        let won = handles
            .into_iter()
            .map(|h| h.join().expect("caller"))
            .filter(|won| *won)
            .count();
        assert_eq!(
            won, 5,
            "round {round}: {won} of 8 counted against a limit of 5"
        );
    }
}

#[test]
fn racing_requests_never_pass_the_limit_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("bff-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bff.sqlite");
    let _ = std::fs::remove_file(&path);
    block_on(migrations::migrate(
        &SqliteConnection::open(&path).unwrap(),
        NOW,
    ))
    .unwrap();
    let open_path = path.clone();
    race(move || SqliteConnection::open(&open_path).unwrap(), 5);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn racing_requests_never_pass_the_limit_on_postgres() {
    let (server, _app) = common::migrated_postgres();
    let url = server.app_url();
    race(move || PostgresConnection::connect(&url).unwrap(), 5);
}
