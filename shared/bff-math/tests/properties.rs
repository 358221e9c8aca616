//! Property tests of the clustering and selection math on small random inputs (seeded by proptest).

use bff_math::auto_k::{choose_k, AutoKParams};
use bff_math::dpp::{select, DppParams, StopReason};
use bff_math::kmeans::KMeansParams;
use bff_math::silhouette::silhouette_score;
use bff_math::Embeddings;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

fn unit_rows(rows: &[Vec<f32>]) -> Embeddings {
    Embeddings::from_rows(rows)
        .and_then(|e| e.l2_normalised())
        .expect("generated rows are finite and non-zero")
}

/// Vectors whose components are bounded away from an all-zero row.
fn rows_strategy(max_rows: usize, dim: usize) -> impl Strategy<Value = Vec<Vec<f32>>> {
    prop::collection::vec(
        prop::collection::vec(-1.0f32..1.0, dim).prop_map(|mut v| {
            v[0] += 2.0;
            v
        }),
        3..max_rows,
    )
}

/// Determinant of a small symmetric matrix by Gaussian elimination with partial pivoting (f64).
fn determinant(mut a: Vec<Vec<f64>>) -> f64 {
    let n = a.len();
    let mut det = 1.0;
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap();
        if a[pivot][col] == 0.0 {
            return 0.0;
        }
        if pivot != col {
            a.swap(pivot, col);
            det = -det;
        }
        det *= a[col][col];
        let pivot_row = a[col].clone();
        for row in a.iter_mut().skip(col + 1) {
            let f = row[col] / pivot_row[col];
            for (x, p) in row.iter_mut().zip(&pivot_row).skip(col) {
                *x -= f * p;
            }
        }
    }
    det
}

/// The textbook greedy: at each step, the candidate whose addition maximises det(L_Y); O(M·N⁴).
fn naive_greedy(
    data: &Embeddings,
    quality: &[f64],
    theta: f64,
    picks: usize,
    epsilon: f64,
) -> Vec<usize> {
    let alpha = theta / (2.0 * (1.0 - theta));
    let r: Vec<f64> = quality.iter().map(|q| (alpha * q).exp()).collect();
    let kernel = |i: usize, j: usize| {
        let cos: f64 = data
            .row(i)
            .iter()
            .zip(data.row(j))
            .map(|(a, b)| (*a as f64) * (*b as f64))
            .sum();
        r[i] * r[j] * (1.0 + cos) / 2.0
    };
    let det_of = |set: &[usize]| {
        determinant(
            set.iter()
                .map(|&i| set.iter().map(|&j| kernel(i, j)).collect())
                .collect(),
        )
    };
    let mut chosen: Vec<usize> = Vec::new();
    let mut current = 1.0;
    while chosen.len() < picks {
        let mut best: Option<(f64, usize)> = None;
        for i in (0..data.len()).filter(|i| !chosen.contains(i)) {
            let mut trial = chosen.clone();
            trial.push(i);
            let d = det_of(&trial);
            if best.is_none_or(|(b, _)| d > b) {
                best = Some((d, i));
            }
        }
        match best {
            Some((d, i)) if d / current >= epsilon => {
                chosen.push(i);
                current = d;
            }
            _ => break,
        }
    }
    chosen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn silhouette_lies_in_minus_one_to_one(
        rows in rows_strategy(30, 4),
        labels_seed in any::<u64>(),
    ) {
        let data = Embeddings::from_rows(&rows).unwrap();
        let n = data.len();
        // Two or three clusters with every label used at least once.
        let k = 2 + (labels_seed % 2) as usize;
        let labels: Vec<usize> = (0..n).map(|i| if i < k { i } else { ((labels_seed >> 3) as usize + i * 7) % k }).collect();
        prop_assume!(k < n);
        let s = silhouette_score(&data, &labels).unwrap();
        prop_assert!((-1.0..=1.0).contains(&s), "silhouette {s}");
    }

    #[test]
    fn fast_greedy_dpp_equals_naive_greedy(
        rows in rows_strategy(14, 5),
        qualities in prop::collection::vec(0.0f64..1.0, 14),
        theta in 0.0f64..0.95,
        picks in 1usize..=5,
    ) {
        // Up to 5 picks in dimension 5: below the similarity's rank (dim + 1), so no stop is decided
        // by rounding noise at the rank boundary.
        let data = unit_rows(&rows);
        let quality = &qualities[..data.len()];
        let params = DppParams::new(picks).theta(theta).near_duplicate_cosine(None).epsilon(0.0);
        let fast = select(&data, quality, &params).unwrap();
        let fast_picks: Vec<usize> = fast.picks.iter().map(|p| p.index).collect();
        let naive = naive_greedy(&data, quality, theta, picks, 0.0);
        // Near-ties can be broken differently by rounding; then the set's determinant must still agree.
        if fast_picks != naive {
            let alpha = theta / (2.0 * (1.0 - theta));
            let log_det_naive: f64 = {
                let r: Vec<f64> = quality.iter().map(|q| (alpha * q).exp()).collect();
                let m: Vec<Vec<f64>> = naive.iter().map(|&i| naive.iter().map(|&j| {
                    let cos: f64 = data.row(i).iter().zip(data.row(j)).map(|(a, b)| (*a as f64) * (*b as f64)).sum();
                    r[i] * r[j] * (1.0 + cos) / 2.0
                }).collect()).collect();
                determinant(m).ln()
            };
            prop_assert_eq!(fast_picks.len(), naive.len());
            prop_assert!((fast.log_det_kernel - log_det_naive).abs() < 1e-6 * log_det_naive.abs().max(1.0),
                "fast {:?} {} vs naive {:?} {}", fast_picks, fast.log_det_kernel, naive, log_det_naive);
        }
    }

    #[test]
    fn dpp_picks_are_distinct_and_respect_the_target(
        rows in rows_strategy(40, 6),
        qualities in prop::collection::vec(0.0f64..=1.0, 40),
        picks in 1usize..20,
        labels_seed in any::<u64>(),
        dedup in prop::option::of(0.5f64..=1.0),
    ) {
        let data = unit_rows(&rows);
        let n = data.len();
        let quality = &qualities[..n];
        let labels: Vec<usize> = (0..n).map(|i| ((labels_seed as usize) >> (i % 16)) % 4).collect();
        let params = DppParams::new(picks).near_duplicate_cosine(dedup).clusters(Some(
            bff_math::dpp::ClusterConstraint { labels: labels.clone(), max_share: 0.5 },
        ));
        let selection = select(&data, quality, &params).unwrap();
        let mut seen: Vec<usize> = selection.picks.iter().map(|p| p.index).collect();
        prop_assert!(seen.len() <= picks);
        seen.sort_unstable();
        seen.dedup();
        prop_assert_eq!(seen.len(), selection.picks.len());
        for s in &selection.suppressed {
            prop_assert!(!seen.contains(&s.index));
        }
        if selection.stop == StopReason::TargetReached {
            prop_assert_eq!(selection.picks.len(), picks);
        }
        // Every cluster is represented when the target leaves room for all of them.
        let clusters: std::collections::BTreeSet<usize> = labels.iter().copied().collect();
        if dedup.is_none() && selection.stop == StopReason::TargetReached && picks >= clusters.len() {
            let picked: std::collections::BTreeSet<usize> = selection.picks.iter().map(|p| labels[p.index]).collect();
            prop_assert_eq!(picked, clusters);
        }
    }

    #[test]
    fn kmeans_labels_are_valid_and_inertia_matches_them(
        rows in rows_strategy(40, 3),
        k in 1usize..5,
        seed in any::<u64>(),
    ) {
        let data = Embeddings::from_rows(&rows).unwrap();
        prop_assume!(data.distinct_rows() >= k);
        let mut rng = Xoshiro256Plus::seed_from_u64(seed);
        let model = KMeansParams::new(k).check().unwrap().fit(&data, &mut rng).unwrap();
        prop_assert_eq!(model.labels.len(), data.len());
        prop_assert!(model.labels.iter().all(|&l| l < k));
        prop_assert_eq!(model.cluster_sizes.iter().sum::<usize>(), data.len());
        let inertia: f64 = data.rows().zip(&model.labels).map(|(x, &l)| {
            x.iter().zip(&model.centroids[l]).map(|(a, b)| ((*a - *b) as f64).powi(2)).sum::<f64>()
        }).sum();
        prop_assert!((inertia - model.inertia).abs() <= 1e-6 * inertia.max(1.0));
        // Nothing is closer to a point than its own centre ("predict" agrees with the labels).
        for (x, &l) in data.rows().zip(&model.labels) {
            let p = model.predict(x).unwrap();
            let dist = |c: usize| x.iter().zip(&model.centroids[c]).map(|(a, b)| ((*a - *b) as f64).powi(2)).sum::<f64>();
            prop_assert!(dist(l) <= dist(p) + 1e-5);
        }
    }

    #[test]
    fn auto_k_stays_in_range_and_reports_every_k(
        rows in rows_strategy(40, 4),
        seed in any::<u64>(),
    ) {
        let data = Embeddings::from_rows(&rows).unwrap();
        let mut rng = Xoshiro256Plus::seed_from_u64(seed);
        let result = choose_k(&data, &AutoKParams::default(), &mut rng).unwrap();
        let (lo, hi) = result.k_range;
        prop_assert!(lo <= result.best_k && result.best_k <= hi && hi <= 8);
        prop_assert_eq!(result.candidates.len(), hi - lo + 1);
        prop_assert!((-1.0..=1.0).contains(&result.silhouette));
        for c in &result.candidates {
            if let Some(s) = c.silhouette {
                prop_assert!(s <= result.silhouette);
            }
        }
    }
}
