//! Style profiles: what a cluster of designs has in common, in data and in words.
//!
//! A profile lists, per category, the values the cluster's pictures show (each image counts a
//! value once), most shared first, at most [`TOP_VALUES`] per category.
//!
//! Its name says what sets the cluster apart from the job's other clusters, the way a designer
//! would tell them apart: in a job of dresses, "dress" tells nothing, "wrap midi dress in
//! terracotta" or "maxi dress in neutral tones, stripes" does. The rule ([`style_names`]):
//!
//! - A value can be named when at least half of the cluster shows it ([`NAME_SHARE`]), so a
//!   name is true of most of its cluster. Besides the drawn values, an image shows each palette
//!   one of its colours belongs to (the taxonomy's palette rules: cream, beige and khaki are
//!   neutral), so that a cluster whose colours are spread over one family still has a colour.
//! - Its contrast is its share in the cluster minus its share among the rest of the job's images.
//!   A value is distinguishing when its contrast is at least [`NAME_CONTRAST`]; a name uses the
//!   [`NAME_PARTS`] most distinguishing values (one per category; two colours or one palette).
//!   With a single cluster the rest is empty and the most shared values are named.
//! - The garment most of the cluster shows is the head noun, distinguishing or not ("dress").
//! - Word order: silhouette, length, garment, "in" the colours, then pattern (not solid),
//!   neckline, sleeve and waist after commas: "wrap midi dress in rust and cream, stripes".
//! - Two clusters that read alike each add their next most distinguishing nameable value that
//!   the other does not also show by half (even below the contrast bar) until they differ; only
//!   when nothing is left does the later cluster get a number, "gown (2)". A cluster with
//!   nothing nameable is "style N".
//!
//! Everything is ordered (ties by category order and value id), so the same clusters always get
//! the same names.

use std::collections::BTreeMap;

use bff_domain::{AttributeValue, Rule, Taxonomy, ValueSet};

use crate::ports::DominantAttribute;

/// Values kept per category.
pub const TOP_VALUES: usize = 3;
/// Share of a cluster a value needs to appear in its name.
pub const NAME_SHARE: f64 = 0.5;
/// How much more of the cluster than of the rest of the job must show a value for it to
/// distinguish the cluster.
pub const NAME_CONTRAST: f64 = 0.25;
/// Distinguishing values a name uses, besides the garment.
pub const NAME_PARTS: usize = 3;

/// The dominant values of a cluster whose members show `members` (one list per image): per
/// category in taxonomy order, the most shared values first (ties by value id).
pub fn style_profile(taxonomy: &Taxonomy, members: &[&[AttributeValue]]) -> Vec<DominantAttribute> {
    let counts = value_counts(members);
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

/// Names for the clusters of one job, in cluster order; see the module docs. `clusters` holds,
/// per cluster, the drawn values of each of its images.
pub fn style_names(taxonomy: &Taxonomy, clusters: &[Vec<&[AttributeValue]>]) -> Vec<String> {
    let families = palettes(taxonomy);
    let shown: Vec<Vec<Vec<AttributeValue>>> = clusters
        .iter()
        .map(|members| {
            members
                .iter()
                .map(|drawn| with_palettes(drawn, &families))
                .collect()
        })
        .collect();
    let clusters: Vec<Vec<&[AttributeValue]>> = shown
        .iter()
        .map(|members| members.iter().map(Vec::as_slice).collect())
        .collect();
    let counts: Vec<BTreeMap<&AttributeValue, u32>> = clusters
        .iter()
        .map(|members| value_counts(members))
        .collect();
    let mut job: BTreeMap<&AttributeValue, u32> = BTreeMap::new();
    for cluster in &counts {
        for (a, n) in cluster {
            *job.entry(a).or_default() += n;
        }
    }
    let images: usize = clusters.iter().map(Vec::len).sum();

    let namings: Vec<Naming> = clusters
        .iter()
        .zip(&counts)
        .map(|(members, counts)| {
            let size = members.len().max(1) as f64;
            let rest = images - members.len();
            let share = |n: u32| f64::from(n) / size;
            let rest_share = |a: &AttributeValue, n: u32| match rest {
                0 => 0.0,
                rest => f64::from(job[a] - n) / rest as f64,
            };
            let noun = counts
                .iter()
                .filter(|(a, n)| a.category == "garment_type" && share(**n) >= NAME_SHARE)
                .max_by(|(a, x), (b, y)| x.cmp(y).then_with(|| b.value.cmp(&a.value)))
                .map(|(a, _)| *a);
            let mut candidates: Vec<(&AttributeValue, f64, f64)> = counts
                .iter()
                .filter(|(a, n)| {
                    part_rank(&a.category).is_some()
                        && !(a.category == "pattern" && a.value == "solid")
                        && share(**n) >= NAME_SHARE
                })
                .map(|(a, n)| (*a, share(*n), share(*n) - rest_share(a, *n)))
                .collect();
            candidates.sort_by(|(a, share_a, contrast_a), (b, share_b, contrast_b)| {
                contrast_b
                    .total_cmp(contrast_a)
                    .then(share_b.total_cmp(share_a))
                    .then(part_rank(&a.category).cmp(&part_rank(&b.category)))
                    .then(a.value.cmp(&b.value))
            });
            let mut parts = Vec::new();
            for (a, _, contrast) in &candidates {
                if *contrast >= NAME_CONTRAST && parts.len() < NAME_PARTS && fits(&parts, a) {
                    parts.push(*a);
                }
            }
            Naming {
                noun,
                candidates: candidates.into_iter().map(|(a, _, _)| a).collect(),
                parts,
            }
        })
        .collect();

    // Names that collide take their next most distinguishing value that the clusters they
    // collide with do not all share, until they differ or run out.
    let mut parts: Vec<Vec<&AttributeValue>> = namings.iter().map(|n| n.parts.clone()).collect();
    let mut names: Vec<String>;
    loop {
        names = namings
            .iter()
            .zip(&parts)
            .map(|(n, parts)| phrase(taxonomy, n.noun, parts))
            .collect();
        let mut grew = false;
        for (c, name) in names.iter().enumerate() {
            let alike: Vec<&Naming> = names
                .iter()
                .enumerate()
                .filter(|(o, other)| *o != c && *other == name)
                .map(|(o, _)| &namings[o])
                .collect();
            if alike.is_empty() {
                continue;
            }
            let next = namings[c].candidates.iter().find(|a| {
                !parts[c].contains(a)
                    && fits(&parts[c], a)
                    && !alike.iter().all(|o| o.candidates.contains(a))
            });
            if let Some(a) = next {
                parts[c].push(a);
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    // Last resort: a number, counted among the clusters that read alike.
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    names
        .into_iter()
        .enumerate()
        .map(|(c, name)| {
            let name = if name.is_empty() {
                format!("style {}", c + 1)
            } else {
                name
            };
            let n = seen.entry(name.clone()).or_default();
            *n += 1;
            if *n > 1 {
                format!("{name} ({n})")
            } else {
                name
            }
        })
        .collect()
}

/// What one cluster's name can be made of.
struct Naming<'a> {
    /// The garment most of the cluster shows: the head of the name.
    noun: Option<&'a AttributeValue>,
    /// Values at least half the cluster shows, most distinguishing first.
    candidates: Vec<&'a AttributeValue>,
    /// The distinguishing ones a name uses before any collision.
    parts: Vec<&'a AttributeValue>,
}

/// Whether a name with `parts` has room for `a`: one value per category, but two colours or
/// one palette.
fn fits(parts: &[&AttributeValue], a: &AttributeValue) -> bool {
    let taken = |c: &str| parts.iter().filter(|p| p.category == c).count();
    match a.category.as_str() {
        "colour" => taken("colour") < 2 && taken("palette") == 0,
        "palette" => taken("palette") == 0 && taken("colour") == 0,
        c => taken(c) == 0,
    }
}

/// Categories a name may mention besides the garment, in the order it reads them.
const PARTS: [&str; 8] = [
    "silhouette",
    "length",
    "colour",
    "palette",
    "pattern",
    "neckline",
    "sleeve",
    "waist",
];

fn part_rank(category: &str) -> Option<usize> {
    PARTS.iter().position(|c| *c == category)
}

/// The taxonomy's palettes with the colours they imply (neutral: black, white, cream, ...).
fn palettes(taxonomy: &Taxonomy) -> Vec<(AttributeValue, &ValueSet)> {
    taxonomy
        .rules()
        .iter()
        .filter_map(|rule| match rule {
            Rule::Implies { when, then, .. }
                if when.category == "palette" && then.category == "colour" =>
            {
                Some((when, then))
            }
            _ => None,
        })
        .flat_map(|(when, then)| {
            when.values
                .iter()
                .flatten()
                .map(move |p| (AttributeValue::new("palette", p), then))
        })
        .collect()
}

/// The drawn values plus the palettes one of the drawn colours belongs to.
fn with_palettes(
    drawn: &[AttributeValue],
    families: &[(AttributeValue, &ValueSet)],
) -> Vec<AttributeValue> {
    let mut shown = drawn.to_vec();
    for (palette, colours) in families {
        if !shown.contains(palette) && drawn.iter().any(|a| colours.contains(a)) {
            shown.push(palette.clone());
        }
    }
    shown
}

/// Images per value, each image counting a value once.
fn value_counts<'a>(members: &[&'a [AttributeValue]]) -> BTreeMap<&'a AttributeValue, u32> {
    let mut counts: BTreeMap<&AttributeValue, u32> = BTreeMap::new();
    for drawn in members {
        let mut seen: Vec<&AttributeValue> = drawn.iter().collect();
        seen.sort();
        seen.dedup();
        for a in seen {
            *counts.entry(a).or_default() += 1;
        }
    }
    counts
}

/// "wrap midi dress in rust and cream, stripes, v-neck": silhouette, length and garment, "in"
/// the colours, then pattern, neckline, sleeve and waist; empty when there is nothing to say.
fn phrase(taxonomy: &Taxonomy, noun: Option<&AttributeValue>, parts: &[&AttributeValue]) -> String {
    let label = |a: &AttributeValue| {
        taxonomy
            .value(&a.category, &a.value)
            .map_or_else(|| a.value.replace('-', " "), |v| v.label.to_lowercase())
    };
    let mut parts: Vec<&AttributeValue> = parts.to_vec();
    // Stable: two colours keep their order, the more distinguishing first.
    parts.sort_by_key(|a| part_rank(&a.category));
    let of = |category: &str| -> Vec<String> {
        parts
            .iter()
            .filter(|a| a.category == category)
            .map(|a| label(a))
            .collect()
    };
    let mut head = [of("silhouette"), of("length")].concat();
    head.extend(noun.map(label));
    // "Jewel tones" and "brights" read as they are; "neutral" becomes "neutral tones".
    let palette = of("palette").into_iter().map(|p| {
        if p.ends_with('s') {
            p
        } else {
            format!("{p} tones")
        }
    });
    let colours: Vec<String> = of("colour").into_iter().chain(palette).collect();
    let mut name = head.join(" ");
    if !colours.is_empty() {
        let colours = colours.join(" and ");
        name = if name.is_empty() {
            colours
        } else {
            format!("{name} in {colours}")
        };
    }
    for a in parts
        .iter()
        .filter(|a| part_rank(&a.category) > part_rank("palette"))
    {
        if !name.is_empty() {
            name.push_str(", ");
        }
        name.push_str(&label(a));
    }
    name
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
            style_names(t, &[vec![&one, &two, &three]]),
            ["a-line midi dress in autumnal tones"],
            "alone, a cluster is named by its most shared values: all three are autumnal"
        );
    }

    /// `n` images showing `values`.
    fn images(n: usize, values: &[(&str, &str)]) -> Vec<Vec<AttributeValue>> {
        vec![values.iter().map(|(c, v)| a(c, v)).collect(); n]
    }

    fn clusters(groups: &[Vec<Vec<AttributeValue>>]) -> Vec<Vec<&[AttributeValue]>> {
        groups
            .iter()
            .map(|g| g.iter().map(Vec::as_slice).collect())
            .collect()
    }

    #[test]
    fn clusters_are_named_by_what_sets_them_apart() {
        let t = Taxonomy::embedded();
        let common = [
            ("garment_type", "dress"),
            ("length", "midi"),
            ("pattern", "solid"),
        ];
        let with = |colour: &'static str| {
            let mut v = common.to_vec();
            v.push(("colour", colour));
            v
        };
        let groups = [images(4, &with("terracotta")), images(5, &with("navy"))];
        assert_eq!(
            style_names(t, &clusters(&groups)),
            ["dress in terracotta", "dress in navy"],
            "midi and solid are common to both: not named"
        );

        let mut maxi = images(3, &with("olive"));
        for image in &mut maxi {
            image[1] = a("length", "maxi");
            image[2] = a("pattern", "stripes");
            image.push(a("sleeve", "sleeveless"));
        }
        let groups = [
            images(4, &with("terracotta")),
            images(5, &with("navy")),
            maxi,
        ];
        assert_eq!(
            style_names(t, &clusters(&groups)),
            [
                "midi dress in terracotta",
                "midi dress in navy",
                "maxi dress in olive, stripes"
            ],
            "midi now sets two clusters apart from the third; three distinguishing values at \
             most: sleeveless ties with maxi, olive and stripes and comes last in reading order"
        );
    }

    #[test]
    fn colours_spread_over_a_palette_are_named_by_it() {
        let t = Taxonomy::embedded();
        let dresses = |colours: &[&str]| -> Vec<Vec<AttributeValue>> {
            colours
                .iter()
                .map(|c| vec![a("garment_type", "dress"), a("colour", c)])
                .collect()
        };
        let light = dresses(&["cream", "beige", "khaki", "cream", "ivory"]);
        let deep = dresses(&["rust", "brown", "terracotta", "mustard"]);
        assert_eq!(
            style_names(t, &clusters(&[light, deep])),
            ["dress in neutral tones", "dress in autumnal tones"],
            "no colour is shown by half of either cluster"
        );
    }

    #[test]
    fn names_that_collide_take_their_next_value_then_a_number() {
        let t = Taxonomy::embedded();
        let dress = |length: &'static str, colour: &'static str, sleeves: &[&'static str]| {
            sleeves
                .iter()
                .map(|s| {
                    vec![
                        a("garment_type", "dress"),
                        a("length", length),
                        a("colour", colour),
                        a("sleeve", s),
                    ]
                })
                .collect::<Vec<_>>()
        };
        let long = dress("maxi", "rust", &["long", "long", "short", "cap"]);
        let short = dress("maxi", "rust", &["short", "short", "long", "cap"]);
        let mini = dress("mini", "navy", &[&["long"; 6][..], &["short"; 6]].concat());
        // Against the minis both maxi clusters read "maxi dress in rust". Long and short sleeves
        // are shown by half of one of them and by 7 of the 16 other images: not distinguishing
        // (contrast 0.06), but enough to tell the two apart.
        let names = style_names(t, &clusters(&[long, short, mini.clone()]));
        assert_eq!(
            names,
            [
                "maxi dress in rust, long sleeves",
                "maxi dress in rust, short sleeves",
                "mini dress in navy"
            ]
        );

        let same = images(3, &[("garment_type", "dress"), ("colour", "rust")]);
        let names = style_names(t, &clusters(&[same.clone(), same.clone(), same, mini]));
        assert_eq!(
            names,
            [
                "dress in rust",
                "dress in rust (2)",
                "dress in rust (3)",
                "mini dress in navy, long sleeves"
            ],
            "a number only when nothing else tells clusters apart"
        );
        let unique: std::collections::BTreeSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn names_are_deterministic_and_ignore_member_order() {
        let t = Taxonomy::embedded();
        let mut first = images(2, &[("garment_type", "dress"), ("colour", "sage")]);
        first.extend(images(2, &[("garment_type", "dress"), ("colour", "navy")]));
        let second = images(4, &[("garment_type", "skirt"), ("colour", "rust")]);
        let groups = [first.clone(), second.clone()];
        let names = style_names(t, &clusters(&groups));
        assert_eq!(
            names,
            ["dress in navy and sage", "skirt in rust"],
            "navy and sage share no palette"
        );
        assert_eq!(names, style_names(t, &clusters(&groups)));
        first.reverse();
        assert_eq!(names, style_names(t, &clusters(&[first, second])));
        assert_eq!(style_names(t, &clusters(&[images(2, &[])])), ["style 1"]);
    }
}
