//! The quality score the DPP weighs against diversity, and what "renderable" means.
//!
//! For providers that report no score of their own (the sketch renderer, and today every
//! provider), quality is **prompt adherence**: the share of the variant's renderable planned
//! values that the picture actually shows. It is not an aesthetic model and does not pretend to
//! be one: it measures whether the image is the design that was asked for, which is what a
//! designer's set should be chosen from first. Values of abstract categories (fabric, occasion,
//! era, ...) are left out because no sketch can show them; see the taxonomy's `renderable` flag.

use std::collections::BTreeSet;

use bff_domain::{AttributeValue, Taxonomy};

/// Whether a picture can show the value: its category is renderable in the taxonomy.
pub fn renderable(taxonomy: &Taxonomy, value: &AttributeValue) -> bool {
    taxonomy
        .category(&value.category)
        .is_some_and(|c| c.renderable)
}

/// The share of `requested`'s renderable values found in `drawn`, in [0, 1]; 1 when nothing
/// requested is renderable (nothing could have been missed).
pub fn prompt_adherence(
    taxonomy: &Taxonomy,
    requested: &[AttributeValue],
    drawn: &[AttributeValue],
) -> f64 {
    let wanted: BTreeSet<&AttributeValue> = requested
        .iter()
        .filter(|a| renderable(taxonomy, a))
        .collect();
    if wanted.is_empty() {
        return 1.0;
    }
    let drawn: BTreeSet<&AttributeValue> = drawn.iter().collect();
    wanted.iter().filter(|a| drawn.contains(*a)).count() as f64 / wanted.len() as f64
}

/// A provider's own score, if usable (finite, clamped to [0, 1]).
pub fn provider_score(score: Option<f64>) -> Option<f64> {
    score.filter(|q| q.is_finite()).map(|q| q.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(c: &str, v: &str) -> AttributeValue {
        AttributeValue::new(c, v)
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
        assert_eq!(prompt_adherence(t, &requested, &drawn), 0.75);
        assert_eq!(prompt_adherence(t, &requested, &requested), 1.0);
        assert_eq!(prompt_adherence(t, &requested, &[]), 0.0);
        assert_eq!(prompt_adherence(t, &[a("fabric", "linen")], &[]), 1.0);
    }

    #[test]
    fn provider_scores_are_clamped_or_ignored() {
        assert_eq!(provider_score(Some(1.7)), Some(1.0));
        assert_eq!(provider_score(Some(-0.2)), Some(0.0));
        assert_eq!(provider_score(Some(f64::NAN)), None);
        assert_eq!(provider_score(None), None);
    }
}
