use serde::{Deserialize, Serialize};

use super::errors::DppError;
use super::params::DppParams;
use crate::linalg::{dot, dot4};
use crate::Embeddings;

/// Why a candidate was picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PickReason {
    /// It was the highest-quality candidate still eligible: quality alone would have chosen it too.
    Quality,
    /// A higher-quality candidate was passed over for it: it adds more that is new to the set.
    Novelty,
}

/// One pick, in selection order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pick {
    /// Index of the candidate in the input.
    pub index: usize,
    pub quality: f64,
    /// Increase of `log det L_Y` this pick brought (the log of its determinant ratio).
    pub log_gain: f64,
    /// Share of its similarity vector not explained by earlier picks, in [0, 1]: 1 is entirely new.
    pub novelty: f64,
    pub reason: PickReason,
    pub cluster: Option<usize>,
}

/// A candidate dropped because it nearly duplicates a pick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppressed {
    pub index: usize,
    pub duplicate_of: usize,
    pub cosine: f64,
}

/// Why the selection stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    TargetReached,
    /// The best remaining determinant ratio fell below ε: more picks would add (almost) nothing.
    GainBelowEpsilon,
    NoCandidatesLeft,
}

/// The selected set and how diverse it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    pub picks: Vec<Pick>,
    pub suppressed: Vec<Suppressed>,
    pub stop: StopReason,
    /// `log det L_Y`: quality and diversity together.
    pub log_det_kernel: f64,
    /// `log det S_Y`: diversity alone (0 for orthogonal picks, very negative for redundant ones).
    pub log_det_similarity: f64,
    /// Mean of `1 − cos` over pairs of picks (0 with fewer than two picks).
    pub mean_pairwise_cosine_distance: f64,
    /// True when the cluster share cap had to be lifted to reach the target.
    pub cluster_cap_relaxed: bool,
}

fn validate(data: &Embeddings, quality: &[f64], params: &DppParams) -> Result<(), DppError> {
    if params.max_picks == 0 {
        return Err(DppError::ZeroPicks);
    }
    if !(0.0..1.0).contains(&params.theta) {
        return Err(DppError::InvalidTheta {
            theta: params.theta,
        });
    }
    if !params.epsilon.is_finite() || params.epsilon < 0.0 {
        return Err(DppError::InvalidEpsilon {
            epsilon: params.epsilon,
        });
    }
    if let Some(t) = params.near_duplicate_cosine {
        if !(t > 0.0 && t <= 1.0) {
            return Err(DppError::InvalidDuplicateThreshold { threshold: t });
        }
    }
    if quality.len() != data.len() {
        return Err(DppError::QualityLength {
            expected: data.len(),
            found: quality.len(),
        });
    }
    if let Some((index, &value)) = quality
        .iter()
        .enumerate()
        .find(|(_, q)| !(0.0..=1.0).contains(*q))
    {
        return Err(DppError::InvalidQuality { index, value });
    }
    if let Some(c) = &params.clusters {
        if c.labels.len() != data.len() {
            return Err(DppError::ClusterLabelsLength {
                expected: data.len(),
                found: c.labels.len(),
            });
        }
        if !(c.max_share > 0.0 && c.max_share <= 1.0) {
            return Err(DppError::InvalidMaxShare {
                max_share: c.max_share,
            });
        }
    }
    Ok(())
}

/// Greedy MAP selection of up to `params.max_picks` candidates (rows of `data`, L2-normalised here).
pub fn select(
    data: &Embeddings,
    quality: &[f64],
    params: &DppParams,
) -> Result<Selection, DppError> {
    validate(data, quality, params)?;
    let data = data.l2_normalised()?;
    let m = data.len();
    let alpha = params.alpha();
    // Scale r by exp(−α·q_max) so that every r lies in (0, 1] and nothing overflows as θ → 1;
    // a common scale factor leaves every argmax unchanged, and log gains are shifted back below.
    let q_max = quality.iter().copied().fold(0.0, f64::max);
    let scaled_r: Vec<f64> = quality
        .iter()
        .map(|q| (alpha * (q - q_max)).exp())
        .collect();
    let log_scale = 2.0 * alpha * q_max;
    let log_epsilon = params.epsilon.ln();
    let capacity = params.max_picks.min(m);

    // Chen et al.: c_i holds the Cholesky row of candidate i against the picks, d2_i its residual.
    let mut c = vec![0.0f64; m * capacity];
    let mut d2: Vec<f64> = scaled_r.iter().map(|r| r * r).collect();
    let mut available = vec![true; m];
    let mut picks: Vec<Pick> = Vec::with_capacity(capacity);
    let mut suppressed = Vec::new();
    let mut cluster_counts: std::collections::BTreeMap<usize, usize> = Default::default();
    let mut cap_relaxed = false;
    let mut kernel_row = vec![0.0f64; m];
    let mut cosines = vec![0.0f64; m];

    let stop = loop {
        if picks.len() == params.max_picks {
            break StopReason::TargetReached;
        }
        let Some(eligible) = eligible_candidates(
            &available,
            params,
            &cluster_counts,
            picks.len(),
            &mut cap_relaxed,
        ) else {
            break StopReason::NoCandidatesLeft;
        };
        let mut best: Option<usize> = None;
        let mut best_quality: f64 = f64::NEG_INFINITY;
        for i in (0..m).filter(|&i| eligible[i]) {
            if best.is_none_or(|b| d2[i] > d2[b]) {
                best = Some(i);
            }
            best_quality = best_quality.max(quality[i]);
        }
        let Some(j) = best else {
            break StopReason::NoCandidatesLeft;
        };
        let residual = d2[j].max(0.0);
        let log_gain = residual.ln() + log_scale;
        if residual <= 0.0 || log_gain < log_epsilon {
            break StopReason::GainBelowEpsilon;
        }
        let t = picks.len();
        available[j] = false;
        let cluster = params.clusters.as_ref().map(|cc| cc.labels[j]);
        if let Some(label) = cluster {
            *cluster_counts.entry(label).or_default() += 1;
        }
        picks.push(Pick {
            index: j,
            quality: quality[j],
            log_gain,
            novelty: (residual / (scaled_r[j] * scaled_r[j])).min(1.0),
            reason: if quality[j] >= best_quality {
                PickReason::Quality
            } else {
                PickReason::Novelty
            },
            cluster,
        });

        // Kernel row of j against the candidates still in play, four candidates per pass over x_j.
        let xj = data.row(j);
        let live: Vec<usize> = (0..m).filter(|&i| available[i]).collect();
        let mut chunks = live.chunks_exact(4);
        for q in chunks.by_ref() {
            let d = dot4(
                [
                    data.row(q[0]),
                    data.row(q[1]),
                    data.row(q[2]),
                    data.row(q[3]),
                ],
                xj,
            );
            for (r, &i) in q.iter().enumerate() {
                cosines[i] = d[r];
            }
        }
        for &i in chunks.remainder() {
            cosines[i] = dot(data.row(i), xj);
        }
        let dj = residual.sqrt();
        for &i in &live {
            kernel_row[i] = scaled_r[j] * scaled_r[i] * (1.0 + cosines[i]) * 0.5;
            let cj = &c[j * capacity..j * capacity + t];
            let ci = &c[i * capacity..i * capacity + t];
            let projection: f64 = cj.iter().zip(ci).map(|(a, b)| a * b).sum();
            let e = (kernel_row[i] - projection) / dj;
            c[i * capacity + t] = e;
            d2[i] -= e * e;
            if let Some(threshold) = params.near_duplicate_cosine {
                if cosines[i] >= threshold {
                    available[i] = false;
                    suppressed.push(Suppressed {
                        index: i,
                        duplicate_of: j,
                        cosine: cosines[i],
                    });
                }
            }
        }
    };

    let log_det_kernel = picks.iter().map(|p| p.log_gain).sum();
    let log_det_similarity = picks.iter().map(|p| p.novelty.ln()).sum();
    let mut distance_sum = 0.0;
    let mut pairs = 0usize;
    for (a, pa) in picks.iter().enumerate() {
        for pb in &picks[a + 1..] {
            distance_sum += 1.0 - dot(data.row(pa.index), data.row(pb.index));
            pairs += 1;
        }
    }
    Ok(Selection {
        picks,
        suppressed,
        stop,
        log_det_kernel,
        log_det_similarity,
        mean_pairwise_cosine_distance: if pairs == 0 {
            0.0
        } else {
            distance_sum / pairs as f64
        },
        cluster_cap_relaxed: cap_relaxed,
    })
}

/// The candidates the next pick may come from, or `None` when none is left.
///
/// Without clusters: every available candidate. With clusters: when the remaining slots are no more
/// than the clusters not yet represented, only those clusters; clusters at their cap are left out
/// unless that would leave nothing.
fn eligible_candidates(
    available: &[bool],
    params: &DppParams,
    cluster_counts: &std::collections::BTreeMap<usize, usize>,
    picked: usize,
    cap_relaxed: &mut bool,
) -> Option<Vec<bool>> {
    if !available.iter().any(|&a| a) {
        return None;
    }
    let Some(constraint) = &params.clusters else {
        return Some(available.to_vec());
    };
    let labels = &constraint.labels;
    let mut unrepresented: Vec<usize> = labels
        .iter()
        .zip(available)
        .filter(|(l, &a)| a && !cluster_counts.contains_key(l))
        .map(|(l, _)| *l)
        .collect();
    unrepresented.sort_unstable();
    unrepresented.dedup();
    let slots_left = params.max_picks - picked;
    let must_cover = !unrepresented.is_empty() && slots_left <= unrepresented.len();
    let cap = ((constraint.max_share * params.max_picks as f64).ceil() as usize).max(1);
    let base: Vec<bool> = available
        .iter()
        .zip(labels)
        .map(|(&a, l)| a && (!must_cover || unrepresented.binary_search(l).is_ok()))
        .collect();
    let capped: Vec<bool> = base
        .iter()
        .zip(labels)
        .map(|(&b, l)| b && cluster_counts.get(l).copied().unwrap_or(0) < cap)
        .collect();
    if capped.iter().any(|&e| e) {
        Some(capped)
    } else {
        *cap_relaxed = true;
        Some(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dpp::ClusterConstraint;

    /// Deterministic pseudo-random unit rows (a fixed linear congruential sequence).
    fn rows(n: usize, dim: usize, mut state: u64) -> Embeddings {
        let mut data = Vec::with_capacity(n * dim);
        for _ in 0..n * dim {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            data.push(((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5);
        }
        Embeddings::from_flat(data, dim).unwrap()
    }

    #[test]
    fn stops_when_the_similarity_rank_is_used_up() {
        // S = (1 + XXᵀ)/2 has rank at most dim + 1 = 9; the tenth pick would only add rounding noise.
        let data = rows(30, 8, 1);
        let selection = select(
            &data,
            &[0.5; 30],
            &DppParams::new(15).near_duplicate_cosine(None),
        )
        .unwrap();
        assert_eq!(selection.picks.len(), 9);
        assert_eq!(selection.stop, StopReason::GainBelowEpsilon);
    }

    #[test]
    fn theta_trades_quality_for_diversity() {
        let data = rows(60, 16, 2);
        let quality: Vec<f64> = (0..60).map(|i| i as f64 / 59.0).collect();
        let mean_quality = |theta: f64| {
            let s = select(&data, &quality, &DppParams::new(8).theta(theta)).unwrap();
            (
                s.picks.iter().map(|p| p.quality).sum::<f64>() / 8.0,
                s.log_det_similarity,
            )
        };
        let (q_diverse, div_diverse) = mean_quality(0.0);
        let (q_quality, div_quality) = mean_quality(0.95);
        assert!(q_quality > q_diverse, "{q_quality} > {q_diverse}");
        assert!(div_diverse > div_quality, "{div_diverse} > {div_quality}");
    }

    #[test]
    fn near_duplicates_are_suppressed() {
        let mut flat = Vec::new();
        for v in [
            [1.0f32, 0.0, 0.0],
            [0.999, 0.01, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
        ] {
            flat.extend_from_slice(&v);
        }
        let data = Embeddings::from_flat(flat, 3).unwrap();
        let s = select(&data, &[1.0, 0.9, 0.5, 0.5], &DppParams::new(4)).unwrap();
        let picks: Vec<usize> = s.picks.iter().map(|p| p.index).collect();
        assert_eq!(picks.len(), 3);
        assert!(!picks.contains(&1));
        assert_eq!(s.suppressed.len(), 1);
        assert_eq!(
            (s.suppressed[0].index, s.suppressed[0].duplicate_of),
            (1, 0)
        );
        assert_eq!(s.picks[0].reason, PickReason::Quality);
    }

    #[test]
    fn cluster_cap_and_representation() {
        let data = rows(40, 12, 3);
        // Cluster 0 holds the ten best candidates; cluster 1 and 2 the rest.
        let quality: Vec<f64> = (0..40).map(|i| if i < 10 { 1.0 } else { 0.2 }).collect();
        let labels: Vec<usize> = (0..40)
            .map(|i| if i < 10 { 0 } else { 1 + i % 2 })
            .collect();
        let params = DppParams::new(6)
            .theta(0.95)
            .clusters(Some(ClusterConstraint {
                labels: labels.clone(),
                max_share: 0.5,
            }));
        let s = select(&data, &quality, &params).unwrap();
        let from = |c: usize| s.picks.iter().filter(|p| labels[p.index] == c).count();
        assert_eq!(from(0), 3, "capped at half of 6");
        assert!(from(1) >= 1 && from(2) >= 1, "every cluster represented");
        assert!(!s.cluster_cap_relaxed);
    }

    #[test]
    fn every_invalid_parameter_is_a_typed_error() {
        let data = rows(3, 2, 4);
        let q = [0.5; 3];
        let err = |p: DppParams, q: &[f64]| select(&data, q, &p).unwrap_err();
        assert_eq!(err(DppParams::new(0), &q), DppError::ZeroPicks);
        assert_eq!(
            err(DppParams::new(1).theta(1.0), &q),
            DppError::InvalidTheta { theta: 1.0 }
        );
        assert_eq!(
            err(DppParams::new(1).theta(-0.1), &q),
            DppError::InvalidTheta { theta: -0.1 }
        );
        assert!(matches!(
            err(DppParams::new(1).epsilon(f64::NAN), &q),
            DppError::InvalidEpsilon { .. }
        ));
        assert_eq!(
            err(DppParams::new(1).near_duplicate_cosine(Some(0.0)), &q),
            DppError::InvalidDuplicateThreshold { threshold: 0.0 }
        );
        assert_eq!(
            err(DppParams::new(1), &q[..2]),
            DppError::QualityLength {
                expected: 3,
                found: 2
            }
        );
        assert!(matches!(
            err(DppParams::new(1), &[0.5, f64::NAN, 0.5]),
            DppError::InvalidQuality { index: 1, .. }
        ));
        let labels = |labels: Vec<usize>, max_share| Some(ClusterConstraint { labels, max_share });
        assert_eq!(
            err(DppParams::new(1).clusters(labels(vec![0], 0.5)), &q),
            DppError::ClusterLabelsLength {
                expected: 3,
                found: 1
            }
        );
        assert_eq!(
            err(DppParams::new(1).clusters(labels(vec![0, 0, 1], 0.0)), &q),
            DppError::InvalidMaxShare { max_share: 0.0 }
        );
        let zero = Embeddings::from_flat(vec![0.0, 0.0, 1.0, 0.0], 2).unwrap();
        assert_eq!(
            select(&zero, &[0.5, 0.5], &DppParams::new(1)).unwrap_err(),
            DppError::Embeddings(crate::EmbeddingsError::ZeroVector { row: 0 })
        );
    }

    #[test]
    fn extreme_theta_does_not_overflow() {
        let data = rows(20, 4, 5);
        let quality: Vec<f64> = (0..20).map(|i| i as f64 / 19.0).collect();
        let s = select(&data, &quality, &DppParams::new(3).theta(0.9999)).unwrap();
        assert_eq!(s.picks[0].index, 19);
        assert!(s.log_det_kernel.is_finite());
    }
}
