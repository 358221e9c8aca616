//! Lost messages, dead letters and stuck jobs: the paths a Worker takes when delivery goes wrong.

mod common;

use bff_pipeline::messages::{
    ClusterJob, EmbedImage, GenerateImage, MeasureCoverage, Message, QueueMessage, SelectDesigns,
};
use bff_pipeline::ports::{JobStatus, JobStore, Provider};
use bff_pipeline::stages::{self, StageError, StageOutcome};
use bff_pipeline::Timestamp;
use common::{key, Clock, Delivery, World};
use pollster::block_on;

const START_MS: i64 = 1_756_695_600_000;
const SMALL: &str = r#"{"brief": "black midi dress", "designs": 2}"#;

fn status(world: &World, job: &str) -> JobStatus {
    world.store.snapshot().jobs[job].status
}

/// Delivers messages until the next one is of the kind `stop` recognises, which is removed and
/// returned (as if the queue lost it).
fn run_until(world: &World, clock: &mut Clock, stop: impl Fn(&Message) -> bool) -> Message {
    loop {
        let message = world.queue.pop().expect("the message comes");
        if stop(&message) {
            return message;
        }
        block_on(world.ports().handle(&message, &clock.now())).expect("handled");
    }
}

#[test]
fn the_fan_in_sends_one_cluster_message() {
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    world.submit("u1", "j1", SMALL, &clock.now());
    world.drain(&mut clock, Delivery::Fifo);
    let clusters = world
        .queue
        .sent()
        .iter()
        .filter(|m| matches!(m, Message::ClusterJob(_)))
        .count();
    assert_eq!(clusters, 1);
}

#[test]
fn a_redelivered_embed_message_resends_a_lost_cluster_message() {
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    world.submit("u1", "j1", SMALL, &clock.now());
    // Everything up to the fan-in; then the ClusterJob is lost.
    let lost = run_until(&world, &mut clock, |m| matches!(m, Message::ClusterJob(_)));
    assert_eq!(lost, ClusterJob::new(&key("u1", "j1")).into());
    assert_eq!(status(&world, "j1"), JobStatus::Clustering);
    assert!(world.queue.is_empty());

    // The last embed message is delivered again (its first delivery "crashed" after the fan-in).
    let again: Message = EmbedImage::new(&key("u1", "j1"), "j1-005").into();
    let outcome = block_on(world.ports().handle(&again, &clock.now())).unwrap();
    assert_eq!(outcome, StageOutcome::AlreadyDone { resent: 1 });
    assert_eq!(world.queue.pop(), Some(lost));
}

#[test]
fn each_job_stage_resends_its_successor_once_past_it() {
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    let k = key("u1", "j1");
    world.submit("u1", "j1", SMALL, &clock.now());
    run_until(&world, &mut clock, |m| {
        matches!(m, Message::SelectDesigns(_))
    });
    assert_eq!(status(&world, "j1"), JobStatus::Selecting);
    // A duplicate ClusterJob re-sends the lost SelectDesigns without clustering again.
    let before = world.store.snapshot().cluster_results;
    let outcome = block_on(
        world
            .ports()
            .handle(&ClusterJob::new(&k).into(), &clock.now()),
    )
    .unwrap();
    assert_eq!(outcome, StageOutcome::AlreadyDone { resent: 1 });
    assert_eq!(world.store.snapshot().cluster_results, before);

    run_until(&world, &mut clock, |m| {
        matches!(m, Message::MeasureCoverage(_))
    });
    let outcome = block_on(
        world
            .ports()
            .handle(&SelectDesigns::new(&k).into(), &clock.now()),
    )
    .unwrap();
    assert_eq!(outcome, StageOutcome::AlreadyDone { resent: 1 });
    world.drain(&mut clock, Delivery::Fifo);
    assert_eq!(status(&world, "j1"), JobStatus::Complete);

    // Once the job is complete, nothing is re-sent by anyone.
    for m in [
        ClusterJob::new(&k).into(),
        SelectDesigns::new(&k).into(),
        MeasureCoverage::new(&k).into(),
        GenerateImage::new(&k, 0, Provider::Sketch).into(),
        EmbedImage::new(&k, "j1-000").into(),
    ] {
        let outcome = block_on(world.ports().handle(&m, &clock.now())).unwrap();
        assert!(
            matches!(outcome, StageOutcome::Skipped { .. }),
            "{m:?}: {outcome:?}"
        );
    }
    assert!(world.queue.is_empty());
}

#[test]
fn resume_restarts_a_job_whose_messages_were_lost() {
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    let k = key("u1", "j1");
    world.submit("u1", "j1", SMALL, &clock.now());
    // Two variants generated, then every pending message lost.
    for _ in 0..2 {
        let m = world.queue.pop().unwrap();
        block_on(world.ports().handle(&m, &clock.now())).unwrap();
    }
    world.queue.take_all();

    let sent = block_on(stages::resume(&world.store, &world.queue, &k, &clock.now())).unwrap();
    let pending = world.queue.take_all();
    assert_eq!(sent, pending.len());
    let generate = pending
        .iter()
        .filter(|m| matches!(m, Message::GenerateImage(_)))
        .count();
    let embed = pending
        .iter()
        .filter(|m| matches!(m, Message::EmbedImage(_)))
        .count();
    assert_eq!(
        (generate, embed),
        (4, 2),
        "planned variants regenerate, generated ones embed"
    );
    pending.into_iter().for_each(|m| world.queue.push(m));
    world.drain(&mut clock, Delivery::Fifo);
    assert_eq!(status(&world, "j1"), JobStatus::Complete);
    assert_eq!(
        block_on(stages::resume(&world.store, &world.queue, &k, &clock.now())).unwrap(),
        0,
        "a finished job needs nothing"
    );
}

#[test]
fn dead_letters_fail_the_variant_or_the_job() {
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    let k = key("u1", "j1");
    world.submit("u1", "j1", SMALL, &clock.now());
    let first = world.queue.pop().unwrap();

    // A generate message that ran out of attempts fails its variant; giving up twice is harmless.
    let give_up = || {
        block_on(stages::give_up(
            &world.store,
            &world.queue,
            &first,
            "provider timed out",
            &Timestamp::from_unix_ms(START_MS),
        ))
        .unwrap()
    };
    assert!(matches!(
        give_up(),
        StageOutcome::VariantFailed {
            variant: 0,
            sent: 0,
            ..
        }
    ));
    assert_eq!(give_up(), StageOutcome::AlreadyDone { resent: 0 });
    world.drain(&mut clock, Delivery::Fifo);
    assert_eq!(status(&world, "j1"), JobStatus::Partial);

    // A job-level message given up fails a job still at that stage, and nothing finished.
    world.submit("u1", "j2", SMALL, &clock.now());
    let k2 = key("u1", "j2");
    run_until(&world, &mut clock, |m| matches!(m, Message::ClusterJob(_)));
    let m: Message = ClusterJob::new(&k2).into();
    let outcome = block_on(stages::give_up(
        &world.store,
        &world.queue,
        &m,
        "k-means failed",
        &clock.now(),
    ))
    .unwrap();
    assert_eq!(
        outcome,
        StageOutcome::JobFinished {
            status: JobStatus::Failed
        }
    );
    let job = block_on(world.store.job(&k2)).unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert!(job.error.unwrap().contains("k-means failed"));
    let m: Message = MeasureCoverage::new(&k).into();
    let outcome = block_on(stages::give_up(
        &world.store,
        &world.queue,
        &m,
        "late",
        &clock.now(),
    ))
    .unwrap();
    assert!(matches!(outcome, StageOutcome::Skipped { .. }));
    assert_eq!(status(&world, "j1"), JobStatus::Partial);
}

#[test]
fn unreadable_messages_are_permanent_errors() {
    let e: StageError = ClusterJob::decode(r#"{"v":2,"job_id":"j","user_id":"u"}"#)
        .unwrap_err()
        .into();
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("version 2"), "{e}");
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["kind"], "permanent");
    assert_eq!(json["error"]["reason"], "bad_message");
    assert_eq!(json["error"]["kind"], "unsupported_version");
}

#[test]
fn messages_of_a_job_that_no_longer_exists_end_without_effect() {
    // The job was deleted by its user (or never existed): each stage finds nothing, and giving
    // up records nothing and sends nothing.
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    let gone = key("u1", "deleted-job");
    let messages: Vec<Message> = vec![
        GenerateImage::new(&gone, 0, Provider::Sketch).into(),
        EmbedImage::new(&gone, "deleted-job-000").into(),
        ClusterJob::new(&gone).into(),
        SelectDesigns::new(&gone).into(),
        MeasureCoverage::new(&gone).into(),
    ];
    for message in &messages {
        let handled = block_on(world.ports().handle(message, &clock.now()));
        if let Err(error) = &handled {
            assert!(!error.is_retryable(), "{}: {error}", message.queue());
        }
        let given_up = block_on(stages::give_up(
            &world.store,
            &world.queue,
            message,
            "retries exhausted",
            &clock.now(),
        ))
        .unwrap();
        assert_eq!(given_up, StageOutcome::JobGone, "{}", message.queue());
    }
    assert!(world.queue.sent().is_empty(), "nothing sent");
    let t = world.store.snapshot();
    assert!(t.jobs.is_empty() && t.variants.is_empty() && t.images.is_empty());
}
