//! The descriptor separates what the sketch renderer draws: four clearly different groups of
//! attributes, rendered with several seeds each, are recovered by clustering their descriptors.

use bff_embed::embed_image;
use bff_math::auto_k::{choose_k, AutoKParams};
use bff_math::coverage::AttributeValue;
use bff_math::Embeddings;
use bff_render::{render_sketch, SketchRequest};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Adjusted Rand index (Hubert and Arabie 1985): 1 for identical partitions, about 0 for chance.
fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    let ka = a.iter().max().map_or(0, |m| m + 1);
    let kb = b.iter().max().map_or(0, |m| m + 1);
    let mut table = vec![vec![0u64; kb]; ka];
    for (&x, &y) in a.iter().zip(b) {
        table[x][y] += 1;
    }
    let pairs = |n: u64| (n * n.saturating_sub(1)) as f64 / 2.0;
    let index: f64 = table.iter().flatten().map(|&n| pairs(n)).sum();
    let rows: f64 = table.iter().map(|r| pairs(r.iter().sum())).sum();
    let cols: f64 = (0..kb)
        .map(|j| pairs(table.iter().map(|r| r[j]).sum()))
        .sum();
    let total = pairs(a.len() as u64);
    let expected = rows * cols / total;
    let max = (rows + cols) / 2.0;
    (index - expected) / (max - expected)
}

#[test]
fn adjusted_rand_index_reference_values() {
    assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[1, 1, 0, 0]), 1.0);
    // scikit-learn 1.5: adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 2]) = 0.5714285714285715
    assert!(
        (adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 1, 2]) - 0.571_428_571_428_571_5).abs() < 1e-12
    );
}

#[test]
fn four_rendered_attribute_groups_are_recovered_by_clustering() {
    let av = AttributeValue::new;
    let groups: [Vec<AttributeValue>; 4] = [
        vec![
            av("garment_type", "dress"),
            av("silhouette", "a-line"),
            av("length", "maxi"),
            av("sleeve", "long"),
            av("colour", "red"),
            av("pattern", "solid"),
        ],
        vec![
            av("garment_type", "dress"),
            av("silhouette", "sheath"),
            av("length", "mini"),
            av("sleeve", "sleeveless"),
            av("colour", "navy"),
            av("colour", "white"),
            av("pattern", "stripes"),
        ],
        vec![
            av("garment_type", "trousers"),
            av("silhouette", "wide-leg"),
            av("length", "ankle"),
            av("colour", "olive"),
            av("pattern", "solid"),
        ],
        vec![
            av("garment_type", "top"),
            av("sleeve", "short"),
            av("colour", "yellow"),
            av("colour", "pink"),
            av("pattern", "polka-dots"),
        ],
    ];
    let seeds_per_group = 6;
    let mut rows = Vec::new();
    let mut truth = Vec::new();
    for (g, attributes) in groups.iter().enumerate() {
        for seed in 0..seeds_per_group {
            let sketch = render_sketch(&SketchRequest::new(
                attributes.clone(),
                1000 * g as u64 + seed,
            ))
            .expect("renders");
            let descriptor = embed_image(&sketch.png).expect("embeds");
            rows.push(descriptor.vector);
            truth.push(g);
        }
    }
    let data = Embeddings::from_rows(&rows).unwrap();
    let params = AutoKParams {
        k_min: 2,
        k_max: 8,
        ..AutoKParams::default()
    };
    let result = choose_k(&data, &params, &mut Xoshiro256PlusPlus::seed_from_u64(1)).unwrap();
    let ari = adjusted_rand_index(&truth, &result.model.labels);
    println!(
        "K = {}, silhouette {:.3}, ARI {ari:.3}",
        result.best_k, result.silhouette
    );
    assert!(
        ari >= 0.9,
        "adjusted Rand index {ari} (K = {})",
        result.best_k
    );
}
