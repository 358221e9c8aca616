//! [`SpinSqlite`]: Spin's SQLite database `default` as a `bff_store::Connection`.
//!
//! - `?N` parameters pass through as they are; `Json` is bound as text (the SQLite schema keeps
//!   JSON as TEXT).
//! - One statement per call: the host runs only the first statement of a string and drops the
//!   rest without an error.
//! - Rows: integers and reals → numbers, text → strings, blobs → lower-case hex, NULL → null.
//! - A transaction is `BEGIN IMMEDIATE` (the write lock up front, so that two components never
//!   deadlock upgrading read locks), the statements, `COMMIT`, and `ROLLBACK` on any error.
//! - No row-level security: [`Scope`] is a no-op; the statements carry their `user_id` filters.

use bff_store::{Connection, Dialect, Param, Row, Scope, SqlError, Statement};
use serde_json::Value;
use spin_sdk::sqlite::{self, Value as SqlValue};

use crate::meter::count;
use crate::text::{float, hex, host_error};

pub struct SpinSqlite {
    conn: sqlite::Connection,
}

fn error(e: sqlite::Error) -> SqlError {
    SqlError(format!("sqlite: {}", host_error(&format!("{e:?}"))))
}

fn bind(params: &[Param]) -> Vec<SqlValue> {
    params
        .iter()
        .map(|p| match p {
            Param::Null => SqlValue::Null,
            Param::Text(s) | Param::Json(s) => SqlValue::Text(s.clone()),
            Param::Int(i) => SqlValue::Integer(*i),
            Param::Real(x) => SqlValue::Real(*x),
            Param::Blob(b) => SqlValue::Blob(b.clone()),
        })
        .collect()
}

fn value(column: &str, v: &SqlValue) -> Result<Value, SqlError> {
    Ok(match v {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(i) => Value::from(*i),
        SqlValue::Real(x) => float(*x)
            .ok_or_else(|| SqlError(format!("sqlite: column {column} is not a finite number")))?,
        SqlValue::Text(s) => Value::String(s.clone()),
        SqlValue::Blob(b) => Value::String(hex(b)),
    })
}

impl SpinSqlite {
    /// The database `default` (`sqlite_databases = ["default"]` in the manifest).
    pub async fn open_default() -> Result<Self, SqlError> {
        Ok(Self {
            conn: sqlite::Connection::open_default().await.map_err(error)?,
        })
    }

    /// Runs one statement to the end and returns its rows.
    async fn rows(&self, sql: &str, params: Vec<SqlValue>) -> Result<Vec<Row>, SqlError> {
        let result = self.conn.execute(sql, params).await.map_err(error)?;
        let columns = result.columns().to_vec();
        // Statement errors (a missing table, a constraint) surface only here.
        let rows = result.collect().await.map_err(error)?;
        rows.iter()
            .map(|row| {
                columns
                    .iter()
                    .zip(&row.values)
                    .map(|(name, v)| Ok((name.clone(), value(name, v)?)))
                    .collect()
            })
            .collect()
    }

    /// One statement that is not the store's (`BEGIN`, `COMMIT`, `ROLLBACK`).
    async fn control(&self, sql: &str) -> Result<(), SqlError> {
        count(0, 1);
        self.rows(sql, vec![]).await.map(|_| ())
    }

    async fn run(&self, sql: &str, params: &[Param]) -> Result<u64, SqlError> {
        count(1, 1);
        self.rows(sql, bind(params)).await?;
        Ok(self.conn.changes().await)
    }

    async fn roll_back(&self, cause: SqlError) -> SqlError {
        match self.control("ROLLBACK").await {
            Ok(()) => cause,
            Err(e) => SqlError(format!("{cause}; and ROLLBACK failed: {e}")),
        }
    }
}

impl Connection for SpinSqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn scope(&self, _scope: Scope<'_>) -> Result<(), SqlError> {
        Ok(())
    }

    async fn execute(&self, sql: &str, params: &[Param]) -> Result<u64, SqlError> {
        self.run(sql, params).await
    }

    async fn query(&self, sql: &str, params: &[Param]) -> Result<Vec<Row>, SqlError> {
        count(1, 1);
        self.rows(sql, bind(params)).await
    }

    async fn transaction(&self, statements: &[Statement]) -> Result<Vec<u64>, SqlError> {
        self.control("BEGIN IMMEDIATE").await?;
        let mut changed = Vec::with_capacity(statements.len());
        for statement in statements {
            match self.run(&statement.sql, &statement.params).await {
                Ok(n) => changed.push(n),
                Err(e) => return Err(self.roll_back(e).await),
            }
        }
        if let Err(e) = self.control("COMMIT").await {
            return Err(self.roll_back(e).await);
        }
        Ok(changed)
    }
}
