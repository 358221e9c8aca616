//! Prompt text and quality parameters per model family.

use serde::{Deserialize, Serialize};

use super::plan::{DesignRequest, ModelFamily, Personalisation, PlannedAttribute, Source};
use super::tokens::{estimate_clip_tokens, CLIP_TOKEN_BUDGET};
use crate::taxonomy::Rule;
use crate::{AttributeValue, Taxonomy};

/// Emphasis of values the designer asked for, in Stable-Diffusion weight syntax.
const BRIEF_EMPHASIS: f64 = 1.3;
/// What every Stable Diffusion negative prompt ends with, least important last.
const DEFAULT_NEGATIVES: [&str; 9] = [
    "blurry",
    "low resolution",
    "deformed",
    "bad anatomy",
    "extra limbs",
    "watermark",
    "text",
    "logo",
    "cropped garment",
];
/// Framing that makes the picture a readable design rather than a photo of a person.
const SD_STYLE: [&str; 4] = [
    "fashion design illustration",
    "full-length front view",
    "plain studio background",
    "high detail",
];
/// DALL-E 3 accepts prompts up to 4000 characters.
const DALLE_MAX_CHARS: usize = 4000;

/// Generation settings for one model family; fields a family does not use are `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityParameters {
    pub width: u32,
    pub height: u32,
    pub steps: Option<u32>,
    pub guidance: Option<f64>,
    pub sampler: Option<String>,
    /// DALL-E: `standard` or `hd`.
    pub quality: Option<String>,
    /// DALL-E: `natural` or `vivid`.
    pub style: Option<String>,
}

/// A prompt for one model family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelPrompt {
    pub family: ModelFamily,
    pub positive: String,
    /// Empty for families without negative prompts (their exclusions are in the positive text).
    pub negative: String,
    /// Estimated CLIP tokens (Stable Diffusion) or characters (others) of the positive prompt.
    pub positive_length: usize,
    pub negative_length: usize,
    /// Phrases left out to stay within the budget, most important first.
    pub dropped: Vec<String>,
    pub parameters: QualityParameters,
}

/// The prompt of one model family for a planned variant (the plan writes one per family; a
/// variant that moves to a provider of another family gets its family's prompt from here).
pub fn prompt_for(
    family: ModelFamily,
    attributes: &[PlannedAttribute],
    request: &DesignRequest,
    personal: &Personalisation,
    taxonomy: &Taxonomy,
) -> ModelPrompt {
    match family {
        ModelFamily::StableDiffusion => stable_diffusion(attributes, request, personal, taxonomy),
        ModelFamily::Dalle | ModelFamily::Sketch => {
            let (sentence, dropped) = sentence(attributes, request, personal, taxonomy);
            let parameters = if family == ModelFamily::Dalle {
                QualityParameters {
                    width: 1024,
                    height: 1792,
                    steps: None,
                    guidance: None,
                    sampler: None,
                    quality: Some(
                        if detailed(attributes) {
                            "hd"
                        } else {
                            "standard"
                        }
                        .into(),
                    ),
                    style: Some("natural".into()),
                }
            } else {
                QualityParameters {
                    width: 512,
                    height: 768,
                    steps: None,
                    guidance: None,
                    sampler: None,
                    quality: None,
                    style: None,
                }
            };
            ModelPrompt {
                family,
                positive_length: sentence.chars().count(),
                positive: sentence,
                negative: String::new(),
                negative_length: 0,
                dropped,
                parameters,
            }
        }
    }
}

/// The phrase a value is written as in prompts.
fn phrase(taxonomy: &Taxonomy, a: &AttributeValue) -> String {
    taxonomy
        .value(&a.category, &a.value)
        .map_or_else(|| a.value.replace('-', " "), |v| v.prompt.clone())
}

/// Patterns and textures are fine detail: more sampling steps, DALL-E's `hd`.
fn detailed(attributes: &[PlannedAttribute]) -> bool {
    attributes
        .iter()
        .any(|a| a.category == "texture" || (a.category == "pattern" && a.value != "solid"))
}

/// Order of importance: garment, the brief's values, boosted values, other drawn values.
fn by_importance(attributes: &[PlannedAttribute]) -> Vec<&PlannedAttribute> {
    let rank = |a: &PlannedAttribute| match (a.category.as_str(), a.source, a.boost) {
        ("garment_type", _, _) => 0,
        (_, Source::Brief, _) => 1,
        (_, _, Some(_)) => 2,
        (_, Source::Implied, _) => 3,
        _ => 4,
    };
    let mut ordered: Vec<&PlannedAttribute> = attributes.iter().collect();
    ordered.sort_by_key(|a| rank(a));
    ordered
}

fn stable_diffusion(
    attributes: &[PlannedAttribute],
    request: &DesignRequest,
    personal: &Personalisation,
    taxonomy: &Taxonomy,
) -> ModelPrompt {
    let mut positive: Vec<(String, String)> = Vec::new(); // (text as written, plain text)
    for a in by_importance(attributes) {
        let plain = phrase(taxonomy, &a.attribute());
        let weight = match (a.source, a.boost) {
            (Source::Brief, _) => Some(BRIEF_EMPHASIS),
            (_, Some(boost)) => Some(1.0 + boost),
            _ => None,
        };
        let written = match weight {
            Some(w) => format!("({plain}:{w:.2})"),
            None => plain.clone(),
        };
        positive.push((written, plain));
    }
    for m in &request.modifiers {
        positive.push((m.clone(), m.clone()));
    }
    for s in SD_STYLE {
        positive.push((s.to_string(), s.to_string()));
    }
    let (positive, positive_length, dropped) = within_budget(positive);

    let positive_plain: Vec<String> = attributes
        .iter()
        .map(|a| phrase(taxonomy, &a.attribute()).to_lowercase())
        .collect();
    let mut negative: Vec<String> = Vec::new();
    let add = |text: String, negative: &mut Vec<String>| {
        let lower = text.to_lowercase();
        if !lower.is_empty()
            && !negative.iter().any(|n| n.to_lowercase() == lower)
            && !positive_plain.contains(&lower)
        {
            negative.push(text);
        }
    };
    for e in &request.excluded {
        add(phrase(taxonomy, e), &mut negative);
    }
    for n in &personal.negatives {
        add(n.clone(), &mut negative);
    }
    for d in DEFAULT_NEGATIVES {
        add(d.to_string(), &mut negative);
    }
    // Last, so that they only take what room the budget leaves.
    for conflict in implied_negatives(attributes, taxonomy) {
        add(conflict, &mut negative);
    }
    let (negative, negative_length, _) =
        within_budget(negative.into_iter().map(|n| (n.clone(), n)).collect());

    let brief_values = attributes
        .iter()
        .filter(|a| a.source == Source::Brief)
        .count();
    ModelPrompt {
        family: ModelFamily::StableDiffusion,
        positive,
        negative,
        positive_length,
        negative_length,
        dropped,
        parameters: QualityParameters {
            width: 512,
            height: 768,
            steps: Some(if detailed(attributes) { 40 } else { 30 }),
            // Closer to the text when the brief says more.
            guidance: Some((6.5 + 0.25 * brief_values as f64).min(9.0)),
            sampler: Some("DPM++ 2M Karras".into()),
            quality: None,
            style: None,
        },
    }
}

/// Values the chosen ones rule out that an image model tends to draw anyway (sleeves on a
/// strapless dress): listed values of `excludes` rules, at most two per rule.
fn implied_negatives(attributes: &[PlannedAttribute], taxonomy: &Taxonomy) -> Vec<String> {
    let chosen: Vec<AttributeValue> = attributes.iter().map(PlannedAttribute::attribute).collect();
    let mut out = Vec::new();
    for rule in taxonomy.rules() {
        let Rule::Excludes { when, excludes, .. } = rule else {
            continue;
        };
        if !chosen.iter().any(|c| when.contains(c)) {
            continue;
        }
        for set in excludes {
            if let Some(values) = &set.values {
                for v in values.iter().take(2) {
                    out.push(phrase(taxonomy, &AttributeValue::new(&set.category, v)));
                }
            }
        }
    }
    out
}

/// Joins phrases with commas in order, leaving out those that would pass the token budget.
fn within_budget(phrases: Vec<(String, String)>) -> (String, usize, Vec<String>) {
    let mut kept: Vec<String> = Vec::new();
    let mut kept_plain: Vec<String> = Vec::new();
    let mut dropped = Vec::new();
    for (written, plain) in phrases {
        let mut trial = kept_plain.clone();
        trial.push(plain.clone());
        if estimate_clip_tokens(&trial.join(", ")) <= CLIP_TOKEN_BUDGET {
            kept.push(written);
            kept_plain = trial;
        } else {
            dropped.push(plain);
        }
    }
    let length = estimate_clip_tokens(&kept_plain.join(", "));
    (kept.join(", "), length, dropped)
}

/// A natural sentence for DALL-E-style models (and as the readable description of a sketch).
fn sentence(
    attributes: &[PlannedAttribute],
    request: &DesignRequest,
    personal: &Personalisation,
    taxonomy: &Taxonomy,
) -> (String, Vec<String>) {
    let ordered = by_importance(attributes);
    let garment = ordered
        .iter()
        .find(|a| a.category == "garment_type")
        .map_or_else(
            || "garment".to_string(),
            |a| phrase(taxonomy, &a.attribute()),
        );
    let colours: Vec<String> = ordered
        .iter()
        .filter(|a| a.category == "colour")
        .map(|a| phrase(taxonomy, &a.attribute()))
        .collect();
    let details: Vec<String> = ordered
        .iter()
        .filter(|a| a.category != "garment_type" && a.category != "colour")
        .map(|a| phrase(taxonomy, &a.attribute()))
        .collect();
    let mut text = format!("A front-view fashion design illustration of a {garment}");
    if !colours.is_empty() {
        text.push_str(&format!(" in {}", join_and(&colours)));
    }
    if !details.is_empty() {
        text.push_str(&format!(", with {}", details.join(", ")));
    }
    text.push_str(", shown full length on a plain light background.");
    if !request.modifiers.is_empty() {
        text.push_str(&format!(" Mood: {}.", request.modifiers.join(", ")));
    }
    let avoid: Vec<String> = request
        .excluded
        .iter()
        .map(|e| phrase(taxonomy, e))
        .chain(personal.negatives.iter().cloned())
        .collect();
    if !avoid.is_empty() {
        text.push_str(&format!(" Avoid {}.", join_and(&avoid)));
    }
    let mut dropped = Vec::new();
    if text.chars().count() > DALLE_MAX_CHARS {
        dropped.push(text.chars().skip(DALLE_MAX_CHARS).collect());
        text = text.chars().take(DALLE_MAX_CHARS).collect();
    }
    (text, dropped)
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
