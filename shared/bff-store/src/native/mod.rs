//! Native [`Connection`](crate::Connection)s for tests and tools, each behind its cargo feature:
//!
//! - `native-sqlite`: [`SqliteConnection`] on `rusqlite` (SQLite compiled in), a file or memory;
//!   foreign keys are enforced, as on D1.
//! - `native-postgres`: [`PostgresConnection`] on the synchronous `postgres` client, with the
//!   user scope set as session settings for row-level security.
//!
//! Both follow the trait's contract: rows are JSON objects keyed by column name (NULL → null,
//! integers → integral numbers, reals → numbers, text → strings, blobs → lower-case hex strings,
//! Postgres `jsonb` → its JSON text as a string), and `transaction` is all or none. The clients are
//! synchronous: each `async fn` finishes its work before it returns (tests drive them with
//! `pollster`), which suits the single-threaded callers the trait is written for.

#[cfg(feature = "native-postgres")]
mod postgres;
#[cfg(feature = "native-sqlite")]
mod sqlite;

#[cfg(feature = "native-postgres")]
pub use self::postgres::PostgresConnection;
#[cfg(feature = "native-sqlite")]
pub use self::sqlite::SqliteConnection;

use serde_json::Value;

use crate::SqlError;

/// Lower-case hex, the way the store reads blobs in every dialect.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// A real as a JSON number; JSON has no NaN or infinity.
fn real(x: f64, column: &str) -> Result<Value, SqlError> {
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .ok_or_else(|| SqlError(format!("column {column}: {x} is not a finite number")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_lower_case_and_two_digits_a_byte() {
        assert_eq!(super::hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(super::hex(&[]), "");
    }
}
