//! Feedback and learning on the in-memory ports, after a whole job: foreign and unknown images are
//! refused without a write, standouts follow the rules, a re-rating replaces, learning is
//! idempotent under duplicate and late deliveries, and the sweep finds unlearned feedback.

mod common;

use bff_pipeline::api::feedback::FeedbackRequest;
use bff_pipeline::fakes::{MemoryQueue, MemoryStore};
use bff_pipeline::messages::{LearnFromFeedback, Message};
use bff_pipeline::ports::FeedbackStore;
use bff_pipeline::stages::{feedback, learn, StageOutcome};
use bff_pipeline::Timestamp;
use common::{body, key, Clock, Delivery, World};
use pollster::block_on;

const T0: i64 = 1_764_000_000_000;

fn rate(
    store: &MemoryStore,
    queue: &MemoryQueue,
    user: &str,
    json: &str,
    now: &Timestamp,
) -> Result<feedback::Submitted, bff_pipeline::api::ApiError> {
    let request = FeedbackRequest::from_json(json.as_bytes())?.validate()?;
    block_on(feedback::submit(store, queue, user, &request, now))
}

fn learn_all(world: &World, now: &Timestamp) -> Vec<StageOutcome> {
    let mut outcomes = Vec::new();
    while let Some(message) = world.queue.pop() {
        match message {
            Message::LearnFromFeedback(m) => {
                outcomes.push(block_on(learn::handle(&world.store, &m, now)).expect("learned"))
            }
            other => panic!("unexpected message {other:?}"),
        }
    }
    outcomes
}

#[test]
fn feedback_standouts_rerating_and_idempotent_learning() {
    let world = World::new();
    let mut clock = Clock::ticking(T0);
    world.submit("alice", "job-1", &body(6), &clock.now());
    world.drain(&mut clock, Delivery::Fifo);
    let mut images: Vec<_> = world.store.snapshot().images.into_values().collect();
    images.sort_by(|a, b| b.quality.total_cmp(&a.quality));
    let best = images[0].clone();
    let worst = images[images.len() - 1].clone();
    assert!(best.quality >= 0.75, "a design good enough to stand out");

    // Refused without a write: another user's image, an unknown one, a bad rating.
    let before = world.store.snapshot();
    let now = clock.now();
    let e = rate(
        &world.store,
        &world.queue,
        "bob",
        &format!(r#"{{"image_id": "{}", "rating": 5}}"#, best.image_id),
        &now,
    )
    .unwrap_err();
    assert_eq!(e.status, 404);
    let e = rate(
        &world.store,
        &world.queue,
        "alice",
        r#"{"image_id": "nope", "rating": 5}"#,
        &now,
    )
    .unwrap_err();
    assert_eq!(e.status, 404);
    let e = rate(
        &world.store,
        &world.queue,
        "alice",
        &format!(r#"{{"image_id": "{}", "rating": 9}}"#, best.image_id),
        &now,
    )
    .unwrap_err();
    assert_eq!(e.status, 422);
    assert_eq!(
        world.store.snapshot(),
        before,
        "refused feedback wrote nothing"
    );
    assert!(world.queue.pop().is_none());

    // A 5-star design of quality >= 0.75 is a standout; a 2-star one is not.
    let top = rate(
        &world.store,
        &world.queue,
        "alice",
        &format!(
            r#"{{"image_id": "{}", "rating": 5, "liked": true}}"#,
            best.image_id
        ),
        &clock.now(),
    )
    .unwrap();
    assert_eq!(top.view.revision, 1);
    assert!(top.learning_queued);
    let standout = top.view.standout.expect("standout");
    assert!(standout.confidence > 0.0 && standout.confidence <= 1.0);
    let low = rate(
        &world.store,
        &world.queue,
        "alice",
        &format!(
            r#"{{"image_id": "{}", "rating": 2, "liked": false}}"#,
            worst.image_id
        ),
        &clock.now(),
    )
    .unwrap();
    assert!(low.view.standout.is_none());

    // Learn, then deliver every learning message again: nothing changes.
    let now = clock.now();
    let outcomes = learn_all(&world, &now);
    assert_eq!(outcomes, vec![StageOutcome::Done { sent: 0 }; 2]);
    let learned = world.store.snapshot();
    assert!(learned
        .feedback
        .values()
        .all(|f| f.learned_revision == f.revision));
    for f in learned.feedback.values() {
        let m = LearnFromFeedback::new(&key("alice", "job-1"), &f.feedback_id, f.revision);
        assert_eq!(
            block_on(learn::handle(&world.store, &m, &now)).unwrap(),
            StageOutcome::AlreadyDone { resent: 0 }
        );
    }
    assert_eq!(
        world.store.snapshot(),
        learned,
        "a duplicate delivery changed the store"
    );

    // Values of the standout weigh more than 1, values only in the 2-star design less.
    let prefs = learned.user_preferences;
    let weight = |a: &bff_domain::AttributeValue| {
        prefs[&("alice".to_string(), a.category.clone(), a.value.clone())].weight
    };
    for a in best
        .requested
        .iter()
        .filter(|a| !worst.requested.contains(a))
    {
        assert!(weight(a) > 1.0, "{a:?} of the standout: {}", weight(a));
    }
    for a in worst
        .requested
        .iter()
        .filter(|a| !best.requested.contains(a))
    {
        assert!(weight(a) < 1.0, "{a:?} of the 2-star design: {}", weight(a));
    }

    // A re-rating replaces: same row, revision 2, the standout gone; a late revision-1 message
    // changes nothing; learning the new revision moves the weights back.
    let re = rate(
        &world.store,
        &world.queue,
        "alice",
        &format!(r#"{{"image_id": "{}", "rating": 1}}"#, best.image_id),
        &clock.now(),
    )
    .unwrap();
    assert_eq!(re.view.revision, 2);
    assert!(re.view.standout.is_none());
    let snapshot = world.store.snapshot();
    assert_eq!(snapshot.feedback.len(), 2);
    assert!(!snapshot.outliers.contains_key(&re.view.feedback_id));
    let pending = block_on(
        world
            .store
            .unlearned_feedback(&Timestamp::from_unix_ms(T0 + 86_400_000), 10),
    )
    .unwrap();
    assert_eq!(pending.len(), 1, "the sweep finds the unlearned revision");
    assert_eq!(pending[0].revision, 2);
    learn_all(&world, &clock.now());
    let after = world.store.snapshot();
    let updates_r2 = after
        .learning_updates
        .keys()
        .filter(|(id, revision, _, _)| *id == re.view.feedback_id && *revision == 2)
        .count();
    assert_eq!(updates_r2, best.requested.len());
    for a in best
        .requested
        .iter()
        .filter(|a| !worst.requested.contains(a))
    {
        let w = after.user_preferences[&("alice".to_string(), a.category.clone(), a.value.clone())]
            .weight;
        assert!(w < 1.0, "{a:?} after the re-rating to 1 star: {w}");
    }
    // Bob has learned nothing.
    assert!(after
        .user_preferences
        .keys()
        .all(|(user, _, _)| user == "alice"));
}
