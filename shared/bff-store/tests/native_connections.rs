//! The native connections keep the trait's contract: parameters bind as their types, rows come
//! back as the same JSON objects in both dialects, errors say what the database said.

mod common;

use bff_store::native::{PostgresConnection, SqliteConnection};
use bff_store::{Connection, Dialect, Param, Scope, Statement};
use common::{block_on, execute, query};
use serde_json::json;

/// A table with one column of each kind the schema uses, in the connection's dialect.
fn create_kinds(conn: &impl Connection) {
    let (blob, json) = match conn.dialect() {
        Dialect::Sqlite => ("BLOB", "TEXT"),
        Dialect::Postgres => ("BYTEA", "JSONB"),
    };
    execute(
        conn,
        &format!(
            "CREATE TABLE kinds (id TEXT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, s TEXT, \
             b {blob}, n TEXT, j {json})"
        ),
        &[],
    );
}

fn insert_kinds(conn: &impl Connection, id: &str) -> u64 {
    execute(
        conn,
        "INSERT INTO kinds (id, i, r, s, b, n, j) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            Param::Text(id.into()),
            Param::Int(i64::MAX),
            Param::Real(0.25),
            Param::Text("it's ?1 — ünïcödé".into()),
            Param::Blob(vec![0x00, 0xff, 0x10, 0xab]),
            Param::Null,
            // Text on SQLite, jsonb on Postgres.
            Param::Json(r#"{"a":[1,2.5,"x"],"b":null}"#.into()),
        ],
    )
}

fn rows_read_the_same(conn: &impl Connection) {
    create_kinds(conn);
    assert_eq!(insert_kinds(conn, "k1"), 1);
    let rows = query(
        conn,
        "SELECT id, i, r, s, b, n, j, i - 1 AS computed FROM kinds WHERE id = ?1",
        &[Param::Text("k1".into())],
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(
        serde_json::Value::Object(rows[0].clone()),
        json!({
            "id": "k1",
            "i": i64::MAX,
            "r": 0.25,
            "s": "it's ?1 — ünïcödé",
            "b": "00ff10ab",
            "n": null,
            "j": r#"{"a":[1,2.5,"x"],"b":null}"#,
            "computed": i64::MAX - 1,
        }),
        "{:?}",
        conn.dialect()
    );
    // Integers stay integral numbers, not floats.
    assert!(rows[0]["i"].is_i64());
    // NULL parameters match any column type.
    let changed = execute(
        conn,
        "UPDATE kinds SET i = ?1, r = ?2, b = ?3 WHERE id = ?4",
        &[
            Param::Null,
            Param::Null,
            Param::Null,
            Param::Text("k1".into()),
        ],
    );
    assert_eq!(changed, 1);
    let rows = query(conn, "SELECT i, r, b FROM kinds", &[]);
    assert_eq!(
        serde_json::Value::Object(rows[0].clone()),
        json!({"i": null, "r": null, "b": null})
    );
}

fn transactions_report_changes_per_statement(conn: &impl Connection) {
    create_kinds(conn);
    insert_kinds(conn, "a");
    insert_kinds(conn, "b");
    let changed = block_on(conn.transaction(&[
        Statement {
            sql: "UPDATE kinds SET s = ?1".into(),
            params: vec![Param::Text("x".into())],
        },
        Statement {
            sql: "DELETE FROM kinds WHERE id = ?1".into(),
            params: vec![Param::Text("a".into())],
        },
        Statement {
            sql: "DELETE FROM kinds WHERE id = ?1".into(),
            params: vec![Param::Text("missing".into())],
        },
    ]))
    .unwrap();
    assert_eq!(changed, vec![2, 1, 0]);
    assert_eq!(
        common::texts(&query(conn, "SELECT s FROM kinds", &[]), "s"),
        ["x"]
    );
}

#[test]
fn sqlite_rows_read_as_the_trait_says() {
    rows_read_the_same(&SqliteConnection::open_in_memory().unwrap());
}

#[test]
fn postgres_rows_read_as_the_trait_says() {
    let server = common::postgres_server();
    rows_read_the_same(&common::owner(&server));
}

#[test]
fn sqlite_transactions_report_changes_per_statement() {
    transactions_report_changes_per_statement(&SqliteConnection::open_in_memory().unwrap());
}

#[test]
fn sqlite_opens_a_file_and_enforces_foreign_keys() {
    let dir = std::env::temp_dir().join(format!("bff-store-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("db.sqlite");
    {
        let conn = SqliteConnection::open(&path).unwrap();
        execute(&conn, "CREATE TABLE p (id TEXT PRIMARY KEY)", &[]);
        execute(&conn, "CREATE TABLE c (p TEXT REFERENCES p (id))", &[]);
        let refused =
            block_on(conn.execute("INSERT INTO c VALUES (?1)", &[Param::Text("none".into())]));
        assert!(refused.unwrap_err().0.contains("FOREIGN KEY"));
    }
    let again = SqliteConnection::open(&path).unwrap();
    assert_eq!(
        query(
            &again,
            "SELECT name FROM sqlite_master WHERE name = 'c'",
            &[]
        )
        .len(),
        1
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn postgres_binds_strictly_and_reports_the_servers_errors() {
    let server = common::postgres_server();
    let conn = common::owner(&server);
    transactions_report_changes_per_statement(&conn);

    // A unique violation carries its SQLSTATE.
    let duplicate = block_on(conn.execute(
        "INSERT INTO kinds (id) VALUES (?1)",
        &[Param::Text("b".into())],
    ))
    .unwrap_err();
    assert!(duplicate.0.contains("23505"), "{duplicate}");

    // JSON text goes into jsonb as Param::Json, or as text cast in the statement; the server
    // refuses malformed JSON.
    let cast = execute(
        &conn,
        "UPDATE kinds SET j = ?1::text::jsonb WHERE id = 'b'",
        &[Param::Text("[true]".into())],
    );
    assert_eq!(cast, 1);
    assert_eq!(query(&conn, "SELECT j FROM kinds", &[])[0]["j"], "[true]");
    let malformed =
        block_on(conn.execute("UPDATE kinds SET j = ?1", &[Param::Json("{".into())])).unwrap_err();
    assert!(malformed.0.contains("22P02"), "{malformed}");

    // Text is not silently turned into jsonb, nor an integer into int4: types are bound as
    // Spin's host binds them.
    let text_as_json =
        block_on(conn.execute("UPDATE kinds SET j = ?1", &[Param::Text("{}".into())])).unwrap_err();
    assert!(text_as_json.0.contains("jsonb"), "{text_as_json}");
    let int_as_int4 = block_on(conn.query("SELECT ?1::int4 AS x", &[Param::Int(1)])).unwrap_err();
    assert!(int_as_int4.0.contains("int4"), "{int_as_int4}");

    // NUMERIC is refused with the cast to use; DOUBLE PRECISION reads.
    let numeric = block_on(conn.query("SELECT AVG(i) AS mean FROM kinds", &[])).unwrap_err();
    assert!(numeric.0.contains("DOUBLE PRECISION"), "{numeric}");
    let mean = query(
        &conn,
        "SELECT CAST(AVG(x) AS DOUBLE PRECISION) AS mean FROM (VALUES (1), (2)) v (x)",
        &[],
    );
    assert_eq!(mean[0]["mean"], json!(1.5));

    // Booleans and domains (information_schema) read too.
    let rows = query(
        &conn,
        "SELECT true AS yes, column_name FROM information_schema.columns \
         WHERE table_name = 'kinds' AND column_name = 'id'",
        &[],
    );
    assert_eq!(
        serde_json::Value::Object(rows[0].clone()),
        json!({"yes": true, "column_name": "id"})
    );

    // One statement per call, as Spin's host runs them.
    assert!(block_on(conn.execute("SELECT 1; SELECT 2", &[])).is_err());
}

#[test]
fn postgres_scope_sets_the_session_and_speaks_only_when_it_changes() {
    let server = common::postgres_server();
    let conn: PostgresConnection = common::app(&server);
    let settings = |conn: &PostgresConnection| {
        let rows = query(
            conn,
            "SELECT current_setting('bff.user_id', true) AS user_id, \
                    current_setting('bff.scope', true) AS scope",
            &[],
        );
        (rows[0]["user_id"].clone(), rows[0]["scope"].clone())
    };
    assert_eq!(settings(&conn), (json!(null), json!(null)));

    block_on(conn.scope(Scope::User("alice"))).unwrap();
    assert_eq!(settings(&conn), (json!("alice"), json!("")));
    block_on(conn.scope(Scope::System)).unwrap();
    assert_eq!(settings(&conn), (json!(""), json!("system")));
    block_on(conn.scope(Scope::User("bob"))).unwrap();
    assert_eq!(settings(&conn), (json!("bob"), json!("")));

    // The same scope again sends nothing: a setting changed behind the connection's back stays.
    execute(
        &conn,
        "SELECT set_config('bff.user_id', 'changed', false)",
        &[],
    );
    block_on(conn.scope(Scope::User("bob"))).unwrap();
    assert_eq!(settings(&conn).0, json!("changed"));
    block_on(conn.scope(Scope::User("carol"))).unwrap();
    assert_eq!(settings(&conn).0, json!("carol"));
}
