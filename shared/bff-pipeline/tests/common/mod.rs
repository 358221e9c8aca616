//! The test world: every port in memory, the offline provider and embedder, and a driver that
//! delivers queue messages the way a queue does (at least once, retried, dead-lettered), in order
//! or shuffled with duplicates.

#![allow(dead_code)]

use std::collections::BTreeMap;

use bff_pipeline::api::GenerationRequest;
use bff_pipeline::fakes::{MemoryBlobs, MemoryQueue, MemoryStore, Tables};
use bff_pipeline::messages::Message;
use bff_pipeline::offline::{DescriptorEmbedder, SketchProvider};
use bff_pipeline::ports::{ImageEmbedder, ImageProvider, Provider};
use bff_pipeline::stages::prompt::{submit, Submitted};
use bff_pipeline::stages::{Ports, StageOutcome};
use bff_pipeline::{JobKey, Timestamp};
use pollster::block_on;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Attempts before a message is given up (as `max_retries = 3` in the queue configuration).
pub const MAX_ATTEMPTS: u32 = 3;

pub const BRIEF: &str = "relaxed linen midi dress in earthy tones, no florals";

/// Milliseconds since the epoch, advanced by `step` per reading (0: a fixed instant).
pub struct Clock {
    ms: i64,
    step: i64,
}

impl Clock {
    pub fn ticking(start_ms: i64) -> Self {
        Self {
            ms: start_ms,
            step: 1000,
        }
    }

    pub fn fixed(ms: i64) -> Self {
        Self { ms, step: 0 }
    }

    pub fn now(&mut self) -> Timestamp {
        let t = Timestamp::from_unix_ms(self.ms);
        self.ms += self.step;
        t
    }
}

/// How messages are delivered.
pub enum Delivery {
    /// Oldest first, each once.
    Fifo,
    /// A random pending message each time; with probability `duplicate`, a copy of it is put
    /// back to be delivered again later.
    Chaos { seed: u64, duplicate: f64 },
}

/// What a drain did.
#[derive(Debug, Default)]
pub struct Log {
    pub deliveries: usize,
    pub outcomes: BTreeMap<String, usize>,
    pub retries: usize,
    pub given_up: usize,
}

pub struct World<P = SketchProvider, E = DescriptorEmbedder> {
    pub store: MemoryStore,
    pub blobs: MemoryBlobs,
    pub queue: MemoryQueue,
    pub provider: P,
    pub embedder: E,
}

impl World<SketchProvider> {
    pub fn new() -> Self {
        Self::with_provider(SketchProvider)
    }
}

impl<P: ImageProvider> World<P> {
    pub fn with_provider(provider: P) -> Self {
        World::with_parts(provider, DescriptorEmbedder)
    }
}

impl<P: ImageProvider, E: ImageEmbedder> World<P, E> {
    pub fn with_parts(provider: P, embedder: E) -> Self {
        Self {
            store: MemoryStore::new(),
            blobs: MemoryBlobs::new(),
            queue: MemoryQueue::new(),
            provider,
            embedder,
        }
    }

    pub fn ports(&self) -> Ports<'_, MemoryStore, MemoryBlobs, MemoryQueue, P, E> {
        Ports {
            store: &self.store,
            blobs: &self.blobs,
            dispatch: &self.queue,
            provider: &self.provider,
            embedder: &self.embedder,
        }
    }

    /// `POST /api/generation` as the gateway would run it.
    pub fn submit(&self, user: &str, job: &str, body: &str, now: &Timestamp) -> Submitted {
        self.submit_on(&[Provider::Sketch], user, job, body, now)
    }

    /// [`World::submit`] on a deployment with the `configured` providers.
    pub fn submit_on(
        &self,
        configured: &[Provider],
        user: &str,
        job: &str,
        body: &str,
        now: &Timestamp,
    ) -> Submitted {
        let request = GenerationRequest::from_json(body.as_bytes())
            .and_then(|r| r.validate_with(configured))
            .expect("valid request");
        block_on(submit(&self.store, &self.queue, user, &request, job, now)).expect("submitted")
    }

    /// Delivers pending messages until none is left.
    pub fn drain(&self, clock: &mut Clock, delivery: Delivery) -> Log {
        self.drain_with(clock, delivery, |_, _| {})
    }

    /// [`World::drain`], calling `before` ahead of each delivery.
    pub fn drain_with(
        &self,
        clock: &mut Clock,
        delivery: Delivery,
        mut before: impl FnMut(&Message, &Self),
    ) -> Log {
        let (mut rng, duplicate) = match delivery {
            Delivery::Fifo => (None, 0.0),
            Delivery::Chaos { seed, duplicate } => {
                (Some(Xoshiro256PlusPlus::seed_from_u64(seed)), duplicate)
            }
        };
        let mut attempts: BTreeMap<String, u32> = BTreeMap::new();
        let mut log = Log::default();
        let ports = self.ports();
        loop {
            assert!(log.deliveries < 20_000, "the chain does not settle");
            let message = match rng.as_mut() {
                None => self.queue.pop(),
                Some(rng) => {
                    let mut pending = self.queue.take_all();
                    if pending.is_empty() {
                        None
                    } else {
                        let picked = pending.remove(rng.random_range(0..pending.len()));
                        if rng.random::<f64>() < duplicate {
                            pending.push(picked.clone());
                        }
                        pending.into_iter().for_each(|m| self.queue.push(m));
                        Some(picked)
                    }
                }
            };
            let Some(message) = message else { break };
            before(&message, self);
            log.deliveries += 1;
            let now = clock.now();
            match block_on(ports.handle(&message, &now)) {
                Ok(outcome) => *log.outcomes.entry(outcome_name(&outcome)).or_default() += 1,
                Err(e) if e.is_retryable() => {
                    let id = format!("{}:{}", message.queue(), message.encode());
                    let n = attempts.entry(id.clone()).or_default();
                    *n += 1;
                    if *n < MAX_ATTEMPTS {
                        log.retries += 1;
                        self.queue.push(message);
                    } else {
                        log.given_up += 1;
                        // A rerouted variant's message is sent again as a new message.
                        attempts.remove(&id);
                        block_on(ports.give_up(&message, &e.to_string(), &now)).expect("give up");
                    }
                }
                Err(e) => {
                    log.given_up += 1;
                    block_on(ports.give_up(&message, &e.to_string(), &now)).expect("give up");
                }
            }
        }
        log
    }

    /// Every table and blob.
    pub fn snapshot(&self) -> (Tables, BTreeMap<String, (Vec<u8>, String)>) {
        (self.store.snapshot(), self.blobs.snapshot())
    }
}

fn outcome_name(outcome: &StageOutcome) -> String {
    match outcome {
        StageOutcome::Done { .. } => "done",
        StageOutcome::AlreadyDone { .. } => "already_done",
        StageOutcome::Skipped { .. } => "skipped",
        StageOutcome::VariantFailed { .. } => "variant_failed",
        StageOutcome::JobFinished { .. } => "job_finished",
        StageOutcome::Rerouted { .. } => "rerouted",
        StageOutcome::JobGone => "job_gone",
    }
    .to_string()
}

pub fn key(user: &str, job: &str) -> JobKey {
    JobKey::new(user, job)
}

/// A request body for [`BRIEF`] with `designs` designs.
pub fn body(designs: u32) -> String {
    format!(r#"{{"brief": "{BRIEF}", "designs": {designs}}}"#)
}
