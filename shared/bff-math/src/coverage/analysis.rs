//! The coverage computation: validate, count, score, rank.
//!
//! Ordered maps only: `HashMap`'s default hasher seeds itself from platform entropy.

use std::collections::{BTreeMap, BTreeSet};

use super::errors::{CoverageError, NameField};
use super::model::{
    AttributeValue, CategoryCoverage, CoverageConfig, CoverageGap, CoverageReport, CoverageTarget,
    ObservedImage, Severity, UntargetedValue, ValueCoverage,
};

/// Weight of a value the designer asked for, in category and overall means.
pub const REQUESTED_WEIGHT: f64 = 2.0;
/// Weight of any other targeted value.
pub const UNREQUESTED_WEIGHT: f64 = 1.0;
/// Scales the severity of unrequested gaps, so that they top out at `High`.
pub const UNREQUESTED_SEVERITY_FACTOR: f64 = 0.6;
/// Boost of the mildest gap.
pub const MIN_BOOST: f64 = 0.15;
/// Boost of the most severe gap; the cap keeps one attribute from dominating the prompt.
pub const MAX_BOOST: f64 = 0.25;
/// Boost added per unit of severity score.
pub const BOOST_PER_SEVERITY: f64 = 0.10;

/// Relative slack when rounding `target_share × set_size` up, so that floating-point noise
/// (`0.07 × 100 = 7.000000000000001`) does not ask for one design more.
const TARGET_COUNT_TOLERANCE: f64 = 1e-9;

type Key<'a> = (&'a str, &'a str);

/// Measures how well `images` cover `targets` and ranks the gaps; see the [module docs](super).
pub fn analyse_coverage(
    targets: &[CoverageTarget],
    images: &[ObservedImage],
    config: &CoverageConfig,
) -> Result<CoverageReport, CoverageError> {
    let index = validate(targets, images, config)?;

    let mut counts = vec![0usize; targets.len()];
    let mut untargeted: BTreeMap<Key<'_>, usize> = BTreeMap::new();
    for image in images {
        let distinct: BTreeSet<Key<'_>> = image
            .attributes
            .iter()
            .map(|a| (a.category.as_str(), a.value.as_str()))
            .collect();
        for key in distinct {
            match index.get(&key) {
                Some(&i) => counts[i] += 1,
                None => *untargeted.entry(key).or_insert(0) += 1,
            }
        }
    }

    let per_value: Vec<ValueCoverage> = targets
        .iter()
        .zip(&counts)
        .map(|(t, &count)| value_coverage(t, count, config.set_size, images.len()))
        .collect();

    let categories = category_coverage(&per_value);
    let overall_score = weighted_coverage(per_value.iter());
    let multi: Vec<f64> = categories
        .iter()
        .filter(|c| c.targeted_values >= 2)
        .map(|c| c.evenness)
        .collect();
    let overall_evenness = if multi.is_empty() {
        1.0
    } else {
        (multi.iter().sum::<f64>() / multi.len() as f64).clamp(0.0, 1.0)
    };

    Ok(CoverageReport {
        overall_score,
        overall_evenness,
        set_size: config.set_size,
        image_count: images.len(),
        gaps: rank_gaps(&per_value),
        categories,
        per_value,
        untargeted: untargeted
            .into_iter()
            .map(|((category, value), count)| UntargetedValue {
                category: category.to_owned(),
                value: value.to_owned(),
                count,
            })
            .collect(),
    })
}

/// Checks the inputs and returns the position of each target by `(category, value)`.
fn validate<'a>(
    targets: &'a [CoverageTarget],
    images: &[ObservedImage],
    config: &CoverageConfig,
) -> Result<BTreeMap<Key<'a>, usize>, CoverageError> {
    if config.set_size == 0 {
        return Err(CoverageError::ZeroSetSize);
    }
    if targets.is_empty() {
        return Err(CoverageError::NoTargets);
    }
    let mut index = BTreeMap::new();
    for (i, t) in targets.iter().enumerate() {
        if let Some(field) = empty_field(&t.category, &t.value) {
            return Err(CoverageError::EmptyTargetName { index: i, field });
        }
        // Written so that NaN fails the check.
        if !(t.target_share.is_finite() && t.target_share > 0.0 && t.target_share <= 1.0) {
            return Err(CoverageError::InvalidTargetShare {
                index: i,
                category: t.category.clone(),
                value: t.value.clone(),
                share: t.target_share,
            });
        }
        if let Some(&first) = index.get(&(t.category.as_str(), t.value.as_str())) {
            return Err(CoverageError::DuplicateTarget {
                first,
                second: i,
                category: t.category.clone(),
                value: t.value.clone(),
            });
        }
        index.insert((t.category.as_str(), t.value.as_str()), i);
    }
    for (image, observed) in images.iter().enumerate() {
        for (attribute, AttributeValue { category, value }) in
            observed.attributes.iter().enumerate()
        {
            if let Some(field) = empty_field(category, value) {
                return Err(CoverageError::EmptyObservedName {
                    image,
                    attribute,
                    field,
                });
            }
        }
    }
    Ok(index)
}

fn empty_field(category: &str, value: &str) -> Option<NameField> {
    if category.is_empty() {
        Some(NameField::Category)
    } else if value.is_empty() {
        Some(NameField::Value)
    } else {
        None
    }
}

/// `max(1, ceil(share × set_size))`, treating a product just above an integer (within a relative
/// 1e-9) as that integer. Never more than `set_size`; the float-to-int cast saturates, so huge
/// set sizes cannot overflow.
fn target_count(share: f64, set_size: usize) -> usize {
    let exact = share * set_size as f64;
    let floor = exact.floor();
    let rounded = if exact - floor <= exact.max(1.0) * TARGET_COUNT_TOLERANCE {
        floor
    } else {
        exact.ceil()
    };
    (rounded as usize).clamp(1, set_size.max(1))
}

fn value_coverage(
    target: &CoverageTarget,
    count: usize,
    set_size: usize,
    image_count: usize,
) -> ValueCoverage {
    let target_count = target_count(target.target_share, set_size);
    ValueCoverage {
        category: target.category.clone(),
        value: target.value.clone(),
        requested: target.requested,
        target_share: target.target_share,
        target_count,
        count,
        coverage: (count as f64 / target_count as f64).min(1.0),
        share: if image_count == 0 {
            0.0
        } else {
            count as f64 / image_count as f64
        },
    }
}

fn weight(requested: bool) -> f64 {
    if requested {
        REQUESTED_WEIGHT
    } else {
        UNREQUESTED_WEIGHT
    }
}

/// Weighted mean of coverage. Every term is non-decreasing in its count and the summation order
/// is fixed, so (floating-point rounding being monotone) the mean never falls as counts grow.
fn weighted_coverage<'a>(values: impl Iterator<Item = &'a ValueCoverage>) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for v in values {
        let w = weight(v.requested);
        num += w * v.coverage;
        den += w;
    }
    if den > 0.0 {
        (num / den).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

fn category_coverage(per_value: &[ValueCoverage]) -> Vec<CategoryCoverage> {
    let mut order: Vec<&str> = Vec::new();
    let mut members: BTreeMap<&str, Vec<&ValueCoverage>> = BTreeMap::new();
    for v in per_value {
        let entry = members.entry(v.category.as_str()).or_default();
        if entry.is_empty() {
            order.push(v.category.as_str());
        }
        entry.push(v);
    }
    order
        .into_iter()
        .map(|category| {
            let values = &members[category];
            let counts: Vec<usize> = values.iter().map(|v| v.count).collect();
            CategoryCoverage {
                category: category.to_owned(),
                targeted_values: values.len(),
                covered_values: values.iter().filter(|v| v.coverage >= 1.0).count(),
                coverage: weighted_coverage(values.iter().copied()),
                evenness: evenness(&counts),
            }
        })
        .collect()
}

/// Shannon entropy of the counts divided by `ln m`: 0 when nothing is observed, 1 for a single
/// value that is observed (a lone value cannot be uneven).
fn evenness(counts: &[usize]) -> f64 {
    let total: f64 = counts.iter().map(|&c| c as f64).sum();
    if total <= 0.0 {
        return 0.0;
    }
    if counts.len() < 2 {
        return 1.0;
    }
    let entropy: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / total;
            -p * p.ln()
        })
        .sum();
    (entropy / (counts.len() as f64).ln()).clamp(0.0, 1.0)
}

fn rank_gaps(per_value: &[ValueCoverage]) -> Vec<CoverageGap> {
    let mut gaps: Vec<CoverageGap> = per_value
        .iter()
        .filter(|v| v.coverage < 1.0)
        .map(|v| {
            let factor = if v.requested {
                1.0
            } else {
                UNREQUESTED_SEVERITY_FACTOR
            };
            let severity_score = ((1.0 - v.coverage) * factor).clamp(0.0, 1.0);
            CoverageGap {
                category: v.category.clone(),
                value: v.value.clone(),
                requested: v.requested,
                coverage: v.coverage,
                count: v.count,
                target_count: v.target_count,
                missing: v.target_count.saturating_sub(v.count),
                severity_score,
                severity: Severity::from_score(severity_score),
                boost: (MIN_BOOST + BOOST_PER_SEVERITY * severity_score)
                    .clamp(MIN_BOOST, MAX_BOOST),
            }
        })
        .collect();
    gaps.sort_by(|a, b| {
        b.severity_score
            .total_cmp(&a.severity_score)
            .then_with(|| a.category.cmp(&b.category))
            .then_with(|| a.value.cmp(&b.value))
    });
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-12;

    fn target(category: &str, value: &str, share: f64, requested: bool) -> CoverageTarget {
        CoverageTarget::new(category, value, share, requested)
    }

    fn image(pairs: &[(&str, &str)]) -> ObservedImage {
        pairs.iter().copied().collect()
    }

    fn close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < EPS,
            "expected {expected}, got {actual}"
        );
    }

    fn gap<'a>(report: &'a CoverageReport, value: &str) -> &'a CoverageGap {
        report.gaps.iter().find(|g| g.value == value).unwrap()
    }

    /// Two categories, three images, set size 4. Expected values by hand:
    /// - target counts: linen ceil(0.5·4)=2, silk ceil(0.25·4)=1, wool 1, v-neck 2, crew ceil(0.3·4)=2;
    /// - counts (image 1 lists linen twice, counted once): linen 2, silk 1, wool 0, v-neck 2, crew 1;
    /// - coverage: linen 1, silk 1, wool 0, v-neck 1, crew 1/2;
    /// - fabric coverage (weights 2,1,1): (2·1 + 1 + 0)/4 = 0.75;
    ///   neckline coverage (weights 2,1): (2·1 + 0.5)/3 = 5/6;
    /// - overall (weights 2,1,1,2,1): (2 + 1 + 0 + 2 + 0.5)/7 = 5.5/7;
    /// - fabric evenness: H(2/3, 1/3, 0)/ln 3 = 0.636514…/1.098612… = 0.579380…;
    ///   neckline evenness: H(2/3, 1/3)/ln 2 = 0.918295…; overall evenness is their mean;
    /// - gaps: wool (0.6·1 = 0.6, high, boost 0.15+0.06) before crew (0.6·0.5 = 0.3, medium, 0.18).
    #[test]
    fn worked_example() {
        let targets = [
            target("fabric", "linen", 0.5, true),
            target("fabric", "silk", 0.25, false),
            target("fabric", "wool", 0.25, false),
            target("neckline", "v-neck", 0.5, true),
            target("neckline", "crew", 0.3, false),
        ];
        let images = [
            image(&[
                ("fabric", "linen"),
                ("neckline", "v-neck"),
                ("colour", "red"),
            ]),
            image(&[
                ("fabric", "linen"),
                ("fabric", "linen"),
                ("neckline", "crew"),
            ]),
            image(&[
                ("fabric", "silk"),
                ("neckline", "v-neck"),
                ("colour", "red"),
                ("colour", "blue"),
            ]),
        ];
        let r = analyse_coverage(&targets, &images, &CoverageConfig::new(4)).unwrap();

        assert_eq!(r.set_size, 4);
        assert_eq!(r.image_count, 3);
        let summary: Vec<(&str, usize, usize, f64)> = r
            .per_value
            .iter()
            .map(|v| (v.value.as_str(), v.target_count, v.count, v.coverage))
            .collect();
        assert_eq!(
            summary,
            [
                ("linen", 2, 2, 1.0),
                ("silk", 1, 1, 1.0),
                ("wool", 1, 0, 0.0),
                ("v-neck", 2, 2, 1.0),
                ("crew", 2, 1, 0.5),
            ]
        );
        close(r.per_value[0].share, 2.0 / 3.0);
        close(r.per_value[2].share, 0.0);
        close(r.per_value[4].share, 1.0 / 3.0);

        let fabric = &r.categories[0];
        assert_eq!(
            (
                fabric.category.as_str(),
                fabric.targeted_values,
                fabric.covered_values
            ),
            ("fabric", 3, 2)
        );
        close(fabric.coverage, 0.75);
        close(fabric.evenness, 0.5793801642856949);
        let neckline = &r.categories[1];
        assert_eq!(
            (
                neckline.category.as_str(),
                neckline.targeted_values,
                neckline.covered_values
            ),
            ("neckline", 2, 1)
        );
        close(neckline.coverage, 2.5 / 3.0);
        close(neckline.evenness, 0.9182958340544894);
        close(r.overall_score, 5.5 / 7.0);
        close(r.overall_evenness, 0.7488379991700922);

        assert_eq!(r.gaps.len(), 2);
        let wool = &r.gaps[0];
        assert_eq!((wool.value.as_str(), wool.missing), ("wool", 1));
        assert_eq!(wool.severity, Severity::High);
        close(wool.severity_score, 0.6);
        close(wool.boost, 0.21);
        let crew = &r.gaps[1];
        assert_eq!((crew.value.as_str(), crew.missing), ("crew", 1));
        assert_eq!(crew.severity, Severity::Medium);
        close(crew.severity_score, 0.3);
        close(crew.boost, 0.18);

        let untargeted: Vec<(&str, &str, usize)> = r
            .untargeted
            .iter()
            .map(|u| (u.category.as_str(), u.value.as_str(), u.count))
            .collect();
        assert_eq!(untargeted, [("colour", "blue", 1), ("colour", "red", 2)]);
    }

    #[test]
    fn severity_thresholds_are_inclusive() {
        assert_eq!(Severity::from_score(1.0), Severity::Critical);
        assert_eq!(Severity::from_score(0.75), Severity::Critical);
        assert_eq!(Severity::from_score(0.749_999), Severity::High);
        assert_eq!(Severity::from_score(0.5), Severity::High);
        assert_eq!(Severity::from_score(0.499_999), Severity::Medium);
        assert_eq!(Severity::from_score(0.25), Severity::Medium);
        assert_eq!(Severity::from_score(0.249_999), Severity::Low);
        assert_eq!(Severity::from_score(0.0), Severity::Low);
        assert_eq!(Severity::from_score(f64::NAN), Severity::Low);
    }

    /// Every target asks for the whole set (share 1, set size 4, target count 4); image `i` shows
    /// `rj` for every `j > i`, so `rj` is seen `j` times and its coverage is `j/4`. Scores are
    /// `1 − j/4` for requested values and `0.6·(1 − coverage)` otherwise, which lands exactly on
    /// each threshold; boosts are `0.15 + 0.1·score`.
    #[test]
    fn severity_and_boost_at_the_thresholds() {
        let targets = [
            target("a", "r0", 1.0, true),
            target("a", "r1", 1.0, true),
            target("a", "r2", 1.0, true),
            target("a", "r3", 1.0, true),
            target("a", "r4", 1.0, true),
            target("b", "u0", 1.0, false),
            target("b", "u3", 1.0, false),
        ];
        let images = [
            image(&[
                ("a", "r1"),
                ("a", "r2"),
                ("a", "r3"),
                ("a", "r4"),
                ("b", "u3"),
            ]),
            image(&[("a", "r2"), ("a", "r3"), ("a", "r4"), ("b", "u3")]),
            image(&[("a", "r3"), ("a", "r4"), ("b", "u3")]),
            image(&[("a", "r4")]),
        ];
        let r = analyse_coverage(&targets, &images, &CoverageConfig::new(4)).unwrap();

        let order: Vec<&str> = r.gaps.iter().map(|g| g.value.as_str()).collect();
        assert_eq!(order, ["r0", "r1", "u0", "r2", "r3", "u3"]);
        for (value, score, severity, boost) in [
            ("r0", 1.0, Severity::Critical, 0.25),
            ("r1", 0.75, Severity::Critical, 0.225),
            ("u0", 0.6, Severity::High, 0.21),
            ("r2", 0.5, Severity::High, 0.2),
            ("r3", 0.25, Severity::Medium, 0.175),
            ("u3", 0.15, Severity::Low, 0.165),
        ] {
            let g = gap(&r, value);
            close(g.severity_score, score);
            assert_eq!(g.severity, severity, "{value}");
            close(g.boost, boost);
            assert_eq!(g.missing, 4 - g.count);
        }
        // r4 is seen 4 times out of 4: covered, so not a gap.
        assert_eq!(r.per_value[4].coverage, 1.0);
        assert!(r.gaps.iter().all(|g| g.value != "r4"));
    }

    #[test]
    fn ties_are_ranked_by_category_then_value() {
        let targets = [
            target("b", "x", 0.5, false),
            target("a", "z", 0.5, false),
            target("a", "y", 0.5, false),
        ];
        let r = analyse_coverage(&targets, &[], &CoverageConfig::new(2)).unwrap();
        let order: Vec<(&str, &str)> = r
            .gaps
            .iter()
            .map(|g| (g.category.as_str(), g.value.as_str()))
            .collect();
        assert_eq!(order, [("a", "y"), ("a", "z"), ("b", "x")]);
        // Categories keep first-appearance order, values keep target order.
        let categories: Vec<&str> = r.categories.iter().map(|c| c.category.as_str()).collect();
        assert_eq!(categories, ["b", "a"]);
        assert_eq!(r.per_value[1].value, "z");
    }

    /// ceil(share·set_size) with floating-point noise removed and a floor of 1.
    #[test]
    fn target_count_rounds_up_without_float_noise() {
        assert_eq!(target_count(0.07, 100), 7); // 0.07·100 = 7.000000000000001
        assert_eq!(target_count(0.29, 100), 29); // 28.999999999999996
        assert_eq!(target_count(0.25, 10), 3); // 2.5
        assert_eq!(target_count(0.01, 10), 1); // 0.1
        assert_eq!(target_count(1e-300, 10), 1);
        assert_eq!(target_count(1.0, 1), 1);
        assert_eq!(target_count(1.0, 12), 12);
        assert_eq!(target_count(1.0, usize::MAX), usize::MAX);
        assert_eq!(target_count(1.0, (1 << 53) + 3), (1 << 53) + 3); // f64 rounds up, capped
        assert_eq!(target_count(0.5, 3_000_000_000), 1_500_000_000);
    }

    #[test]
    fn coverage_is_capped_at_one() {
        let targets = [target("fabric", "linen", 0.25, false)];
        let images = vec![image(&[("fabric", "linen")]); 3];
        let r = analyse_coverage(&targets, &images, &CoverageConfig::new(4)).unwrap();
        // target count ceil(0.25·4) = 1, seen 3 times.
        assert_eq!((r.per_value[0].count, r.per_value[0].coverage), (3, 1.0));
        assert_eq!(r.per_value[0].share, 1.0);
        assert_eq!(r.overall_score, 1.0);
        assert!(r.gaps.is_empty());
    }

    #[test]
    fn no_images_means_no_coverage() {
        let targets = [
            target("fabric", "linen", 0.5, true),
            target("fabric", "silk", 0.5, false),
            target("neckline", "crew", 0.5, false),
        ];
        let r = analyse_coverage(&targets, &[], &CoverageConfig::new(6)).unwrap();
        assert_eq!(r.image_count, 0);
        assert!(r
            .per_value
            .iter()
            .all(|v| v.share == 0.0 && v.coverage == 0.0));
        assert!(r
            .categories
            .iter()
            .all(|c| c.evenness == 0.0 && c.coverage == 0.0));
        assert_eq!(r.overall_score, 0.0);
        // Only fabric has two values; its evenness is 0.
        assert_eq!(r.overall_evenness, 0.0);
        assert_eq!(r.gaps.len(), 3);
        assert_eq!(r.gaps[0].severity, Severity::Critical);
        assert!(r.untargeted.is_empty());
    }

    #[test]
    fn single_value_categories_are_even_once_observed() {
        let targets = [target("fabric", "linen", 1.0, false)];
        let config = CoverageConfig::new(2);
        let none = analyse_coverage(&targets, &[], &config).unwrap();
        assert_eq!(none.categories[0].evenness, 0.0);
        // No category has two targeted values, so overall evenness is 1.
        assert_eq!(none.overall_evenness, 1.0);
        let one = analyse_coverage(&targets, &[image(&[("fabric", "linen")])], &config).unwrap();
        assert_eq!(one.categories[0].evenness, 1.0);
        assert_eq!(one.categories[0].coverage, 0.5);
    }

    #[test]
    fn equal_counts_are_perfectly_even() {
        let targets = [
            target("fabric", "linen", 0.5, false),
            target("fabric", "silk", 0.5, false),
            target("fabric", "wool", 0.5, false),
        ];
        let images = [
            image(&[("fabric", "linen"), ("fabric", "silk")]),
            image(&[("fabric", "wool")]),
        ];
        let r = analyse_coverage(&targets, &images, &CoverageConfig::new(2)).unwrap();
        close(r.categories[0].evenness, 1.0);
        close(r.overall_evenness, 1.0);
    }

    #[test]
    fn matching_is_exact() {
        let targets = [target("fabric", "linen", 0.5, false)];
        let images = [image(&[("fabric", "Linen"), ("Fabric", "linen")])];
        let r = analyse_coverage(&targets, &images, &CoverageConfig::new(2)).unwrap();
        assert_eq!(r.per_value[0].count, 0);
        assert_eq!(r.untargeted.len(), 2);
        assert_eq!(r.untargeted[0].category, "Fabric");
    }

    fn linen() -> Vec<CoverageTarget> {
        vec![target("fabric", "linen", 0.5, false)]
    }

    #[test]
    fn refuses_zero_set_size() {
        assert_eq!(
            analyse_coverage(&linen(), &[], &CoverageConfig::new(0)),
            Err(CoverageError::ZeroSetSize)
        );
    }

    #[test]
    fn refuses_no_targets() {
        assert_eq!(
            analyse_coverage(&[], &[], &CoverageConfig::new(4)),
            Err(CoverageError::NoTargets)
        );
    }

    #[test]
    fn refuses_empty_target_names() {
        let config = CoverageConfig::new(4);
        let mut targets = linen();
        targets.push(target("", "silk", 0.5, false));
        assert_eq!(
            analyse_coverage(&targets, &[], &config),
            Err(CoverageError::EmptyTargetName {
                index: 1,
                field: NameField::Category
            })
        );
        assert_eq!(
            analyse_coverage(&[target("fabric", "", 0.5, false)], &[], &config),
            Err(CoverageError::EmptyTargetName {
                index: 0,
                field: NameField::Value
            })
        );
    }

    #[test]
    fn refuses_target_shares_outside_zero_one() {
        let config = CoverageConfig::new(4);
        for share in [
            0.0,
            -0.1,
            1.000_001,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            let result = analyse_coverage(&[target("fabric", "linen", share, false)], &[], &config);
            match result {
                Err(CoverageError::InvalidTargetShare {
                    index: 0, share: s, ..
                }) => assert!(s.to_bits() == share.to_bits()),
                other => panic!("share {share}: {other:?}"),
            }
        }
        assert!(analyse_coverage(&[target("fabric", "linen", 1.0, false)], &[], &config).is_ok());
        assert!(analyse_coverage(
            &[target("fabric", "linen", f64::MIN_POSITIVE, false)],
            &[],
            &config
        )
        .is_ok());
    }

    #[test]
    fn refuses_duplicate_targets() {
        let targets = [
            target("fabric", "linen", 0.5, false),
            target("fabric", "silk", 0.5, false),
            target("fabric", "linen", 0.25, true),
        ];
        assert_eq!(
            analyse_coverage(&targets, &[], &CoverageConfig::new(4)),
            Err(CoverageError::DuplicateTarget {
                first: 0,
                second: 2,
                category: "fabric".into(),
                value: "linen".into()
            })
        );
    }

    #[test]
    fn refuses_empty_observed_names() {
        let images = [
            image(&[("fabric", "linen")]),
            image(&[("fabric", "silk"), ("neckline", "")]),
        ];
        assert_eq!(
            analyse_coverage(&linen(), &images, &CoverageConfig::new(4)),
            Err(CoverageError::EmptyObservedName {
                image: 1,
                attribute: 1,
                field: NameField::Value
            })
        );
    }

    #[test]
    fn errors_serialise_with_a_kind_tag() {
        let json = serde_json::to_value(CoverageError::EmptyTargetName {
            index: 2,
            field: NameField::Category,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "empty_target_name", "index": 2, "field": "category"})
        );
        assert_eq!(
            serde_json::to_value(CoverageError::ZeroSetSize).unwrap(),
            serde_json::json!({"kind": "zero_set_size"})
        );
    }

    #[test]
    fn severity_serialises_lowercase() {
        let names: Vec<String> = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ]
        .iter()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect();
        assert_eq!(names, ["\"critical\"", "\"high\"", "\"medium\"", "\"low\""]);
        assert!(Severity::Critical > Severity::High && Severity::Medium > Severity::Low);
    }

    #[test]
    fn inputs_read_from_json_and_reports_round_trip() {
        let targets: Vec<CoverageTarget> = serde_json::from_str(
            r#"[{"category": "fabric", "value": "linen", "target_share": 0.5, "requested": true},
                {"category": "fabric", "value": "silk", "target_share": 0.5}]"#,
        )
        .unwrap();
        assert!(targets[0].requested && !targets[1].requested);
        let images: Vec<ObservedImage> =
            serde_json::from_str(r#"[{"attributes": [{"category": "fabric", "value": "silk"}]}]"#)
                .unwrap();
        let config: CoverageConfig = serde_json::from_str(r#"{"set_size": 2}"#).unwrap();
        let misspelt = serde_json::from_str::<CoverageTarget>(
            r#"{"category": "fabric", "value": "linen", "target_share": 0.5, "requsted": true}"#,
        );
        assert!(misspelt.is_err());

        let report = analyse_coverage(&targets, &images, &config).unwrap();
        let json = serde_json::to_string(&report).unwrap();
        let back: CoverageReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);
        assert_eq!(report.gaps[0].severity, Severity::Critical);
        assert!(json.contains(r#""severity":"critical""#));
    }
}
