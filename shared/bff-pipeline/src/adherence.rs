//! How faithfully each image provider draws what it is asked, by category, measured on this
//! deployment's own images: for every image a zero-shot tagger read, each requested value of a
//! visible category either shows in its tags or not. `GET /api/providers` shows the table; it is
//! aggregate figures only, never one user's designs.
//!
//! Routing ([`route`]) reads the same table: a job over several providers gives each a share of
//! its variants that follows how well the provider draws the categories the brief asks for, so
//! a brief about necklines sends most of its variants to the model that draws necklines best.
//! Every provider keeps at least one variant (the table goes on learning about all of them), and
//! a provider without measurements counts as average, so a new deployment spreads evenly.

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
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
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

/// How a job's variants were spread over its providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoutingMode {
    /// By measured adherence on the brief's visible categories (the default).
    #[default]
    Adherence,
    /// Round robin in the request's order, whatever the measurements say.
    Even,
}

impl RoutingMode {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "adherence" => Some(RoutingMode::Adherence),
            "even" => Some(RoutingMode::Even),
            _ => None,
        }
    }
}

/// One provider's standing in a job's routing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ProviderShare {
    pub provider: Provider,
    /// Variants given to the provider.
    pub variants: u32,
    /// Its estimated adherence on the brief's visible categories (smoothed: `(shown + 1) /
    /// (images + 2)` per category, averaged), 0.5 without measurements.
    pub adherence: f64,
    /// Tagged images the estimate rests on (summed over the categories).
    pub images: u32,
}

/// A job's routing: which provider draws each variant, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub mode: RoutingMode,
    /// The brief's visible categories the shares were measured on (none: an even spread).
    pub categories: Vec<String>,
    /// In the request's order.
    pub shares: Vec<ProviderShare>,
    /// The provider of each variant, by variant index.
    pub assignment: Vec<Provider>,
}

impl Route {
    /// Round robin over `providers` in their order: variant `i` to `providers[i % n]`.
    pub fn even(providers: &[Provider], variants: u32) -> Route {
        let assignment: Vec<Provider> = (0..variants as usize)
            .map(|i| providers[i % providers.len().max(1)])
            .collect();
        Route {
            mode: RoutingMode::Even,
            categories: Vec::new(),
            shares: providers
                .iter()
                .map(|&provider| ProviderShare {
                    provider,
                    variants: assignment.iter().filter(|&&p| p == provider).count() as u32,
                    adherence: PRIOR,
                    images: 0,
                })
                .collect(),
            assignment,
        }
    }

    /// Whether the route fits a job over `providers` with `variants` variants: one provider per
    /// variant, each one of the job's, and every provider used when there are enough variants.
    pub fn fits(&self, providers: &[Provider], variants: u32) -> bool {
        self.assignment.len() == variants as usize
            && self.assignment.iter().all(|p| providers.contains(p))
            && (variants < providers.len() as u32
                || providers.iter().all(|p| self.assignment.contains(p)))
    }
}

/// Adherence assumed for a provider with no measurements in a category.
const PRIOR: f64 = 0.5;

/// Spreads `variants` over `providers` by their adherence on the visible categories of
/// `requested` (the brief's values) that `table` has measurements of for them. Shares are proportional to the
/// adherence estimates, at least one variant each; the variants are interleaved (smooth
/// weighted round robin), so equal shares are exactly the request's round robin.
pub fn route(
    table: &[CategoryAdherence],
    providers: &[Provider],
    requested: &[AttributeValue],
    variants: u32,
) -> Route {
    route_with(Taxonomy::embedded(), table, providers, requested, variants)
}

fn route_with(
    taxonomy: &Taxonomy,
    table: &[CategoryAdherence],
    providers: &[Provider],
    requested: &[AttributeValue],
    variants: u32,
) -> Route {
    let mut categories: Vec<String> = requested
        .iter()
        .filter(|a| taxonomy.category(&a.category).is_some_and(|c| c.renderable))
        // A category none of the providers was measured on says nothing about them.
        .filter(|a| {
            table
                .iter()
                .any(|r| r.category == a.category && providers.contains(&r.provider))
        })
        .map(|a| a.category.clone())
        .collect();
    categories.sort();
    categories.dedup();
    if providers.len() < 2 || categories.is_empty() {
        return Route {
            mode: RoutingMode::Adherence,
            categories,
            ..Route::even(providers, variants)
        };
    }
    let estimates: Vec<(f64, u32)> = providers
        .iter()
        .map(|&provider| {
            let (sum, images) = categories.iter().fold((0.0, 0), |(sum, images), category| {
                let row = table
                    .iter()
                    .find(|r| r.provider == provider && &r.category == category);
                let (n, shown) = row.map_or((0, 0), |r| (r.images, r.shown));
                let smoothed = (f64::from(shown) + 2.0 * PRIOR) / (f64::from(n) + 2.0);
                (sum + smoothed, images + n)
            });
            (sum / categories.len() as f64, images)
        })
        .collect();
    let counts = shares(&estimates.iter().map(|e| e.0).collect::<Vec<_>>(), variants);
    Route {
        mode: RoutingMode::Adherence,
        shares: providers
            .iter()
            .zip(&estimates)
            .zip(&counts)
            .map(
                |((&provider, &(adherence, images)), &variants)| ProviderShare {
                    provider,
                    variants,
                    adherence: (adherence * 10_000.0).round() / 10_000.0,
                    images,
                },
            )
            .collect(),
        assignment: interleave(providers, &counts),
        categories,
    }
}

/// `total` split in proportion to `weights`, at least one each when `total` allows (largest
/// remainders, ties to the earlier weight).
fn shares(weights: &[f64], total: u32) -> Vec<u32> {
    let n = weights.len() as u32;
    let floor = u32::from(total >= n);
    let rest = total - floor * n;
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights
        .iter()
        .map(|w| {
            if sum > 0.0 {
                f64::from(rest) * w / sum
            } else {
                f64::from(rest) / f64::from(n)
            }
        })
        .collect();
    let mut counts: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    // Stable sort: equal remainders keep the request's order.
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.partial_cmp(&ra).unwrap_or(std::cmp::Ordering::Equal)
    });
    let missing = rest - counts.iter().sum::<u32>();
    for &i in order.iter().take(missing as usize) {
        counts[i] += 1;
    }
    counts.iter().map(|c| c + floor).collect()
}

/// The providers in the order of their variants: smooth weighted round robin over `counts`
/// (each step the provider furthest behind its share goes next), so a provider's variants are
/// spread through the plan and equal counts give plain round robin.
fn interleave(providers: &[Provider], counts: &[u32]) -> Vec<Provider> {
    let total: i64 = counts.iter().map(|&c| i64::from(c)).sum();
    let mut current = vec![0_i64; counts.len()];
    (0..total)
        .map(|_| {
            for (c, &w) in current.iter_mut().zip(counts) {
                *c += i64::from(w);
            }
            let mut next = 0;
            for i in 1..current.len() {
                if current[i] > current[next] {
                    next = i;
                }
            }
            current[next] -= total;
            providers[next]
        })
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

    fn row(provider: Provider, category: &str, images: u32, shown: u32) -> CategoryAdherence {
        CategoryAdherence {
            provider,
            category: category.into(),
            images,
            shown,
            adherence: f64::from(shown) / f64::from(images.max(1)),
        }
    }

    fn count(route: &Route, provider: Provider) -> usize {
        route.assignment.iter().filter(|&&p| p == provider).count()
    }

    const THREE: [Provider; 3] = [Provider::OpenAi, Provider::Stability, Provider::Replicate];

    #[test]
    fn without_measurements_the_route_is_the_requests_round_robin() {
        let necklines = [AttributeValue::new("neckline", "v-neck")];
        for variants in [1, 2, 3, 7, 36] {
            let route = route(&[], &THREE, &necklines, variants);
            assert_eq!(route.assignment, Route::even(&THREE, variants).assignment);
            assert_eq!(route.mode, RoutingMode::Adherence);
            assert!(route.categories.is_empty());
            assert!(route.fits(&THREE, variants), "{route:?}");
        }
        // A brief with no visible category has nothing to measure providers on.
        let occasion_only = [AttributeValue::new("occasion", "wedding")];
        let table = [row(Provider::Stability, "neckline", 100, 95)];
        let route = route(&table, &THREE, &occasion_only, 9);
        assert_eq!(route.assignment, Route::even(&THREE, 9).assignment);
    }

    #[test]
    fn a_brief_about_necklines_goes_mostly_to_the_provider_that_draws_them_best() {
        let table = [
            row(Provider::OpenAi, "neckline", 40, 10),
            row(Provider::Stability, "neckline", 40, 36),
            row(Provider::Replicate, "neckline", 40, 12),
            // Silhouettes say the opposite, but the brief does not ask for one.
            row(Provider::OpenAi, "silhouette", 40, 40),
            row(Provider::Stability, "silhouette", 40, 0),
        ];
        let brief = [
            AttributeValue::new("neckline", "v-neck"),
            AttributeValue::new("occasion", "wedding"),
            // Nobody was measured on colour: it does not dilute the necklines.
            AttributeValue::new("colour", "black"),
        ];
        let route = route(&table, &THREE, &brief, 36);
        assert_eq!(route.categories, ["neckline"]);
        let (openai, stability, replicate) = (
            count(&route, Provider::OpenAi),
            count(&route, Provider::Stability),
            count(&route, Provider::Replicate),
        );
        assert_eq!(openai + stability + replicate, 36);
        assert!(
            stability > 2 * openai && stability > 2 * replicate && openai >= 1 && replicate >= 1,
            "{openai} / {stability} / {replicate}"
        );
        // The shares say why, and match the assignment.
        for share in &route.shares {
            assert_eq!(share.variants as usize, count(&route, share.provider));
            assert_eq!(share.images, 40);
        }
        assert!((route.shares[1].adherence - 37.0 / 42.0).abs() < 1e-4);
        // The best provider's variants are spread through the plan, not bunched at its end.
        assert_eq!(route.assignment[0], Provider::Stability);
        assert!(route.assignment[18..].contains(&Provider::OpenAi));
        assert!(route.fits(&THREE, 36));

        // The same brief with silhouettes too: OpenAI's silhouettes pull its share up.
        let both = [
            AttributeValue::new("neckline", "v-neck"),
            AttributeValue::new("silhouette", "a-line"),
        ];
        let mixed = super::route(&table, &THREE, &both, 36);
        assert!(count(&mixed, Provider::OpenAi) > openai, "{mixed:?}");
    }

    #[test]
    fn every_provider_keeps_a_variant_and_shares_add_up() {
        let table = [
            row(Provider::OpenAi, "neckline", 1000, 1000),
            row(Provider::Stability, "neckline", 1000, 0),
            row(Provider::Replicate, "neckline", 1000, 0),
        ];
        let brief = [AttributeValue::new("neckline", "v-neck")];
        for variants in [3, 4, 10, 144] {
            let route = route(&table, &THREE, &brief, variants);
            assert_eq!(route.assignment.len() as u32, variants);
            assert!(THREE.iter().all(|&p| count(&route, p) > 0), "{route:?}");
            assert!(route.fits(&THREE, variants));
        }
        // Fewer variants than providers: the best providers draw them.
        let two = route(&table, &THREE, &brief, 2);
        assert_eq!(two.assignment, [Provider::OpenAi, Provider::OpenAi]);
        // A route for other providers or another size does not fit.
        let route = route(&table, &THREE, &brief, 10);
        assert!(!route.fits(&THREE, 9));
        assert!(!route.fits(&THREE[..2], 10));
        assert_eq!(shares(&[1.0, 1.0, 1.0], 7), [3, 2, 2]);
        assert_eq!(shares(&[0.0, 0.0], 3), [2, 1]);
        assert_eq!(shares(&[3.0, 1.0], 2), [1, 1]);
    }

    #[test]
    fn routing_modes_read_strictly() {
        assert_eq!(RoutingMode::parse("even"), Some(RoutingMode::Even));
        assert_eq!(
            RoutingMode::parse("adherence"),
            Some(RoutingMode::Adherence)
        );
        assert_eq!(RoutingMode::parse("Adherence"), None);
    }
}
