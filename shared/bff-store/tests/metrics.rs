//! The operator's metrics on a real SQLite (rusqlite) and a real PostgreSQL server (as the
//! product's role, under the system scope): figures across users, read from the stored jobs.

mod common;
mod conformance;

use bff_pipeline::Timestamp;
use bff_store::{Connection, SqlStore};
use common::block_on;

fn figures<C: Connection>(store: &SqlStore<C>) {
    block_on(conformance::run_job(store, "ada", "job-1", 2));
    block_on(conformance::run_job(store, "bob", "job-2", 2));
    let m = block_on(store.metrics(&Timestamp::from_unix_ms(conformance::T0 - 1))).unwrap();
    assert_eq!(m.jobs.get("complete"), Some(&2), "{m:?}");
    assert_eq!(m.providers.len(), 1, "{m:?}");
    let sketch = &m.providers[0];
    assert_eq!(
        (
            sketch.provider.as_str(),
            sketch.variants,
            sketch.failed,
            sketch.success_rate
        ),
        ("sketch", 12, 0, 1.0)
    );
    assert_eq!(m.diversity.jobs, 2);
    assert!(
        m.diversity.mean.is_some_and(|d| d > 0.0 && d <= 2.0),
        "{m:?}"
    );
    assert_eq!(m.coverage.jobs, 2);
    assert!(
        m.coverage.mean.is_some_and(|c| (0.0..=1.0).contains(&c)),
        "{m:?}"
    );
    assert_eq!((m.feedback, m.standouts, m.standout_rate), (0, 0, 0.0));
    // A window after the jobs holds nothing.
    let later =
        block_on(store.metrics(&Timestamp::from_unix_ms(conformance::T0 + 86_400_000))).unwrap();
    assert!(
        later.jobs.is_empty() && later.providers.is_empty(),
        "{later:?}"
    );
    assert_eq!((later.diversity.jobs, later.diversity.mean), (0, None));
}

#[test]
fn metrics_on_sqlite() {
    figures(&SqlStore::new(common::migrated_sqlite()));
}

#[test]
fn metrics_on_postgres() {
    let (_server, app) = common::migrated_postgres();
    figures(&SqlStore::new(app));
}
