//! What learning changed for a piece of feedback, on a real SQLite (rusqlite) and a real
//! PostgreSQL server (as the product's role): the weights its current revision moved, for its
//! user only.

mod common;
mod conformance;

use bff_pipeline::ports::FeedbackStore;
use bff_store::{Connection, SqlStore};
use common::block_on;

fn changes<C: Connection>(store: &SqlStore<C>) {
    let summary = block_on(conformance::job_and_feedback_ports(store));
    let listed = block_on(store.list_feedback("alice", None, 10)).unwrap();
    let feedback = &listed[0].0;
    let moved = block_on(store.learning_changes("alice", &feedback.feedback_id, feedback.revision))
        .unwrap();
    assert!(!moved.is_empty(), "learning moved no weight");
    assert!(
        moved
            .iter()
            .all(|c| c.weight_after > 0.0 && c.weight_before > 0.0),
        "{moved:?}"
    );
    // Largest move first.
    let size = |c: &bff_store::operations::WeightChange| (c.weight_after - c.weight_before).abs();
    assert!(
        moved.windows(2).all(|w| size(&w[0]) >= size(&w[1])),
        "{moved:?}"
    );
    // Each change is of a value the user now has a preference for.
    assert!(moved.len() <= summary.preferences, "{moved:?}");
    // Not another revision's, not another user's.
    assert!(
        block_on(store.learning_changes("alice", &feedback.feedback_id, 99))
            .unwrap()
            .is_empty()
    );
    assert!(
        block_on(store.learning_changes("bob", &feedback.feedback_id, feedback.revision))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn learning_changes_on_sqlite() {
    changes(&SqlStore::new(common::migrated_sqlite()));
}

#[test]
fn learning_changes_on_postgres() {
    let (_server, app) = common::migrated_postgres();
    changes(&SqlStore::new(app));
}
