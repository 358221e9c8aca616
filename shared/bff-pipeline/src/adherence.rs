//! How faithfully each image provider draws what it is asked, by category, measured on this
//! deployment's own images: for every image a zero-shot tagger read, each requested value of a
//! visible category either shows in its tags or not. `GET /api/providers` shows the table; it is
//! aggregate figures only, never one user's designs.

use std::collections::BTreeMap;

use bff_domain::{AttributeValue, Taxonomy};
use serde::{Deserialize, Serialize};

use crate::ports::Provider;
use crate::zero_shot::Tag;

/// One tagged image: its provider, what it was asked for and what the tagger saw.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AdherenceSample {
    pub provider: Provider,
    pub requested: Vec<AttributeValue>,
    pub tags: Vec<Tag>,
}

/// One provider's adherence in one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryAdherence {
    pub provider: Provider,
    pub category: String,
    /// Tagged images that asked for a value of the category.
    pub images: u32,
    /// Of those, the images whose tags show the value asked for.
    pub shown: u32,
    /// `shown / images`.
    pub adherence: f64,
}

/// `GET /api/providers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvidersResponse {
    /// The providers a request may name on this deployment.
    pub providers: Vec<Provider>,
    /// By provider, then category; only categories a tagged image asked for.
    pub adherence: Vec<CategoryAdherence>,
    /// How many of the most recent tagged images the figures are read from.
    pub sampled_images: u32,
}

/// The table, from the samples (visible categories of the embedded taxonomy only: a tagger
/// cannot see an occasion).
pub fn table(samples: &[AdherenceSample]) -> Vec<CategoryAdherence> {
    table_with(Taxonomy::embedded(), samples)
}

fn table_with(taxonomy: &Taxonomy, samples: &[AdherenceSample]) -> Vec<CategoryAdherence> {
    let mut counts: BTreeMap<(Provider, String), (u32, u32)> = BTreeMap::new();
    for sample in samples {
        for wanted in &sample.requested {
            let visible = taxonomy
                .category(&wanted.category)
                .is_some_and(|c| c.renderable);
            if !visible {
                continue;
            }
            let shown = sample
                .tags
                .iter()
                .any(|t| t.category == wanted.category && t.value == wanted.value);
            let entry = counts
                .entry((sample.provider, wanted.category.clone()))
                .or_default();
            entry.0 += 1;
            entry.1 += u32::from(shown);
        }
    }
    counts
        .into_iter()
        .map(
            |((provider, category), (images, shown))| CategoryAdherence {
                provider,
                category,
                images,
                shown,
                adherence: f64::from(shown) / f64::from(images.max(1)),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(category: &str, value: &str) -> Tag {
        Tag {
            category: category.into(),
            value: value.into(),
            score: 0.9,
        }
    }

    #[test]
    fn each_provider_is_scored_per_visible_category() {
        let taxonomy = Taxonomy::embedded();
        let visible = taxonomy.categories().iter().find(|c| c.renderable).unwrap();
        let (a, b) = (&visible.values[0].id, &visible.values[1].id);
        let hidden = taxonomy.categories().iter().find(|c| !c.renderable);
        let mut requested = vec![AttributeValue::new(&visible.id, a)];
        if let Some(h) = hidden {
            requested.push(AttributeValue::new(&h.id, &h.values[0].id));
        }
        let samples = vec![
            AdherenceSample {
                provider: Provider::OpenAi,
                requested: requested.clone(),
                tags: vec![tag(&visible.id, a)],
            },
            AdherenceSample {
                provider: Provider::OpenAi,
                requested: requested.clone(),
                tags: vec![tag(&visible.id, b)],
            },
            AdherenceSample {
                provider: Provider::Stability,
                requested,
                tags: vec![tag(&visible.id, a)],
            },
        ];
        let rows = table_with(taxonomy, &samples);
        assert_eq!(
            rows.len(),
            2,
            "one visible category, two providers: {rows:?}"
        );
        assert_eq!(
            (
                rows[0].provider,
                rows[0].images,
                rows[0].shown,
                rows[0].adherence
            ),
            (Provider::OpenAi, 2, 1, 0.5)
        );
        assert_eq!(
            (rows[1].provider, rows[1].adherence),
            (Provider::Stability, 1.0)
        );
        assert!(table(&[]).is_empty());
    }
}
