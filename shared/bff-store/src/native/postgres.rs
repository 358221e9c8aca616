//! [`PostgresConnection`]: the store's Postgres dialect on the synchronous `postgres` client.

use std::cell::RefCell;
use std::error::Error;

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, Kind, ToSql, Type, WrongType};
use postgres::NoTls;
use serde_json::Value;

use super::{hex, real};
use crate::connection::{
    numbered_to_dollar_typed, Connection, Dialect, Param, Row, Scope, SqlError, Statement,
};

type BoxError = Box<dyn Error + Sync + Send>;

const SET_USER: &str =
    "SELECT set_config('bff.user_id', $1, false), set_config('bff.scope', '', false)";
const SET_SYSTEM: &str =
    "SELECT set_config('bff.user_id', '', false), set_config('bff.scope', 'system', false)";

/// A PostgreSQL session through the `postgres` client, speaking what Spin's Postgres host speaks.
///
/// - Statements are written with `?N` parameters and rewritten to `$N`, a JSON parameter to
///   `$N::text::jsonb` ([`numbered_to_dollar_typed`], as on Spin); one statement per call (the
///   extended protocol refuses more).
/// - Parameters are typed strictly, as Spin's host binds them: `Param::Int` is an `int8` (every
///   integer column is BIGINT), `Param::Real` a `float8`, `Param::Text` text, `Param::Blob` a
///   `bytea`, `Param::Json` text that the statement casts to `jsonb`, `Param::Null` a NULL of whatever
///   type the server infers. A parameter whose inferred type differs is an error, not a
///   conversion.
/// - Rows: `bool` → true/false, `int2`/`int4`/`int8`/`oid` → integers, `float4`/`float8` → numbers,
///   text types → strings, `bytea` → lower-case hex, `json`/`jsonb` → the document as JSON text
///   (compact, object keys in jsonb's order: read it as JSON, never compare the text), domains as
///   their base type. Other types (NUMERIC, timestamps, arrays) are errors: cast them in the
///   statement (`CAST(AVG(x) AS DOUBLE PRECISION)`); the schema keeps timestamps as text.
/// - [`Scope`]: sets the session settings `bff.user_id` and `bff.scope` that the row-level
///   security policies read (migrations/postgres/0006_row_security.sql), only when the scope
///   changes. They are set outside any transaction and persist for the session. A manual
///   `BEGIN` … `ROLLBACK` sent through `execute` around a scope change would undo the settings
///   behind the remembered scope: change the scope between transactions, not inside them.
pub struct PostgresConnection {
    client: RefCell<postgres::Client>,
    scope: RefCell<Option<CurrentScope>>,
}

#[derive(Debug, PartialEq, Eq)]
enum CurrentScope {
    User(String),
    System,
}

impl PostgresConnection {
    /// Connects with a `postgres://user:password@host:port/db` URL (or a `key=value` string),
    /// without TLS. No scope is set: until [`Connection::scope`] is called, the row-level security
    /// policies show no user rows.
    pub fn connect(url: &str) -> Result<PostgresConnection, SqlError> {
        let client = postgres::Client::connect(url, NoTls).map_err(error)?;
        Ok(PostgresConnection {
            client: RefCell::new(client),
            scope: RefCell::new(None),
        })
    }
}

impl Connection for PostgresConnection {
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
        let mut client = self.client.borrow_mut();
        match scope {
            Scope::User(user) => client.execute(SET_USER, &[&user]),
            Scope::System => client.execute(SET_SYSTEM, &[]),
        }
        .map_err(error)?;
        *self.scope.borrow_mut() = Some(wanted);
        Ok(())
    }

    async fn execute(&self, sql: &str, params_in: &[Param]) -> Result<u64, SqlError> {
        let params = bind(params_in);
        self.client
            .borrow_mut()
            .execute(&numbered_to_dollar_typed(sql, params_in), &refs(&params))
            .map_err(error)
    }

    async fn query(&self, sql: &str, params_in: &[Param]) -> Result<Vec<Row>, SqlError> {
        let params = bind(params_in);
        let rows = self
            .client
            .borrow_mut()
            .query(&numbered_to_dollar_typed(sql, params_in), &refs(&params))
            .map_err(error)?;
        rows.iter().map(row).collect()
    }

    async fn transaction(&self, statements: &[Statement]) -> Result<Vec<u64>, SqlError> {
        let mut client = self.client.borrow_mut();
        // BEGIN now; dropped without commit on any error: ROLLBACK.
        let mut tx = client.transaction().map_err(error)?;
        let mut changed = Vec::with_capacity(statements.len());
        for statement in statements {
            let params = bind(&statement.params);
            let n = tx
                .execute(
                    &numbered_to_dollar_typed(&statement.sql, &statement.params),
                    &refs(&params),
                )
                .map_err(error)?;
            changed.push(n);
        }
        tx.commit().map_err(error)?;
        Ok(changed)
    }
}

/// A statement parameter, bound with the type Spin's host gives it.
#[derive(Debug)]
struct PgParam<'a>(&'a Param);

fn bind(params: &[Param]) -> Vec<PgParam<'_>> {
    params.iter().map(PgParam).collect()
}

fn refs<'p>(params: &'p [PgParam<'_>]) -> Vec<&'p (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

fn check<T: ToSql>(ty: &Type) -> Result<(), BoxError> {
    if T::accepts(ty) {
        Ok(())
    } else {
        Err(Box::new(WrongType::new::<T>(ty.clone())))
    }
}

impl ToSql for PgParam<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self.0 {
            Param::Null => Ok(IsNull::Yes),
            Param::Text(s) => s.as_str().to_sql(ty, out),
            Param::Int(i) => i.to_sql(ty, out),
            Param::Real(x) => x.to_sql(ty, out),
            Param::Blob(b) => b.as_slice().to_sql(ty, out),
            // As Spin's host binds it: text, which the statement casts (`$N::text::jsonb`, see
            // `numbered_to_dollar_typed`); the server parses it and refuses malformed JSON.
            Param::Json(text) => text.as_str().to_sql(ty, out),
        }
    }

    // The type check depends on the variant, so it is done in `to_sql_checked`.
    fn accepts(_: &Type) -> bool {
        true
    }

    fn to_sql_checked(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self.0 {
            Param::Null => Ok(()),
            Param::Text(_) => check::<&str>(ty),
            Param::Int(_) => check::<i64>(ty),
            Param::Real(_) => check::<f64>(ty),
            Param::Blob(_) => check::<&[u8]>(ty),
            Param::Json(_) => check::<&str>(ty),
        }?;
        self.to_sql(ty, out)
    }
}

/// One column value as JSON (see [`PostgresConnection`] for the mapping).
struct Cell(Value);

impl<'a> FromSql<'a> for Cell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Cell, BoxError> {
        let ty = base_type(ty);
        let value = if *ty == Type::BOOL {
            Value::Bool(bool::from_sql(ty, raw)?)
        } else if *ty == Type::INT2 {
            Value::from(i16::from_sql(ty, raw)?)
        } else if *ty == Type::INT4 {
            Value::from(i32::from_sql(ty, raw)?)
        } else if *ty == Type::INT8 {
            Value::from(i64::from_sql(ty, raw)?)
        } else if *ty == Type::OID {
            Value::from(u32::from_sql(ty, raw)?)
        } else if *ty == Type::FLOAT4 {
            real(f64::from(f32::from_sql(ty, raw)?), "")?
        } else if *ty == Type::FLOAT8 {
            real(f64::from_sql(ty, raw)?, "")?
        } else if <&str as FromSql>::accepts(ty) {
            Value::String(<&str as FromSql>::from_sql(ty, raw)?.to_owned())
        } else if *ty == Type::BYTEA {
            Value::String(hex(raw))
        } else if *ty == Type::JSON || *ty == Type::JSONB {
            Value::String(Value::from_sql(ty, raw)?.to_string())
        } else {
            return Err(format!(
                "column type {ty} is not read by the store: cast it in the statement \
                 (NUMERIC to DOUBLE PRECISION, timestamps to text)"
            )
            .into());
        };
        Ok(Cell(value))
    }

    fn from_sql_null(_: &Type) -> Result<Cell, BoxError> {
        Ok(Cell(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

fn base_type(ty: &Type) -> &Type {
    match ty.kind() {
        Kind::Domain(base) => base_type(base),
        _ => ty,
    }
}

fn row(row: &postgres::Row) -> Result<Row, SqlError> {
    let mut object = Row::new();
    for (i, column) in row.columns().iter().enumerate() {
        let cell: Cell = row
            .try_get(i)
            .map_err(|e| SqlError(format!("column {}: {}", column.name(), error(e))))?;
        object.insert(column.name().to_owned(), cell.0);
    }
    Ok(object)
}

/// The server's own words for database errors (with the SQLSTATE code, e.g. 23505 for a unique
/// violation, 42501 for a row refused by row-level security); the client's otherwise.
fn error(e: postgres::Error) -> SqlError {
    match e.as_db_error() {
        Some(db) => {
            let mut text = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            SqlError(text)
        }
        None => {
            let mut text = e.to_string();
            let mut source = e.source();
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            SqlError(text)
        }
    }
}
