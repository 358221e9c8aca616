//! The SQLite and PostgreSQL migrations build the same schema: the same tables and views, the
//! same columns in the same order with the same nullability and corresponding types, the same
//! primary keys, unique constraints, foreign keys and indexes, views that answer alike on the same
//! rows; and both runners are idempotent.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use bff_store::native::{PostgresConnection, SqliteConnection};
use bff_store::{migrations, Connection, Param, Row, Scope};
use common::{block_on, count, execute, migrated_postgres, migrated_sqlite, query, texts, NOW};

/// Bookkeeping tables of the runners and of D1, not part of the product's schema.
const BOOKKEEPING: &[&str] = &["schema_migrations", "d1_migrations"];

/// The GIN indexes on JSONB attribute columns exist on PostgreSQL only.
const POSTGRES_ONLY_INDEXES: &[&str] = &[
    "variants_attributes_gin",
    "generated_images_requested_gin",
    "generated_images_drawn_gin",
];

#[derive(Debug, Default, PartialEq)]
struct Schema {
    /// Table or view name → "table" | "view".
    relations: BTreeMap<String, String>,
    /// Table or view → its columns in order.
    columns: BTreeMap<String, Vec<String>>,
    /// (table, column) → (type as the other dialect would name it, NOT NULL).
    table_columns: BTreeMap<(String, String), (String, bool)>,
    /// "table: PRIMARY KEY (a, b)", "table: UNIQUE (a)", "table: FOREIGN KEY (a) → t (b)".
    constraints: BTreeSet<String>,
    /// (index name, table).
    indexes: BTreeSet<(String, String)>,
}

fn field(row: &Row, column: &str) -> String {
    match &row[column] {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn sqlite_schema(conn: &SqliteConnection) -> Schema {
    let mut schema = Schema::default();
    let relations = query(
        conn,
        "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name",
        &[],
    );
    for relation in &relations {
        let name = field(relation, "name");
        if BOOKKEEPING.contains(&name.as_str()) {
            continue;
        }
        let kind = field(relation, "type");
        let columns = query(
            conn,
            "SELECT name, type, \"notnull\" AS not_null, pk FROM pragma_table_info(?1) ORDER BY cid",
            &[name.as_str().into()],
        );
        schema.columns.insert(name.clone(), texts(&columns, "name"));
        if kind == "table" {
            for column in &columns {
                // SQLite's declared types, named as the PostgreSQL twin names them; a JSON text
                // column (TEXT with a json_valid CHECK) is told apart below.
                let ty = match field(column, "type").as_str() {
                    "INTEGER" => "bigint",
                    "REAL" => "double precision",
                    "BLOB" => "bytea",
                    "TEXT" => "text",
                    other => panic!("{name}: unexpected SQLite type {other}"),
                };
                // A PRIMARY KEY column is NOT NULL in PostgreSQL whatever it declares.
                let not_null = field(column, "not_null") == "1" || field(column, "pk") != "0";
                schema.table_columns.insert(
                    (name.clone(), field(column, "name")),
                    (ty.to_owned(), not_null),
                );
            }
            let primary_key = query(
                conn,
                "SELECT group_concat(name, ', ' ORDER BY pk) AS cols FROM pragma_table_info(?1) \
                 WHERE pk > 0",
                &[name.as_str().into()],
            );
            if let Some(cols) = primary_key[0]["cols"].as_str() {
                schema
                    .constraints
                    .insert(format!("{name}: PRIMARY KEY ({cols})"));
            }
            let uniques = query(
                conn,
                "SELECT (SELECT group_concat(i.name, ', ' ORDER BY i.seqno) \
                           FROM pragma_index_info(l.name) i) AS cols \
                   FROM pragma_index_list(?1) l WHERE l.origin = 'u'",
                &[name.as_str().into()],
            );
            for unique in &uniques {
                schema
                    .constraints
                    .insert(format!("{name}: UNIQUE ({})", field(unique, "cols")));
            }
            let foreign_keys = query(
                conn,
                "SELECT \"table\" AS ref, group_concat(\"from\", ', ' ORDER BY seq) AS cols, \
                        group_concat(\"to\", ', ' ORDER BY seq) AS ref_cols \
                   FROM pragma_foreign_key_list(?1) GROUP BY id",
                &[name.as_str().into()],
            );
            for fk in &foreign_keys {
                schema.constraints.insert(format!(
                    "{name}: FOREIGN KEY ({}) → {} ({})",
                    field(fk, "cols"),
                    field(fk, "ref"),
                    field(fk, "ref_cols")
                ));
            }
        }
        schema.relations.insert(name, kind);
    }
    // Indexes created by CREATE INDEX (constraints' automatic indexes have no SQL).
    for index in query(
        conn,
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
        &[],
    ) {
        schema
            .indexes
            .insert((field(&index, "name"), field(&index, "tbl_name")));
    }
    // Columns that hold JSON on SQLite (a json_valid CHECK) are JSONB on PostgreSQL.
    for ((table, column), (ty, _)) in schema.table_columns.iter_mut() {
        let sql = query(
            conn,
            "SELECT sql FROM sqlite_master WHERE name = ?1",
            &[table.as_str().into()],
        );
        let sql = field(&sql[0], "sql");
        if sql.contains(&format!("json_valid({column})")) {
            *ty = "jsonb".to_owned();
        }
    }
    schema
}

fn postgres_schema(conn: &PostgresConnection) -> Schema {
    let mut schema = Schema::default();
    let relations = query(
        conn,
        "SELECT table_name, table_type FROM information_schema.tables \
         WHERE table_schema = 'public' ORDER BY table_name",
        &[],
    );
    for relation in &relations {
        let name = field(relation, "table_name");
        if BOOKKEEPING.contains(&name.as_str()) {
            continue;
        }
        let kind = match field(relation, "table_type").as_str() {
            "BASE TABLE" => "table",
            "VIEW" => "view",
            other => panic!("{name}: unexpected relation type {other}"),
        };
        let columns = query(
            conn,
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = ?1 ORDER BY ordinal_position",
            &[name.as_str().into()],
        );
        schema
            .columns
            .insert(name.clone(), texts(&columns, "column_name"));
        if kind == "table" {
            for column in &columns {
                schema.table_columns.insert(
                    (name.clone(), field(column, "column_name")),
                    (
                        field(column, "data_type"),
                        field(column, "is_nullable") == "NO",
                    ),
                );
            }
        }
        schema.relations.insert(name, kind.to_owned());
    }
    let column_list = |keys: &str, table: &str| {
        format!(
            "(SELECT string_agg(a.attname::text, ', ' ORDER BY k.n) \
                FROM unnest({keys}) WITH ORDINALITY AS k (attnum, n) \
                JOIN pg_attribute a ON a.attrelid = {table} AND a.attnum = k.attnum)"
        )
    };
    let constraints = query(
        conn,
        &format!(
            "SELECT c.conrelid::regclass::text AS tbl, c.contype::text AS kind, \
                    {} AS cols, c.confrelid::regclass::text AS ref, {} AS ref_cols \
               FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
              WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f')",
            column_list("c.conkey", "c.conrelid"),
            column_list("c.confkey", "c.confrelid")
        ),
        &[],
    );
    for constraint in &constraints {
        let table = field(constraint, "tbl");
        if BOOKKEEPING.contains(&table.as_str()) {
            continue;
        }
        let cols = field(constraint, "cols");
        schema
            .constraints
            .insert(match field(constraint, "kind").as_str() {
                "p" => format!("{table}: PRIMARY KEY ({cols})"),
                "u" => format!("{table}: UNIQUE ({cols})"),
                _ => format!(
                    "{table}: FOREIGN KEY ({cols}) → {} ({})",
                    field(constraint, "ref"),
                    field(constraint, "ref_cols")
                ),
            });
    }
    // Indexes other than those that back a constraint.
    for index in query(
        conn,
        "SELECT indexname, tablename FROM pg_indexes WHERE schemaname = 'public' \
         AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        &[],
    ) {
        schema
            .indexes
            .insert((field(&index, "indexname"), field(&index, "tablename")));
    }
    schema
}

/// Two sets are equal; the message names what only one side has.
fn assert_same<T: Ord + std::fmt::Debug>(sqlite: &BTreeSet<T>, postgres: &BTreeSet<T>, what: &str) {
    let only_sqlite: Vec<_> = sqlite.difference(postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "{what}: only on SQLite {only_sqlite:?}, only on PostgreSQL {only_postgres:?}"
    );
}

#[test]
fn sqlite_and_postgres_migrations_build_the_same_schema() {
    let sqlite = sqlite_schema(&migrated_sqlite());
    // Read as the product's role: every table and view must be visible to it.
    let (_server, app) = migrated_postgres();
    let mut postgres = postgres_schema(&app);

    // The PostgreSQL-only GIN indexes exist, on the columns analytics filter by.
    for gin in POSTGRES_ONLY_INDEXES {
        assert!(
            postgres.indexes.iter().any(|(name, _)| name == gin),
            "missing index {gin}"
        );
    }
    postgres
        .indexes
        .retain(|(name, _)| !POSTGRES_ONLY_INDEXES.contains(&name.as_str()));

    assert_eq!(
        sqlite.relations.keys().collect::<Vec<_>>(),
        postgres.relations.keys().collect::<Vec<_>>(),
        "tables and views"
    );
    assert_eq!(sqlite.relations, postgres.relations, "table or view");
    for (name, columns) in &sqlite.columns {
        assert_eq!(
            Some(columns),
            postgres.columns.get(name),
            "columns of {name}"
        );
    }
    for (key, sqlite_column) in &sqlite.table_columns {
        assert_eq!(
            Some(sqlite_column),
            postgres.table_columns.get(key),
            "type and NOT NULL of {}.{}",
            key.0,
            key.1
        );
    }
    assert_eq!(sqlite.table_columns.len(), postgres.table_columns.len());
    assert_same(
        &sqlite.constraints,
        &postgres.constraints,
        "primary keys, unique constraints and foreign keys",
    );
    assert_same(&sqlite.indexes, &postgres.indexes, "indexes");

    // What the schema holds, so that a broken reader cannot make both sides agree on nothing.
    assert_eq!(sqlite.relations.len(), 32);
    assert_eq!(
        sqlite.relations.values().filter(|k| *k == "view").count(),
        3
    );
    assert!(sqlite.columns["queue_messages"].contains(&"claimed_by".to_owned()));
    assert!(sqlite.indexes.len() > 20);
    assert!(sqlite
        .constraints
        .contains("api_tokens: FOREIGN KEY (user_id) → users (user_id)"));
}

#[test]
fn migrations_are_idempotent_on_both_dialects() {
    let sqlite = migrated_sqlite();
    assert!(
        block_on(migrations::migrate(&sqlite, "2027-01-01T00:00:00.000Z"))
            .unwrap()
            .is_empty()
    );

    let (server, app) = migrated_postgres();
    let owner = common::owner(&server);
    assert!(
        block_on(migrations::migrate(&owner, "2027-01-01T00:00:00.000Z"))
            .unwrap()
            .is_empty()
    );

    // The taxonomy seed (one file for both) gave the same rows.
    let taxonomy = "SELECT COUNT(*) AS n FROM vlt_attributes";
    let sqlite_values = count(&query(&sqlite, taxonomy, &[]), "n");
    assert_eq!(sqlite_values, count(&query(&app, taxonomy, &[]), "n"));
    assert_eq!(sqlite_values, 370);
    let sample = "SELECT category, value, prior, renderable FROM vlt_attributes \
                  ORDER BY category, value LIMIT 5";
    assert_eq!(query(&sqlite, sample, &[]), query(&app, sample, &[]));

    // Each migration recorded once, with the time of the run that applied it.
    let recorded = "SELECT name, applied_at FROM schema_migrations ORDER BY name";
    let sqlite_recorded = query(&sqlite, recorded, &[]);
    assert_eq!(
        texts(&sqlite_recorded, "name"),
        migrations::SQLITE
            .iter()
            .map(|m| m.name)
            .collect::<Vec<_>>()
    );
    let postgres_recorded = query(&app, recorded, &[]);
    assert_eq!(
        texts(&postgres_recorded, "name"),
        migrations::POSTGRES
            .iter()
            .map(|m| m.name)
            .collect::<Vec<_>>()
    );
    for applied_at in texts(&sqlite_recorded, "applied_at")
        .into_iter()
        .chain(texts(&postgres_recorded, "applied_at"))
    {
        assert_eq!(applied_at, NOW);
    }
}

/// Within the last 7 days whenever the test runs (the views compare RFC 3339 text).
const RECENT: &str = "9999-12-31T00:00:00.000Z";
const LONG_AGO: &str = "2020-01-01T00:00:00.000Z";

/// The same jobs, images, feedback, standouts and coverage in either dialect.
fn insert_view_data(conn: &impl Connection) {
    // JSON columns take Param::Json: text on SQLite, jsonb on Postgres.
    block_on(conn.scope(Scope::System)).unwrap();
    for (job, user) in [("job-1", "alice"), ("job-2", "alice"), ("job-3", "bob")] {
        execute(
            conn,
            "INSERT INTO generation_jobs (job_id, user_id, status, brief, designs, provider, \
                 theta, over_generation, seed, taxonomy_version, requested, excluded, \
                 modifiers, personalisation, warnings, created_at, updated_at) \
             VALUES (?1, ?2, 'complete', 'brief of ' || ?1, 4, 'sketch', 0.5, 2.5, '1', \
                 '1.0.0', ?3, ?3, ?3, ?4, ?3, ?5, ?5)",
            &[
                Param::Text(job.into()),
                Param::Text(user.into()),
                Param::Json("[]".into()),
                Param::Json("{}".into()),
                Param::Text(RECENT.into()),
            ],
        );
    }
    let red = r#"{"category":"colour","value":"red"}"#;
    let blue = r#"{"category":"colour","value":"blue"}"#;
    let dress = r#"{"category":"garment_type","value":"dress"}"#;
    let skirt = r#"{"category":"garment_type","value":"skirt"}"#;
    for (image, job, user, requested) in [
        ("img-1", "job-1", "alice", format!("[{red},{dress}]")),
        ("img-2", "job-1", "alice", format!("[{blue},{dress}]")),
        ("img-3", "job-2", "alice", format!("[{red},{skirt}]")),
        ("img-4", "job-3", "bob", format!("[{red}]")),
    ] {
        execute(
            conn,
            "INSERT INTO generated_images (image_id, job_id, user_id, variant, prompt, \
                 negative_prompt, seed, provider, model, parameters, requested, drawn, \
                 quality, blob_key, width, height, bytes, created_at) \
             VALUES (?1, ?2, ?3, 0, 'p', 'n', '1', 'sketch', 'sketch', ?4, ?5, ?5, 0.8, \
                 'k', 512, 768, 1000, ?6)",
            &[
                Param::Text(image.into()),
                Param::Text(job.into()),
                Param::Text(user.into()),
                Param::Json("{}".into()),
                Param::Json(requested),
                Param::Text(RECENT.into()),
            ],
        );
    }
    for (feedback, user, job, image, rating, liked, updated_at) in [
        ("f-1", "alice", "job-1", "img-1", Some(5), Some(1), RECENT),
        ("f-2", "alice", "job-1", "img-2", Some(2), Some(0), RECENT),
        ("f-3", "alice", "job-2", "img-3", None, Some(1), LONG_AGO),
        ("f-4", "bob", "job-3", "img-4", Some(4), None, RECENT),
    ] {
        execute(
            conn,
            "INSERT INTO user_feedback (feedback_id, user_id, job_id, image_id, rating, liked, \
                 created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            &[
                Param::Text(feedback.into()),
                Param::Text(user.into()),
                Param::Text(job.into()),
                Param::Text(image.into()),
                rating.map(i64::from).into(),
                liked.map(i64::from).into(),
                Param::Text(updated_at.into()),
            ],
        );
    }
    execute(
        conn,
        "INSERT INTO outliers (feedback_id, user_id, job_id, image_id, rating, quality, rule, \
             confidence, z, created_at) \
         VALUES ('f-1', 'alice', 'job-1', 'img-1', 5, 0.8, 'high_rating_and_quality', 0.9, NULL, ?1)",
        &[Param::Text(RECENT.into())],
    );
    for (job, user, score) in [("job-1", "alice", 0.75), ("job-3", "bob", 1.0)] {
        execute(
            conn,
            "INSERT INTO coverage_reports (job_id, user_id, overall_score, overall_evenness, \
                 set_size, image_count, report, created_at) \
             VALUES (?1, ?2, ?3, 0.5, 4, 10, ?4, ?5)",
            &[
                Param::Text(job.into()),
                Param::Text(user.into()),
                Param::Real(score),
                Param::Json("{}".into()),
                Param::Text(RECENT.into()),
            ],
        );
    }
    for (rank, value, severity_score) in [(0, "green", 0.7), (1, "coat", 0.3)] {
        execute(
            conn,
            "INSERT INTO attribute_gaps (job_id, user_id, rank, category, value, requested, \
                 coverage, count, target_count, missing, severity, severity_score, boost) \
             VALUES ('job-1', 'alice', ?1, 'colour', ?2, 0, 0.1, 0, 2, 2, 'high', ?3, 0.2)",
            &[
                Param::Int(rank),
                Param::Text(value.into()),
                Param::Real(severity_score),
            ],
        );
    }
}

#[test]
fn the_seed_views_answer_alike_on_both_dialects() {
    let sqlite = migrated_sqlite();
    insert_view_data(&sqlite);
    let (_server, app) = migrated_postgres();
    insert_view_data(&app);

    for (view, order) in [
        ("coverage_summary_view", "user_id, job_id"),
        ("outlier_rate_by_attribute", "user_id, category, value"),
        ("recent_feedback_summary", "user_id"),
    ] {
        let sql = format!("SELECT * FROM {view} ORDER BY {order}");
        let expected = query(&sqlite, &sql, &[]);
        assert!(!expected.is_empty(), "{view} is empty");
        assert_eq!(expected, query(&app, &sql, &[]), "{view}");
    }

    // The answers themselves, so that both dialects cannot agree on a wrong one.
    let rates = query(
        &sqlite,
        "SELECT user_id, category, value, rated, outliers, outlier_rate \
           FROM outlier_rate_by_attribute ORDER BY user_id, category, value",
        &[],
    );
    let rate = |user: &str, value: &str| {
        rates
            .iter()
            .find(|r| r["user_id"] == user && r["value"] == value)
            .map(|r| {
                (
                    r["rated"].as_i64().unwrap(),
                    r["outlier_rate"].as_f64().unwrap(),
                )
            })
    };
    assert_eq!(rate("alice", "dress"), Some((2, 0.5)));
    assert_eq!(rate("alice", "red"), Some((1, 1.0)));
    assert_eq!(rate("alice", "skirt"), None, "unrated feedback counts not");
    assert_eq!(rate("bob", "red"), Some((1, 0.0)));
    let recent = query(
        &sqlite,
        "SELECT * FROM recent_feedback_summary ORDER BY user_id",
        &[],
    );
    assert_eq!(
        recent[0]["feedback"], 2,
        "the old feedback is outside the 7 days"
    );
    assert_eq!(recent[0]["mean_rating"], 3.5);
    let summary = query(
        &sqlite,
        "SELECT * FROM coverage_summary_view ORDER BY user_id",
        &[],
    );
    assert_eq!(summary[0]["gap_count"], 2);
    assert_eq!(summary[0]["worst_severity_score"], 0.7);
    assert_eq!(summary[1]["worst_severity_score"], serde_json::Value::Null);
}
