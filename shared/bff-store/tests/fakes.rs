//! The conformance suite on the in-memory fakes: the reference the SQL stores are compared with.

mod conformance;

use bff_pipeline::fakes::MemoryStore;

#[test]
fn the_fakes_pass_the_job_and_feedback_suite() {
    let store = MemoryStore::new();
    let summary = pollster::block_on(conformance::job_and_feedback_ports(&store));
    assert_eq!(summary.picks.len(), 6);
}

#[test]
fn the_fakes_move_a_variant_between_providers() {
    pollster::block_on(conformance::reroute_port(&MemoryStore::new()));
}

#[test]
fn the_fakes_hold_the_daily_budget_at_the_insert() {
    pollster::block_on(conformance::budget_port(&MemoryStore::new()));
}
