//! The whole chain on in-memory ports: submit a job, drain the queues, check every stage's rows;
//! then the same under shuffled and duplicated delivery, failing providers and a second job.

mod common;

use std::collections::BTreeSet;

use bff_pipeline::api::{image_url, Stage};
use bff_pipeline::fakes::ScriptedProvider;
use bff_pipeline::ids::image_blob_key;
use bff_pipeline::messages::{GenerateImage, Message, QueueMessage};
use bff_pipeline::offline::SketchProvider;
use bff_pipeline::ports::{JobStatus, Provider, ProviderError, VariantStatus};
use bff_pipeline::stages::StageOutcome;
use bff_pipeline::{queries, EMBEDDING_DIM};
use common::{body, key, Clock, Delivery, World};
use pollster::block_on;

const START_MS: i64 = 1_756_695_600_000;

#[test]
fn a_job_runs_through_every_stage() {
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    let submitted = world.submit("u1", "j1", &body(6), &clock.now());
    assert!(submitted.created);
    assert_eq!(submitted.designs, 6);
    assert_eq!(submitted.variants, 18, "over-generation 3 × 6 designs");
    assert_eq!(submitted.sent, 18, "one GenerateImage per variant");

    let log = world.drain(&mut clock, Delivery::Fifo);
    assert_eq!((log.retries, log.given_up), (0, 0));
    // 18 generate + 18 embed + cluster + select + coverage.
    assert_eq!(log.deliveries, 39);
    assert_eq!(world.queue.sent().len(), 39);

    let t = world.store.snapshot();
    let job = &t.jobs["j1"];
    assert_eq!(job.status, JobStatus::Complete);
    assert!(job.error.is_none());

    // Generate: one image per variant, bytes in the blob store under the documented key.
    assert_eq!(t.variants.len(), 18);
    assert!(t
        .variants
        .values()
        .all(|v| v.status == VariantStatus::Embedded));
    assert_eq!(t.images.len(), 18);
    let blobs = world.blobs.snapshot();
    for image in t.images.values() {
        assert_eq!(image.blob_key, image_blob_key("u1", "j1", &image.image_id));
        let (png, content_type) = &blobs[&image.blob_key];
        assert!(png.starts_with(b"\x89PNG"));
        assert_eq!(content_type, "image/png");
        assert_eq!(image.bytes, png.len() as u64);
        assert_eq!(image.model, bff_render::RENDERER);
        assert!(!image.prompt.is_empty());
        assert!(!image.drawn.is_empty());
        assert!((0.0..=1.0).contains(&image.quality));
    }
    assert!(
        t.images.values().any(|i| i.quality > 0.5),
        "the renderer draws most renderable values"
    );
    // Stand-ins count half, and a print drawn as the florals the brief excludes halves the
    // score: qualities differ and straddle the standout mark.
    let qualities: BTreeSet<u64> = t.images.values().map(|i| i.quality.to_bits()).collect();
    assert!(qualities.len() >= 3, "{qualities:?}");
    assert!(t.images.values().any(|i| i.quality < 0.75));
    assert!(t.images.values().any(|i| i.quality >= 0.75));
    for image in t.images.values() {
        if image
            .drawn
            .iter()
            .any(|a| a.value == "botanical" || a.value == "toile")
        {
            assert!(image.quality < 0.5, "shows florals: {image:?}");
        }
    }

    // Embed: 512-d, unit length.
    assert_eq!(t.embeddings.len(), 18);
    for e in t.embeddings.values() {
        assert_eq!(e.vector.len(), EMBEDDING_DIM);
        let norm: f64 = e
            .vector
            .iter()
            .map(|v| f64::from(*v).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
        assert_eq!(
            e.embedder,
            format!("{}@{EMBEDDING_DIM}", bff_embed::EMBEDDER)
        );
    }

    // Cluster: K in 3..8 chosen by silhouette, a profile per cluster, every image assigned.
    let clusters = &t.cluster_results["j1"];
    assert!((3..=8).contains(&clusters.k), "K = {}", clusters.k);
    let silhouette = clusters.silhouette.expect("a silhouette");
    assert!((-1.0..=1.0).contains(&silhouette));
    assert_eq!(clusters.candidates.len(), 6, "K = 3..=8 tried");
    assert_eq!(t.style_profiles.len(), clusters.k as usize);
    for p in t.style_profiles.values() {
        assert!(!p.name.is_empty() && p.size > 0, "{p:?}");
        assert_eq!(p.centroid.len(), EMBEDDING_DIM);
        assert!(!p.dominant.is_empty());
    }
    let names: BTreeSet<&str> = t.style_profiles.values().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names.len(),
        t.style_profiles.len(),
        "names are distinct: {names:?}"
    );
    assert!(
        names.iter().all(|n| *n != "dress" && !n.ends_with(')')),
        "every cluster is named by what sets it apart, not by the garment all share: {names:?}"
    );
    assert_eq!(t.cluster_assignments.len(), 18);

    // Select: exactly `designs` distinct picks, ranked.
    let picks: Vec<_> = t.picks.values().collect();
    assert_eq!(picks.len(), 6);
    let distinct: BTreeSet<&str> = picks.iter().map(|p| p.image_id.as_str()).collect();
    assert_eq!(distinct.len(), 6);
    assert_eq!(
        picks.iter().map(|p| p.rank).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    let selection = &t.selections["j1"];
    assert_eq!(
        (selection.target, selection.picked, selection.candidates),
        (6, 6, 18)
    );
    assert!(selection.mean_pairwise_cosine_distance > 0.0);
    let represented: BTreeSet<u32> = picks.iter().map(|p| p.cluster).collect();
    assert!(represented.len() >= 3, "cluster-aware: {represented:?}");

    // Coverage: a report, ranked gaps, and the user's boosts from them.
    let report = &t.coverage_reports["j1"];
    assert_eq!(report.set_size, 6);
    assert_eq!(report.image_count, 6);
    assert!((0.0..=1.0).contains(&report.overall_score));
    let requested: Vec<_> = report
        .report
        .per_value
        .iter()
        .filter(|v| v.requested)
        .collect();
    assert!(
        requested
            .iter()
            .any(|v| v.category == "length" && v.value == "midi"),
        "the brief's renderable values are targeted"
    );
    assert!(
        !report
            .report
            .per_value
            .iter()
            .any(|v| v.category == "fabric"),
        "linen cannot be seen in a sketch: not targeted"
    );
    let gaps: Vec<_> = t.attribute_gaps.values().collect();
    assert!(!gaps.is_empty());
    assert_eq!(
        gaps.iter().map(|g| g.rank).collect::<Vec<_>>(),
        (1..=gaps.len() as u32).collect::<Vec<_>>()
    );
    let boosts: Vec<_> = t.user_boosts.values().collect();
    assert_eq!(boosts.len(), gaps.len());
    for (b, g) in boosts.iter().zip({
        let mut g = gaps.clone();
        g.sort_by(|a, b| (&a.category, &a.value).cmp(&(&b.category, &b.value)));
        g
    }) {
        assert_eq!(
            (b.user_id.as_str(), &b.category, &b.value),
            ("u1", &g.category, &g.value)
        );
        assert_eq!(b.boost, g.boost);
        assert!((0.15..=0.25).contains(&b.boost));
        assert_eq!(b.source_job_id, "j1");
    }

    // The read side.
    let status = block_on(queries::job_status(&world.store, &key("u1", "j1"))).unwrap();
    assert_eq!(status.status, JobStatus::Complete);
    assert_eq!(status.selected.len(), 6);
    assert_eq!(
        status.selected[0].image_url,
        image_url("j1", &status.selected[0].image_id)
    );
    assert!(status
        .selected
        .iter()
        .all(|d| d.style.is_some() && d.prompt.is_some()));
    let generate = status
        .progress
        .iter()
        .find(|p| p.stage == Stage::Generate)
        .unwrap();
    assert_eq!(
        (generate.done, generate.failed, generate.total),
        (18, 0, 18)
    );
    assert!(
        status.progress.iter().all(|p| p.done == p.total),
        "{:?}",
        status.progress
    );
    let clusters = block_on(queries::clusters(&world.store, &key("u1", "j1"))).unwrap();
    assert_eq!(
        clusters
            .clusters
            .iter()
            .map(|c| c.image_ids.len())
            .sum::<usize>(),
        18
    );
    let diversity = block_on(queries::diversity(&world.store, &key("u1", "j1"))).unwrap();
    assert_eq!(diversity.picks.len(), 6);
    let coverage = block_on(queries::coverage(&world.store, &key("u1", "j1"))).unwrap();
    assert_eq!(coverage.gaps.len(), gaps.len());
    let png = block_on(queries::image_png(
        &world.store,
        &world.blobs,
        &key("u1", "j1"),
        &status.selected[0].image_id,
    ))
    .unwrap();
    assert!(png.starts_with(b"\x89PNG"));
}

#[test]
fn boosts_shape_the_same_users_next_job_only() {
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    world.submit("u1", "j1", &body(6), &clock.now());
    world.drain(&mut clock, Delivery::Fifo);
    let boosted: BTreeSet<(String, String)> = world
        .store
        .snapshot()
        .user_boosts
        .values()
        .map(|b| (b.category.clone(), b.value.clone()))
        .collect();
    assert!(!boosted.is_empty());

    world.submit("u1", "j2", &body(6), &clock.now());
    world.submit("u2", "j3", &body(6), &clock.now());
    let t = world.store.snapshot();

    let j2 = &t.jobs["j2"];
    assert!(
        !j2.personalisation.boosts.is_empty(),
        "u1's boosts reach u1's plan"
    );
    let j2_boosts: Vec<_> = t
        .variants
        .values()
        .filter(|v| v.job_id == "j2")
        .flat_map(|v| v.boosts_applied.clone())
        .collect();
    assert!(!j2_boosts.is_empty(), "some variant of j2 records a boost");
    for b in &j2_boosts {
        assert!(boosted.contains(&(b.category.clone(), b.value.clone())));
        assert!((0.15..=0.25).contains(&b.weight));
    }

    let j3 = &t.jobs["j3"];
    assert!(j3.personalisation.boosts.is_empty(), "u2 has no boosts");
    assert!(t
        .variants
        .values()
        .filter(|v| v.job_id == "j3")
        .all(|v| v.boosts_applied.is_empty() && v.attributes.iter().all(|a| a.boost.is_none())));

    // The same brief with and without boosts plans differently.
    let plan = |job: &str| -> Vec<Vec<String>> {
        t.variants
            .values()
            .filter(|v| v.job_id == job)
            .map(|v| {
                v.attributes
                    .iter()
                    .map(|a| format!("{}/{}", a.category, a.value))
                    .collect()
            })
            .collect()
    };
    assert_ne!(plan("j2"), plan("j3"));

    world.drain(&mut clock, Delivery::Fifo);
    let t = world.store.snapshot();
    assert_eq!(t.jobs["j2"].status, JobStatus::Complete);
    assert_eq!(t.jobs["j3"].status, JobStatus::Complete);
    assert!(t
        .user_boosts
        .values()
        .any(|b| b.user_id == "u2" && b.source_job_id == "j3"));
    assert!(t
        .user_boosts
        .values()
        .filter(|b| b.user_id == "u1")
        .all(|b| b.source_job_id != "j3"));
}

#[test]
fn shuffled_and_duplicated_delivery_gives_the_same_rows() {
    let reference = World::new();
    let mut clock = Clock::fixed(START_MS);
    reference.submit("u1", "j1", &body(6), &clock.now());
    let fifo = reference.drain(&mut clock, Delivery::Fifo);

    for seed in [1, 2] {
        let world = World::new();
        let mut clock = Clock::fixed(START_MS);
        world.submit("u1", "j1", &body(6), &clock.now());
        let chaos = world.drain(
            &mut clock,
            Delivery::Chaos {
                seed,
                duplicate: 0.4,
            },
        );
        assert!(
            chaos.deliveries > fifo.deliveries + 10,
            "duplicates were delivered: {chaos:?}"
        );
        assert!(
            chaos.outcomes.get("already_done").copied().unwrap_or(0) > 0,
            "{chaos:?}"
        );
        assert!(
            world.snapshot() == reference.snapshot(),
            "seed {seed}: rows differ"
        );
    }
}

#[test]
fn replaying_every_message_after_completion_changes_nothing() {
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    world.submit("u1", "j1", &body(6), &clock.now());
    world.drain(&mut clock, Delivery::Fifo);
    let before = world.snapshot();
    let sent = world.queue.sent();

    // Every message again, later and in another order.
    for m in sent.iter().rev() {
        world.queue.push(m.clone());
    }
    let log = world.drain(
        &mut clock,
        Delivery::Chaos {
            seed: 9,
            duplicate: 0.3,
        },
    );
    assert_eq!(
        log.outcomes.keys().collect::<Vec<_>>(),
        ["skipped"],
        "{log:?}"
    );
    assert_eq!(world.queue.sent().len(), sent.len(), "nothing new was sent");
    assert!(world.snapshot() == before, "a replay changed rows");
}

#[test]
fn failing_variants_make_a_partial_job_not_a_stuck_one() {
    // Variant 1's provider is down on every attempt; variant 2's request is refused.
    let provider = ScriptedProvider::new(SketchProvider)
        .fail(
            "j1-001",
            ProviderError::Unavailable {
                message: "503 from provider".into(),
                retry_after_ms: None,
            },
        )
        .fail(
            "j1-002",
            ProviderError::Rejected {
                message: "content policy".into(),
            },
        );
    let world = World::with_provider(provider);
    let mut clock = Clock::ticking(START_MS);
    world.submit("u1", "j1", &body(6), &clock.now());
    let log = world.drain(&mut clock, Delivery::Fifo);
    assert_eq!(log.retries, 2, "retried until the last attempt");
    assert_eq!(log.given_up, 1);
    assert_eq!(world.provider.calls()["j1-001"], 3);
    assert_eq!(
        world.provider.calls()["j1-002"],
        1,
        "a refusal is not retried"
    );

    let t = world.store.snapshot();
    assert_eq!(t.jobs["j1"].status, JobStatus::Partial);
    let failed: Vec<_> = t
        .variants
        .values()
        .filter(|v| v.status == VariantStatus::Failed)
        .map(|v| (v.variant, v.error.clone().unwrap_or_default()))
        .collect();
    assert_eq!(failed.len(), 2);
    assert!(failed[0].1.contains("503"), "{failed:?}");
    assert!(failed[1].1.contains("content policy"), "{failed:?}");
    assert_eq!(t.images.len(), 16);
    assert_eq!(t.cluster_assignments.len(), 16);
    assert_eq!(
        t.picks.len(),
        6,
        "the designs come from the images that exist"
    );

    let status = block_on(queries::job_status(&world.store, &key("u1", "j1"))).unwrap();
    let generate = status
        .progress
        .iter()
        .find(|p| p.stage == Stage::Generate)
        .unwrap();
    assert_eq!(
        (generate.done, generate.failed, generate.total),
        (16, 2, 18)
    );
}

#[test]
fn a_job_without_any_image_fails() {
    let mut provider = ScriptedProvider::new(SketchProvider);
    for v in 0..6 {
        provider = provider.fail(
            format!("j1-{v:03}"),
            ProviderError::Rejected {
                message: "refused".into(),
            },
        );
    }
    let world = World::with_provider(provider);
    let mut clock = Clock::ticking(START_MS);
    world.submit(
        "u1",
        "j1",
        r#"{"brief": "black midi dress", "designs": 2}"#,
        &clock.now(),
    );
    world.drain(&mut clock, Delivery::Fifo);
    let job = &world.store.snapshot().jobs["j1"];
    assert_eq!(job.status, JobStatus::Failed);
    assert!(
        job.error.as_deref().unwrap_or("").contains("no image"),
        "{job:?}"
    );
}

#[test]
fn a_moderated_variant_fails_with_its_reason_and_the_job_goes_on() {
    let provider = ScriptedProvider::new(SketchProvider).fail(
        "j1-003",
        ProviderError::Moderated {
            reason: "stability: the image was filtered for content".into(),
        },
    );
    let world = World::with_provider(provider);
    let mut clock = Clock::ticking(START_MS);
    world.submit(
        "u1",
        "j1",
        r#"{"brief": "black midi dress", "designs": 2}"#,
        &clock.now(),
    );
    world.drain(&mut clock, Delivery::Fifo);
    let t = world.store.snapshot();
    let v3 = &t.variants[&("j1".to_string(), 3)];
    assert_eq!(v3.status, VariantStatus::Failed);
    assert_eq!(
        v3.error.as_deref(),
        Some("moderated: stability: the image was filtered for content")
    );
    assert_eq!(
        world.provider.calls()["j1-003"],
        1,
        "a refusal is not retried"
    );
    assert_eq!(t.jobs["j1"].status, JobStatus::Partial);
    assert_eq!(t.picks.len(), 2);
    // The job's status shows the designer why.
    let status = block_on(queries::job_status(&world.store, &key("u1", "j1"))).unwrap();
    let reports: Vec<(u32, Option<&str>)> = status
        .variant_reports
        .iter()
        .map(|r| (r.variant, r.error.as_deref()))
        .collect();
    assert_eq!(
        reports,
        [(
            3,
            Some("moderated: stability: the image was filtered for content")
        )]
    );
}

#[test]
fn a_provider_that_cannot_be_used_stops_the_job_without_retrying() {
    // Every image meets a wrong key; the first answer stops the job.
    let mut provider = ScriptedProvider::new(SketchProvider);
    for v in 0..6 {
        provider = provider.fail(
            format!("j1-{v:03}"),
            ProviderError::Stopped {
                provider: Provider::OpenAi,
                message: "openai answered 401 (check the provider key configured for openai)"
                    .into(),
            },
        );
    }
    let world = World::with_provider(provider);
    let mut clock = Clock::ticking(START_MS);
    world.submit(
        "u1",
        "j1",
        r#"{"brief": "black midi dress", "designs": 2}"#,
        &clock.now(),
    );
    world.drain(&mut clock, Delivery::Fifo);
    let t = world.store.snapshot();
    let job = &t.jobs["j1"];
    assert_eq!(job.status, JobStatus::Failed);
    assert!(
        job.error
            .as_deref()
            .unwrap_or("")
            .contains("check the provider key"),
        "{job:?}"
    );
    let calls: u32 = world.provider.calls().values().sum();
    assert_eq!(
        calls, 1,
        "after the first stop no other variant asks the provider"
    );
    assert!(t.picks.is_empty());
}

#[test]
fn a_job_spread_over_providers_moves_a_failing_providers_variants_to_the_next() {
    // OpenAI's key is wrong (stopped at once), Stability is down (every attempt fails), the
    // sketch renderer works: every variant ends up drawn, each move recorded.
    let provider = ScriptedProvider::new(SketchProvider)
        .fail_provider(
            Provider::OpenAi,
            ProviderError::Stopped {
                provider: Provider::OpenAi,
                message: "openai answered 401".into(),
            },
        )
        .fail_provider(
            Provider::Stability,
            ProviderError::Unavailable {
                message: "stability answered 503".into(),
                retry_after_ms: None,
            },
        );
    let world = World::with_provider(provider);
    let mut clock = Clock::ticking(START_MS);
    let configured = [Provider::Sketch, Provider::OpenAi, Provider::Stability];
    world.submit_on(
        &configured,
        "u1",
        "j1",
        r#"{"brief": "black midi dress", "designs": 2,
            "providers": ["openai", "stability", "sketch"]}"#,
        &clock.now(),
    );
    world.drain(&mut clock, Delivery::Fifo);
    let t = world.store.snapshot();
    assert_eq!(t.jobs["j1"].status, JobStatus::Complete);
    assert_eq!(
        t.jobs["j1"].providers,
        [Provider::OpenAi, Provider::Stability, Provider::Sketch]
    );
    let moves = |v: u32| -> Vec<(Provider, Provider)> {
        t.variants[&("j1".to_string(), v)]
            .reroutes
            .iter()
            .map(|r| (r.from, r.to))
            .collect()
    };
    // Variants 0 and 3 were planned for OpenAI, 1 and 4 for Stability, 2 and 5 for sketches.
    for v in [0, 3] {
        assert_eq!(
            moves(v),
            [
                (Provider::OpenAi, Provider::Stability),
                (Provider::Stability, Provider::Sketch)
            ]
        );
        let first = &t.variants[&("j1".to_string(), v)].reroutes[0];
        assert!(first.reason.contains("401"), "{first:?}");
    }
    for v in [1, 4] {
        assert_eq!(moves(v), [(Provider::Stability, Provider::Sketch)]);
    }
    // A moved variant carries the prompt of its new provider's model family.
    for v in [0, 1, 3, 4] {
        let variant = &t.variants[&("j1".to_string(), v)];
        assert_eq!(
            variant.prompt.family,
            bff_domain::prompt::ModelFamily::Sketch
        );
        assert_eq!(variant.model, bff_domain::prompt::ModelFamily::Sketch);
    }
    for v in [2, 5] {
        assert!(moves(v).is_empty());
    }
    assert!(t.images.values().all(|i| i.provider == Provider::Sketch));
    assert_eq!(t.images.len(), 6);
    assert_eq!(t.picks.len(), 2);
    let status = block_on(queries::job_status(&world.store, &key("u1", "j1"))).unwrap();
    let moved: Vec<u32> = status.variant_reports.iter().map(|r| r.variant).collect();
    assert_eq!(moved, [0, 1, 3, 4], "the moved variants are reported");
    assert!(status
        .selected
        .iter()
        .all(|d| d.provider == Some(Provider::Sketch)));
}

/// A job over Stability (down), the sketch renderer and OpenAI (not configured in the
/// renderer, so a variant moved there would fail): variants 0 and 3 are planned for Stability,
/// 1 and 4 for sketches, 2 and 5 for OpenAI.
fn stability_down_job() -> (World<ScriptedProvider<SketchProvider>>, Clock) {
    let provider = ScriptedProvider::new(SketchProvider).fail_provider(
        Provider::Stability,
        ProviderError::Unavailable {
            message: "stability answered 503".into(),
            retry_after_ms: None,
        },
    );
    let world = World::with_provider(provider);
    let mut clock = Clock::ticking(START_MS);
    world.submit_on(
        &[Provider::Sketch, Provider::OpenAi, Provider::Stability],
        "u1",
        "j1",
        r#"{"brief": "black midi dress", "designs": 2,
            "providers": ["stability", "sketch", "openai"]}"#,
        &clock.now(),
    );
    (world, clock)
}

fn generate_message(world: &World<ScriptedProvider<SketchProvider>>, variant: u32) -> Message {
    world
        .queue
        .take_all()
        .into_iter()
        .inspect(|m| world.queue.push(m.clone()))
        .find(|m| matches!(m, Message::GenerateImage(g) if g.variant == variant))
        .expect("the variant's message")
}

#[test]
fn every_generate_message_names_the_provider_it_was_sent_for() {
    let (world, _) = stability_down_job();
    let t = world.store.snapshot();
    let sent = world.queue.sent();
    assert_eq!(sent.len(), 6);
    for m in &sent {
        let Message::GenerateImage(g) = m else {
            panic!("{m:?}")
        };
        let variant = &t.variants[&("j1".to_string(), g.variant)];
        assert_eq!(g.v, 2);
        assert_eq!(g.provider, Some(variant.provider), "{g:?}");
        assert!(
            m.encode()
                .contains(&format!(r#""provider":"{}""#, variant.provider)),
            "{}",
            m.encode()
        );
    }
}

#[test]
fn a_late_give_up_of_an_old_providers_message_does_not_move_the_variant_again() {
    let (world, mut clock) = stability_down_job();
    let k = key("u1", "j1");
    let on_stability = generate_message(&world, 0);
    let sent_before = world.queue.sent().len();

    // Stability's retries ran out: the variant moves to the sketch renderer, and the message
    // sent again names it.
    let outcome = block_on(world.ports().give_up(
        &on_stability,
        "stability answered 503",
        &clock.now(),
    ))
    .unwrap();
    assert_eq!(
        outcome,
        StageOutcome::Rerouted {
            variant: 0,
            from: Provider::Stability,
            to: Provider::Sketch
        }
    );
    let sent = world.queue.sent();
    assert_eq!(sent.len(), sent_before + 1);
    let on_sketch: Message = GenerateImage::new(&k, 0, Provider::Sketch).into();
    assert_eq!(sent.last(), Some(&on_sketch));
    assert_eq!(
        on_sketch.encode(),
        r#"{"v":2,"job_id":"j1","user_id":"u1","variant":0,"provider":"sketch"}"#
    );

    // A second give-up of the Stability message (a duplicate that ran out of retries too, or the
    // dead-letter queue's copy) is not a failure of the sketch renderer: nothing moves, nothing
    // is sent.
    let outcome = block_on(world.ports().give_up(
        &on_stability,
        "stability answered 503",
        &clock.now(),
    ))
    .unwrap();
    assert!(
        matches!(&outcome, StageOutcome::Skipped { reason } if reason.contains("stale")),
        "{outcome:?}"
    );
    let variant = &world.store.snapshot().variants[&("j1".to_string(), 0)];
    assert_eq!(variant.provider, Provider::Sketch);
    assert_eq!(variant.status, VariantStatus::Planned);
    assert_eq!(
        variant
            .reroutes
            .iter()
            .map(|r| (r.from, r.to))
            .collect::<Vec<_>>(),
        [(Provider::Stability, Provider::Sketch)]
    );
    assert_eq!(world.queue.sent().len(), sent_before + 1, "nothing sent");

    // A late duplicate delivery of the Stability message asks no provider.
    let outcome = block_on(world.ports().handle(&on_stability, &clock.now())).unwrap();
    assert!(
        matches!(&outcome, StageOutcome::Skipped { reason } if reason.contains("stale")),
        "{outcome:?}"
    );
    assert_eq!(world.provider.calls().get("j1-000"), None);

    // The sketch message is in charge: it draws the variant, once.
    let outcome = block_on(world.ports().handle(&on_sketch, &clock.now())).unwrap();
    assert_eq!(outcome, StageOutcome::Done { sent: 1 });
    assert_eq!(world.provider.calls().get("j1-000"), Some(&1));
    let t = world.store.snapshot();
    assert_eq!(t.images["j1-000"].provider, Provider::Sketch);
    // Once drawn, the old message changes nothing either way.
    let outcome = block_on(world.ports().handle(&on_stability, &clock.now())).unwrap();
    assert!(
        matches!(outcome, StageOutcome::Skipped { .. }),
        "{outcome:?}"
    );
    let outcome = block_on(world.ports().give_up(&on_stability, "late", &clock.now())).unwrap();
    assert!(
        matches!(outcome, StageOutcome::Skipped { .. }),
        "{outcome:?}"
    );
    assert_eq!(
        world.store.snapshot().variants[&("j1".to_string(), 0)].status,
        VariantStatus::Generated
    );
    assert_eq!(world.provider.calls().get("j1-000"), Some(&1));
}

#[test]
fn a_message_for_the_next_provider_waits_for_the_move() {
    let (world, mut clock) = stability_down_job();
    let k = key("u1", "j1");
    // A move sends its message before it writes: the message can arrive first.
    let early: Message = GenerateImage::new(&k, 3, Provider::Sketch).into();
    let e = block_on(world.ports().handle(&early, &clock.now())).unwrap_err();
    assert!(e.is_retryable(), "{e}");
    assert!(e.to_string().contains("not moved to sketch yet"), "{e}");
    assert!(world.provider.calls().is_empty(), "no provider was asked");
    // Giving up on it moves nothing.
    let outcome = block_on(world.ports().give_up(&early, "late", &clock.now())).unwrap();
    assert!(
        matches!(outcome, StageOutcome::Skipped { .. }),
        "{outcome:?}"
    );
    // A message for a provider the variant is not moving to next is stale, not early.
    let elsewhere: Message = GenerateImage::new(&k, 3, Provider::OpenAi).into();
    let outcome = block_on(world.ports().handle(&elsewhere, &clock.now())).unwrap();
    assert!(
        matches!(outcome, StageOutcome::Skipped { .. }),
        "{outcome:?}"
    );

    // Once the move is written, the early message draws.
    let on_stability = generate_message(&world, 3);
    block_on(world.ports().give_up(&on_stability, "503", &clock.now())).unwrap();
    let outcome = block_on(world.ports().handle(&early, &clock.now())).unwrap();
    assert_eq!(outcome, StageOutcome::Done { sent: 1 });
    assert_eq!(world.provider.calls().get("j1-003"), Some(&1));
}

#[test]
fn a_v1_message_is_for_whichever_provider_the_variant_is_on() {
    let (world, mut clock) = stability_down_job();
    let v1 = |variant: u32| -> Message {
        GenerateImage::decode(&format!(
            r#"{{"v":1,"job_id":"j1","user_id":"u1","variant":{variant}}}"#
        ))
        .unwrap()
        .into()
    };
    // A v1 give-up moves the variant from where it is, as before v2: twice, twice.
    for (from, to) in [
        (Provider::Stability, Provider::Sketch),
        (Provider::Sketch, Provider::OpenAi),
    ] {
        let outcome = block_on(world.ports().give_up(&v1(0), "gave up", &clock.now())).unwrap();
        assert_eq!(
            outcome,
            StageOutcome::Rerouted {
                variant: 0,
                from,
                to
            }
        );
        assert_eq!(
            world.queue.sent().last(),
            Some(&GenerateImage::new(&key("u1", "j1"), 0, to).into()),
            "the message sent again is v2"
        );
    }
    // A v1 delivery draws with the variant's provider.
    let outcome = block_on(world.ports().handle(&v1(1), &clock.now())).unwrap();
    assert_eq!(outcome, StageOutcome::Done { sent: 1 });
    assert_eq!(
        world.store.snapshot().images["j1-001"].provider,
        Provider::Sketch
    );
}

#[test]
fn shuffled_and_duplicated_messages_of_a_failing_provider_move_each_variant_once() {
    // Messages shuffled and duplicated while Stability's variants run out of retries and move:
    // the copies of the old messages settle without another move, and the sketch renderer
    // draws every moved variant.
    for seed in [3, 4, 5] {
        let (world, mut clock) = stability_down_job();
        let log = world.drain(
            &mut clock,
            Delivery::Chaos {
                seed,
                duplicate: 0.5,
            },
        );
        let t = world.store.snapshot();
        for v in [0, 3] {
            let variant = &t.variants[&("j1".to_string(), v)];
            assert_eq!(
                variant
                    .reroutes
                    .iter()
                    .map(|r| (r.from, r.to))
                    .collect::<Vec<_>>(),
                [(Provider::Stability, Provider::Sketch)],
                "seed {seed}: {log:?}"
            );
            assert_eq!(variant.status, VariantStatus::Embedded);
            assert_eq!(t.images[&variant.image_id].provider, Provider::Sketch);
        }
        // OpenAI is not configured: its variants fail, and the job completes without them.
        assert_eq!(t.jobs["j1"].status, JobStatus::Partial, "seed {seed}");
        assert!(t.variants.values().all(|v| v.status.is_terminal()));
        assert_eq!(t.images.len(), 4, "seed {seed}");
    }
}

#[test]
fn a_routed_job_draws_each_variant_with_its_routed_provider_and_its_familys_prompt() {
    use bff_pipeline::adherence::{route, CategoryAdherence};
    use bff_pipeline::api::GenerationRequest;
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    let configured = [Provider::Sketch, Provider::OpenAi, Provider::Stability];
    // Planned and stored only: these providers have no stand-in in this world.
    let request = GenerationRequest::from_json(
        br#"{"brief": "black v-neck midi dress", "designs": 2,
            "providers": ["openai", "stability", "sketch"]}"#,
    )
    .and_then(|r| r.validate_with(&configured))
    .unwrap();
    // Stability draws necklines best on this deployment.
    let table = [Provider::OpenAi, Provider::Stability, Provider::Sketch].map(|provider| {
        let shown = if provider == Provider::Stability {
            30
        } else {
            3
        };
        CategoryAdherence {
            provider,
            category: "neckline".into(),
            images: 30,
            shown,
            adherence: f64::from(shown) / 30.0,
        }
    });
    let routed = route(
        &table,
        request.providers(),
        &request.parsed().requested(),
        request.variant_count(),
    );
    let request = request.with_route(routed.clone()).unwrap();
    let submitted = block_on(bff_pipeline::stages::prompt::submit(
        &world.store,
        &world.queue,
        "u1",
        &request,
        "j1",
        &clock.now(),
    ))
    .unwrap();
    assert_eq!(submitted.response().routing.as_ref(), Some(&routed));
    let t = world.store.snapshot();
    let stability = (0..6)
        .filter(|&v| t.variants[&("j1".to_string(), v)].provider == Provider::Stability)
        .count();
    assert_eq!(stability, 4, "{routed:?}");
    for v in 0..6 {
        let variant = &t.variants[&("j1".to_string(), v)];
        assert_eq!(variant.provider, routed.assignment[v as usize]);
        assert_eq!(variant.model, variant.provider.model_family());
        assert_eq!(variant.prompt.family, variant.provider.model_family());
    }
    assert_eq!(submitted.sent, 6);

    // A route made for other providers or another size is refused.
    let other = GenerationRequest::from_json(
        br#"{"brief": "black v-neck midi dress", "designs": 3, "providers": ["openai", "stability", "sketch"]}"#,
    )
    .and_then(|r| r.validate_with(&configured))
    .unwrap();
    let e = other.with_route(routed).unwrap_err();
    assert_eq!((e.status, e.field.as_deref()), (400, Some("route")));
}

#[test]
fn a_request_names_known_configured_providers_once() {
    use bff_pipeline::api::GenerationRequest;
    let check = |body: &str| {
        GenerationRequest::from_json(body.as_bytes())
            .and_then(|r| r.validate_with(&[Provider::Sketch, Provider::OpenAi]))
            .map(|v| v.providers().to_vec())
            .map_err(|e| (e.status, e.to_string()))
    };
    assert_eq!(
        check(r#"{"brief": "a dress", "providers": ["openai", "sketch"]}"#),
        Ok(vec![Provider::OpenAi, Provider::Sketch])
    );
    assert_eq!(check(r#"{"brief": "a dress"}"#), Ok(vec![Provider::Sketch]));
    for (body, status, words) in [
        (r#"{"brief": "a dress", "providers": []}"#, 422, "1 to"),
        (
            r#"{"brief": "a dress", "providers": ["openai", "openai"]}"#,
            422,
            "twice",
        ),
        (
            r#"{"brief": "a dress", "providers": ["stability"]}"#,
            422,
            "not configured",
        ),
        (
            r#"{"brief": "a dress", "providers": ["midjourney"]}"#,
            400,
            "unknown provider",
        ),
        (
            r#"{"brief": "a dress", "provider": "sketch", "providers": ["sketch"]}"#,
            400,
            "not both",
        ),
    ] {
        let (got, message) = check(body).expect_err(body);
        assert_eq!(got, status, "{body}: {message}");
        assert!(message.contains(words), "{body}: {message}");
    }
}

#[test]
fn a_few_images_still_give_designs() {
    // Two designs at over-generation 2: four variants, three of which fail.
    let mut provider = ScriptedProvider::new(SketchProvider);
    for v in 1..4 {
        provider = provider.fail(
            format!("j1-{v:03}"),
            ProviderError::Rejected {
                message: "refused".into(),
            },
        );
    }
    let world = World::with_provider(provider);
    let mut clock = Clock::ticking(START_MS);
    world.submit(
        "u1",
        "j1",
        r#"{"brief": "black midi dress", "designs": 2, "over_generation": 2}"#,
        &clock.now(),
    );
    world.drain(&mut clock, Delivery::Fifo);
    let t = world.store.snapshot();
    assert_eq!(t.jobs["j1"].status, JobStatus::Partial);
    let clusters = &t.cluster_results["j1"];
    assert_eq!(
        (clusters.k, clusters.silhouette),
        (1, None),
        "one image, one style"
    );
    assert_eq!(
        t.picks.len(),
        1,
        "fewer picks only when the candidates run out"
    );
}

#[test]
fn unreadable_image_bytes_fail_their_variant() {
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    world.submit(
        "u1",
        "j1",
        r#"{"brief": "black midi dress", "designs": 2}"#,
        &clock.now(),
    );
    let blob = image_blob_key("u1", "j1", "j1-000");
    let mut corrupted = false;
    world.drain_with(&mut clock, Delivery::Fifo, |message, world| {
        if matches!(message, Message::EmbedImage(m) if m.image_id == "j1-000") && !corrupted {
            world.blobs.replace(&blob, Some(b"not an image".to_vec()));
            corrupted = true;
        }
    });
    let t = world.store.snapshot();
    let v0 = &t.variants[&("j1".to_string(), 0)];
    assert_eq!(v0.status, VariantStatus::Failed);
    assert!(
        v0.error.as_deref().unwrap_or("").contains("embedded"),
        "{v0:?}"
    );
    assert_eq!(t.jobs["j1"].status, JobStatus::Partial);
}

#[test]
fn submitting_twice_creates_nothing_new() {
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    let now = clock.now();
    let first = world.submit("u1", "j1", &body(4), &now);
    let rows = world.snapshot();
    let again = world.submit("u1", "j1", &body(4), &clock.now());
    assert!(first.created && !again.created);
    assert_eq!(again.variants, first.variants);
    assert!(world.snapshot() == rows, "no new or changed rows");
    // The pending variants' messages are sent again (harmless duplicates), nothing else.
    assert_eq!(again.sent, first.sent);

    world.drain(&mut clock, Delivery::Fifo);
    let t = world.store.snapshot();
    assert_eq!(t.jobs["j1"].status, JobStatus::Complete);
    assert_eq!(t.images.len(), 12);
    let late = world.submit("u1", "j1", &body(4), &clock.now());
    assert_eq!(
        (late.created, late.sent, late.status),
        (false, 0, JobStatus::Complete)
    );

    // The same id with another request is a conflict, for this user or another.
    let request = bff_pipeline::api::GenerationRequest::from_json(body(5).as_bytes())
        .unwrap()
        .validate()
        .unwrap();
    for user in ["u1", "u2"] {
        let e = block_on(bff_pipeline::stages::prompt::submit(
            &world.store,
            &world.queue,
            user,
            &request,
            "j1",
            &clock.now(),
        ))
        .unwrap_err();
        assert_eq!(e.status, 409, "{user}: {e}");
    }
}

#[test]
fn the_insert_holds_the_daily_budget_and_a_retry_is_not_refused() {
    use bff_pipeline::budget::{self, DailyLimit};
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    let now = clock.now();
    let limit = DailyLimit::of_day(1.0, &now);
    // Each job is priced at $0.60 and carries the budget, as the prompt function passes it.
    let request = bff_pipeline::api::GenerationRequest::from_json(body(2).as_bytes())
        .unwrap()
        .validate()
        .unwrap()
        .with_cost_estimate(0.6)
        .with_daily_limit(Some(limit));
    let submit = |job: &str| {
        block_on(bff_pipeline::stages::prompt::submit(
            &world.store,
            &world.queue,
            "u1",
            &request,
            job,
            &now,
        ))
    };
    let first = submit("j1").expect("within the budget");
    assert!(first.created);
    let sent = world.queue.sent().len();
    let rows = world.snapshot();

    // A second job passed the gateway's read too, but the insert refuses it: the gateway's 402,
    // nothing stored, nothing sent.
    let e = submit("j2").unwrap_err();
    assert_eq!(e, budget::check(Some(1.0), 0.6, 0.6).unwrap_err());
    assert!(world.snapshot() == rows, "nothing written");
    assert_eq!(world.queue.sent().len(), sent, "no GenerateImage sent");

    // The first job's retry is answered as a retry, although the day could not take it again.
    let again = submit("j1").expect("a retry is not refused");
    assert!(!again.created);
    assert_eq!(again.variants, first.variants);
}

#[test]
fn another_users_message_or_query_finds_nothing() {
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    world.submit(
        "u1",
        "j1",
        r#"{"brief": "black midi dress", "designs": 2}"#,
        &clock.now(),
    );
    let foreign: Message = GenerateImage::new(&key("u2", "j1"), 0, Provider::Sketch).into();
    let e = block_on(world.ports().handle(&foreign, &clock.now())).unwrap_err();
    assert!(!e.is_retryable(), "{e}");
    assert!(e.to_string().contains("does not exist"), "{e}");
    let e = block_on(queries::job_status(&world.store, &key("u2", "j1"))).unwrap_err();
    assert_eq!(e.status, 404);
}

#[test]
fn port_failures_are_retryable_and_then_recover() {
    let world = World::new();
    let mut clock = Clock::ticking(START_MS);
    world.submit(
        "u1",
        "j1",
        r#"{"brief": "black midi dress", "designs": 2}"#,
        &clock.now(),
    );
    let first = world.queue.pop().unwrap();

    world.store.set_unavailable(true);
    let e = block_on(world.ports().handle(&first, &clock.now())).unwrap_err();
    assert!(e.is_retryable(), "{e}");
    world.store.set_unavailable(false);

    world.blobs.set_unavailable(true);
    let e = block_on(world.ports().handle(&first, &clock.now())).unwrap_err();
    assert!(e.is_retryable(), "{e}");
    world.blobs.set_unavailable(false);

    world.queue.set_unavailable(true);
    let e = block_on(world.ports().handle(&first, &clock.now())).unwrap_err();
    assert!(e.is_retryable(), "{e}");
    world.queue.set_unavailable(false);

    // The image was stored before the send failed: the retry re-sends instead of regenerating.
    world.queue.push(first);
    world.drain(&mut clock, Delivery::Fifo);
    assert_eq!(
        world.store.snapshot().jobs["j1"].status,
        JobStatus::Complete
    );

    world.store.set_unavailable(true);
    let request = bff_pipeline::api::GenerationRequest::from_json(body(2).as_bytes())
        .unwrap()
        .validate()
        .unwrap();
    let e = block_on(bff_pipeline::stages::prompt::submit(
        &world.store,
        &world.queue,
        "u1",
        &request,
        "j2",
        &clock.now(),
    ))
    .unwrap_err();
    assert_eq!(e.status, 503);
}
