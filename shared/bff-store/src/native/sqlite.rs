//! [`SqliteConnection`]: the store's SQLite dialect on `rusqlite`.

use std::cell::RefCell;
use std::path::Path;

use rusqlite::types::{ToSqlOutput, Value as SqliteValue, ValueRef};
use serde_json::Value;

use super::{hex, real};
use crate::connection::{Connection, Dialect, Param, Row, Scope, SqlError, Statement};

/// A SQLite database through `rusqlite`: what Spin's SQLite and D1 are in production. Foreign
/// keys are enforced (`PRAGMA foreign_keys = ON`), as D1 enforces them. [`Scope`] is ignored:
/// SQLite has no row-level security.
pub struct SqliteConnection {
    conn: RefCell<rusqlite::Connection>,
}

impl SqliteConnection {
    /// Opens (creating it when missing) the database file at `path`; `":memory:"` is a private
    /// in-memory database.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteConnection, SqlError> {
        Self::configure(rusqlite::Connection::open(path).map_err(error)?)
    }

    /// A private in-memory database.
    pub fn open_in_memory() -> Result<SqliteConnection, SqlError> {
        Self::configure(rusqlite::Connection::open_in_memory().map_err(error)?)
    }

    fn configure(conn: rusqlite::Connection) -> Result<SqliteConnection, SqlError> {
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .map_err(error)?;
        Ok(SqliteConnection {
            conn: RefCell::new(conn),
        })
    }
}

impl Connection for SqliteConnection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn scope(&self, _scope: Scope<'_>) -> Result<(), SqlError> {
        Ok(())
    }

    async fn execute(&self, sql: &str, params: &[Param]) -> Result<u64, SqlError> {
        let conn = self.conn.borrow();
        let changed = conn.execute(sql, bind(params)).map_err(error)?;
        Ok(changed as u64)
    }

    async fn query(&self, sql: &str, params: &[Param]) -> Result<Vec<Row>, SqlError> {
        let conn = self.conn.borrow();
        let mut statement = conn.prepare(sql).map_err(error)?;
        let names: Vec<String> = statement
            .column_names()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut rows = statement.query(bind(params)).map_err(error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(error)? {
            let mut object = Row::new();
            for (i, name) in names.iter().enumerate() {
                let value = row.get_ref(i).map_err(error)?;
                object.insert(name.clone(), json(value, name)?);
            }
            out.push(object);
        }
        Ok(out)
    }

    async fn transaction(&self, statements: &[Statement]) -> Result<Vec<u64>, SqlError> {
        let mut conn = self.conn.borrow_mut();
        // Dropped without commit on any error: rolled back.
        let tx = conn.transaction().map_err(error)?;
        let mut changed = Vec::with_capacity(statements.len());
        for statement in statements {
            let n = tx
                .execute(&statement.sql, bind(&statement.params))
                .map_err(error)?;
            changed.push(n as u64);
        }
        tx.commit().map_err(error)?;
        Ok(changed)
    }
}

/// Parameters as SQLite values; JSON is text, as D1 and Spin's SQLite store it.
fn bind(params: &[Param]) -> rusqlite::ParamsFromIter<Vec<ToSqlOutput<'_>>> {
    rusqlite::params_from_iter(
        params
            .iter()
            .map(|param| match param {
                Param::Null => ToSqlOutput::Owned(SqliteValue::Null),
                Param::Text(s) | Param::Json(s) => {
                    ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
                }
                Param::Int(i) => ToSqlOutput::Owned(SqliteValue::Integer(*i)),
                Param::Real(x) => ToSqlOutput::Owned(SqliteValue::Real(*x)),
                Param::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            })
            .collect::<Vec<_>>(),
    )
}

fn json(value: ValueRef<'_>, column: &str) -> Result<Value, SqlError> {
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(x) => real(x, column)?,
        ValueRef::Text(bytes) => Value::String(
            std::str::from_utf8(bytes)
                .map_err(|_| SqlError(format!("column {column}: text is not UTF-8")))?
                .to_owned(),
        ),
        ValueRef::Blob(bytes) => Value::String(hex(bytes)),
    })
}

fn error(e: rusqlite::Error) -> SqlError {
    SqlError(e.to_string())
}
