//! Deleting a job or a user on a real SQLite (rusqlite) and a real PostgreSQL server (as the
//! product's role, row security on): every row of the job (or user) goes, table by table, queued
//! messages included; another job and another user stay exactly as they were; deleting again
//! deletes nothing.

mod common;
mod conformance;

use bff_pipeline::messages::{ClusterJob, Message};
use bff_pipeline::{JobKey, Timestamp};
use bff_store::queue::Outgoing;
use bff_store::{sql, Connection, Scope, SqlStore};
use common::block_on;

/// Every row of every table that holds user rows, as JSON text, for `user` (and `job`).
fn rows_of<C: Connection>(store: &SqlStore<C>, user: &str, job: Option<&str>) -> Vec<String> {
    block_on(store.connection().scope(Scope::System)).unwrap();
    let mut all = Vec::new();
    for table in sql::JOB_TABLES.iter().chain(sql::USER_TABLES.iter()) {
        let by_job = sql::JOB_TABLES.contains(table);
        let (query, params): (String, Vec<bff_store::Param>) = match job {
            Some(job) if by_job => (
                format!("SELECT * FROM {table} WHERE user_id = ?1 AND job_id = ?2"),
                vec![user.into(), job.into()],
            ),
            Some(_) => continue,
            None => (
                format!("SELECT * FROM {table} WHERE user_id = ?1"),
                vec![user.into()],
            ),
        };
        let mut rows: Vec<String> = common::query(store.connection(), &query, &params)
            .into_iter()
            .map(|r| format!("{table}: {}", serde_json::Value::Object(r)))
            .collect();
        rows.sort();
        all.extend(rows);
    }
    all
}

fn queued<C: Connection>(store: &SqlStore<C>) -> usize {
    common::query(store.connection(), "SELECT * FROM queue_messages", &[]).len()
}

fn total(counts: &[(String, u64)]) -> u64 {
    counts.iter().map(|(_, n)| n).sum()
}

fn deletes_jobs_and_users<C: Connection>(store: &SqlStore<C>) {
    block_on(conformance::run_job(store, "ada", "job-1", 2));
    block_on(conformance::run_job(store, "ada", "job-2", 2));
    block_on(conformance::run_job(store, "bob", "job-3", 2));
    let t = Timestamp::from_unix_ms(conformance::T0);
    block_on(store.create_user_token("ada", "Ada", "bff_token_of_ada_0123456789", "x", None, &t))
        .unwrap();
    block_on(store.create_user_token("bob", "Bob", "bff_token_of_bob_0123456789", "x", None, &t))
        .unwrap();
    // A message still queued for each job.
    let pending: Vec<Outgoing> = [("ada", "job-1"), ("ada", "job-2"), ("bob", "job-3")]
        .iter()
        .enumerate()
        .map(|(i, (user, job))| {
            let message: Message = ClusterJob::new(&JobKey::new(*user, *job)).into();
            Outgoing::new(format!("m-{i}"), &message)
        })
        .collect();
    block_on(store.enqueue(&pending, &t)).unwrap();

    // The retention period's read, across users: jobs created before the time given.
    let expired = |ms: i64| {
        let mut keys: Vec<String> = block_on(store.expired_jobs(&Timestamp::from_unix_ms(ms)))
            .unwrap()
            .into_iter()
            .map(|k| format!("{}/{}", k.user_id, k.job_id))
            .collect();
        keys.sort();
        keys
    };
    assert!(expired(conformance::T0).is_empty());
    assert_eq!(
        expired(conformance::T0 + 1),
        ["ada/job-1", "ada/job-2", "bob/job-3"]
    );

    let job_2 = rows_of(store, "ada", Some("job-2"));
    let bob = rows_of(store, "bob", None);
    assert!(!rows_of(store, "ada", Some("job-1")).is_empty());

    let deleted = block_on(store.delete_job(&JobKey::new("ada", "job-1"))).unwrap();
    let count = |table: &str| deleted.iter().find(|(t, _)| t == table).map(|(_, n)| *n);
    assert_eq!(count("generation_jobs"), Some(1));
    assert_eq!(count("variants"), Some(6));
    assert_eq!(count("generated_images"), Some(6));
    assert_eq!(count("image_embeddings"), Some(6));
    assert_eq!(count("dpp_picks"), Some(2));
    assert_eq!(count("queue_messages"), Some(1));
    assert!(
        rows_of(store, "ada", Some("job-1")).is_empty(),
        "job-1 is gone"
    );
    assert_eq!(
        rows_of(store, "ada", Some("job-2")),
        job_2,
        "another job untouched"
    );
    assert_eq!(rows_of(store, "bob", None), bob, "another user untouched");
    assert_eq!(queued(store), 2);

    // Again, or another user's job under Ada's name: nothing.
    assert_eq!(
        total(&block_on(store.delete_job(&JobKey::new("ada", "job-1"))).unwrap()),
        0
    );
    assert_eq!(
        total(&block_on(store.delete_job(&JobKey::new("ada", "job-3"))).unwrap()),
        0
    );
    assert_eq!(rows_of(store, "bob", None), bob);

    let deleted = block_on(store.delete_user("ada")).unwrap();
    let count = |table: &str| deleted.iter().find(|(t, _)| t == table).map(|(_, n)| *n);
    assert_eq!(count("generation_jobs"), Some(1));
    assert_eq!(count("users"), Some(1));
    assert_eq!(count("api_tokens"), Some(1));
    assert_eq!(count("queue_messages"), Some(1));
    assert!(
        rows_of(store, "ada", None).is_empty(),
        "nothing of Ada is left"
    );
    assert_eq!(rows_of(store, "bob", None), bob, "another user untouched");
    assert_eq!(queued(store), 1);
    let bearer = "Bearer bff_token_of_ada_0123456789";
    assert_eq!(
        block_on(store.authenticate(Some(bearer), &t)).unwrap(),
        None
    );
    assert_eq!(total(&block_on(store.delete_user("ada")).unwrap()), 0);
}

#[test]
fn deletion_on_sqlite() {
    deletes_jobs_and_users(&SqlStore::new(common::migrated_sqlite()));
}

#[test]
fn deletion_on_postgres() {
    let (_server, app) = common::migrated_postgres();
    deletes_jobs_and_users(&SqlStore::new(app));
}
