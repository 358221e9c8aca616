//! D1 (SQLite) as a `bff_store::Connection` ([`D1Connection`]): the store's statements run here
//! with typed parameters; a transaction is D1's atomic `batch`.
//!
//! Statements use numbered (`?1`) parameters; D1 does not support named ones.
//!
//! Every call is metered ([`meter`]): statements run and round trips to D1 (a batch is one round
//! trip), so that a Worker can report what each message or request cost.

use std::cell::Cell;

use bff_http::Cost;
use bff_store::{Connection, Dialect, Param, Row, Scope, SqlError, Statement};
use serde::de::DeserializeOwned;
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env, Result};

fn to_js(param: &Param) -> JsValue {
    match param {
        Param::Null => JsValue::NULL,
        Param::Text(s) | Param::Json(s) => JsValue::from_str(s),
        // D1 has no BigInt binding; numbers are f64 on the JavaScript side.
        Param::Int(i) => JsValue::from_f64(*i as f64),
        Param::Real(x) => JsValue::from_f64(*x),
        Param::Blob(bytes) => worker::js_sys::Uint8Array::from(bytes.as_slice())
            .buffer()
            .into(),
    }
}

thread_local! {
    // A Worker isolate runs one thread; concurrent requests of one isolate interleave at awaits,
    // so a difference of two readings is exact only when one thing runs at a time (the HTTP
    // functions' figures). The queue consumer handles a batch at once and reads each message's
    // figures from its own connection instead (`D1Connection::cost`).
    static METER: Cell<Cost> = const { Cell::new(Cost { statements: 0, round_trips: 0 }) };
}

/// D1 work done by this isolate since it started: SQL statements run (each statement of a batch
/// counts) and calls to D1 (a batch is one). Subtract two readings for the cost of what happened
/// between them.
pub fn meter() -> Cost {
    METER.with(Cell::get)
}

fn count(statements: usize) {
    METER.with(|m| {
        let mut v = m.get();
        v.statements += statements as u64;
        v.round_trips += 1;
        m.set(v);
    });
}

/// The database bound as `binding` (normally [`crate::bindings::DB`]).
pub fn database(env: &Env, binding: &str) -> Result<D1Database> {
    env.d1(binding)
}

/// Prepares `sql` and binds `params` in order.
pub fn statement(db: &D1Database, sql: &str, params: &[Param]) -> Result<D1PreparedStatement> {
    let values: Vec<JsValue> = params.iter().map(to_js).collect();
    db.prepare(sql).bind(&values)
}

/// Runs a statement that returns no rows; returns how many rows it changed.
pub async fn execute(db: &D1Database, sql: &str, params: &[Param]) -> Result<usize> {
    count(1);
    let result = statement(db, sql, params)?.run().await?;
    changes(&result)
}

/// The first row as `T` (a struct whose fields are the column names), or `None` when there is none.
pub async fn first<T: DeserializeOwned>(
    db: &D1Database,
    sql: &str,
    params: &[Param],
) -> Result<Option<T>> {
    count(1);
    statement(db, sql, params)?.first::<T>(None).await
}

/// All rows as `T`.
pub async fn all<T: DeserializeOwned>(
    db: &D1Database,
    sql: &str,
    params: &[Param],
) -> Result<Vec<T>> {
    count(1);
    let result = statement(db, sql, params)?.all().await?;
    if let Some(error) = result.error() {
        return Err(worker::Error::RustError(format!("D1: {error}")));
    }
    result.results::<T>()
}

/// Runs the statements in one transaction (all or none); returns the rows each one changed.
pub async fn batch(db: &D1Database, statements: Vec<D1PreparedStatement>) -> Result<Vec<usize>> {
    count(statements.len());
    let results = db.batch(statements).await?;
    results.iter().map(changes).collect()
}

fn changes(result: &worker::D1Result) -> Result<usize> {
    if let Some(error) = result.error() {
        return Err(worker::Error::RustError(format!("D1: {error}")));
    }
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0))
}

/// The D1 database as the store's connection. D1 has no row-level security: the store's
/// statements carry their `user_id` filters themselves.
pub struct D1Connection {
    db: std::result::Result<D1Database, String>,
    /// The work done through this connection (the isolate's [`meter`] counts every
    /// connection's): exact per message even when a batch's messages are handled at once.
    cost: Cell<Cost>,
}

impl D1Connection {
    pub fn new(db: D1Database) -> Self {
        Self {
            db: Ok(db),
            cost: Cell::new(Cost::default()),
        }
    }

    /// A connection whose binding is missing: every statement fails with `error`, so that a
    /// request that needs no database still works and the health check reports it.
    pub fn unbound(error: impl Into<String>) -> Self {
        Self {
            db: Err(error.into()),
            cost: Cell::new(Cost::default()),
        }
    }

    /// The D1 work done through this connection so far.
    pub fn cost(&self) -> Cost {
        self.cost.get()
    }

    fn counted(&self, statements: usize) {
        let mut cost = self.cost.get();
        cost.statements += statements as u64;
        cost.round_trips += 1;
        self.cost.set(cost);
    }

    fn db(&self) -> std::result::Result<&D1Database, SqlError> {
        self.db.as_ref().map_err(|e| SqlError(format!("D1: {e}")))
    }
}

fn sql_error(e: worker::Error) -> SqlError {
    SqlError(format!("D1: {e}"))
}

impl Connection for D1Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn scope(&self, _scope: Scope<'_>) -> std::result::Result<(), SqlError> {
        Ok(())
    }

    async fn execute(&self, sql: &str, params: &[Param]) -> std::result::Result<u64, SqlError> {
        self.counted(1);
        execute(self.db()?, sql, params)
            .await
            .map(|n| n as u64)
            .map_err(sql_error)
    }

    async fn query(&self, sql: &str, params: &[Param]) -> std::result::Result<Vec<Row>, SqlError> {
        self.counted(1);
        all::<serde_json::Value>(self.db()?, sql, params)
            .await
            .map_err(sql_error)?
            .into_iter()
            .map(|row| match row {
                serde_json::Value::Object(fields) => Ok(fields),
                other => Err(SqlError(format!(
                    "D1 returned a row that is not an object: {other}"
                ))),
            })
            .collect()
    }

    async fn transaction(
        &self,
        statements: &[Statement],
    ) -> std::result::Result<Vec<u64>, SqlError> {
        let db = self.db()?;
        self.counted(statements.len());
        let prepared = statements
            .iter()
            .map(|s| statement(db, &s.sql, &s.params))
            .collect::<Result<Vec<_>>>()
            .map_err(sql_error)?;
        batch(db, prepared)
            .await
            .map(|changes| changes.into_iter().map(|n| n as u64).collect())
            .map_err(sql_error)
    }
}
