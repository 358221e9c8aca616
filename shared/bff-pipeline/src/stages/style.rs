//! Style profiles: what a cluster of designs has in common, in data and in words.
//!
//! A profile lists, per category, the values the cluster's pictures show (each image counts a
//! value once), most shared first, at most [`TOP_VALUES`] per category. Its name reads the way a
//! designer would describe the group: the dominant length, silhouette and garment, "in" the
//! dominant colour, "with" a dominant pattern other than solid ("midi a-line dress in terracotta",
//! "maxi wrap dress in navy with polka dots"). A value is dominant when at least half of the
//! cluster shows it; a part without a dominant value is left out.

use std::collections::BTreeMap;

use bff_domain::{AttributeValue, Taxonomy};

use crate::ports::DominantAttribute;

/// Values kept per category.
pub const TOP_VALUES: usize = 3;
/// Share of a cluster a value needs to appear in its name.
pub const NAME_SHARE: f64 = 0.5;

/// The dominant values of a cluster whose members show `members` (one list per image): per
/// category in taxonomy order, the most shared values first (ties by value id).
pub fn style_profile(taxonomy: &Taxonomy, members: &[&[AttributeValue]]) -> Vec<DominantAttribute> {
    let mut counts: BTreeMap<&AttributeValue, u32> = BTreeMap::new();
    for drawn in members {
        let mut seen: Vec<&AttributeValue> = drawn.iter().collect();
        seen.sort();
        seen.dedup();
        for a in seen {
            *counts.entry(a).or_default() += 1;
        }
    }
    let size = members.len().max(1) as f64;
    let category_rank = |c: &str| {
        taxonomy
            .categories()
            .iter()
            .position(|k| k.id == c)
            .unwrap_or(usize::MAX)
    };
    let mut by_category: BTreeMap<(usize, &str), Vec<(&AttributeValue, u32)>> = BTreeMap::new();
    for (a, n) in counts {
        by_category
            .entry((category_rank(&a.category), a.category.as_str()))
            .or_default()
            .push((a, n));
    }
    by_category
        .into_values()
        .flat_map(|mut values| {
            values.sort_by(|(a, x), (b, y)| y.cmp(x).then_with(|| a.value.cmp(&b.value)));
            values.truncate(TOP_VALUES);
            values
        })
        .map(|(a, count)| DominantAttribute {
            category: a.category.clone(),
            value: a.value.clone(),
            count,
            share: f64::from(count) / size,
        })
        .collect()
}

/// A readable name from a profile; `fallback` when nothing is dominant.
pub fn profile_name(taxonomy: &Taxonomy, dominant: &[DominantAttribute], fallback: &str) -> String {
    let top = |category: &str| {
        dominant
            .iter()
            .find(|d| d.category == category && d.share >= NAME_SHARE)
            .map(|d| {
                taxonomy
                    .value(&d.category, &d.value)
                    .map_or_else(|| d.value.replace('-', " "), |v| v.label.to_lowercase())
            })
    };
    let mut name: Vec<String> = ["length", "silhouette", "garment_type"]
        .iter()
        .filter_map(|c| top(c))
        .collect();
    if let Some(colour) = top("colour") {
        if name.is_empty() {
            name.push(colour);
        } else {
            name.push(format!("in {colour}"));
        }
    }
    let solid = dominant
        .iter()
        .any(|d| d.category == "pattern" && d.value == "solid" && d.share >= NAME_SHARE);
    if let (false, Some(pattern)) = (solid, top("pattern")) {
        if name.is_empty() {
            name.push(pattern);
        } else {
            name.push(format!("with {pattern}"));
        }
    }
    if name.is_empty() {
        fallback.to_string()
    } else {
        name.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(c: &str, v: &str) -> AttributeValue {
        AttributeValue::new(c, v)
    }

    #[test]
    fn profiles_rank_values_by_share_within_categories() {
        let t = Taxonomy::embedded();
        let one = [
            a("garment_type", "dress"),
            a("length", "midi"),
            a("colour", "terracotta"),
            a("colour", "terracotta"),
        ];
        let two = [
            a("garment_type", "dress"),
            a("length", "midi"),
            a("colour", "rust"),
            a("silhouette", "a-line"),
        ];
        let three = [
            a("garment_type", "dress"),
            a("length", "maxi"),
            a("colour", "terracotta"),
            a("silhouette", "a-line"),
        ];
        let profile = style_profile(t, &[&one, &two, &three]);
        let listed: Vec<(&str, &str, u32)> = profile
            .iter()
            .map(|d| (d.category.as_str(), d.value.as_str(), d.count))
            .collect();
        assert_eq!(
            listed,
            [
                ("garment_type", "dress", 3),
                ("silhouette", "a-line", 2),
                ("length", "midi", 2),
                ("length", "maxi", 1),
                ("colour", "terracotta", 2),
                ("colour", "rust", 1),
            ]
        );
        assert_eq!(profile[0].share, 1.0);
        assert_eq!(
            profile_name(t, &profile, "style 1"),
            "midi a-line dress in terracotta"
        );
    }

    #[test]
    fn names_mention_patterns_and_fall_back() {
        let t = Taxonomy::embedded();
        let d = |c: &str, v: &str, share: f64| DominantAttribute {
            category: c.into(),
            value: v.into(),
            count: 1,
            share,
        };
        assert_eq!(
            profile_name(
                t,
                &[
                    d("length", "maxi", 0.6),
                    d("colour", "navy", 0.5),
                    d("pattern", "polka-dots", 0.7)
                ],
                "x"
            ),
            "maxi in navy with polka dots"
        );
        assert_eq!(
            profile_name(
                t,
                &[d("colour", "navy", 0.9), d("pattern", "solid", 0.9)],
                "x"
            ),
            "navy"
        );
        assert_eq!(
            profile_name(t, &[d("colour", "navy", 0.2)], "style 2"),
            "style 2"
        );
    }
}
