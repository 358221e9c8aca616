//! Checks that make a parsed file a usable taxonomy; the order is documented on
//! [`TaxonomyError`].

use std::collections::BTreeSet;

use super::errors::TaxonomyError;
use super::model::{Category, Rule, TaxonomyFile, ValueSet};

pub(crate) fn file(file: &TaxonomyFile) -> Result<(), TaxonomyError> {
    version(&file.version)?;
    if file.categories.is_empty() {
        return Err(TaxonomyError::NoCategories);
    }
    let mut seen = BTreeSet::new();
    for category in &file.categories {
        self::category(category)?;
        if !seen.insert(category.id.as_str()) {
            return Err(TaxonomyError::DuplicateCategory {
                category: category.id.clone(),
            });
        }
    }
    Ok(())
}

pub(crate) fn rules(rules: &[Rule], categories: &[Category]) -> Result<(), TaxonomyError> {
    let mut seen = BTreeSet::new();
    for rule in rules {
        id(rule.id())?;
        if !seen.insert(rule.id()) {
            return Err(TaxonomyError::DuplicateRule {
                rule: rule.id().to_string(),
            });
        }
        if rule.note().trim().is_empty() {
            return Err(TaxonomyError::EmptyNote {
                rule: rule.id().to_string(),
            });
        }
        value_set(rule.id(), rule.when(), categories)?;
        match rule {
            Rule::Excludes { id, excludes, .. } => {
                if excludes.is_empty() {
                    return Err(TaxonomyError::EmptyExcludes { rule: id.clone() });
                }
                for set in excludes {
                    value_set(id, set, categories)?;
                }
            }
            Rule::RequiresValues {
                id, category, min, ..
            } => {
                let target = find(id, category, categories)?;
                if *min == 0 || *min > target.max_values {
                    return Err(TaxonomyError::InvalidMin {
                        rule: id.clone(),
                        category: category.clone(),
                        min: *min,
                        max_values: target.max_values,
                    });
                }
            }
            Rule::Implies { id, then, .. } => value_set(id, then, categories)?,
        }
    }
    Ok(())
}

fn version(version: &str) -> Result<(), TaxonomyError> {
    let parts: Vec<&str> = version.split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() == 3 && parts.iter().all(numeric) {
        Ok(())
    } else {
        Err(TaxonomyError::InvalidVersion {
            version: version.to_string(),
        })
    }
}

fn id(id: &str) -> Result<(), TaxonomyError> {
    let mut bytes = id.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let rest_ok =
        bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if first_ok && rest_ok {
        Ok(())
    } else {
        Err(TaxonomyError::InvalidId { id: id.to_string() })
    }
}

fn text(category: &str, value: Option<&str>, field: &str, text: &str) -> Result<(), TaxonomyError> {
    if text.trim().is_empty() {
        return Err(TaxonomyError::EmptyField {
            category: category.to_string(),
            value: value.map(str::to_string),
            field: field.to_string(),
        });
    }
    Ok(())
}

fn category(category: &Category) -> Result<(), TaxonomyError> {
    let cid = category.id.as_str();
    id(cid)?;
    text(cid, None, "label", &category.label)?;
    if category.values.is_empty() {
        return Err(TaxonomyError::NoValues {
            category: cid.to_string(),
        });
    }
    if category.max_values == 0 || category.max_values > category.values.len() {
        return Err(TaxonomyError::InvalidMaxValues {
            category: cid.to_string(),
            max_values: category.max_values,
        });
    }
    let mut seen = BTreeSet::new();
    for value in &category.values {
        let vid = value.id.as_str();
        id(vid)?;
        if !seen.insert(vid) {
            return Err(TaxonomyError::DuplicateValue {
                category: cid.to_string(),
                value: vid.to_string(),
            });
        }
        text(cid, Some(vid), "label", &value.label)?;
        text(cid, Some(vid), "prompt", &value.prompt)?;
        if !(value.prior.is_finite() && value.prior > 0.0) {
            return Err(TaxonomyError::InvalidPrior {
                category: cid.to_string(),
                value: vid.to_string(),
                prior: value.prior,
            });
        }
    }
    if let Some(none) = &category.none_value {
        if category.value(none).is_none() {
            return Err(TaxonomyError::UnknownNoneValue {
                category: cid.to_string(),
                value: none.clone(),
            });
        }
    }
    Ok(())
}

fn find<'a>(
    rule: &str,
    category: &str,
    categories: &'a [Category],
) -> Result<&'a Category, TaxonomyError> {
    categories
        .iter()
        .find(|c| c.id == category)
        .ok_or_else(|| TaxonomyError::UnknownCategory {
            rule: rule.to_string(),
            category: category.to_string(),
        })
}

fn value_set(rule: &str, set: &ValueSet, categories: &[Category]) -> Result<(), TaxonomyError> {
    let category = find(rule, &set.category, categories)?;
    let listed: &[String] = match &set.values {
        Some(values) if values.is_empty() || !set.except.is_empty() => {
            return Err(TaxonomyError::InvalidValueSet {
                rule: rule.to_string(),
                category: set.category.clone(),
            })
        }
        Some(values) => values,
        None => &set.except,
    };
    for value in listed {
        if category.value(value).is_none() {
            return Err(TaxonomyError::UnknownValue {
                rule: rule.to_string(),
                category: set.category.clone(),
                value: value.clone(),
            });
        }
    }
    Ok(())
}
