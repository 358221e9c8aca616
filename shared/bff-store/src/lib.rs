//! The pipeline's state, written once for every database the product runs on.
//!
//! - [`connection`]: the [`Connection`] trait a platform implements (D1, Spin's SQLite and
//!   PostgreSQL, native `rusqlite` and `postgres` in tests), typed parameters and rows.
//! - [`sql`]: every statement, with the SQLite and Postgres dialects side by side where they
//!   differ.
//! - [`store`], [`feedback_store`]: [`SqlStore`], the `JobStore`, `FeedbackStore` and
//!   `AnalyticsStore` ports of `bff-pipeline` over any connection; [`rows`] reads rows back.
//! - [`queue`]: the durable queue of the Spin deployment (messages in the database, Redis as the
//!   doorbell), with retries, back-off and dead letters.
//! - [`operations`]: users and hashed bearer tokens, dead letters, the sweep's stalled jobs, health.
//! - [`migrations`]: the schema migrations of Spin's SQLite and of PostgreSQL, embedded, and the
//!   runner that applies the missing ones.
//! - `native` (features `native-sqlite`, `native-postgres`): connections on `rusqlite` and the
//!   `postgres` client, for tests and tools.

pub mod connection;
pub mod feedback_store;
pub mod migrations;
#[cfg(any(feature = "native-sqlite", feature = "native-postgres"))]
pub mod native;
pub mod operations;
pub mod queue;
pub mod rows;
pub mod sql;
pub mod store;

pub use connection::{Connection, Dialect, Param, Row, Scope, SqlError, Statement};
pub use store::SqlStore;
