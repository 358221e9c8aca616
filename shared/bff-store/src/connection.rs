//! The one thing a platform supplies to the store: a SQL connection.
//!
//! D1 (`bff-cloudflare`), Spin's SQLite and PostgreSQL (`bff-spin`) and the native test
//! connections implement [`Connection`]; everything above it (statements, row decoding, the
//! ports) is written once in this crate.
//!
//! Statements are written with numbered SQLite-style parameters (`?1`, `?2`); a Postgres
//! connection rewrites them to `$1`, `$2` with [`numbered_to_dollar`] (or
//! [`numbered_to_dollar_typed`], which also casts JSON parameters for `jsonb` columns). Where the
//! two dialects differ the statement is a [`Sql`] pair (see `crate::sql`).

use std::fmt;

/// Which SQL dialect a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite: Cloudflare D1 and Spin's SQLite (and `rusqlite` in tests).
    Sqlite,
    /// PostgreSQL (Spin's outbound `pg`, and the `postgres` crate in tests).
    Postgres,
}

/// A statement parameter (owned, so that a transaction's statements can outlive the values they
/// were built from).
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Null,
    Text(String),
    Int(i64),
    Real(f64),
    Blob(Vec<u8>),
    /// JSON text for a JSON column: bound as text on SQLite, as `jsonb` on Postgres.
    Json(String),
}

impl From<&str> for Param {
    fn from(s: &str) -> Self {
        Param::Text(s.to_string())
    }
}

impl From<&String> for Param {
    fn from(s: &String) -> Self {
        Param::Text(s.clone())
    }
}

impl From<String> for Param {
    fn from(s: String) -> Self {
        Param::Text(s)
    }
}

impl From<u32> for Param {
    fn from(i: u32) -> Self {
        Param::Int(i64::from(i))
    }
}

impl From<bool> for Param {
    fn from(b: bool) -> Self {
        Param::Int(i64::from(b))
    }
}

impl From<i64> for Param {
    fn from(i: i64) -> Self {
        Param::Int(i)
    }
}

impl From<f64> for Param {
    fn from(x: f64) -> Self {
        Param::Real(x)
    }
}

impl From<&[u8]> for Param {
    fn from(b: &[u8]) -> Self {
        Param::Blob(b.to_vec())
    }
}

impl<T: Into<Param>> From<Option<T>> for Param {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

/// One statement of a transaction: SQL text in the connection's dialect (Postgres connections
/// still rewrite `?N`) and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Param>,
}

/// A row as a JSON object keyed by column name. Connections map their values as: NULL → null,
/// integers → integral numbers, floats → numbers, text → strings, blobs → lower-case hex strings,
/// Postgres `jsonb` → its JSON text as a string (so that JSON columns read the same in both
/// dialects).
pub type Row = serde_json::Map<String, serde_json::Value>;

/// A failure of the database itself (connection, constraint, syntax): the stage retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError(pub String);

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SqlError {}

/// Who the following statements act for. Postgres connections set it as the session's
/// `bff.user_id` (or `bff.scope = 'system'`), which the row-level security policies check, so
/// that a statement that forgot its `user_id` filter still sees only that user's rows; SQLite has
/// no row security and ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// One user's rows.
    User(&'a str),
    /// Work across users: the cron sweep, the daily rollup's user list, the queue, sign-in.
    System,
}

/// A SQL connection. Methods are `async fn` without `Send` bounds: both edge runtimes are
/// single-threaded wasm.
#[allow(async_fn_in_trait)]
pub trait Connection {
    fn dialect(&self) -> Dialect;

    /// Sets who the next statements act for (see [`Scope`]); a no-op where the database has no
    /// row security. Connections remember the current scope and only speak to the database when
    /// it changes.
    async fn scope(&self, scope: Scope<'_>) -> Result<(), SqlError>;

    /// Runs one statement that returns no rows; returns how many rows it changed.
    async fn execute(&self, sql: &str, params: &[Param]) -> Result<u64, SqlError>;

    /// Runs one statement and returns its rows.
    async fn query(&self, sql: &str, params: &[Param]) -> Result<Vec<Row>, SqlError>;

    /// Runs the statements in one transaction, all or none; returns the rows each changed.
    async fn transaction(&self, statements: &[Statement]) -> Result<Vec<u64>, SqlError>;
}

/// Rewrites SQLite-style numbered parameters (`?1`) to Postgres ones (`$1`), leaving string
/// literals, quoted identifiers and comments alone.
pub fn numbered_to_dollar(sql: &str) -> String {
    rewrite_numbered(sql, |_| "")
}

/// [`numbered_to_dollar`] for a statement with its parameters: a placeholder whose parameter is
/// [`Param::Json`] becomes `$N::text::jsonb`, because a Postgres host that binds JSON text as
/// `text` (Spin's does) has it refused by a `jsonb` column unless the statement casts it; the
/// server then parses and validates the document. Other placeholders become plain `$N`.
pub fn numbered_to_dollar_typed(sql: &str, params: &[Param]) -> String {
    rewrite_numbered(sql, |n| {
        match n.checked_sub(1).and_then(|i| params.get(i)) {
            Some(Param::Json(_)) => "::text::jsonb",
            _ => "",
        }
    })
}

/// Rewrites every `?N` outside literals and quoted identifiers to `$N` followed by
/// `suffix(N)`.
fn rewrite_numbered(sql: &str, suffix: impl Fn(usize) -> &'static str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    out.push(c);
                }
                '?' if chars.peek().is_some_and(char::is_ascii_digit) => {
                    let mut digits = String::new();
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        digits.push(d);
                    }
                    out.push('$');
                    out.push_str(&digits);
                    out.push_str(suffix(digits.parse().unwrap_or(0)));
                }
                _ => out.push(c),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_parameters_become_dollars_outside_literals() {
        assert_eq!(
            numbered_to_dollar("SELECT '?1', \"a?2\" FROM t WHERE a = ?1 AND b = ?12 AND c = '?'"),
            "SELECT '?1', \"a?2\" FROM t WHERE a = $1 AND b = $12 AND c = '?'"
        );
        assert_eq!(
            numbered_to_dollar("x = 'it''s' AND y = ?3"),
            "x = 'it''s' AND y = $3"
        );
    }

    #[test]
    fn json_parameters_are_cast_from_text_to_jsonb() {
        let params = [
            Param::Text("j".into()),
            Param::Json("{}".into()),
            Param::Int(3),
        ];
        assert_eq!(
            numbered_to_dollar_typed(
                "INSERT INTO t (a, b, c) VALUES (?1, ?2, ?3) ON CONFLICT DO UPDATE SET b = ?2",
                &params
            ),
            "INSERT INTO t (a, b, c) VALUES ($1, $2::text::jsonb, $3) ON CONFLICT DO UPDATE SET b = $2::text::jsonb"
        );
        // Literals stay as they are; a placeholder past the parameters is left plain (the host
        // reports the count mismatch); two-digit numbers are read whole.
        let mut many = vec![Param::Null; 11];
        many.push(Param::Json("[]".into()));
        assert_eq!(
            numbered_to_dollar_typed("SELECT '?2', ?12, ?1, ?13", &many),
            "SELECT '?2', $12::text::jsonb, $1, $13"
        );
        assert_eq!(numbered_to_dollar_typed("x = ?0", &params), "x = $0");
    }
}
