//! All or none: a transaction whose last statement fails leaves nothing behind, in both dialects,
//! for rows and for schema changes; so does a failing migration. And the manual BEGIN / COMMIT /
//! ROLLBACK that Spin's Postgres host needs (it has no transaction call) behaves as the adapter
//! must expect.

mod common;

use bff_store::migrations::{self, Migration};
use bff_store::{Connection, Param, Scope, Statement};
use common::{block_on, count, execute, migrated_postgres, migrated_sqlite, query, NOW};

/// Inserts a job of alice's (JSON columns from `Param::Json`: text on SQLite, jsonb on Postgres).
fn job(job_id: &str) -> Statement {
    Statement {
        sql: "INSERT INTO generation_jobs (job_id, user_id, status, brief, designs, provider, \
                  theta, over_generation, seed, taxonomy_version, requested, excluded, modifiers, \
                  personalisation, warnings, created_at, updated_at) \
              VALUES (?1, 'alice', 'generating', 'a brief', 4, 'sketch', 0.5, 2.5, '7', '1.0.0', \
                  ?2, ?2, ?2, ?2, ?2, ?3, ?3)"
            .into(),
        params: vec![job_id.into(), Param::Json("[]".into()), NOW.into()],
    }
}

/// Two good inserts, then a third that breaks the primary key: nothing stays.
fn a_failing_last_statement_leaves_nothing(conn: &impl Connection) {
    block_on(conn.scope(Scope::User("alice"))).unwrap();
    let failed = block_on(conn.transaction(&[
        job("j1"),
        job("j2"),
        Statement {
            sql: "UPDATE generation_jobs SET status = 'clustering' WHERE job_id = ?1".into(),
            params: vec![Param::Text("j1".into())],
        },
        job("j1"),
    ]));
    assert!(failed.is_err());
    let jobs = "SELECT COUNT(*) AS n FROM generation_jobs";
    assert_eq!(count(&query(conn, jobs, &[]), "n"), 0);

    // The connection is usable afterwards, and a good transaction commits.
    let changed = block_on(conn.transaction(&[job("j1"), job("j2")])).unwrap();
    assert_eq!(changed, vec![1, 1]);
    assert_eq!(count(&query(conn, jobs, &[]), "n"), 2);

    // Schema changes roll back with the rows.
    let failed = block_on(conn.transaction(&[
        Statement {
            sql: "CREATE TABLE scratch (x BIGINT)".into(),
            params: vec![],
        },
        Statement {
            sql: "INSERT INTO scratch (x) VALUES (1)".into(),
            params: vec![],
        },
        Statement {
            sql: "INSERT INTO no_such_table (x) VALUES (1)".into(),
            params: vec![],
        },
    ]));
    assert!(failed.is_err());
    assert!(block_on(conn.query("SELECT x FROM scratch", &[])).is_err());
}

#[test]
fn sqlite_transactions_are_all_or_none() {
    a_failing_last_statement_leaves_nothing(&migrated_sqlite());
}

#[test]
fn postgres_transactions_are_all_or_none() {
    let (server, _app) = migrated_postgres();
    // As the owner, who may create the scratch table (row security applies to it as well).
    a_failing_last_statement_leaves_nothing(&common::owner(&server));
}

static GOOD_THEN_BAD: &[Migration] = &[
    Migration {
        name: "9000_good.sql",
        sql: "CREATE TABLE good (x BIGINT);\nINSERT INTO good (x) VALUES (1);\n",
    },
    Migration {
        name: "9001_bad.sql",
        sql: "CREATE TABLE half (x BIGINT);\nINSERT INTO half (x) VALUES (1);\n\
              INSERT INTO nowhere (x) VALUES (1);\n",
    },
];

fn a_failing_migration_leaves_nothing(conn: &impl Connection) {
    let error = block_on(migrations::apply(conn, GOOD_THEN_BAD, NOW)).unwrap_err();
    assert!(error.0.contains("9001_bad.sql"), "{error}");
    assert_eq!(
        count(&query(conn, "SELECT COUNT(*) AS n FROM good", &[]), "n"),
        1
    );
    assert!(block_on(conn.query("SELECT x FROM half", &[])).is_err());
    let recorded = query(
        conn,
        "SELECT name FROM schema_migrations WHERE name LIKE '9%' ORDER BY name",
        &[],
    );
    assert_eq!(common::texts(&recorded, "name"), ["9000_good.sql"]);
    // The next run tries the failed file again (and fails again), leaving the good one be.
    let again = block_on(migrations::apply(conn, GOOD_THEN_BAD, NOW)).unwrap_err();
    assert!(again.0.contains("9001_bad.sql"), "{again}");
    assert_eq!(
        count(&query(conn, "SELECT COUNT(*) AS n FROM good", &[]), "n"),
        1
    );
}

#[test]
fn sqlite_a_failing_migration_leaves_nothing_half_applied() {
    a_failing_migration_leaves_nothing(&migrated_sqlite());
}

#[test]
fn postgres_a_failing_migration_leaves_nothing_half_applied() {
    let (server, _app) = migrated_postgres();
    a_failing_migration_leaves_nothing(&common::owner(&server));
}

/// What a Spin adapter does without a transaction call: BEGIN, statements, then COMMIT, or
/// ROLLBACK after a failure, each a call of its own on one connection.
fn manual_transactions(conn: &impl Connection, aborts_after_error: bool) {
    let insert = |statement: Statement| block_on(conn.execute(&statement.sql, &statement.params));
    let jobs = "SELECT COUNT(*) AS n FROM generation_jobs";
    block_on(conn.scope(Scope::User("alice"))).unwrap();

    execute(conn, "BEGIN", &[]);
    insert(job("m1")).unwrap();
    assert!(insert(job("m1")).is_err());
    if aborts_after_error {
        // PostgreSQL refuses every further statement of a failed transaction.
        let refused = block_on(conn.query(jobs, &[])).unwrap_err();
        assert!(refused.0.contains("25P02"), "{refused}");
    } else {
        // SQLite undoes only the failed statement: the transaction and its first insert stand,
        // so the adapter must send ROLLBACK itself.
        assert_eq!(count(&query(conn, jobs, &[]), "n"), 1);
    }
    execute(conn, "ROLLBACK", &[]);
    assert_eq!(count(&query(conn, jobs, &[]), "n"), 0);

    execute(conn, "BEGIN", &[]);
    insert(job("m1")).unwrap();
    insert(job("m2")).unwrap();
    execute(conn, "COMMIT", &[]);
    assert_eq!(count(&query(conn, jobs, &[]), "n"), 2);
}

#[test]
fn sqlite_manual_begin_commit_rollback() {
    manual_transactions(&migrated_sqlite(), false);
}

#[test]
fn postgres_manual_begin_commit_rollback() {
    let (_server, app) = migrated_postgres();
    manual_transactions(&app, true);
}
