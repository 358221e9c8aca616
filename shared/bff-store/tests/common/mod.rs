//! Helpers shared by the integration tests: real databases, migrated.
//!
//! Every PostgreSQL test starts its own server through `bff-test-servers`; a missing server binary
//! fails the test with the package to install, it never skips.

#![allow(dead_code)] // each test file uses a part

use bff_store::native::{PostgresConnection, SqliteConnection};
use bff_store::{migrations, Connection, Param, Row};
use bff_test_servers::PostgresServer;

/// The `applied_at` the tests record.
pub const NOW: &str = "2026-12-04T12:00:00.000Z";

pub use pollster::block_on;

/// A PostgreSQL server of its own for the calling test.
pub fn postgres_server() -> PostgresServer {
    PostgresServer::start().unwrap_or_else(|e| panic!("cannot start PostgreSQL: {e:#}"))
}

/// Connects to the server as its schema owner.
pub fn owner(server: &PostgresServer) -> PostgresConnection {
    PostgresConnection::connect(&server.owner_url())
        .unwrap_or_else(|e| panic!("connect as bff_owner: {e}"))
}

/// Connects to the server as the product's role, bff_app.
pub fn app(server: &PostgresServer) -> PostgresConnection {
    PostgresConnection::connect(&server.app_url())
        .unwrap_or_else(|e| panic!("connect as bff_app: {e}"))
}

/// A server with every Postgres migration applied by its owner, and the product's connection.
pub fn migrated_postgres() -> (PostgresServer, PostgresConnection) {
    let server = postgres_server();
    let applied = block_on(migrations::migrate(&owner(&server), NOW))
        .unwrap_or_else(|e| panic!("{e}\nserver log:\n{}", server.log()));
    assert_eq!(applied.len(), migrations::POSTGRES.len());
    let app = app(&server);
    (server, app)
}

/// An in-memory SQLite database with every SQLite migration applied.
pub fn migrated_sqlite() -> SqliteConnection {
    let conn = SqliteConnection::open_in_memory().unwrap();
    let applied = block_on(migrations::migrate(&conn, NOW)).unwrap();
    assert_eq!(applied.len(), migrations::SQLITE.len());
    conn
}

/// Runs a query and returns its rows, panicking with the statement on failure.
pub fn query(conn: &impl Connection, sql: &str, params: &[Param]) -> Vec<Row> {
    block_on(conn.query(sql, params)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Runs a statement and returns the rows it changed, panicking with the statement on failure.
pub fn execute(conn: &impl Connection, sql: &str, params: &[Param]) -> u64 {
    block_on(conn.execute(sql, params)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The text column `column` of every row.
pub fn texts(rows: &[Row], column: &str) -> Vec<String> {
    rows.iter()
        .map(|row| {
            row.get(column)
                .and_then(|v| v.as_str())
                .unwrap_or_else(|| panic!("no text column {column} in {row:?}"))
                .to_owned()
        })
        .collect()
}

/// The integer column `column` of the only row.
pub fn count(rows: &[Row], column: &str) -> i64 {
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows[0]
        .get(column)
        .and_then(|v| v.as_i64())
        .unwrap_or_else(|| panic!("no integer column {column} in {:?}", rows[0]))
}
