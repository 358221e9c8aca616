//! Comparison with reference values from scikit-learn and a naive NumPy DPP.
//!
//! The data and expected values are in `tests/golden/reference.json` at the repository root, written by
//! `tests/golden/make_golden.py` (its `generated_by` header records the command and library versions;
//! regenerate with `cargo xtask golden`). Tolerances are stated per check.

use bff_math::auto_k::{choose_k, AutoKParams};
use bff_math::dpp::{select, DppParams};
use bff_math::kmeans::{KMeansInit, KMeansParams};
use bff_math::silhouette::silhouette_score;
use bff_math::Embeddings;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    silhouette: Vec<SilhouetteCase>,
    kmeans: Vec<KMeansCase>,
    auto_k: Vec<AutoKCase>,
    dpp: Vec<DppCase>,
}

#[derive(Deserialize)]
struct SilhouetteCase {
    name: String,
    points: Vec<Vec<f32>>,
    labels: Vec<usize>,
    score: f64,
}

#[derive(Deserialize)]
struct KMeansCase {
    name: String,
    points: Vec<Vec<f32>>,
    initial_centres: Vec<Vec<f32>>,
    max_iter: usize,
    tol: f64,
    labels: Vec<usize>,
    inertia: f64,
    centres: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct AutoKCase {
    name: String,
    points: Vec<Vec<f32>>,
    k_min: usize,
    k_max: usize,
    best_k: usize,
    labels: Vec<usize>,
    per_k: Vec<PerK>,
}

#[derive(Deserialize)]
struct PerK {
    k: usize,
    silhouette: f64,
}

#[derive(Deserialize)]
struct DppCase {
    name: String,
    points: Vec<Vec<f32>>,
    quality: Vec<f64>,
    theta: f64,
    max_picks: usize,
    epsilon: f64,
    picks: Vec<usize>,
    gains: Vec<f64>,
    log_det: f64,
}

fn reference() -> Reference {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/golden/reference.json"
    );
    let text = std::fs::read_to_string(path).expect("tests/golden/reference.json is present");
    serde_json::from_str(&text).expect("reference.json has the expected shape")
}

fn embeddings(points: &[Vec<f32>]) -> Embeddings {
    Embeddings::from_rows(points).expect("reference points are valid")
}

/// True when `a` and `b` are the same partition (labels equal up to a renaming).
fn same_partition(a: &[usize], b: &[usize]) -> bool {
    let mut forward = std::collections::HashMap::new();
    let mut backward = std::collections::HashMap::new();
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            *forward.entry(*x).or_insert(*y) == *y && *backward.entry(*y).or_insert(*x) == *x
        })
}

#[test]
fn silhouette_matches_scikit_learn_within_1e5() {
    for case in reference().silhouette {
        let ours = silhouette_score(&embeddings(&case.points), &case.labels).unwrap();
        assert!(
            (ours - case.score).abs() <= 1e-5,
            "{}: ours {ours} vs scikit-learn {}",
            case.name,
            case.score
        );
    }
}

#[test]
fn kmeans_from_fixed_centres_matches_scikit_learn() {
    let mut rng = Xoshiro256Plus::seed_from_u64(42);
    for case in reference().kmeans {
        let data = embeddings(&case.points);
        let model = KMeansParams::new(case.initial_centres.len())
            .init(KMeansInit::Precomputed(case.initial_centres.clone()))
            .n_runs(1)
            .max_iterations(case.max_iter)
            .tolerance(case.tol)
            .check()
            .unwrap()
            .fit(&data, &mut rng)
            .unwrap();
        // Same initial centres, same algorithm: the very same labels, not only the same partition.
        assert_eq!(model.labels, case.labels, "{}: labels", case.name);
        // f32 data against scikit-learn's f64: relative 1e-5 on inertia, 1e-5 absolute on centres.
        let relative = (model.inertia - case.inertia).abs() / case.inertia.max(1e-12);
        assert!(
            relative <= 1e-5,
            "{}: inertia {} vs {}",
            case.name,
            model.inertia,
            case.inertia
        );
        for (ours, theirs) in model.centroids.iter().zip(&case.centres) {
            for (a, b) in ours.iter().zip(theirs) {
                assert!(
                    ((*a as f64) - b).abs() <= 1e-5,
                    "{}: centre {a} vs {b}",
                    case.name
                );
            }
        }
    }
}

#[test]
fn automatic_k_finds_scikit_learns_partition() {
    for case in reference().auto_k {
        let params = AutoKParams {
            k_min: case.k_min,
            k_max: case.k_max,
            ..AutoKParams::default()
        };
        let mut rng = Xoshiro256Plus::seed_from_u64(7);
        let result = choose_k(&embeddings(&case.points), &params, &mut rng).unwrap();
        assert_eq!(result.best_k, case.best_k, "{}: K", case.name);
        assert!(
            same_partition(&result.model.labels, &case.labels),
            "{}: labels differ beyond a renaming",
            case.name
        );
        let theirs = case
            .per_k
            .iter()
            .find(|p| p.k == case.best_k)
            .expect("reference has the best K")
            .silhouette;
        assert!(
            (result.silhouette - theirs).abs() <= 1e-5,
            "{}: silhouette {} vs {theirs}",
            case.name,
            result.silhouette
        );
        assert_eq!(result.candidates.len(), case.per_k.len());
    }
}

#[test]
fn fast_greedy_dpp_matches_naive_determinant_greedy() {
    for case in reference().dpp {
        let params = DppParams::new(case.max_picks)
            .theta(case.theta)
            .epsilon(case.epsilon)
            .near_duplicate_cosine(None);
        let selection = select(&embeddings(&case.points), &case.quality, &params).unwrap();
        let picks: Vec<usize> = selection.picks.iter().map(|p| p.index).collect();
        assert_eq!(picks, case.picks, "{}: picks", case.name);
        for (pick, gain) in selection.picks.iter().zip(&case.gains) {
            // Log of the determinant ratio; 1e-6 relative to its size (1e-6 absolute near zero).
            let expected = gain.ln();
            assert!(
                (pick.log_gain - expected).abs() <= 1e-6 * expected.abs().max(1.0),
                "{}: log gain {} vs {expected}",
                case.name,
                pick.log_gain
            );
        }
        assert!(
            (selection.log_det_kernel - case.log_det).abs() <= 1e-6 * case.log_det.abs().max(1.0),
            "{}: log det {} vs {}",
            case.name,
            selection.log_det_kernel,
            case.log_det
        );
    }
}
