//! The conformance suite (`conformance/`) on a real SQLite (rusqlite) and a real PostgreSQL server
//! started for the test: each must end a job, its redelivery, feedback and learning exactly as
//! the in-memory fakes do, pass the analytics checks, let exactly one of two concurrent
//! callers win the fan-in, and let concurrent job inserts of one user never pass the daily budget.

mod common;
mod conformance;

use std::sync::{Arc, Barrier};

use bff_pipeline::budget::DailyLimit;
use bff_pipeline::fakes::MemoryStore;
use bff_pipeline::ports::{JobCreation, JobRow, JobStatus, JobStore, VariantRow};
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
    block_on(conformance::budget_port(&store));
}

#[test]
fn postgres_ends_every_port_as_the_fakes_do() {
    let (server, app) = common::migrated_postgres();
    let store = SqlStore::new(app);
    let summary = block_on(conformance::job_and_feedback_ports(&store));
    assert_eq!(summary, reference(), "server log:\n{}", server.log());
    block_on(conformance::analytics_ports(&store));
    block_on(conformance::reroute_port(&store));
    block_on(conformance::budget_port(&store));
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

/// Two callers on two connections each insert a job of `user` that fits the daily budget alone
/// but not with the other's; returns what each insert answered.
fn budget_race<C: bff_store::Connection>(
    open: impl Fn() -> C + Send + Sync + 'static,
    template: &(JobRow, Vec<VariantRow>),
    user: &str,
    limit: &DailyLimit,
) -> Vec<JobCreation> {
    let open = Arc::new(open);
    let barrier = Arc::new(Barrier::new(2));
    let created_at = limit.day_start.unix_ms() + 1_000;
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let (open, barrier, limit) = (Arc::clone(&open), Arc::clone(&barrier), limit.clone());
            // $0.60 each, $1.00 a day: either fits alone, both would pass it.
            let (job, variants) =
                conformance::job_like(template, user, &format!("{user}-job-{i}"), 0.6, created_at);
            std::thread::spawn(move || {
                let store = SqlStore::new(open());
                barrier.wait();
                block_on(store.create_job(&job, &variants, Some(&limit))).expect("create_job")
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("caller"))
        .collect()
}

/// Five rounds of [`budget_race`], a user of its own each: exactly one job is created, the other
/// refused with the winner's spending, and the day's sum stays within the budget.
fn budget_races<C: bff_store::Connection>(
    store: &SqlStore<C>,
    open: impl Fn() -> C + Clone + Send + Sync + 'static,
) {
    let template = block_on(conformance::template_job(store, "alice", "budget-template"));
    let limit = DailyLimit {
        daily_usd: 1.0,
        day_start: Timestamp::from_unix_ms(conformance::T0 + 86_400_000),
    };
    for round in 0..5 {
        let user = format!("racer-{round}");
        let mut outcomes = budget_race(open.clone(), &template, &user, &limit);
        outcomes.sort_by_key(|o| !matches!(o, JobCreation::Created));
        assert_eq!(
            outcomes,
            [
                JobCreation::Created,
                JobCreation::OverBudget { spent_today: 0.6 }
            ],
            "round {round}"
        );
        let spent = block_on(store.spent_since(&user, &limit.day_start)).unwrap();
        assert!(
            spent <= limit.daily_usd,
            "round {round}: ${spent} spent of ${}",
            limit.daily_usd
        );
        let stored: usize = (0..2)
            .map(|i| {
                let key = JobKey::new(&user, format!("{user}-job-{i}"));
                block_on(store.variants(&key)).unwrap().len()
            })
            .sum();
        assert_eq!(
            stored,
            template.1.len(),
            "round {round}: one job's variants"
        );
    }
}

#[test]
fn concurrent_jobs_never_pass_the_daily_budget_on_sqlite_with_two_connections() {
    let dir = std::env::temp_dir().join(format!("bff-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bff.sqlite");
    let _ = std::fs::remove_file(&path);
    let conn = SqliteConnection::open(&path).unwrap();
    block_on(migrations::migrate(&conn, NOW)).unwrap();
    let store = SqlStore::new(conn);
    budget_races(&store, move || SqliteConnection::open(&path).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn concurrent_jobs_never_pass_the_daily_budget_on_postgres_with_two_connections() {
    let (server, app) = common::migrated_postgres();
    let store = SqlStore::new(app);
    let url = server.app_url();
    budget_races(&store, move || PostgresConnection::connect(&url).unwrap());
}
