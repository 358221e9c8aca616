//! The store of a Spin component: [`SpinStore`], `bff_store::SqlStore` over [`SpinDb`], the
//! database the application variables choose ([`crate::config`]).

use bff_store::{Connection, Dialect, Param, Row, Scope, SqlError, SqlStore, Statement};

use crate::config::DatabaseChoice;
use crate::pg::SpinPostgres;
use crate::sqlite::SpinSqlite;

/// Spin's SQLite or a PostgreSQL session, as one connection type.
pub enum SpinDb {
    Sqlite(SpinSqlite),
    Postgres(SpinPostgres),
}

/// The pipeline's state on Spin.
pub type SpinStore = SqlStore<SpinDb>;

/// A variable of the component, `None` when it is not set for it.
pub async fn variable(name: &str) -> Result<Option<String>, String> {
    use spin_sdk::variables::{self, Error};
    match variables::get(name).await {
        Ok(v) => Ok(Some(v)),
        Err(Error::Undefined(_)) => Ok(None),
        Err(e) => Err(format!("variable {name}: {e:?}")),
    }
}

/// The database the variables `database` and `postgres_url` choose.
pub async fn database_choice() -> Result<DatabaseChoice, SqlError> {
    let database = variable("database").await.map_err(SqlError)?;
    let url = match database.as_deref().map(str::trim) {
        Some("postgres" | "postgresql") => variable("postgres_url").await.map_err(SqlError)?,
        _ => None,
    };
    DatabaseChoice::from_variables(database.as_deref(), url.as_deref()).map_err(SqlError)
}

impl SpinDb {
    /// Opens the chosen database.
    pub async fn open(choice: &DatabaseChoice) -> Result<Self, SqlError> {
        Ok(match choice {
            DatabaseChoice::Sqlite => SpinDb::Sqlite(SpinSqlite::open_default().await?),
            DatabaseChoice::Postgres { url } => SpinDb::Postgres(SpinPostgres::open(url).await?),
        })
    }
}

/// The store on the database the variables choose.
pub async fn open_store() -> Result<SpinStore, SqlError> {
    let choice = database_choice().await?;
    Ok(SqlStore::new(SpinDb::open(&choice).await?))
}

impl Connection for SpinDb {
    fn dialect(&self) -> Dialect {
        match self {
            SpinDb::Sqlite(c) => c.dialect(),
            SpinDb::Postgres(c) => c.dialect(),
        }
    }

    async fn scope(&self, scope: Scope<'_>) -> Result<(), SqlError> {
        match self {
            SpinDb::Sqlite(c) => c.scope(scope).await,
            SpinDb::Postgres(c) => c.scope(scope).await,
        }
    }

    async fn execute(&self, sql: &str, params: &[Param]) -> Result<u64, SqlError> {
        match self {
            SpinDb::Sqlite(c) => c.execute(sql, params).await,
            SpinDb::Postgres(c) => c.execute(sql, params).await,
        }
    }

    async fn query(&self, sql: &str, params: &[Param]) -> Result<Vec<Row>, SqlError> {
        match self {
            SpinDb::Sqlite(c) => c.query(sql, params).await,
            SpinDb::Postgres(c) => c.query(sql, params).await,
        }
    }

    async fn transaction(&self, statements: &[Statement]) -> Result<Vec<u64>, SqlError> {
        match self {
            SpinDb::Sqlite(c) => c.transaction(statements).await,
            SpinDb::Postgres(c) => c.transaction(statements).await,
        }
    }
}
