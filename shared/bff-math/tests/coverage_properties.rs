//! Properties of the attribute coverage analysis over random targets and images.

use std::collections::BTreeSet;

use bff_math::coverage::{
    analyse_coverage, CoverageConfig, CoverageReport, CoverageTarget, ObservedImage, Severity,
    MAX_BOOST, MIN_BOOST,
};
use proptest::prelude::*;

const CATEGORIES: [&str; 4] = ["fabric", "neckline", "sleeve", "colour"];
const VALUES: [&str; 5] = ["a", "b", "c", "d", "e"];

/// Shares on a grid (exercising exact products such as 0.25 × 4) and anywhere in (0, 1].
fn share() -> impl Strategy<Value = f64> {
    prop_oneof![
        (1u32..=20).prop_map(|k| f64::from(k) / 20.0),
        (1e-6f64..=1.0),
        Just(1.0),
    ]
}

/// Distinct targets drawn from the first three categories and four values, so that observed
/// images (which draw from all of them) also contain untargeted values.
fn targets() -> impl Strategy<Value = Vec<CoverageTarget>> {
    prop::collection::vec((0..3usize, 0..4usize, share(), any::<bool>()), 1..10).prop_map(|raw| {
        let mut seen = BTreeSet::new();
        raw.into_iter()
            .filter(|&(c, v, _, _)| seen.insert((c, v)))
            .map(|(c, v, s, r)| CoverageTarget::new(CATEGORIES[c], VALUES[v], s, r))
            .collect()
    })
}

fn image() -> impl Strategy<Value = ObservedImage> {
    prop::collection::vec((0..CATEGORIES.len(), 0..VALUES.len()), 0..6).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(c, v)| (CATEGORIES[c], VALUES[v]))
            .collect()
    })
}

/// Targets, a set size, images, and for each image whether it belongs to the smaller set.
fn scenario() -> impl Strategy<Value = (Vec<CoverageTarget>, usize, Vec<ObservedImage>, Vec<bool>)>
{
    (targets(), 1usize..24, prop::collection::vec(image(), 0..16)).prop_flat_map(
        |(targets, set_size, images)| {
            let n = images.len();
            (
                Just(targets),
                Just(set_size),
                Just(images),
                prop::collection::vec(any::<bool>(), n),
            )
        },
    )
}

fn analyse(
    targets: &[CoverageTarget],
    images: &[ObservedImage],
    set_size: usize,
) -> CoverageReport {
    analyse_coverage(targets, images, &CoverageConfig::new(set_size)).expect("valid inputs")
}

fn in_unit(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn coverage_never_falls_when_images_are_added(
        (targets, set_size, images, keep) in scenario()
    ) {
        let subset: Vec<ObservedImage> = images
            .iter()
            .zip(&keep)
            .filter(|(_, &k)| k)
            .map(|(i, _)| i.clone())
            .collect();
        let before = analyse(&targets, &subset, set_size);
        let after = analyse(&targets, &images, set_size);

        prop_assert!(after.overall_score >= before.overall_score);
        for (b, a) in before.per_value.iter().zip(&after.per_value) {
            prop_assert_eq!((&b.category, &b.value), (&a.category, &a.value));
            prop_assert!(a.count >= b.count);
            prop_assert!(a.coverage >= b.coverage, "{} / {}", a.category, a.value);
        }
        prop_assert_eq!(before.categories.len(), after.categories.len());
        for (b, a) in before.categories.iter().zip(&after.categories) {
            prop_assert_eq!(&b.category, &a.category);
            prop_assert!(a.coverage >= b.coverage, "{}", a.category);
            prop_assert!(a.covered_values >= b.covered_values);
        }
    }

    #[test]
    fn scores_and_evenness_stay_in_the_unit_interval(
        (targets, set_size, images, _keep) in scenario()
    ) {
        let r = analyse(&targets, &images, set_size);
        prop_assert!(in_unit(r.overall_score));
        prop_assert!(in_unit(r.overall_evenness));
        for c in &r.categories {
            prop_assert!(in_unit(c.coverage) && in_unit(c.evenness), "{:?}", c);
        }
        for v in &r.per_value {
            prop_assert!(in_unit(v.coverage) && in_unit(v.share), "{:?}", v);
            prop_assert!(v.target_count >= 1 && v.target_count <= set_size);
        }
    }

    #[test]
    fn boosts_are_bounded_and_follow_the_ranking(
        (targets, set_size, images, _keep) in scenario()
    ) {
        let r = analyse(&targets, &images, set_size);
        for g in &r.gaps {
            prop_assert!((MIN_BOOST..=MAX_BOOST).contains(&g.boost), "{:?}", g);
            prop_assert!(in_unit(g.severity_score));
            prop_assert_eq!(g.severity, Severity::from_score(g.severity_score));
        }
        for pair in r.gaps.windows(2) {
            prop_assert!(pair[0].boost >= pair[1].boost, "{:?}", pair);
            prop_assert!(pair[0].severity_score >= pair[1].severity_score);
            prop_assert!(pair[0].severity >= pair[1].severity);
        }
    }

    #[test]
    fn gaps_are_exactly_the_values_below_full_coverage(
        (targets, set_size, images, _keep) in scenario()
    ) {
        let r = analyse(&targets, &images, set_size);
        let short: BTreeSet<(&str, &str)> = r
            .per_value
            .iter()
            .filter(|v| v.coverage < 1.0)
            .map(|v| (v.category.as_str(), v.value.as_str()))
            .collect();
        let gaps: BTreeSet<(&str, &str)> = r
            .gaps
            .iter()
            .map(|g| (g.category.as_str(), g.value.as_str()))
            .collect();
        prop_assert_eq!(gaps.len(), r.gaps.len());
        prop_assert_eq!(short, gaps);
        for g in &r.gaps {
            prop_assert!(g.coverage < 1.0 && g.count < g.target_count);
            prop_assert_eq!(g.missing, g.target_count - g.count);
        }
    }

    #[test]
    fn image_order_does_not_matter(
        (targets, set_size, images) in (targets(), 1usize..24, prop::collection::vec(image(), 0..12))
            .prop_flat_map(|(t, s, i)| (Just(t), Just(s), Just(i).prop_shuffle()))
    ) {
        let mut reversed = images.clone();
        reversed.reverse();
        prop_assert_eq!(analyse(&targets, &images, set_size), analyse(&targets, &reversed, set_size));
    }
}
