//! Checking chosen values against the taxonomy: conflicts, and what can still be added.

use serde::{Deserialize, Serialize};

use super::model::{Category, Rule, Value, ValueSet};
use super::Taxonomy;
use crate::AttributeValue;

/// The rule name of a conflict raised by a category's `max_values`.
pub const MAX_VALUES_RULE: &str = "max_values";
/// The rule name of a conflict raised by a value the taxonomy does not know.
pub const UNKNOWN_VALUE_RULE: &str = "unknown_value";

/// What kind of check a [`Conflict`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// A value the taxonomy does not know.
    UnknownValue,
    /// More values of one category than its `max_values`.
    MaxValues,
    /// An [`Rule::Excludes`] rule: the two values cannot go together.
    Excludes,
    /// A [`Rule::RequiresValues`] rule: too few values of the required category.
    RequiresValues,
    /// An [`Rule::Implies`] rule: the implied value is missing.
    Implies,
}

/// A set of chosen values that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The rule's id, or [`MAX_VALUES_RULE`] / [`UNKNOWN_VALUE_RULE`].
    pub rule: String,
    pub kind: ConflictKind,
    /// The values involved, the triggering value first: for `excludes` the two values that
    /// clash; for `max_values` every value of the category; for `requires_values` the triggering
    /// values then the values of the required category; for `implies` the triggering value.
    pub values: Vec<AttributeValue>,
    /// One sentence for people: what is wrong and why.
    pub message: String,
}

impl Taxonomy {
    /// Every rule the chosen values break, for a design plan or a brief.
    ///
    /// Duplicates in `chosen` count once. Order: unknown values, then `max_values` per category
    /// in taxonomy order, then rules in file order; within a rule, in the order of `chosen`.
    /// Unknown values take part in no other check.
    pub fn check(&self, chosen: &[AttributeValue]) -> Vec<Conflict> {
        let chosen = distinct(chosen);
        let mut conflicts = Vec::new();
        let (known, unknown): (Vec<&AttributeValue>, Vec<&AttributeValue>) =
            chosen.into_iter().partition(|a| self.contains(a));
        for attribute in unknown {
            conflicts.push(Conflict {
                rule: UNKNOWN_VALUE_RULE.to_string(),
                kind: ConflictKind::UnknownValue,
                values: vec![attribute.clone()],
                message: format!(
                    "{}/{} is not a value of the taxonomy",
                    attribute.category, attribute.value
                ),
            });
        }
        for category in self.categories() {
            let values = of_category(&known, &category.id);
            if values.len() > category.max_values {
                conflicts.push(Conflict {
                    rule: MAX_VALUES_RULE.to_string(),
                    kind: ConflictKind::MaxValues,
                    values: values.into_iter().cloned().collect(),
                    message: format!(
                        "a design carries at most {} {} value(s)",
                        category.max_values, category.id
                    ),
                });
            }
        }
        for rule in self.rules() {
            check_rule(rule, &known, &mut conflicts);
        }
        conflicts
    }

    /// The values of `category` that can still be added to `chosen` without breaking a rule, in
    /// taxonomy order, for a planner that fills a design one category at a time.
    ///
    /// Empty when the category is unknown, already holds `max_values` chosen values, or is
    /// excluded as a whole (trousers have no neckline). Values already chosen are left out. A
    /// value is left out when it clashes with a chosen value through an `excludes` rule, when it
    /// implies values none of which could still be added, or when it would take the last place
    /// in its category from a value a chosen one implies. The look-ahead is one step deep: it
    /// does not search for combinations of later choices.
    pub fn allowed(&self, chosen: &[AttributeValue], category: &str) -> Vec<&Value> {
        let Some(target) = self.category(category) else {
            return Vec::new();
        };
        let chosen: Vec<&AttributeValue> = distinct(chosen)
            .into_iter()
            .filter(|a| self.contains(a))
            .collect();
        let taken = of_category(&chosen, category).len();
        if taken >= target.max_values {
            return Vec::new();
        }
        target
            .values
            .iter()
            .filter(|value| {
                let candidate = target.attribute(value);
                !chosen.contains(&&candidate) && self.can_add(&chosen, &candidate, target, taken)
            })
            .collect()
    }

    /// Required categories that `chosen` leaves without a value and that still allow one, in
    /// taxonomy order: what a planner must still fill.
    pub fn missing_required(&self, chosen: &[AttributeValue]) -> Vec<&Category> {
        self.categories()
            .iter()
            .filter(|c| c.required_in_plan)
            .filter(|c| !chosen.iter().any(|a| a.category == c.id))
            .filter(|c| !self.allowed(chosen, &c.id).is_empty())
            .collect()
    }

    fn can_add(
        &self,
        chosen: &[&AttributeValue],
        candidate: &AttributeValue,
        category: &Category,
        taken: usize,
    ) -> bool {
        if chosen.iter().any(|c| self.excluded_pair(c, candidate)) {
            return false;
        }
        for rule in self.rules() {
            let Rule::Implies { when, then, .. } = rule else {
                continue;
            };
            if chosen.iter().any(|c| then.contains(c)) {
                continue;
            }
            // The candidate implies values: one of them must still fit beside it.
            if when.contains(candidate) && !then.contains(candidate) {
                let mut with: Vec<&AttributeValue> = chosen.to_vec();
                with.push(candidate);
                if !self.any_addable(&with, then) {
                    return false;
                }
            }
            // A chosen value implies a value of this category: keep a place for it.
            if then.category == category.id
                && !then.contains(candidate)
                && taken + 1 >= category.max_values
                && chosen.iter().any(|c| when.contains(c))
            {
                return false;
            }
        }
        true
    }

    /// Whether some value of `set` could be added to `with`.
    fn any_addable(&self, with: &[&AttributeValue], set: &ValueSet) -> bool {
        let Some(category) = self.category(&set.category) else {
            return false;
        };
        if of_category(with, &category.id).len() >= category.max_values {
            return false;
        }
        category
            .values
            .iter()
            .map(|v| category.attribute(v))
            .filter(|a| set.contains(a))
            .any(|a| !with.iter().any(|c| self.excluded_pair(c, &a)))
    }

    /// Whether an `excludes` rule forbids `a` and `b` together, in either direction.
    pub(crate) fn excluded_pair(&self, a: &AttributeValue, b: &AttributeValue) -> bool {
        a != b
            && self.rules().iter().any(|rule| match rule {
                Rule::Excludes { when, excludes, .. } => {
                    (when.contains(a) && excludes.iter().any(|s| s.contains(b)))
                        || (when.contains(b) && excludes.iter().any(|s| s.contains(a)))
                }
                _ => false,
            })
    }
}

fn check_rule(rule: &Rule, chosen: &[&AttributeValue], conflicts: &mut Vec<Conflict>) {
    let triggers: Vec<&AttributeValue> = chosen
        .iter()
        .copied()
        .filter(|a| rule.when().contains(a))
        .collect();
    if triggers.is_empty() {
        return;
    }
    match rule {
        Rule::Excludes {
            id, excludes, note, ..
        } => {
            let mut pairs: Vec<(&AttributeValue, &AttributeValue)> = Vec::new();
            for &trigger in &triggers {
                for &other in chosen {
                    let clash = other != trigger && excludes.iter().any(|set| set.contains(other));
                    let seen = pairs.iter().any(|&(a, b)| {
                        (a == trigger && b == other) || (a == other && b == trigger)
                    });
                    if clash && !seen {
                        pairs.push((trigger, other));
                    }
                }
            }
            for (a, b) in pairs {
                conflicts.push(Conflict {
                    rule: id.clone(),
                    kind: ConflictKind::Excludes,
                    values: vec![a.clone(), b.clone()],
                    message: format!(
                        "{}/{} cannot go with {}/{}: {note}",
                        a.category, a.value, b.category, b.value
                    ),
                });
            }
        }
        Rule::RequiresValues {
            id,
            category,
            min,
            note,
            ..
        } => {
            let present = of_category(chosen, category);
            if present.len() < *min {
                conflicts.push(Conflict {
                    rule: id.clone(),
                    kind: ConflictKind::RequiresValues,
                    values: triggers
                        .iter()
                        .chain(present.iter())
                        .map(|&a| a.clone())
                        .collect(),
                    message: format!(
                        "{}/{} needs at least {min} {category} value(s), {} chosen: {note}",
                        triggers[0].category,
                        triggers[0].value,
                        present.len()
                    ),
                });
            }
        }
        Rule::Implies { id, then, note, .. } => {
            if chosen.iter().any(|a| then.contains(a)) {
                return;
            }
            for trigger in triggers {
                conflicts.push(Conflict {
                    rule: id.clone(),
                    kind: ConflictKind::Implies,
                    values: vec![trigger.clone()],
                    message: format!(
                        "{}/{} needs a {} value from {}: {note}",
                        trigger.category,
                        trigger.value,
                        then.category,
                        describe(then)
                    ),
                });
            }
        }
    }
}

fn describe(set: &ValueSet) -> String {
    match &set.values {
        Some(values) => values.join(", "),
        None if set.except.is_empty() => "any value".to_string(),
        None => format!("any value except {}", set.except.join(", ")),
    }
}

fn distinct(values: &[AttributeValue]) -> Vec<&AttributeValue> {
    let mut out: Vec<&AttributeValue> = Vec::with_capacity(values.len());
    for value in values {
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

fn of_category<'a>(chosen: &[&'a AttributeValue], category: &str) -> Vec<&'a AttributeValue> {
    chosen
        .iter()
        .copied()
        .filter(|a| a.category == category)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taxonomy() -> &'static Taxonomy {
        Taxonomy::embedded()
    }

    fn av(category: &str, value: &str) -> AttributeValue {
        AttributeValue::new(category, value)
    }

    fn ids(values: &[&Value]) -> Vec<String> {
        values.iter().map(|v| v.id.clone()).collect()
    }

    #[test]
    fn a_consistent_design_has_no_conflicts() {
        let design = [
            av("garment_type", "dress"),
            av("silhouette", "a-line"),
            av("length", "midi"),
            av("neckline", "v-neck"),
            av("sleeve", "short"),
            av("colour", "navy"),
            av("colour", "white"),
            av("pattern", "stripes"),
            av("fabric", "linen"),
            av("season", "summer"),
        ];
        assert_eq!(taxonomy().check(&design), []);
    }

    #[test]
    fn excludes_names_the_rule_and_both_values() {
        let conflicts = taxonomy().check(&[av("neckline", "strapless"), av("sleeve", "long")]);
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].rule, "strapless-bare-arms");
        assert_eq!(conflicts[0].kind, ConflictKind::Excludes);
        assert_eq!(
            conflicts[0].values,
            [av("neckline", "strapless"), av("sleeve", "long")]
        );
        // The excepted value is fine.
        assert_eq!(
            taxonomy().check(&[av("neckline", "strapless"), av("sleeve", "sleeveless")]),
            []
        );
    }

    #[test]
    fn excludes_fires_whichever_value_comes_first() {
        let conflicts = taxonomy().check(&[av("fabric", "wool"), av("season", "summer")]);
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].rule, "summer-light-fabrics");
        assert_eq!(
            conflicts[0].values,
            [av("season", "summer"), av("fabric", "wool")]
        );
    }

    #[test]
    fn max_values_unknown_values_and_duplicates() {
        let conflicts = taxonomy().check(&[
            av("length", "mini"),
            av("length", "maxi"),
            av("length", "mini"),
            av("colour", "ultraviolet"),
        ]);
        assert_eq!(conflicts.len(), 2, "{conflicts:?}");
        assert_eq!(conflicts[0].kind, ConflictKind::UnknownValue);
        assert_eq!(conflicts[0].rule, UNKNOWN_VALUE_RULE);
        assert_eq!(conflicts[1].kind, ConflictKind::MaxValues);
        assert_eq!(conflicts[1].rule, MAX_VALUES_RULE);
        assert_eq!(
            conflicts[1].values,
            [av("length", "mini"), av("length", "maxi")]
        );
    }

    #[test]
    fn requires_values_and_implies() {
        let conflicts = taxonomy().check(&[av("pattern", "stripes"), av("colour", "red")]);
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].rule, "multi-colour-patterns");
        assert_eq!(conflicts[0].kind, ConflictKind::RequiresValues);
        assert_eq!(
            conflicts[0].values,
            [av("pattern", "stripes"), av("colour", "red")]
        );

        let conflicts = taxonomy().check(&[av("garment_type", "jeans"), av("fabric", "cotton")]);
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].rule, "jeans-are-denim");
        assert_eq!(conflicts[0].kind, ConflictKind::Implies);
        assert_eq!(
            taxonomy().check(&[av("garment_type", "jeans"), av("fabric", "denim")]),
            []
        );
    }

    #[test]
    fn allowed_drops_excluded_values() {
        let sleeves = taxonomy().allowed(&[av("neckline", "strapless")], "sleeve");
        assert_eq!(ids(&sleeves), ["sleeveless"]);
        let fabrics = taxonomy().allowed(&[av("season", "summer")], "fabric");
        assert!(!ids(&fabrics).contains(&"wool".to_string()));
        assert!(ids(&fabrics).contains(&"linen".to_string()));
    }

    #[test]
    fn allowed_is_empty_for_a_full_or_excluded_category() {
        assert!(taxonomy()
            .allowed(&[av("length", "midi")], "length")
            .is_empty());
        assert!(taxonomy()
            .allowed(&[av("garment_type", "trousers")], "neckline")
            .is_empty());
        assert!(taxonomy().allowed(&[], "no-such-category").is_empty());
        let colours = taxonomy().allowed(&[av("colour", "red"), av("colour", "blue")], "colour");
        assert!(!colours.is_empty());
        assert!(!ids(&colours).contains(&"red".to_string()));
    }

    #[test]
    fn allowed_keeps_room_for_implied_values() {
        // Jeans imply denim: with one fabric place left, only denim may take it.
        let fabrics = taxonomy().allowed(
            &[av("garment_type", "jeans"), av("fabric", "cotton")],
            "fabric",
        );
        assert_eq!(ids(&fabrics), ["denim"]);
        // Jeans cannot be added once the fabrics are full without denim.
        let garments = taxonomy().allowed(
            &[av("fabric", "cotton"), av("fabric", "silk")],
            "garment_type",
        );
        assert!(!ids(&garments).contains(&"jeans".to_string()));
        assert!(ids(&garments).contains(&"dress".to_string()));
    }

    #[test]
    fn missing_required_skips_excluded_categories() {
        let missing: Vec<&str> = taxonomy()
            .missing_required(&[av("garment_type", "trousers")])
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert!(!missing.contains(&"neckline"));
        assert!(!missing.contains(&"sleeve"));
        assert!(missing.contains(&"colour"));
        assert!(!missing.contains(&"garment_type"));
    }
}
