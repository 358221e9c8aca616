//! The embedded taxonomy file is valid and complete, and the validator catches bad edits.

use std::collections::BTreeSet;

use bff_domain::taxonomy::{TermOwner, EMBEDDED_JSON};
use bff_domain::{AttributeValue, Rule, Taxonomy, TaxonomyError};
use serde_json::{json, Value as Json};

fn taxonomy() -> &'static Taxonomy {
    match Taxonomy::try_embedded() {
        Ok(t) => t,
        Err(e) => panic!("data/vlt-taxonomy.json is invalid: {e}"),
    }
}

#[test]
fn embedded_file_is_valid_and_large_enough() {
    let t = taxonomy();
    assert_eq!(t.version(), "1.0.0");
    assert!(
        t.categories().len() >= 18,
        "{} categories",
        t.categories().len()
    );
    assert!(t.value_count() >= 180, "{} values", t.value_count());
    assert!(t.rules().len() >= 12, "{} rules", t.rules().len());
    let kinds: BTreeSet<&str> = t
        .rules()
        .iter()
        .map(|r| match r {
            Rule::Excludes { .. } => "excludes",
            Rule::RequiresValues { .. } => "requires_values",
            Rule::Implies { .. } => "implies",
        })
        .collect();
    assert_eq!(kinds.len(), 3, "every rule kind is used: {kinds:?}");
}

#[test]
fn expected_categories_exist_with_their_flags() {
    let t = taxonomy();
    let required = [
        "garment_type",
        "silhouette",
        "length",
        "neckline",
        "sleeve",
        "colour",
        "pattern",
        "fabric",
    ];
    let others = [
        "fit",
        "waist",
        "texture",
        "palette",
        "embellishment",
        "closure",
        "occasion",
        "season",
        "aesthetic",
        "era",
    ];
    for id in required {
        let c = t.category(id).unwrap_or_else(|| panic!("no category {id}"));
        assert!(c.required_in_plan, "{id} should be required in a plan");
    }
    for id in others {
        let c = t.category(id).unwrap_or_else(|| panic!("no category {id}"));
        assert!(!c.required_in_plan, "{id} should be optional in a plan");
    }
    assert_eq!(t.category("colour").map(|c| c.max_values), Some(3));
    for id in ["garment_type", "silhouette", "length", "neckline", "sleeve"] {
        assert_eq!(t.category(id).map(|c| c.max_values), Some(1), "{id}");
    }
    for id in ["garment_type", "neckline", "sleeve", "colour", "pattern"] {
        assert!(t.category(id).is_some_and(|c| c.renderable), "{id}");
    }
    for id in ["occasion", "season", "aesthetic", "era"] {
        assert!(t.category(id).is_some_and(|c| !c.renderable), "{id}");
    }
}

/// The shared attribute vocabulary: other stages name these ids, so they must exist exactly.
const REQUIRED_IDS: &[(&str, &[&str])] = &[
    (
        "garment_type",
        &[
            "dress", "gown", "kaftan", "top", "blouse", "shirt", "t-shirt", "sweater", "cardigan",
            "skirt", "trousers", "jeans", "shorts", "jumpsuit", "jacket", "blazer", "coat",
        ],
    ),
    (
        "silhouette",
        &[
            "a-line",
            "sheath",
            "shift",
            "fit-and-flare",
            "wrap",
            "empire",
            "bodycon",
            "trapeze",
            "ballgown",
            "mermaid",
            "slip",
            "peplum",
            "straight",
            "wide-leg",
            "tapered",
        ],
    ),
    (
        "length",
        &[
            "micro",
            "mini",
            "above-knee",
            "knee",
            "midi",
            "maxi",
            "floor",
            "cropped",
            "hip",
            "ankle",
        ],
    ),
    (
        "neckline",
        &[
            "v-neck",
            "crew",
            "scoop",
            "square",
            "sweetheart",
            "halter",
            "off-shoulder",
            "one-shoulder",
            "strapless",
            "boat",
            "high-neck",
            "turtleneck",
            "cowl",
            "collared",
            "keyhole",
        ],
    ),
    (
        "sleeve",
        &[
            "sleeveless",
            "spaghetti-strap",
            "cap",
            "short",
            "elbow",
            "three-quarter",
            "long",
            "puff",
            "bishop",
            "bell",
            "flutter",
            "raglan",
        ],
    ),
    (
        "waist",
        &[
            "natural",
            "high",
            "low",
            "dropped",
            "empire-waist",
            "belted",
            "cinched",
            "elasticated",
        ],
    ),
    (
        "colour",
        &[
            "red",
            "burgundy",
            "pink",
            "blush",
            "orange",
            "rust",
            "terracotta",
            "mustard",
            "yellow",
            "olive",
            "sage",
            "green",
            "emerald",
            "teal",
            "turquoise",
            "sky-blue",
            "blue",
            "navy",
            "lavender",
            "purple",
            "plum",
            "brown",
            "camel",
            "beige",
            "cream",
            "ivory",
            "white",
            "grey",
            "charcoal",
            "black",
            "gold",
            "silver",
        ],
    ),
    (
        "palette",
        &[
            "earthy",
            "pastel",
            "jewel-tone",
            "neutral",
            "monochrome",
            "brights",
            "muted",
            "metallic",
            "neon",
        ],
    ),
    (
        "pattern",
        &[
            "solid",
            "stripes",
            "pinstripe",
            "checks",
            "gingham",
            "plaid",
            "houndstooth",
            "polka-dots",
            "floral",
            "abstract",
            "geometric",
            "animal-print",
            "paisley",
            "tie-dye",
        ],
    ),
    (
        "texture",
        &[
            "smooth", "ribbed", "quilted", "pleated", "ruched", "crinkled", "knit", "sheer",
            "boucle", "brushed", "embossed",
        ],
    ),
    (
        "fabric",
        &[
            "linen",
            "cotton",
            "silk",
            "satin",
            "chiffon",
            "denim",
            "wool",
            "cashmere",
            "leather",
            "velvet",
            "polyester",
            "jersey",
            "tweed",
            "organza",
            "lace",
            "crepe",
        ],
    ),
];

#[test]
fn the_shared_vocabulary_exists() {
    let t = taxonomy();
    for (category, values) in REQUIRED_IDS {
        for value in *values {
            assert!(
                t.value(category, value).is_some(),
                "missing {category}/{value}"
            );
        }
    }
}

/// Independent of the validator: every label, synonym and plural looks up to its own value, so no
/// term is shadowed by or shared with another value anywhere in the taxonomy.
#[test]
fn every_term_names_exactly_its_own_value() {
    let t = taxonomy();
    let mut ids = BTreeSet::new();
    for category in t.categories() {
        assert!(
            ids.insert(category.id.clone()),
            "category {} twice",
            category.id
        );
        let mut value_ids = BTreeSet::new();
        for value in &category.values {
            assert!(
                value_ids.insert(&value.id),
                "{}/{} twice",
                category.id,
                value.id
            );
            assert!(value.prior > 0.0 && value.prior.is_finite());
            assert!(!value.prompt.trim().is_empty());
            let own = AttributeValue::new(&category.id, &value.id);
            let terms = std::iter::once(&value.label)
                .chain(&value.synonyms)
                .chain(&value.plural);
            for term in terms {
                assert_eq!(t.lookup(term), Some(own.clone()), "term {term:?}");
                assert_eq!(
                    t.lookup(&term.to_uppercase()),
                    Some(own.clone()),
                    "term {term:?} upper-cased"
                );
            }
        }
        for word in &category.words {
            assert_eq!(t.lookup(word), None, "category word {word:?} names a value");
        }
        if let Some(none) = &category.none_value {
            assert!(category.value(none).is_some());
        }
    }
}

#[test]
fn rules_reference_existing_ids() {
    let t = taxonomy();
    let check = |category: &str, values: &[String]| {
        let c = t
            .category(category)
            .unwrap_or_else(|| panic!("unknown category {category}"));
        for v in values {
            assert!(c.value(v).is_some(), "unknown value {category}/{v}");
        }
    };
    let mut rule_ids = BTreeSet::new();
    for rule in t.rules() {
        assert!(
            rule_ids.insert(rule.id().to_string()),
            "rule {} twice",
            rule.id()
        );
        let mut sets = vec![rule.when()];
        match rule {
            Rule::Excludes { excludes, .. } => sets.extend(excludes),
            Rule::RequiresValues { category, min, .. } => {
                let c = t.category(category).unwrap_or_else(|| panic!("{category}"));
                assert!(*min >= 1 && *min <= c.max_values, "rule {}", rule.id());
            }
            Rule::Implies { then, .. } => sets.push(then),
        }
        for set in sets {
            check(&set.category, set.values.as_deref().unwrap_or_default());
            check(&set.category, &set.except);
        }
    }
}

#[test]
fn taxonomy_serialises_back_to_an_equal_taxonomy() {
    let t = taxonomy();
    let json = serde_json::to_string(t).unwrap_or_default();
    assert_eq!(Taxonomy::from_json(&json).as_ref(), Ok(t));
}

// ---- the validator catches bad edits -------------------------------------------------------

fn edited(edit: impl FnOnce(&mut Json)) -> Result<Taxonomy, TaxonomyError> {
    let mut file: Json = serde_json::from_str(EMBEDDED_JSON).unwrap_or(Json::Null);
    edit(&mut file);
    Taxonomy::from_json(&file.to_string())
}

fn value_mut<'a>(file: &'a mut Json, category: &str, value: &str) -> &'a mut Json {
    let categories = file["categories"].as_array_mut().expect("categories");
    let c = categories
        .iter_mut()
        .find(|c| c["id"] == category)
        .expect("category");
    c["values"]
        .as_array_mut()
        .expect("values")
        .iter_mut()
        .find(|v| v["id"] == value)
        .expect("value")
}

#[test]
fn an_ambiguous_synonym_anywhere_is_refused() {
    let result = edited(|f| {
        value_mut(f, "fabric", "silk")["synonyms"]
            .as_array_mut()
            .expect("synonyms")
            .push(json!("Bardot"));
    });
    assert_eq!(
        result,
        Err(TaxonomyError::AmbiguousTerm {
            term: "bardot".into(),
            first: TermOwner::Value {
                category: "neckline".into(),
                value: "off-shoulder".into()
            },
            second: TermOwner::Value {
                category: "fabric".into(),
                value: "silk".into()
            },
        })
    );
    // Run-together spellings count too: "v neck" is indexed as "vneck".
    let result = edited(|f| {
        value_mut(f, "colour", "red")["synonyms"]
            .as_array_mut()
            .expect("synonyms")
            .push(json!("vneck"));
    });
    assert!(matches!(result, Err(TaxonomyError::AmbiguousTerm { .. })));
    // A category word may not name a value either.
    let result = edited(|f| {
        value_mut(f, "colour", "red")["synonyms"]
            .as_array_mut()
            .expect("synonyms")
            .push(json!("sleeves"));
    });
    assert!(matches!(result, Err(TaxonomyError::AmbiguousTerm { .. })));
}

#[test]
fn bad_priors_ids_and_texts_are_refused() {
    for prior in [json!(0.0), json!(-1.0)] {
        let result = edited(|f| value_mut(f, "colour", "red")["prior"] = prior);
        assert!(
            matches!(result, Err(TaxonomyError::InvalidPrior { .. })),
            "{result:?}"
        );
    }
    let result = edited(|f| value_mut(f, "colour", "red")["id"] = json!("blue"));
    assert_eq!(
        result,
        Err(TaxonomyError::DuplicateValue {
            category: "colour".into(),
            value: "blue".into()
        })
    );
    let result = edited(|f| value_mut(f, "colour", "red")["id"] = json!("Red"));
    assert_eq!(result, Err(TaxonomyError::InvalidId { id: "Red".into() }));
    let result = edited(|f| value_mut(f, "colour", "red")["prompt"] = json!(" "));
    assert_eq!(
        result,
        Err(TaxonomyError::EmptyField {
            category: "colour".into(),
            value: Some("red".into()),
            field: "prompt".into()
        })
    );
    let result = edited(|f| value_mut(f, "colour", "red")["synonyms"] = json!(["--"]));
    assert!(matches!(
        result,
        Err(TaxonomyError::TermWithoutWords { .. })
    ));
    let result = edited(|f| value_mut(f, "colour", "red")["colour"] = json!("typo"));
    assert!(matches!(result, Err(TaxonomyError::Json { .. })));
}

#[test]
fn bad_categories_and_versions_are_refused() {
    let result = edited(|f| f["version"] = json!("1.0"));
    assert_eq!(
        result,
        Err(TaxonomyError::InvalidVersion {
            version: "1.0".into()
        })
    );
    let result = edited(|f| f["categories"] = json!([]));
    assert_eq!(result, Err(TaxonomyError::NoCategories));
    let result = edited(|f| f["categories"][1]["id"] = json!("garment_type"));
    assert_eq!(
        result,
        Err(TaxonomyError::DuplicateCategory {
            category: "garment_type".into()
        })
    );
    let result = edited(|f| f["categories"][0]["max_values"] = json!(0));
    assert!(matches!(
        result,
        Err(TaxonomyError::InvalidMaxValues { .. })
    ));
    let result = edited(|f| f["categories"][0]["values"] = json!([]));
    assert!(matches!(result, Err(TaxonomyError::NoValues { .. })));
    let result = edited(|f| f["categories"][0]["none_value"] = json!("nothing"));
    assert!(matches!(
        result,
        Err(TaxonomyError::UnknownNoneValue { .. })
    ));
    assert!(matches!(
        Taxonomy::from_json("{"),
        Err(TaxonomyError::Json { .. })
    ));
}

#[test]
fn rules_naming_unknown_ids_are_refused() {
    let rule = |r: Json| move |f: &mut Json| f["rules"].as_array_mut().expect("rules").push(r);
    let result = edited(rule(json!({"kind": "excludes", "id": "x", "note": "n",
        "when": {"category": "colour", "values": ["red"]},
        "excludes": [{"category": "colour", "values": ["ultraviolet"]}]})));
    assert_eq!(
        result,
        Err(TaxonomyError::UnknownValue {
            rule: "x".into(),
            category: "colour".into(),
            value: "ultraviolet".into()
        })
    );
    let result = edited(rule(json!({"kind": "implies", "id": "x", "note": "n",
        "when": {"category": "colours", "values": ["red"]},
        "then": {"category": "fabric", "values": ["silk"]}})));
    assert!(matches!(result, Err(TaxonomyError::UnknownCategory { .. })));
    let result = edited(rule(
        json!({"kind": "requires_values", "id": "x", "note": "n",
        "when": {"category": "colour", "values": ["red"]}, "category": "colour", "min": 4}),
    ));
    assert!(matches!(
        result,
        Err(TaxonomyError::InvalidMin { min: 4, .. })
    ));
    let result = edited(rule(json!({"kind": "excludes", "id": "x", "note": "n",
        "when": {"category": "colour", "values": []}, "excludes": [{"category": "fabric"}]})));
    assert!(matches!(result, Err(TaxonomyError::InvalidValueSet { .. })));
    let result = edited(rule(json!({"kind": "excludes", "id": "x", "note": "n",
        "when": {"category": "colour", "values": ["red"]}, "excludes": []})));
    assert!(matches!(result, Err(TaxonomyError::EmptyExcludes { .. })));
    let result = edited(rule(json!({"kind": "excludes", "id": "x", "note": " ",
        "when": {"category": "colour", "values": ["red"]}, "excludes": [{"category": "fabric"}]})));
    assert!(matches!(result, Err(TaxonomyError::EmptyNote { .. })));
    let duplicate = taxonomy().rules()[0].id().to_string();
    let result = edited(rule(
        json!({"kind": "excludes", "id": duplicate, "note": "n",
        "when": {"category": "colour", "values": ["red"]}, "excludes": [{"category": "fabric"}]}),
    ));
    assert!(matches!(result, Err(TaxonomyError::DuplicateRule { .. })));
    let result = edited(rule(json!({"kind": "forbids", "id": "x", "note": "n"})));
    assert!(matches!(result, Err(TaxonomyError::Json { .. })));
}

#[test]
fn errors_serialise_with_a_kind_tag() {
    let error = TaxonomyError::InvalidPrior {
        category: "colour".into(),
        value: "red".into(),
        prior: 0.0,
    };
    let json = serde_json::to_value(&error).unwrap_or(Json::Null);
    assert_eq!(json["kind"], "invalid_prior");
    assert_eq!(
        error.to_string(),
        "value colour/red has prior 0, expected a finite number above 0"
    );
}
