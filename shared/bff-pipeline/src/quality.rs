//! The quality score the DPP weighs against diversity, and what "renderable" means.
//!
//! For providers that report no score of their own (the sketch renderer, and today every
//! provider), quality is **prompt adherence**, in one sentence for a designer: *how faithfully
//! the picture shows the planned design: each visible planned value counts 1 when drawn as
//! itself, ½ when drawn as a stand-in, 0 when missing, and the score is halved when the picture
//! shows something the brief ruled out.*
//!
//! - The values counted are the variant's planned values of renderable categories (shape, colour,
//!   print; see the taxonomy's `renderable` flag). Fabric, occasion, era and the like are left
//!   out because no sketch can show them.
//! - A stand-in ([`Approximation`]) is the nearest shape the provider knows: a leopard print drawn
//!   as a generic animal print, a mandarin collar as a high neck. The design is recognisable but
//!   not the one asked for, hence half credit ([`STAND_IN`]).
//! - A value is missing when the provider could not draw it on this design (a hip length on a
//!   dress) or at all.
//! - Ruled out: a drawn value, or the stand-in of one, that the brief excludes ("no florals"
//!   drawn with a toile print, which the renderer shows as a floral). Such a picture contradicts
//!   the designer's own words, so it can never reach the "high quality" mark (0.75) that the
//!   standout detection uses ([`RULED_OUT`]).
//!
//! With the sketch renderer a design has seven or eight renderable values, so a stand-in costs
//! about 0.07 and a missing value about 0.13: designs drawn entirely as asked score 1, one with
//! a couple of stand-ins about 0.86. A 36-variant job of the brief "relaxed linen resort dress,
//! earthy tones, no florals" typically spreads from about 0.4 (florals shown) to 1.0 with a
//! median near 0.87, a handful of designs at 1 and two to seven below 0.75. Briefs that leave
//! little to stand-ins score higher across the board, as they should.
//!
//! It is not an aesthetic model and does not pretend to be one: it measures whether the image is
//! the design that was asked for, which is what a designer's set should be chosen from first.
//! A provider's own score, when it reports one, is used instead ([`provider_score`]).

use std::collections::BTreeSet;

use bff_domain::{AttributeValue, Taxonomy};

use crate::ports::Approximation;

/// Credit of a planned value drawn as a stand-in for itself.
pub const STAND_IN: f64 = 0.5;
/// Factor applied when the picture shows a value the brief excludes.
pub const RULED_OUT: f64 = 0.5;

/// Whether a picture can show the value: its category is renderable in the taxonomy.
pub fn renderable(taxonomy: &Taxonomy, value: &AttributeValue) -> bool {
    taxonomy
        .category(&value.category)
        .is_some_and(|c| c.renderable)
}

/// Prompt adherence in [0, 1] (see the module docs): the mean credit of `requested`'s renderable
/// values (1 drawn, [`STAND_IN`] when listed in `approximated`, 0 when not in `drawn`), times
/// [`RULED_OUT`] when a drawn value or a stand-in is in `excluded`. 1 when nothing requested is
/// renderable (nothing could have been missed) and nothing excluded is shown.
pub fn prompt_adherence(
    taxonomy: &Taxonomy,
    requested: &[AttributeValue],
    drawn: &[AttributeValue],
    approximated: &[Approximation],
    excluded: &[AttributeValue],
) -> f64 {
    let drawn: BTreeSet<&AttributeValue> = drawn.iter().collect();
    let stand_ins: BTreeSet<&AttributeValue> = approximated
        .iter()
        .map(|a| &a.value)
        .filter(|a| drawn.contains(a))
        .collect();
    let wanted: BTreeSet<&AttributeValue> = requested
        .iter()
        .filter(|a| renderable(taxonomy, a))
        .collect();
    let adherence = if wanted.is_empty() {
        1.0
    } else {
        let credit: f64 = wanted
            .iter()
            .map(|a| match (drawn.contains(a), stand_ins.contains(a)) {
                (false, _) => 0.0,
                (true, true) => STAND_IN,
                (true, false) => 1.0,
            })
            .sum();
        credit / wanted.len() as f64
    };
    let excluded: BTreeSet<&AttributeValue> = excluded.iter().collect();
    let shown_as = |a: &Approximation| AttributeValue::new(&a.value.category, &a.drawn_as);
    let ruled_out = drawn.iter().any(|a| excluded.contains(a))
        || approximated
            .iter()
            .filter(|a| drawn.contains(&a.value))
            .any(|a| excluded.contains(&shown_as(a)));
    if ruled_out {
        adherence * RULED_OUT
    } else {
        adherence
    }
}

/// A provider's own score, if usable (finite, clamped to [0, 1]).
pub fn provider_score(score: Option<f64>) -> Option<f64> {
    score.filter(|q| q.is_finite()).map(|q| q.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use bff_domain::parse_brief;
    use bff_domain::prompt::{plan_designs, DesignRequest, Personalisation, PlanConfig};
    use bff_render::{render_sketch, SketchRequest};

    use super::*;

    fn a(c: &str, v: &str) -> AttributeValue {
        AttributeValue::new(c, v)
    }

    fn stand_in(c: &str, v: &str, drawn_as: &str) -> Approximation {
        Approximation {
            value: a(c, v),
            drawn_as: drawn_as.into(),
        }
    }

    #[test]
    fn adherence_counts_renderable_values_only() {
        let t = Taxonomy::embedded();
        let requested = [
            a("garment_type", "dress"),
            a("length", "midi"),
            a("colour", "navy"),
            a("neckline", "v-neck"),
            a("fabric", "linen"),
            a("occasion", "evening"),
        ];
        let drawn = [
            a("garment_type", "dress"),
            a("length", "midi"),
            a("colour", "navy"),
        ];
        assert_eq!(prompt_adherence(t, &requested, &drawn, &[], &[]), 0.75);
        assert_eq!(prompt_adherence(t, &requested, &requested, &[], &[]), 1.0);
        assert_eq!(prompt_adherence(t, &requested, &[], &[], &[]), 0.0);
        assert_eq!(
            prompt_adherence(t, &[a("fabric", "linen")], &[], &[], &[]),
            1.0
        );
    }

    #[test]
    fn a_stand_in_counts_half() {
        let t = Taxonomy::embedded();
        let requested = [
            a("garment_type", "dress"),
            a("pattern", "leopard"),
            a("colour", "cobalt"),
            a("colour", "navy"),
        ];
        let exact = prompt_adherence(t, &requested, &requested, &[], &[]);
        let one = [stand_in("pattern", "leopard", "animal-print")];
        let approximated = prompt_adherence(t, &requested, &requested, &one, &[]);
        let two = [one[0].clone(), stand_in("colour", "cobalt", "blue")];
        let more = prompt_adherence(t, &requested, &requested, &two, &[]);
        assert_eq!((exact, approximated, more), (1.0, 0.875, 0.75));
        // A stand-in is still better than nothing.
        let missing = prompt_adherence(t, &requested, &requested[1..], &[], &[]);
        assert!(missing < approximated, "{missing} < {approximated}");
        // A stand-in for a value that was not drawn after all changes nothing.
        let stray = [stand_in("silhouette", "pencil", "sheath")];
        assert_eq!(
            prompt_adherence(t, &requested, &requested, &stray, &[]),
            1.0
        );
    }

    #[test]
    fn showing_what_the_brief_rules_out_halves_the_score() {
        let t = Taxonomy::embedded();
        let requested = [
            a("garment_type", "dress"),
            a("length", "midi"),
            a("pattern", "toile"),
            a("colour", "rust"),
        ];
        let toile = [stand_in("pattern", "toile", "floral")];
        let floral = [a("pattern", "floral")];
        let allowed = prompt_adherence(t, &requested, &requested, &toile, &[]);
        let ruled_out = prompt_adherence(t, &requested, &requested, &toile, &floral);
        assert_eq!((allowed, ruled_out), (0.875, 0.4375));
        assert!(ruled_out < 0.75, "never a high-quality design");
        // A provider that reports drawing an excluded value outright.
        let drawn = [a("garment_type", "dress"), a("pattern", "floral")];
        assert_eq!(
            prompt_adherence(t, &drawn, &drawn, &[], &floral),
            0.5,
            "exact but ruled out"
        );
    }

    /// The quality of every variant of a planned job, drawn by the sketch renderer.
    fn job_qualities(brief: &str, designs: u32, seed: u64) -> Vec<f64> {
        let t = Taxonomy::embedded();
        let brief = parse_brief(brief, t).unwrap();
        let request = DesignRequest::from(&brief);
        let plan = plan_designs(
            &request,
            designs,
            &PlanConfig::default(),
            &Personalisation::default(),
            t,
            seed,
        )
        .unwrap();
        plan.variants
            .iter()
            .map(|v| {
                let requested = v.attribute_values();
                let sketch = render_sketch(&SketchRequest::new(requested.clone(), v.seed)).unwrap();
                prompt_adherence(
                    t,
                    &requested,
                    &sketch.drawn,
                    &sketch.approximated,
                    &request.excluded,
                )
            })
            .collect()
    }

    #[test]
    fn a_typical_job_straddles_the_high_quality_mark() {
        for seed in [1, 2, 3] {
            let q = job_qualities(
                "relaxed linen resort dress, earthy tones, no florals",
                12,
                seed,
            );
            assert_eq!(q.len(), 36);
            assert!(q.iter().all(|q| (0.0..=1.0).contains(q)));
            let high = q.iter().filter(|q| **q >= 0.75).count();
            let distinct: BTreeSet<u64> = q.iter().map(|q| q.to_bits()).collect();
            assert!(distinct.len() >= 4, "seed {seed}: {q:?}");
            assert!(
                (18..36).contains(&high),
                "seed {seed}: most but not all at 0.75 or more: {q:?}"
            );
            assert_eq!(
                q,
                job_qualities(
                    "relaxed linen resort dress, earthy tones, no florals",
                    12,
                    seed
                )
            );
        }
    }

    #[test]
    fn provider_scores_are_clamped_or_ignored() {
        assert_eq!(provider_score(Some(1.7)), Some(1.0));
        assert_eq!(provider_score(Some(-0.2)), Some(0.0));
        assert_eq!(provider_score(Some(f64::NAN)), None);
        assert_eq!(provider_score(None), None);
    }
}
