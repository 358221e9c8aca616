//! [`SpinPostgres`]: PostgreSQL through Spin's outbound `pg` host as a `bff_store::Connection`.
//!
//! What Spin's host does, and what this connection does about it (verified against Spin 4.1 and
//! PostgreSQL 15):
//! - Parameters must have the column's exact type. `Param::Int` is bound as `Int64` (every
//!   integer column is BIGINT), `Real` as `Floating64`, `Text` as `Str`, `Blob` as `Binary`,
//!   `Null` as `DbNull`. `Json` is bound as `Str` and its placeholder written `$N::text::jsonb`
//!   ([`numbered_to_dollar_typed`]): the host refuses text for a `jsonb` parameter otherwise.
//! - One statement per call.
//! - Rows: integers → integral numbers, floats → numbers, NUMERIC (`SUM` of a BIGINT, `AVG`) →
//!   numbers, text → strings, booleans → true/false, `bytea` → lower-case hex, `jsonb` (and plain
//!   `json`) → the document's JSON text, uuid → string. Dates, times and arrays are refused: the
//!   schema keeps timestamps as text (and the host cannot read TIMESTAMPTZ at all).
//! - A connection is one pooled session for its lifetime, and the pool hands a session back out
//!   as it was returned: a transaction left open would leak into a later request. [`transaction`]
//!   therefore ends every `BEGIN` with `COMMIT` or, on any error, `ROLLBACK`.
//! - [`Scope`] is the session settings `bff.user_id` and `bff.scope` that the row-level security
//!   policies read, set with `set_config(…, false)` (session-wide, outside any transaction) only
//!   when the scope changes.
//!
//! [`transaction`]: Connection::transaction

use std::cell::RefCell;

use bff_store::connection::numbered_to_dollar_typed;
use bff_store::{Connection, Dialect, Param, Row, Scope, SqlError, Statement};
use serde_json::Value;
use spin_sdk::pg::{self, Column, DbDataType, DbValue, ParameterValue};

use crate::meter::count;
use crate::text::{decimal, float, hex, host_error};

const SET_USER: &str =
    "SELECT set_config('bff.user_id', $1, false), set_config('bff.scope', '', false)";
const SET_SYSTEM: &str =
    "SELECT set_config('bff.user_id', '', false), set_config('bff.scope', 'system', false)";

#[derive(Debug, Clone, PartialEq, Eq)]
enum CurrentScope {
    User(String),
    System,
}

/// A PostgreSQL session through Spin's host.
pub struct SpinPostgres {
    conn: pg::Connection,
    scope: RefCell<Option<CurrentScope>>,
}

fn error(e: pg::Error) -> SqlError {
    SqlError(format!("postgres: {}", host_error(&e.to_string())))
}

fn bind(params: &[Param]) -> Vec<ParameterValue> {
    params
        .iter()
        .map(|p| match p {
            Param::Null => ParameterValue::DbNull,
            Param::Text(s) | Param::Json(s) => ParameterValue::Str(s.clone()),
            Param::Int(i) => ParameterValue::Int64(*i),
            Param::Real(x) => ParameterValue::Floating64(*x),
            Param::Blob(b) => ParameterValue::Binary(b.clone()),
        })
        .collect()
}

fn value(column: &Column, v: &DbValue) -> Result<Value, SqlError> {
    let refuse = |what: &str| {
        SqlError(format!(
            "postgres: column {} is {what}, which the store does not read; cast it in the statement",
            column.name
        ))
    };
    let not_finite = || {
        SqlError(format!(
            "postgres: column {} is not a finite number",
            column.name
        ))
    };
    Ok(match v {
        DbValue::DbNull => Value::Null,
        DbValue::Boolean(b) => Value::Bool(*b),
        DbValue::Int8(i) => Value::from(*i),
        DbValue::Int16(i) => Value::from(*i),
        DbValue::Int32(i) => Value::from(*i),
        DbValue::Int64(i) => Value::from(*i),
        DbValue::Floating32(x) => float(f64::from(*x)).ok_or_else(not_finite)?,
        DbValue::Floating64(x) => float(*x).ok_or_else(not_finite)?,
        DbValue::Decimal(d) => decimal(d).ok_or_else(not_finite)?,
        DbValue::Str(s) | DbValue::Uuid(s) => Value::String(s.clone()),
        DbValue::Binary(b) => Value::String(hex(b)),
        DbValue::Jsonb(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        // The host has no value for plain `json`: it hands over the raw text.
        DbValue::Unsupported(b) if matches!(&column.data_type, DbDataType::Other(t) if t == "json") => {
            Value::String(String::from_utf8_lossy(b).into_owned())
        }
        DbValue::Unsupported(_) => return Err(refuse("of an unsupported type")),
        DbValue::Date(_) | DbValue::Time(_) | DbValue::Datetime(_) | DbValue::Timestamp(_) => {
            return Err(refuse("a date or time"))
        }
        DbValue::Interval(_) => return Err(refuse("an interval")),
        DbValue::RangeInt32(_) | DbValue::RangeInt64(_) | DbValue::RangeDecimal(_) => {
            return Err(refuse("a range"))
        }
        DbValue::ArrayInt32(_)
        | DbValue::ArrayInt64(_)
        | DbValue::ArrayDecimal(_)
        | DbValue::ArrayStr(_) => return Err(refuse("an array")),
    })
}

impl SpinPostgres {
    /// Opens a session at `url` (`postgres://user:password@host:port/db`), which must be in the
    /// component's `allowed_outbound_hosts`. No scope is set yet: until [`Connection::scope`] is
    /// called the row-level security policies show no user rows.
    pub async fn open(url: &str) -> Result<Self, SqlError> {
        let conn = pg::Connection::open(url).await.map_err(error)?;
        Ok(Self {
            conn,
            scope: RefCell::new(None),
        })
    }

    /// One statement sent as it is (no store statement: `BEGIN`, `COMMIT`, `ROLLBACK`, scope).
    async fn control(&self, sql: &str, params: Vec<ParameterValue>) -> Result<u64, SqlError> {
        count(0, 1);
        self.conn.execute(sql, params).await.map_err(error)
    }

    async fn run(&self, sql: &str, params: &[Param]) -> Result<u64, SqlError> {
        count(1, 1);
        self.conn
            .execute(numbered_to_dollar_typed(sql, params), bind(params))
            .await
            .map_err(error)
    }

    /// Ends the open transaction after an error; the error of the statement is what the caller
    /// reports, a failed ROLLBACK only adds to it.
    async fn roll_back(&self, cause: SqlError) -> SqlError {
        match self.control("ROLLBACK", vec![]).await {
            Ok(_) => cause,
            Err(e) => SqlError(format!("{cause}; and ROLLBACK failed: {e}")),
        }
    }
}

impl Connection for SpinPostgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn scope(&self, scope: Scope<'_>) -> Result<(), SqlError> {
        let wanted = match scope {
            Scope::User(user) => CurrentScope::User(user.to_owned()),
            Scope::System => CurrentScope::System,
        };
        if self.scope.borrow().as_ref() == Some(&wanted) {
            return Ok(());
        }
        // Unknown until the settings are confirmed.
        *self.scope.borrow_mut() = None;
        match scope {
            Scope::User(user) => {
                self.control(SET_USER, vec![ParameterValue::Str(user.to_owned())])
                    .await?
            }
            Scope::System => self.control(SET_SYSTEM, vec![]).await?,
        };
        *self.scope.borrow_mut() = Some(wanted);
        Ok(())
    }

    async fn execute(&self, sql: &str, params: &[Param]) -> Result<u64, SqlError> {
        self.run(sql, params).await
    }

    async fn query(&self, sql: &str, params: &[Param]) -> Result<Vec<Row>, SqlError> {
        count(1, 1);
        let result = self
            .conn
            .query(numbered_to_dollar_typed(sql, params), bind(params))
            .await
            .map_err(error)?;
        let columns = result.columns().to_vec();
        // Row errors (such as a value the host cannot decode) surface only here.
        let rows = result.collect().await.map_err(error)?;
        rows.iter()
            .map(|row| {
                columns
                    .iter()
                    .enumerate()
                    .map(|(i, column)| Ok((column.name.clone(), value(column, &row[i])?)))
                    .collect()
            })
            .collect()
    }

    async fn transaction(&self, statements: &[Statement]) -> Result<Vec<u64>, SqlError> {
        self.control("BEGIN", vec![]).await?;
        let mut changed = Vec::with_capacity(statements.len());
        for statement in statements {
            match self.run(&statement.sql, &statement.params).await {
                Ok(n) => changed.push(n),
                Err(e) => return Err(self.roll_back(e).await),
            }
        }
        if let Err(e) = self.control("COMMIT", vec![]).await {
            // A COMMIT that failed may leave the transaction open (a lost reply): make sure.
            return Err(self.roll_back(e).await);
        }
        Ok(changed)
    }
}
