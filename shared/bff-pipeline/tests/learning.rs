//! Learning steers the next plans: after a designer rates linen designs as standouts and
//! polyester ones low, linen's share of that designer's next plans rises clearly and polyester's
//! falls, measured over many job seeds; another designer's plans do not change.
//!
//! This runs the same code as the Workers: `bff_learn::preference::learn` (the learning stage's
//! model), the rows the learning stage stores, `stages::prompt::personalisation` (decay and
//! Thompson sampling) and `stages::prompt::plan`.

use bff_domain::{AttributeValue, Taxonomy};
use bff_learn::feedback::{FeedbackSignal, RatedImage};
use bff_learn::preference;
use bff_pipeline::api::GenerationRequest;
use bff_pipeline::ports::PreferenceRow;
use bff_pipeline::stages::prompt::{personalisation, plan};
use bff_pipeline::Timestamp;

const JOBS: u32 = 60;
const DAY_MS: i64 = 86_400_000;

fn request() -> bff_pipeline::api::ValidGeneration {
    GenerationRequest {
        brief: "a summer dress for a garden party".into(),
        designs: Some(12),
        provider: None,
        providers: None,
        routing: None,
        theta: None,
        over_generation: None,
    }
    .validate()
    .expect("valid request")
}

/// A rated design showing `fabric`.
fn rated(id: usize, fabric: &str, rating: u8, standout: bool, at_ms: i64) -> RatedImage {
    RatedImage {
        feedback_id: format!("fb-{id}"),
        job_id: "j-0".into(),
        image_id: format!("j-0-{id:03}"),
        profile_id: None,
        attributes: vec![
            AttributeValue::new("garment_type", "dress"),
            AttributeValue::new("fabric", fabric),
        ],
        quality: 0.9,
        signal: FeedbackSignal {
            rating: Some(rating),
            liked: Some(rating >= 4),
        },
        standout,
        at_ms,
    }
}

/// The preference rows the learning stage stores for these ratings at `at_ms`.
fn learned_rows(user: &str, ratings: &[RatedImage], at_ms: i64) -> Vec<PreferenceRow> {
    preference::learn(ratings, at_ms)
        .into_iter()
        .map(|w| PreferenceRow {
            user_id: user.into(),
            category: w.attribute.category.clone(),
            value: w.attribute.value.clone(),
            alpha: w.posterior.alpha,
            beta: w.posterior.beta,
            evidence: w.posterior.evidence,
            weight: w.weight,
            updated_at: Timestamp::from_unix_ms(at_ms),
        })
        .collect()
}

/// Share of variants planned with each of `fabrics`, over `JOBS` job ids.
fn fabric_shares(preferences: &[PreferenceRow], now_ms: i64, fabrics: &[&str]) -> Vec<f64> {
    let taxonomy = Taxonomy::embedded();
    let request = request();
    let now = Timestamp::from_unix_ms(now_ms);
    let mut counts = vec![0u32; fabrics.len()];
    let mut variants = 0u32;
    for job in 0..JOBS {
        let job_id = format!("job-{job}");
        let seed = bff_pipeline::ids::stage_seed(&job_id, "preferences");
        let personal = personalisation(preferences, &[], &request, taxonomy, &now, seed);
        let planned = plan(&request, &personal, &job_id, taxonomy).expect("plan");
        for v in &planned.variants {
            variants += 1;
            for (i, fabric) in fabrics.iter().enumerate() {
                if v.attributes
                    .iter()
                    .any(|a| a.category == "fabric" && a.value == *fabric)
                {
                    counts[i] += 1;
                }
            }
        }
    }
    counts
        .iter()
        .map(|&c| f64::from(c) / f64::from(variants))
        .collect()
}

#[test]
fn standout_linen_rises_and_low_rated_polyester_falls_for_that_user_only() {
    let now = 1_764_000_000_000;
    let mut ratings = Vec::new();
    for i in 0..4 {
        ratings.push(rated(i, "linen", 5, true, now - DAY_MS));
    }
    for i in 4..8 {
        ratings.push(rated(i, "polyester", 1, false, now - DAY_MS));
    }
    let alice = learned_rows("alice", &ratings, now - DAY_MS);
    let fabrics = ["linen", "polyester"];
    let before = fabric_shares(&[], now, &fabrics);
    let after = fabric_shares(&alice, now, &fabrics);
    let bob = fabric_shares(&[], now, &fabrics);
    println!(
        "fabric share over {JOBS} jobs ({} variants each): linen {:.3} → {:.3}, polyester {:.3} → {:.3}; another user: linen {:.3}, polyester {:.3}",
        request().designs() * 3,
        before[0],
        after[0],
        before[1],
        after[1],
        bob[0],
        bob[1]
    );
    assert!(before[0] > 0.0, "linen is drawn at all without preferences");
    assert!(
        after[0] > before[0] * 1.4,
        "linen share {:.3} → {:.3}",
        before[0],
        after[0]
    );
    assert!(
        after[1] < before[1] * 0.6,
        "polyester share {:.3} → {:.3}",
        before[1],
        after[1]
    );
    assert_eq!(bob, before, "another user's plans do not change");
}

#[test]
fn an_old_taste_fades_back_towards_neutral() {
    let now = 1_764_000_000_000;
    let ratings: Vec<RatedImage> = (0..4)
        .map(|i| rated(i, "linen", 5, true, now - DAY_MS))
        .collect();
    let rows = learned_rows("alice", &ratings, now - DAY_MS);
    let fresh = fabric_shares(&rows, now, &["linen"])[0];
    let old = fabric_shares(&rows, now + 180 * DAY_MS, &["linen"])[0];
    let neutral = fabric_shares(&[], now, &["linen"])[0];
    assert!(
        (old - neutral).abs() < (fresh - neutral).abs() / 2.0,
        "linen share fresh {fresh:.3}, six months later {old:.3}, neutral {neutral:.3}"
    );
}
