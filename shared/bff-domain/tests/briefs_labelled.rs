//! Micro precision and recall of the brief parser on `data/briefs-labelled.json`, a set of briefs
//! written as designers write them, each labelled with the values it asks for and rules out.
//!
//! A prediction is a triple (kind, category, value) with kind `attribute` or `exclusion`; a
//! brief's true positives are the triples both labelled and predicted. Counts are scored apart.

use std::collections::BTreeSet;

use bff_domain::{parse_brief, AttributeValue, Taxonomy};
use serde::Deserialize;

const LABELLED: &str = include_str!("../data/briefs-labelled.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelledSet {
    #[allow(dead_code)]
    description: String,
    taxonomy_version: String,
    briefs: Vec<Labelled>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Labelled {
    text: String,
    attributes: Vec<String>,
    exclusions: Vec<String>,
    count: Option<u32>,
}

type Triple = (&'static str, String, String);

fn triples(kind: &'static str, values: &[String]) -> BTreeSet<Triple> {
    values
        .iter()
        .map(|v| {
            let (category, value) = v.split_once('/').unwrap_or((v, ""));
            (kind, category.to_string(), value.to_string())
        })
        .collect()
}

fn predicted(kind: &'static str, values: &[AttributeValue]) -> BTreeSet<Triple> {
    values
        .iter()
        .map(|a| (kind, a.category.clone(), a.value.clone()))
        .collect()
}

#[test]
fn parser_precision_and_recall_on_the_labelled_briefs() {
    let taxonomy = Taxonomy::embedded();
    let set: LabelledSet = serde_json::from_str(LABELLED).expect("briefs-labelled.json parses");
    assert_eq!(set.taxonomy_version, taxonomy.version());
    assert!(set.briefs.len() >= 70, "{} briefs", set.briefs.len());

    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let (mut counts_right, mut counts_labelled) = (0usize, 0usize);
    let mut report = String::new();
    for brief in &set.briefs {
        let mut expected = triples("attribute", &brief.attributes);
        expected.extend(triples("exclusion", &brief.exclusions));
        for (_, category, value) in &expected {
            assert!(
                taxonomy.value(category, value).is_some(),
                "label {category}/{value} of {:?} is not in the taxonomy",
                brief.text
            );
        }
        let parsed = parse_brief(&brief.text, taxonomy);
        let (mut got, count) = match &parsed {
            Ok(b) => (predicted("attribute", &b.requested()), b.count),
            Err(_) => (BTreeSet::new(), None),
        };
        if let Ok(b) = &parsed {
            got.extend(predicted("exclusion", &b.excluded()));
        }
        let hit = expected.intersection(&got).count();
        tp += hit;
        fp += got.len() - hit;
        fn_ += expected.len() - hit;
        if brief.count.is_some() {
            counts_labelled += 1;
        }
        if count == brief.count {
            counts_right += usize::from(brief.count.is_some());
        } else {
            report.push_str(&format!(
                "  count {:?}, expected {:?}: {}\n",
                count, brief.count, brief.text
            ));
        }
        if hit != expected.len() || hit != got.len() {
            report.push_str(&format!("  {}\n", brief.text));
            for miss in expected.difference(&got) {
                report.push_str(&format!("    missed   {miss:?}\n"));
            }
            for extra in got.difference(&expected) {
                report.push_str(&format!("    spurious {extra:?}\n"));
            }
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    println!("briefs: {}", set.briefs.len());
    println!("differences:\n{report}");
    println!(
        "attributes and exclusions: precision {precision:.3}, recall {recall:.3} \
         (tp {tp}, fp {fp}, fn {fn_})"
    );
    println!("counts: {counts_right} of {counts_labelled} labelled counts found exactly");
    assert!(precision >= 0.9, "precision {precision:.3} below 0.9");
    assert!(recall >= 0.9, "recall {recall:.3} below 0.9");
}
