//! Row-level security on PostgreSQL: connected as the product's role (`bff_app`), a statement
//! that forgot its `user_id` filter still sees and changes only the scoped user's rows, and
//! cannot write another user's.

mod common;

use bff_store::native::PostgresConnection;
use bff_store::{Connection, Param, Scope};
use common::{block_on, count, execute, migrated_postgres, query, texts};

/// Within the last 7 days whenever the test runs (recent_feedback_summary compares text).
const RECENT: &str = "9999-12-31T00:00:00.000Z";

fn insert_job(conn: &PostgresConnection, job_id: &str, user_id: &str) -> Result<u64, String> {
    block_on(conn.execute(
        "INSERT INTO generation_jobs (job_id, user_id, status, brief, designs, provider, theta, \
             over_generation, seed, taxonomy_version, requested, excluded, modifiers, \
             personalisation, warnings, created_at, updated_at) \
         VALUES (?1, ?2, 'complete', 'a red dress', 4, 'sketch', 0.5, 2.5, '42', '1.0.0', \
             ?3, '[]', '[]', '{}', '[]', ?4, ?4)",
        &[
            Param::Text(job_id.into()),
            Param::Text(user_id.into()),
            Param::Json(r#"[{"category":"colour","value":"red"}]"#.into()),
            Param::Text(RECENT.into()),
        ],
    ))
    .map_err(|e| e.0)
}

/// A job with its coverage report and one rated feedback, for the views.
fn insert_user_rows(conn: &PostgresConnection, job_id: &str, user_id: &str) {
    insert_job(conn, job_id, user_id).unwrap();
    execute(
        conn,
        "INSERT INTO coverage_reports (job_id, user_id, overall_score, overall_evenness, \
             set_size, image_count, report, created_at) \
         VALUES (?1, ?2, 0.8, 0.7, 4, 10, '{}', ?3)",
        &[
            Param::Text(job_id.into()),
            Param::Text(user_id.into()),
            Param::Text(RECENT.into()),
        ],
    );
    let feedback_id = format!("{user_id}-{job_id}-000");
    execute(
        conn,
        "INSERT INTO user_feedback (feedback_id, user_id, job_id, image_id, rating, created_at, \
             updated_at) VALUES (?1, ?2, ?3, ?4, 5, ?5, ?5)",
        &[
            Param::Text(feedback_id),
            Param::Text(user_id.into()),
            Param::Text(job_id.into()),
            Param::Text(format!("{job_id}-000")),
            Param::Text(RECENT.into()),
        ],
    );
}

fn scope(conn: &PostgresConnection, scope: Scope<'_>) {
    block_on(conn.scope(scope)).unwrap();
}

#[test]
fn unscoped_statements_see_and_change_only_the_scoped_users_rows() {
    let (server, app) = migrated_postgres();

    scope(&app, Scope::User("alice"));
    insert_user_rows(&app, "job-a1", "alice");
    insert_job(&app, "job-a2", "alice").unwrap();
    scope(&app, Scope::User("bob"));
    insert_user_rows(&app, "job-b1", "bob");

    // Alice's session: a query without any user filter returns her rows only, from tables and
    // through the views.
    scope(&app, Scope::User("alice"));
    let jobs = query(&app, "SELECT * FROM generation_jobs ORDER BY job_id", &[]);
    assert_eq!(texts(&jobs, "job_id"), ["job-a1", "job-a2"]);
    assert_eq!(texts(&jobs, "user_id"), ["alice", "alice"]);
    let summary = query(&app, "SELECT * FROM coverage_summary_view", &[]);
    assert_eq!(texts(&summary, "job_id"), ["job-a1"]);
    let feedback = query(&app, "SELECT * FROM recent_feedback_summary", &[]);
    assert_eq!(texts(&feedback, "user_id"), ["alice"]);
    assert_eq!(count(&feedback, "feedback"), 1);
    assert_eq!(
        count(
            &query(&app, "SELECT COUNT(*) AS n FROM user_feedback", &[]),
            "n"
        ),
        1
    );
    // Even naming Bob's job finds nothing.
    assert!(query(
        &app,
        "SELECT job_id FROM generation_jobs WHERE job_id = ?1",
        &[Param::Text("job-b1".into())]
    )
    .is_empty());

    // Unscoped writes change her rows only.
    assert_eq!(
        execute(&app, "UPDATE generation_jobs SET error = 'checked'", &[]),
        2
    );
    assert_eq!(execute(&app, "DELETE FROM coverage_reports", &[]), 1);

    // Writing a row of Bob's, or giving him one of hers, is refused.
    let refused = insert_job(&app, "job-b2", "bob").unwrap_err();
    assert!(
        refused.contains("42501") && refused.contains("row-level security"),
        "{refused}"
    );
    let moved = block_on(app.execute(
        "UPDATE generation_jobs SET user_id = 'bob' WHERE job_id = 'job-a1'",
        &[],
    ))
    .unwrap_err();
    assert!(moved.0.contains("row-level security"), "{moved}");

    // Tables without user rows are shared.
    assert_eq!(
        count(
            &query(&app, "SELECT COUNT(*) AS n FROM vlt_attributes", &[]),
            "n"
        ),
        370
    );
    assert_eq!(
        texts(
            &query(&app, "SELECT config_id FROM coverage_config", &[]),
            "config_id"
        ),
        ["default"]
    );

    // The system scope sees every user's rows; Bob's were untouched.
    scope(&app, Scope::System);
    let jobs = query(
        &app,
        "SELECT job_id, error FROM generation_jobs ORDER BY job_id",
        &[],
    );
    assert_eq!(texts(&jobs, "job_id"), ["job-a1", "job-a2", "job-b1"]);
    assert_eq!(jobs[2]["error"], serde_json::Value::Null);
    let summary = query(&app, "SELECT user_id FROM coverage_summary_view", &[]);
    assert_eq!(texts(&summary, "user_id"), ["bob"]);
    let feedback = query(
        &app,
        "SELECT user_id FROM recent_feedback_summary ORDER BY user_id",
        &[],
    );
    assert_eq!(texts(&feedback, "user_id"), ["alice", "bob"]);
    insert_job(&app, "job-b2", "bob").unwrap();

    // Back to one user: the scope really changes again.
    scope(&app, Scope::User("bob"));
    let jobs = query(
        &app,
        "SELECT job_id FROM generation_jobs ORDER BY job_id",
        &[],
    );
    assert_eq!(texts(&jobs, "job_id"), ["job-b1", "job-b2"]);

    // A session that never set a scope sees no user rows at all.
    let fresh = common::app(&server);
    assert!(query(&fresh, "SELECT * FROM generation_jobs", &[]).is_empty());
    assert!(insert_job(&fresh, "job-x", "alice").is_err());
}

#[test]
fn every_table_of_user_rows_forces_row_security_and_the_app_role_only_reads_and_writes_rows() {
    let (_server, app) = migrated_postgres();
    let tables = query(
        &app,
        "SELECT c.relname::text AS name, c.relrowsecurity AS enabled, \
                c.relforcerowsecurity AS forced, \
                (SELECT COUNT(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies, \
                EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid \
                          AND a.attname = 'user_id' AND NOT a.attisdropped) AS has_user_id \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname",
        &[],
    );
    let shared = [
        "coverage_config",
        "queue_messages",
        "schema_migrations",
        "vlt_attributes",
    ];
    let mut secured = 0;
    for table in &tables {
        let name = table["name"].as_str().unwrap();
        let protected = table["has_user_id"] == true && !shared.contains(&name);
        assert_eq!(
            table["enabled"], protected,
            "{name}: ENABLE ROW LEVEL SECURITY"
        );
        assert_eq!(
            table["forced"], protected,
            "{name}: FORCE ROW LEVEL SECURITY"
        );
        assert_eq!(table["policies"], i64::from(protected), "{name}: policies");
        secured += usize::from(protected);
    }
    assert_eq!(secured, 26);

    // Views read with the querying role's privileges and policies.
    let views = query(
        &app,
        "SELECT c.relname::text AS name, array_to_string(c.reloptions, ',') AS options \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE n.nspname = 'public' AND c.relkind = 'v'",
        &[],
    );
    assert_eq!(views.len(), 3);
    for view in &views {
        assert_eq!(view["options"], "security_invoker=true", "{view:?}");
    }

    // bff_app changes rows, not the schema, and only reads which migrations ran.
    block_on(app.scope(Scope::System)).unwrap();
    for statement in [
        "CREATE TABLE intruder (x BIGINT)",
        "DROP TABLE generation_jobs",
        "ALTER TABLE generation_jobs DISABLE ROW LEVEL SECURITY",
        "DELETE FROM schema_migrations",
    ] {
        let refused = block_on(app.execute(statement, &[])).unwrap_err();
        assert!(
            refused.0.contains("42501") || refused.0.contains("must be owner"),
            "{statement}: {refused}"
        );
    }
    assert_eq!(
        query(&app, "SELECT name FROM schema_migrations", &[]).len(),
        bff_store::migrations::POSTGRES.len()
    );
}
