//! The pipeline's state, written once for every database the product runs on.
//!
//! - [`connection`]: the [`Connection`] trait a platform implements (D1, Spin's SQLite and
//!   PostgreSQL, native `rusqlite` and `postgres` in tests), typed parameters and rows.

pub mod connection;

pub use connection::{Connection, Dialect, Param, Row, Scope, SqlError, Statement};
