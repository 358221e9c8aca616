//! A seeded synthetic sample for trying the math end to end without a pipeline: clustered unit
//! vectors standing in for image embeddings, a quality score per point, and fashion attributes that
//! follow the clusters (each cluster leans to one silhouette, colour family and pattern), with the
//! coverage targets a brief for this sample would set. Synthetic data, labelled as such in the output.

use anyhow::{ensure, Result};
use bff_math::coverage::{AttributeValue, CoverageTarget, ObservedImage};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

const SILHOUETTES: [&str; 5] = ["a-line", "sheath", "shift", "wrap", "empire"];
const COLOUR_FAMILIES: [&str; 6] = [
    "earth",
    "neutral",
    "jewel",
    "pastel",
    "monochrome",
    "brights",
];
const PATTERNS: [&str; 4] = ["solid", "stripes", "checks", "floral"];
const FABRICS: [&str; 3] = ["linen", "cotton", "silk"];

#[derive(Serialize)]
pub struct Sample {
    pub description: &'static str,
    pub seed: u64,
    pub embeddings: Vec<Vec<f32>>,
    pub quality: Vec<f64>,
    /// The cluster each point was drawn from, for checking what `bff cluster` recovers.
    pub true_clusters: Vec<usize>,
    pub images: Vec<ObservedImage>,
    pub targets: Vec<CoverageTarget>,
    pub set_size: usize,
}

pub fn generate(n: usize, dim: usize, clusters: usize, seed: u64) -> Result<Sample> {
    ensure!(clusters >= 1, "--clusters must be at least 1");
    ensure!(n >= clusters, "--n must be at least --clusters");
    ensure!(dim >= 2, "--dim must be at least 2");
    ensure!(n <= 100_000, "--n must be at most 100000");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let centres: Vec<Vec<f32>> = (0..clusters)
        .map(|_| unit((0..dim).map(|_| gaussian(&mut rng)).collect()))
        .collect();
    // Noise of norm ~0.8 around unit centres: clusters overlap a little, as real styles do.
    let spread = 0.8 / (dim as f32).sqrt();
    let mut embeddings = Vec::with_capacity(n);
    let mut quality = Vec::with_capacity(n);
    let mut true_clusters = Vec::with_capacity(n);
    let mut images = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % clusters;
        let point = centres[c]
            .iter()
            .map(|v| v + spread * gaussian(&mut rng))
            .collect();
        embeddings.push(unit(point));
        quality.push(0.35 + 0.65 * rng.random::<f64>());
        true_clusters.push(c);
        // Attributes lean to the cluster's own values, with a one-in-four chance of another value.
        let pick = |rng: &mut Xoshiro256PlusPlus, values: &[&'static str]| {
            if rng.random::<f64>() < 0.75 {
                values[c % values.len()]
            } else {
                values[rng.random_range(0..values.len())]
            }
        };
        let attributes = vec![
            AttributeValue::new("silhouette", pick(&mut rng, &SILHOUETTES)),
            AttributeValue::new("colour_family", pick(&mut rng, &COLOUR_FAMILIES)),
            AttributeValue::new("pattern", pick(&mut rng, &PATTERNS)),
            AttributeValue::new("fabric", FABRICS[rng.random_range(0..FABRICS.len())]),
        ];
        images.push(ObservedImage { attributes });
    }
    // The brief asked for linen; the rest of the targets ask for variety across the taxonomy.
    let mut targets = vec![CoverageTarget::new("fabric", "linen", 0.5, true)];
    for (category, values) in [
        ("silhouette", &SILHOUETTES[..]),
        ("colour_family", &COLOUR_FAMILIES[..]),
        ("pattern", &PATTERNS[..]),
    ] {
        for value in values {
            targets.push(CoverageTarget::new(category, *value, 0.1, false));
        }
    }
    Ok(Sample {
        description: "synthetic sample: clustered unit vectors standing in for image embeddings",
        seed,
        embeddings,
        quality,
        true_clusters,
        images,
        targets,
        set_size: (n / 5).clamp(1, 24),
    })
}

fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v
        .iter()
        .map(|x| x * x)
        .sum::<f32>()
        .sqrt()
        .max(f32::MIN_POSITIVE);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// Standard normal by Box-Muller (two uniforms, one output: simple and good enough for samples).
fn gaussian(rng: &mut Xoshiro256PlusPlus) -> f32 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}
