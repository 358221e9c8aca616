//! Planning designs and writing their prompts, on the embedded taxonomy.

use std::collections::BTreeSet;

use bff_domain::prompt::{
    estimate_clip_tokens, plan_designs, DesignRequest, ModelFamily, Personalisation, Plan,
    PlanConfig, PlanError, Source, CLIP_TOKEN_BUDGET,
};
use bff_domain::{AttributeValue, Taxonomy};

fn av(category: &str, value: &str) -> AttributeValue {
    AttributeValue::new(category, value)
}

fn request(required: &[(&str, &str)], excluded: &[(&str, &str)]) -> DesignRequest {
    DesignRequest {
        required: required.iter().map(|(c, v)| av(c, v)).collect(),
        excluded: excluded.iter().map(|(c, v)| av(c, v)).collect(),
        modifiers: vec!["resort".into()],
    }
}

fn all_models() -> PlanConfig {
    PlanConfig {
        models: vec![
            ModelFamily::StableDiffusion,
            ModelFamily::Dalle,
            ModelFamily::Sketch,
        ],
        ..PlanConfig::default()
    }
}

fn plan(req: &DesignRequest, designs: u32, personal: &Personalisation, seed: u64) -> Plan {
    plan_designs(
        req,
        designs,
        &all_models(),
        personal,
        Taxonomy::embedded(),
        seed,
    )
    .unwrap()
}

fn linen_dress() -> DesignRequest {
    request(
        &[
            ("fabric", "linen"),
            ("garment_type", "dress"),
            ("length", "midi"),
        ],
        &[("pattern", "floral"), ("colour", "black")],
    )
}

#[test]
fn over_generates_by_the_factor() {
    let req = linen_dress();
    assert_eq!(
        plan(&req, 12, &Personalisation::default(), 1)
            .variants
            .len(),
        36
    );
    let config = PlanConfig {
        over_generation: 2.5,
        ..PlanConfig::default()
    };
    let p = plan_designs(
        &req,
        5,
        &config,
        &Personalisation::default(),
        Taxonomy::embedded(),
        1,
    )
    .unwrap();
    assert_eq!(p.variants.len(), 13, "ceil(5 × 2.5)");
}

#[test]
fn every_variant_keeps_the_brief_respects_exclusions_and_rules() {
    let taxonomy = Taxonomy::embedded();
    let req = linen_dress();
    for seed in 0..20 {
        let p = plan(&req, 12, &Personalisation::default(), seed);
        for v in &p.variants {
            let values = v.attribute_values();
            for r in &req.required {
                assert!(
                    values.contains(r),
                    "seed {seed} variant {} lacks {r:?}",
                    v.index
                );
            }
            for e in &req.excluded {
                assert!(
                    !values.contains(e),
                    "seed {seed} variant {} has excluded {e:?}",
                    v.index
                );
            }
            assert_eq!(
                taxonomy.check(&values),
                vec![],
                "seed {seed} variant {}",
                v.index
            );
            for c in taxonomy.categories().iter().filter(|c| c.required_in_plan) {
                let open = !taxonomy.allowed(&values, &c.id).is_empty();
                assert!(
                    values.iter().any(|a| a.category == c.id) || !open,
                    "seed {seed}: {} left open",
                    c.id
                );
            }
        }
    }
}

#[test]
fn variants_differ_in_attributes_not_only_in_seeds() {
    let p = plan(&linen_dress(), 12, &Personalisation::default(), 7);
    let combos: BTreeSet<Vec<AttributeValue>> = p
        .variants
        .iter()
        .map(|v| {
            let mut a = v.attribute_values();
            a.sort();
            a
        })
        .collect();
    assert_eq!(combos.len(), p.variants.len(), "no two variants alike");
    let seeds: BTreeSet<u64> = p.variants.iter().map(|v| v.seed).collect();
    assert_eq!(seeds.len(), p.variants.len());
    for category in ["silhouette", "neckline", "sleeve", "colour"] {
        let values: BTreeSet<String> = p
            .variants
            .iter()
            .flat_map(|v| v.attributes.iter().filter(|a| a.category == category))
            .map(|a| a.value.clone())
            .collect();
        assert!(
            values.len() >= 6,
            "{category}: only {values:?} over 36 variants"
        );
    }
}

#[test]
fn same_seed_same_plan() {
    let req = linen_dress();
    let a = plan(&req, 6, &Personalisation::default(), 99);
    assert_eq!(a, plan(&req, 6, &Personalisation::default(), 99));
    assert_ne!(a, plan(&req, 6, &Personalisation::default(), 100));
}

#[test]
fn companions_are_added_when_a_value_needs_them() {
    let req = request(&[("garment_type", "jeans"), ("pattern", "stripes")], &[]);
    let mut implied = 0;
    for seed in 0..10 {
        for v in plan(&req, 4, &Personalisation::default(), seed).variants {
            assert!(
                v.attributes.iter().any(|a| a.value == "denim"),
                "jeans imply denim"
            );
            implied += v
                .attributes
                .iter()
                .filter(|a| a.source == Source::Implied)
                .count();
            let colours = v
                .attributes
                .iter()
                .filter(|a| a.category == "colour")
                .count();
            assert!(colours >= 2, "stripes need two colours, got {colours}");
        }
    }
    assert!(implied > 0, "companions are recorded as implied");
}

/// Share of variants carrying `value` over many seeds.
fn share(req: &DesignRequest, personal: &Personalisation, value: &AttributeValue) -> f64 {
    let mut hits = 0;
    let mut total = 0;
    for seed in 0..40 {
        for v in plan(req, 4, personal, seed).variants {
            total += 1;
            hits += usize::from(v.attribute_values().contains(value));
        }
    }
    hits as f64 / total as f64
}

#[test]
fn boosts_and_preferences_raise_a_values_share() {
    let req = request(&[("garment_type", "dress")], &[]);
    let neckline = av("neckline", "square");
    let base = share(&req, &Personalisation::default(), &neckline);
    let boosted = Personalisation {
        boosts: vec![bff_domain::prompt::AttributeWeight {
            category: "neckline".into(),
            value: "square".into(),
            weight: 0.25,
        }],
        ..Personalisation::default()
    };
    let preferred = Personalisation {
        preferences: vec![bff_domain::prompt::AttributeWeight {
            category: "neckline".into(),
            value: "square".into(),
            weight: 4.0,
        }],
        ..Personalisation::default()
    };
    let with_boost = share(&req, &boosted, &neckline);
    let with_preference = share(&req, &preferred, &neckline);
    assert!(with_boost > base, "boost: {with_boost} vs {base}");
    assert!(
        with_preference > 1.5 * base,
        "preference: {with_preference} vs {base}"
    );
    // The boost is recorded where it was applied.
    let p = plan(&req, 12, &boosted, 3);
    let recorded = p
        .variants
        .iter()
        .flat_map(|v| &v.attributes)
        .find(|a| a.value == "square")
        .expect("square appears in 36 variants");
    assert_eq!(recorded.boost, Some(0.25));
    assert!(recorded.probability > 0.0 && recorded.probability <= 1.0);
}

#[test]
fn stable_diffusion_prompts_fit_the_token_budget_and_carry_exclusions() {
    let req = linen_dress();
    let personal = Personalisation {
        negatives: vec!["mannequin".into()],
        ..Personalisation::default()
    };
    for seed in 0..10 {
        for v in plan(&req, 12, &personal, seed).variants {
            let sd = v
                .prompts
                .iter()
                .find(|p| p.family == ModelFamily::StableDiffusion)
                .unwrap();
            assert!(sd.positive_length <= CLIP_TOKEN_BUDGET);
            assert!(sd.negative_length <= CLIP_TOKEN_BUDGET);
            // Weight syntax is parsed out by the UIs before tokenisation; the plain text fits.
            assert!(sd.positive.contains("(linen:1.30)"), "{}", sd.positive);
            let negatives: Vec<&str> = sd.negative.split(", ").collect();
            let unique: BTreeSet<String> = negatives.iter().map(|n| n.to_lowercase()).collect();
            assert_eq!(
                unique.len(),
                negatives.len(),
                "deduplicated: {}",
                sd.negative
            );
            assert!(sd.negative.contains("mannequin"));
            let floral = Taxonomy::embedded()
                .value("pattern", "floral")
                .unwrap()
                .prompt
                .clone();
            assert!(sd.negative.contains(&floral), "{}", sd.negative);
            assert!(estimate_clip_tokens(&sd.negative) <= CLIP_TOKEN_BUDGET);
            let params = &sd.parameters;
            assert!(params.steps.unwrap() >= 30 && params.guidance.unwrap() >= 6.5);

            let dalle = v
                .prompts
                .iter()
                .find(|p| p.family == ModelFamily::Dalle)
                .unwrap();
            assert!(dalle.positive.contains("Avoid"), "{}", dalle.positive);
            assert!(dalle.negative.is_empty());
            assert!(dalle.parameters.quality.is_some());
            assert_eq!(v.assigned_prompt().unwrap().family, v.model);
        }
    }
}

#[test]
fn models_are_assigned_round_robin() {
    let p = plan(&linen_dress(), 2, &Personalisation::default(), 1);
    let models: Vec<ModelFamily> = p.variants.iter().map(|v| v.model).collect();
    assert_eq!(
        &models[..3],
        &[
            ModelFamily::StableDiffusion,
            ModelFamily::Dalle,
            ModelFamily::Sketch
        ]
    );
}

#[test]
fn each_plan_error() {
    let t = Taxonomy::embedded();
    let none = Personalisation::default();
    let ok = PlanConfig::default();
    let err = |req: &DesignRequest, n: u32, c: &PlanConfig, p: &Personalisation| {
        plan_designs(req, n, c, p, t, 1).unwrap_err()
    };
    let req = linen_dress();
    assert!(matches!(
        err(&req, 0, &ok, &none),
        PlanError::DesignCount { .. }
    ));
    assert!(matches!(
        err(&req, 101, &ok, &none),
        PlanError::DesignCount { .. }
    ));
    let factor = PlanConfig {
        over_generation: 1.5,
        ..PlanConfig::default()
    };
    assert!(matches!(
        err(&req, 3, &factor, &none),
        PlanError::OverGeneration { .. }
    ));
    let no_models = PlanConfig {
        models: vec![],
        ..PlanConfig::default()
    };
    assert_eq!(err(&req, 3, &no_models, &none), PlanError::NoModels);
    let variety = PlanConfig {
        variety: 0.0,
        ..PlanConfig::default()
    };
    assert!(matches!(
        err(&req, 3, &variety, &none),
        PlanError::Variety { .. }
    ));
    let unknown = request(&[("fabric", "unobtainium")], &[]);
    assert!(matches!(
        err(&unknown, 3, &ok, &none),
        PlanError::UnknownValue { .. }
    ));
    let both = request(&[("fabric", "linen")], &[("fabric", "linen")]);
    assert!(matches!(
        err(&both, 3, &ok, &none),
        PlanError::RequestedAndExcluded { .. }
    ));
    let clash = request(&[("neckline", "strapless"), ("sleeve", "long")], &[]);
    assert!(matches!(
        err(&clash, 3, &ok, &none),
        PlanError::Conflicting { .. }
    ));
    let bad_weight = Personalisation {
        preferences: vec![bff_domain::prompt::AttributeWeight {
            category: "fabric".into(),
            value: "linen".into(),
            weight: f64::NAN,
        }],
        ..Personalisation::default()
    };
    assert!(matches!(
        err(&req, 3, &ok, &bad_weight),
        PlanError::InvalidWeight { .. }
    ));
}

#[test]
fn a_parsed_brief_plans_end_to_end() {
    let taxonomy = Taxonomy::embedded();
    let brief = bff_domain::parse_brief(
        "relaxed linen resort dress, earthy tones, no florals, 12 looks",
        taxonomy,
    )
    .unwrap();
    let req = DesignRequest::from(&brief);
    assert!(req.required.contains(&av("fabric", "linen")));
    assert!(req.excluded.contains(&av("pattern", "floral")));
    let designs = brief.count.unwrap_or(12);
    let p = plan(&req, designs, &Personalisation::default(), 5);
    assert_eq!(p.variants.len(), 36);
    assert_eq!(p.taxonomy_version, taxonomy.version());
}

#[test]
fn a_palette_narrows_the_colours_drawn() {
    let taxonomy = Taxonomy::embedded();
    let earthy = taxonomy
        .rules()
        .iter()
        .find(|r| r.id() == "palette-earthy-colours")
        .expect("the taxonomy maps palettes to colours");
    let bff_domain::Rule::Implies { then, .. } = earthy else {
        panic!("palette rules are implications");
    };
    let req = request(&[("garment_type", "dress"), ("palette", "earthy")], &[]);
    for seed in 0..10 {
        for v in plan(&req, 4, &Personalisation::default(), seed).variants {
            for a in v
                .attribute_values()
                .iter()
                .filter(|a| a.category == "colour")
            {
                assert!(then.contains(a), "{a:?} is not an earthy colour");
            }
        }
    }
}
