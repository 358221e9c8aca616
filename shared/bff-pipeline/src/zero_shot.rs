//! Zero-shot attribute tagging: which taxonomy values a picture shows, read by a CLIP-style
//! embedder that puts images and texts in one space.
//!
//! Each value of a renderable category gets one text, "a fashion design of <the value's prompt
//! phrase>" ([`label_texts`]); its vector is computed once per taxonomy version and embedder
//! (the embed stage caches them). A picture's vector is compared with every label of a category
//! by cosine similarity; CLIP's logit scale (100) and a softmax over the category turn the
//! similarities into probabilities, and the most probable value is recorded when its
//! probability reaches [`MIN_PROBABILITY`] ([`tag`]). One value per category: the taxonomy's
//! categories are mostly exclusive (one neckline, one silhouette), and a second colour is a
//! weaker reading than the first.
//!
//! The tags then stand for the values the picture shows, as the sketch renderer's own report
//! does for sketches, so prompt adherence, coverage, gaps, boosts and learning work on real
//! images the same way.

use bff_domain::{AttributeValue, Taxonomy};
use serde::{Deserialize, Serialize};

/// CLIP's learned temperature, fixed at its trained value.
pub const LOGIT_SCALE: f64 = 100.0;

/// The least probability (within its category) at which a value is recorded as shown.
pub const MIN_PROBABILITY: f64 = 0.35;

/// A value a picture shows, with the probability the tagger gave it within its category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub category: String,
    pub value: String,
    pub score: f64,
}

impl Tag {
    pub fn attribute(&self) -> AttributeValue {
        AttributeValue::new(&self.category, &self.value)
    }
}

/// The texts to embed for the taxonomy's renderable values, in taxonomy order.
pub fn label_texts(taxonomy: &Taxonomy) -> Vec<(AttributeValue, String)> {
    taxonomy
        .categories()
        .iter()
        .filter(|c| c.renderable)
        .flat_map(|c| {
            c.values.iter().map(move |v| {
                (
                    c.attribute(v),
                    format!("a fashion design of {}", v.prompt.trim()),
                )
            })
        })
        .collect()
}

/// The values `image` shows, one per category at most, by the label vectors `labels` (the
/// texts of [`label_texts`] embedded, in the same order). Vectors of another length than the
/// image's are ignored.
pub fn tag(image: &[f32], labels: &[(AttributeValue, Vec<f32>)]) -> Vec<Tag> {
    let mut tags = Vec::new();
    let mut start = 0;
    while start < labels.len() {
        let category = &labels[start].0.category;
        let end = labels[start..]
            .iter()
            .position(|(a, _)| &a.category != category)
            .map_or(labels.len(), |n| start + n);
        if let Some(tag) = best_of_category(image, &labels[start..end]) {
            tags.push(tag);
        }
        start = end;
    }
    tags
}

fn best_of_category(image: &[f32], labels: &[(AttributeValue, Vec<f32>)]) -> Option<Tag> {
    let logits: Vec<(usize, f64)> = labels
        .iter()
        .enumerate()
        .filter_map(|(i, (_, v))| cosine(image, v).map(|c| (i, LOGIT_SCALE * c)))
        .collect();
    let max = logits
        .iter()
        .map(|(_, l)| *l)
        .fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return None;
    }
    let total: f64 = logits.iter().map(|(_, l)| (l - max).exp()).sum();
    let (best, logit) = logits.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1))?;
    let probability = (logit - max).exp() / total;
    (probability >= MIN_PROBABILITY).then(|| Tag {
        category: labels[best].0.category.clone(),
        value: labels[best].0.value.clone(),
        score: (probability * 1e4).round() / 1e4,
    })
}

fn cosine(a: &[f32], b: &[f32]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    let norm = (na * nb).sqrt();
    (norm > 0.0 && norm.is_finite()).then(|| dot / norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(dim: usize, hot: usize) -> Vec<f32> {
        let mut v = vec![0.0; dim];
        v[hot] = 1.0;
        v
    }

    #[test]
    fn every_renderable_value_has_one_label_and_abstract_categories_none() {
        let taxonomy = Taxonomy::embedded();
        let labels = label_texts(taxonomy);
        let renderable: usize = taxonomy
            .categories()
            .iter()
            .filter(|c| c.renderable)
            .map(|c| c.values.len())
            .sum();
        assert_eq!(labels.len(), renderable);
        assert!(labels
            .iter()
            .all(|(a, text)| taxonomy.contains(a) && text.starts_with("a fashion design of ")));
        let abstract_category = taxonomy.categories().iter().find(|c| !c.renderable);
        if let Some(c) = abstract_category {
            assert!(labels.iter().all(|(a, _)| a.category != c.id));
        }
    }

    #[test]
    fn the_closest_value_of_each_category_is_tagged_when_it_stands_out() {
        let labels = vec![
            (AttributeValue::new("colour", "red"), unit(4, 0)),
            (AttributeValue::new("colour", "blue"), unit(4, 1)),
            (AttributeValue::new("neckline", "v-neck"), unit(4, 2)),
            (AttributeValue::new("neckline", "crew"), unit(4, 3)),
        ];
        // Close to red and halfway between the two necklines: red is tagged, no neckline.
        let image = [0.9, 0.1, 0.3, 0.3];
        let tags = tag(&image, &labels);
        assert_eq!(tags.len(), 2, "{tags:?}");
        assert_eq!(
            (tags[0].value.as_str(), tags[0].score > 0.99),
            ("red", true)
        );
        assert!(
            (tags[1].score - 0.5).abs() < 1e-3,
            "a tie is 50/50, above the threshold: {tags:?}"
        );
        // A vector of another length reads nothing.
        assert!(tag(&[1.0, 0.0], &labels).is_empty());
        assert!(tag(&image, &[]).is_empty());
    }

    #[test]
    fn a_value_below_the_threshold_is_not_recorded() {
        let labels: Vec<_> = (0..4)
            .map(|i| (AttributeValue::new("colour", format!("c{i}")), unit(4, i)))
            .collect();
        // Equally close to four values: 25 % each.
        assert!(tag(&[0.5, 0.5, 0.5, 0.5], &labels).is_empty());
    }
}
