//! The plan: which variants to generate, with which attributes, for which model.

use std::collections::{BTreeMap, BTreeSet};

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::text::{self, ModelPrompt};
use crate::taxonomy::{ConflictKind, Rule};
use crate::{AttributeValue, Conflict, Taxonomy};

/// Most designs one plan may ask for.
pub const MAX_DESIGNS: u32 = 100;
/// Redraws of a variant whose combination repeats an earlier one or breaks a rule.
const ATTEMPTS: usize = 8;

/// Families of image models, each with its own prompt conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelFamily {
    /// Stable-Diffusion-style: weighted tokens within CLIP's 77-token budget, a negative prompt.
    StableDiffusion,
    /// DALL-E-style: natural sentences, no negative prompt, quality and style settings.
    Dalle,
    /// The offline sketch renderer: draws from the attributes themselves.
    Sketch,
}

/// How a plan is made. Defaults: over-generation 3, the sketch renderer only, variety 0.35.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanConfig {
    /// Variants per requested design, in [2, 3].
    pub over_generation: f64,
    /// Model families the variants are spread across (round robin), at least one.
    pub models: Vec<ModelFamily>,
    /// Factor applied to a value's weight for every earlier variant that uses it, in (0, 1]:
    /// lower spreads the plan wider across values.
    pub variety: f64,
}

impl Default for PlanConfig {
    fn default() -> Self {
        Self {
            over_generation: 3.0,
            models: vec![ModelFamily::Sketch],
            variety: 0.35,
        }
    }
}

/// What the designer asked for, as attribute values (from a parsed brief).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DesignRequest {
    /// Values every variant must carry.
    pub required: Vec<AttributeValue>,
    /// Values no variant may carry.
    pub excluded: Vec<AttributeValue>,
    /// Words of the brief the taxonomy does not know; passed to prompts as they are.
    pub modifiers: Vec<String>,
}

impl From<&crate::Brief> for DesignRequest {
    fn from(brief: &crate::Brief) -> Self {
        Self {
            required: brief.requested(),
            excluded: brief.excluded(),
            modifiers: brief.modifiers.iter().map(|m| m.text.clone()).collect(),
        }
    }
}

/// A weight attached to one attribute value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeWeight {
    pub category: String,
    pub value: String,
    pub weight: f64,
}

/// What is known about this user: learned preference weights (1 = neutral), coverage-gap boosts
/// (0.15 to 0.25) and learned negative phrases.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Personalisation {
    pub preferences: Vec<AttributeWeight>,
    pub boosts: Vec<AttributeWeight>,
    pub negatives: Vec<String>,
}

/// Where a planned value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Requested in the brief.
    Brief,
    /// Drawn by the planner.
    Sampled,
    /// Added because a chosen value needs it (jeans need denim; stripes need a second colour).
    Implied,
}

/// One value of a variant and everything that led to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedAttribute {
    pub category: String,
    pub value: String,
    pub source: Source,
    /// The taxonomy's base weight.
    pub prior: f64,
    /// The user's learned weight (1 when nothing is learned).
    pub preference: f64,
    /// The coverage-gap boost applied, if any.
    pub boost: Option<f64>,
    /// Probability the value had when it was drawn (1 for brief values).
    pub probability: f64,
}

impl PlannedAttribute {
    pub fn attribute(&self) -> AttributeValue {
        AttributeValue::new(&self.category, &self.value)
    }
}

/// One design to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub index: u32,
    /// Seed for the image model: distinct per variant, derived from the plan's seed.
    pub seed: u64,
    /// The model family this variant is generated with.
    pub model: ModelFamily,
    pub attributes: Vec<PlannedAttribute>,
    /// One prompt per configured model family (the assigned one among them).
    pub prompts: Vec<ModelPrompt>,
}

impl Variant {
    /// The prompt for the model this variant is assigned to.
    pub fn assigned_prompt(&self) -> Option<&ModelPrompt> {
        self.prompts.iter().find(|p| p.family == self.model)
    }

    pub fn attribute_values(&self) -> Vec<AttributeValue> {
        self.attributes
            .iter()
            .map(PlannedAttribute::attribute)
            .collect()
    }
}

/// A plan of variants for one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub designs: u32,
    pub over_generation: f64,
    pub seed: u64,
    pub taxonomy_version: String,
    pub variants: Vec<Variant>,
    /// Things the designer may want to know (a variant that could not avoid repeating another).
    pub warnings: Vec<String>,
}

/// Requests that cannot be planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlanError {
    #[error("ask for between 1 and {max} designs, not {designs}")]
    DesignCount { designs: u32, max: u32 },
    #[error("over-generation must be between 2 and 3, got {factor}")]
    OverGeneration { factor: f64 },
    #[error("at least one model family is needed")]
    NoModels,
    #[error("variety must be in (0, 1], got {variety}")]
    Variety { variety: f64 },
    #[error("{category}/{value} is not a value of the taxonomy")]
    UnknownValue { category: String, value: String },
    #[error("{category}/{value} is both requested and excluded")]
    RequestedAndExcluded { category: String, value: String },
    #[error("the requested values conflict: {}", .conflicts.iter().map(|c| c.message.as_str()).collect::<Vec<_>>().join("; "))]
    Conflicting { conflicts: Vec<Conflict> },
    #[error("weight of {category}/{value} must be a finite number >= 0, got {weight}")]
    InvalidWeight {
        category: String,
        value: String,
        weight: f64,
    },
}

/// Plans `designs` designs: `ceil(designs × over_generation)` variants.
pub fn plan_designs(
    request: &DesignRequest,
    designs: u32,
    config: &PlanConfig,
    personal: &Personalisation,
    taxonomy: &Taxonomy,
    seed: u64,
) -> Result<Plan, PlanError> {
    validate(request, designs, config, personal, taxonomy)?;
    let preferences = weights(&personal.preferences);
    let boosts = weights(&personal.boosts);
    let excluded: BTreeSet<&AttributeValue> = request.excluded.iter().collect();
    let boosted_categories: BTreeSet<&str> = boosts.keys().map(|a| a.category.as_str()).collect();
    let count = (designs as f64 * config.over_generation).ceil() as u32;

    let mut uses: BTreeMap<AttributeValue, u32> = BTreeMap::new();
    let mut seen: BTreeSet<Vec<AttributeValue>> = BTreeSet::new();
    let mut variants = Vec::with_capacity(count as usize);
    let mut warnings = Vec::new();
    for index in 0..count {
        let variant_seed = split_mix(seed ^ u64::from(index).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(variant_seed);
        let sampler = Sampler {
            taxonomy,
            excluded: &excluded,
            preferences: &preferences,
            boosts: &boosts,
            uses: &uses,
            variety: config.variety,
        };
        let mut best: Option<(Vec<PlannedAttribute>, usize)> = None;
        for _ in 0..ATTEMPTS {
            let attributes = sampler.fill(request, &boosted_categories, &mut rng);
            let key = sorted_values(&attributes);
            let broken = taxonomy.check(&key).len();
            let repeat = seen.contains(&key);
            let penalty = broken * 2 + usize::from(repeat);
            if best.as_ref().is_none_or(|(_, p)| penalty < *p) {
                best = Some((attributes, penalty));
            }
            if penalty == 0 {
                break;
            }
        }
        let Some((attributes, penalty)) = best else {
            continue;
        };
        if penalty > 0 {
            warnings.push(format!(
                "variant {index}: no combination found that is both new and free of conflicts"
            ));
        }
        let key = sorted_values(&attributes);
        for attribute in attributes.iter().filter(|a| a.source != Source::Brief) {
            *uses.entry(attribute.attribute()).or_default() += 1;
        }
        seen.insert(key);
        let model = config.models[index as usize % config.models.len()];
        let prompts = config
            .models
            .iter()
            .map(|family| text::prompt_for(*family, &attributes, request, personal, taxonomy))
            .collect();
        variants.push(Variant {
            index,
            seed: variant_seed,
            model,
            attributes,
            prompts,
        });
    }
    Ok(Plan {
        designs,
        over_generation: config.over_generation,
        seed,
        taxonomy_version: taxonomy.version().to_string(),
        variants,
        warnings,
    })
}

fn validate(
    request: &DesignRequest,
    designs: u32,
    config: &PlanConfig,
    personal: &Personalisation,
    taxonomy: &Taxonomy,
) -> Result<(), PlanError> {
    if designs == 0 || designs > MAX_DESIGNS {
        return Err(PlanError::DesignCount {
            designs,
            max: MAX_DESIGNS,
        });
    }
    if !(2.0..=3.0).contains(&config.over_generation) {
        return Err(PlanError::OverGeneration {
            factor: config.over_generation,
        });
    }
    if config.models.is_empty() {
        return Err(PlanError::NoModels);
    }
    if !(config.variety > 0.0 && config.variety <= 1.0) {
        return Err(PlanError::Variety {
            variety: config.variety,
        });
    }
    for a in request.required.iter().chain(&request.excluded) {
        if !taxonomy.contains(a) {
            return Err(PlanError::UnknownValue {
                category: a.category.clone(),
                value: a.value.clone(),
            });
        }
    }
    if let Some(a) = request
        .required
        .iter()
        .find(|a| request.excluded.contains(a))
    {
        return Err(PlanError::RequestedAndExcluded {
            category: a.category.clone(),
            value: a.value.clone(),
        });
    }
    // Missing companions (a second colour, denim for jeans) are the planner's to add; real clashes
    // between requested values are the designer's to resolve.
    let conflicts: Vec<Conflict> = taxonomy
        .check(&request.required)
        .into_iter()
        .filter(|c| matches!(c.kind, ConflictKind::Excludes | ConflictKind::MaxValues))
        .collect();
    if !conflicts.is_empty() {
        return Err(PlanError::Conflicting { conflicts });
    }
    for w in personal.preferences.iter().chain(&personal.boosts) {
        if !w.weight.is_finite() || w.weight < 0.0 {
            return Err(PlanError::InvalidWeight {
                category: w.category.clone(),
                value: w.value.clone(),
                weight: w.weight,
            });
        }
    }
    Ok(())
}

fn weights(list: &[AttributeWeight]) -> BTreeMap<AttributeValue, f64> {
    list.iter()
        .map(|w| (AttributeValue::new(&w.category, &w.value), w.weight))
        .collect()
}

fn sorted_values(attributes: &[PlannedAttribute]) -> Vec<AttributeValue> {
    let mut values: Vec<AttributeValue> =
        attributes.iter().map(PlannedAttribute::attribute).collect();
    values.sort();
    values
}

/// SplitMix64: decorrelates the per-variant seeds derived from one plan seed.
fn split_mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

struct Sampler<'a> {
    taxonomy: &'a Taxonomy,
    excluded: &'a BTreeSet<&'a AttributeValue>,
    preferences: &'a BTreeMap<AttributeValue, f64>,
    boosts: &'a BTreeMap<AttributeValue, f64>,
    uses: &'a BTreeMap<AttributeValue, u32>,
    variety: f64,
}

impl Sampler<'_> {
    /// One variant: the brief's values, then one drawn value per open required (or boosted)
    /// category, then whatever the chosen values need.
    fn fill(
        &self,
        request: &DesignRequest,
        boosted_categories: &BTreeSet<&str>,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Vec<PlannedAttribute> {
        let mut planned: Vec<PlannedAttribute> = Vec::new();
        for a in &request.required {
            if !planned.iter().any(|p| p.attribute() == *a) {
                planned.push(self.planned(a, Source::Brief, 1.0));
            }
        }
        for category in self.taxonomy.categories() {
            let wanted =
                category.required_in_plan || boosted_categories.contains(category.id.as_str());
            if !wanted || planned.iter().any(|p| p.category == category.id) {
                continue;
            }
            self.draw(&mut planned, &category.id, Source::Sampled, None, rng);
        }
        // Companions: at most a few rounds, since adding one value can call for another.
        for _ in 0..3 {
            let chosen: Vec<AttributeValue> =
                planned.iter().map(PlannedAttribute::attribute).collect();
            let mut added = false;
            for conflict in self.taxonomy.check(&chosen) {
                let rule = self
                    .taxonomy
                    .rules()
                    .iter()
                    .find(|r| r.id() == conflict.rule);
                match rule {
                    Some(Rule::RequiresValues { category, min, .. }) => {
                        let have = planned.iter().filter(|p| p.category == *category).count();
                        for _ in have..*min {
                            added |= self.draw(&mut planned, category, Source::Implied, None, rng);
                        }
                    }
                    Some(Rule::Implies { then, .. }) => {
                        added |= self.draw(
                            &mut planned,
                            &then.category,
                            Source::Implied,
                            Some(then),
                            rng,
                        );
                    }
                    _ => {}
                }
            }
            if !added {
                break;
            }
        }
        planned
    }

    /// Draws one value of `category` compatible with `planned` (restricted to `within` if given);
    /// false when there is none.
    fn draw(
        &self,
        planned: &mut Vec<PlannedAttribute>,
        category: &str,
        source: Source,
        within: Option<&crate::ValueSet>,
        rng: &mut Xoshiro256PlusPlus,
    ) -> bool {
        let chosen: Vec<AttributeValue> = planned.iter().map(PlannedAttribute::attribute).collect();
        // A chosen value that implies values of this category (an earthy palette implies earthy
        // colours) narrows the draw to them, unless nothing compatible is left there.
        let implied: Vec<&crate::ValueSet> = self
            .taxonomy
            .rules()
            .iter()
            .filter_map(|rule| match rule {
                Rule::Implies { when, then, .. }
                    if then.category == category && chosen.iter().any(|c| when.contains(c)) =>
                {
                    Some(then)
                }
                _ => None,
            })
            .collect();
        let mut candidates = self.candidates(&chosen, category, within, &implied);
        if candidates.is_empty() && !implied.is_empty() {
            candidates = self.candidates(&chosen, category, within, &[]);
        }
        let total: f64 = candidates.iter().map(|(_, w)| w).sum();
        if candidates.is_empty() || total <= 0.0 {
            return false;
        }
        let mut target = rng.random::<f64>() * total;
        let mut pick = candidates.len() - 1;
        for (i, (_, w)) in candidates.iter().enumerate() {
            if target < *w {
                pick = i;
                break;
            }
            target -= w;
        }
        let (attribute, weight) = &candidates[pick];
        planned.push(self.planned(attribute, source, weight / total));
        true
    }

    /// Values of `category` that may join `chosen`, with their sampling weights.
    fn candidates(
        &self,
        chosen: &[AttributeValue],
        category: &str,
        within: Option<&crate::ValueSet>,
        implied: &[&crate::ValueSet],
    ) -> Vec<(AttributeValue, f64)> {
        self.taxonomy
            .allowed(chosen, category)
            .into_iter()
            .map(|v| AttributeValue::new(category, &v.id))
            .filter(|a| !self.excluded.contains(a))
            .filter(|a| within.is_none_or(|set| set.contains(a)))
            .filter(|a| implied.iter().all(|set| set.contains(a)))
            .map(|a| {
                let w = self.weight(&a);
                (a, w)
            })
            .filter(|(_, w)| *w > 0.0)
            .collect()
    }

    fn weight(&self, a: &AttributeValue) -> f64 {
        let prior = self
            .taxonomy
            .value(&a.category, &a.value)
            .map_or(0.0, |v| v.prior);
        let preference = self.preferences.get(a).copied().unwrap_or(1.0);
        let boost = self.boosts.get(a).copied().unwrap_or(0.0);
        let uses = self.uses.get(a).copied().unwrap_or(0);
        prior * preference * (1.0 + boost) * self.variety.powi(uses as i32)
    }

    fn planned(&self, a: &AttributeValue, source: Source, probability: f64) -> PlannedAttribute {
        PlannedAttribute {
            category: a.category.clone(),
            value: a.value.clone(),
            source,
            prior: self
                .taxonomy
                .value(&a.category, &a.value)
                .map_or(0.0, |v| v.prior),
            preference: self.preferences.get(a).copied().unwrap_or(1.0),
            boost: self.boosts.get(a).copied(),
            probability,
        }
    }
}
