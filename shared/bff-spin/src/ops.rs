//! What the gateway's internal routes will call on Spin (`/internal/pump`, `/internal/migrate`),
//! ready before the HTTP components are.

use bff_pipeline::ports::PortError;
use bff_store::{migrations, SqlError};

use crate::config::DatabaseChoice;
use crate::db::{SpinDb, SpinStore};
use crate::dispatch::ring;

/// Rings the doorbell of every queue with a due message (`SqlStore::due_queues`): what brings a
/// retried message back after its back-off and what recovers a lost doorbell. Returns the queues
/// rung. Called on a schedule (the pump route, from a timer or the cron plugin).
pub async fn pump(store: &SpinStore, redis_url: Option<&str>) -> Result<Vec<String>, PortError> {
    let queues = store.due_queues(&crate::now()).await?;
    if !queues.is_empty() {
        let names: Vec<&str> = queues.iter().map(String::as_str).collect();
        ring(redis_url, &names).await;
    }
    Ok(queues)
}

/// Applies the missing migrations of the chosen database (`bff_store::migrations::migrate`);
/// returns the files applied. On PostgreSQL `choice` must name the schema's owner, not the
/// product's role, which may not create tables.
pub async fn migrate(choice: &DatabaseChoice) -> Result<Vec<&'static str>, SqlError> {
    let db = SpinDb::open(choice).await?;
    migrations::migrate(&db, crate::now().as_str()).await
}
