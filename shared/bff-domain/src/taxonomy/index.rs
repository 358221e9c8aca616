//! The term index: every way of naming a value or a category, as normalised word sequences.

use std::collections::BTreeMap;

use super::errors::{TaxonomyError, TermOwner};
use super::model::Category;
use crate::text::{self, Token};

/// What a term names, by position in the taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Term {
    Value { category: usize, value: usize },
    Category(usize),
}

/// A term found in a text: it covers `len` words from the starting one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TermMatch {
    pub len: usize,
    pub term: Term,
}

/// Normalised word sequence → what it names. A `BTreeMap` rather than a `HashMap`: a hash map's
/// random seed would ask the platform for entropy, which wasm32-wasip2 imports from its host.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TermIndex {
    terms: BTreeMap<Vec<String>, Term>,
    max_len: usize,
}

impl TermIndex {
    pub(crate) const EMPTY: TermIndex = TermIndex {
        terms: BTreeMap::new(),
        max_len: 0,
    };

    /// Indexes each value's label, synonyms and plurals and each category's words. Ids are not
    /// terms: they are identifiers, and some are ordinary words that must not match on their own
    /// (sleeve `short` is "short sleeves", while "short" alone names a length). A
    /// multi-word term is also indexed with its words run together (`vneck`, `tshirt`), the way
    /// they are often typed. Two owners for one key is an error: every term must be unambiguous.
    pub(crate) fn build(categories: &[Category]) -> Result<Self, TaxonomyError> {
        let mut index = TermIndex {
            terms: BTreeMap::new(),
            max_len: 0,
        };
        for (c, category) in categories.iter().enumerate() {
            for word in &category.words {
                index.insert(categories, word, Term::Category(c))?;
            }
            for (v, value) in category.values.iter().enumerate() {
                let term = Term::Value {
                    category: c,
                    value: v,
                };
                let names = std::iter::once(&value.label)
                    .chain(&value.synonyms)
                    .chain(&value.plural);
                for name in names {
                    index.insert(categories, name, term)?;
                }
            }
        }
        Ok(index)
    }

    fn insert(
        &mut self,
        categories: &[Category],
        name: &str,
        term: Term,
    ) -> Result<(), TaxonomyError> {
        let words = text::words(name);
        if words.is_empty() {
            return Err(TaxonomyError::TermWithoutWords {
                term: name.to_string(),
                owner: owner(categories, term),
            });
        }
        if words.len() > 1 {
            self.insert_words(categories, vec![words.concat()], term)?;
        }
        self.insert_words(categories, words, term)
    }

    fn insert_words(
        &mut self,
        categories: &[Category],
        words: Vec<String>,
        term: Term,
    ) -> Result<(), TaxonomyError> {
        if let Some(&existing) = self.terms.get(&words) {
            if existing != term {
                return Err(TaxonomyError::AmbiguousTerm {
                    term: words.join(" "),
                    first: owner(categories, existing),
                    second: owner(categories, term),
                });
            }
            return Ok(());
        }
        self.max_len = self.max_len.max(words.len());
        self.terms.insert(words, term);
        Ok(())
    }

    /// The term these exact words name.
    pub(crate) fn get(&self, words: &[String]) -> Option<Term> {
        self.terms.get(words).copied()
    }

    /// The term these words name, also trying the last word as a regular plural.
    pub(crate) fn get_or_singular(&self, words: &[String]) -> Option<Term> {
        if let Some(term) = self.get(words) {
            return Some(term);
        }
        let (last, head) = words.split_last()?;
        singulars(last).into_iter().find_map(|singular| {
            let mut key = head.to_vec();
            key.push(singular);
            self.get(&key)
        })
    }

    /// The longest term starting at `tokens[start]`. Multi-word terms only span spaces, hyphens
    /// and slashes. At each length the exact words are tried before a regular plural of the last
    /// one, so `mandarin collars` is one neckline and not `mandarin` plus `collars`.
    pub(crate) fn match_at(&self, tokens: &[Token], start: usize) -> Option<TermMatch> {
        let mut longest = 0;
        for token in tokens.iter().skip(start).take(self.max_len) {
            if longest > 0 && !token.gap.joins_term() {
                break;
            }
            longest += 1;
        }
        let mut key: Vec<String> = tokens
            .iter()
            .skip(start)
            .take(longest)
            .map(|t| t.norm.clone())
            .collect();
        while !key.is_empty() {
            if let Some(term) = self.get_or_singular(&key) {
                return Some(TermMatch {
                    len: key.len(),
                    term,
                });
            }
            key.pop();
        }
        None
    }

    /// Every indexed key with what it names, in key order.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[String], Term)> {
        self.terms.iter().map(|(k, &t)| (k.as_slice(), t))
    }
}

/// Candidate singulars of a regular plural, most likely first; short words are left alone so
/// that `is`, `us` or `dress` are never read as plurals.
fn singulars(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    if word.len() < 4 || !word.ends_with('s') || word.ends_with("ss") {
        return out;
    }
    if let Some(stem) = word.strip_suffix("ies") {
        out.push(format!("{stem}y"));
    }
    if let Some(stem) = word.strip_suffix('s') {
        out.push(stem.to_string());
    }
    if let Some(stem) = word.strip_suffix("es") {
        out.push(stem.to_string());
    }
    out
}

fn owner(categories: &[Category], term: Term) -> TermOwner {
    match term {
        Term::Value { category, value } => {
            let c = &categories[category];
            TermOwner::Value {
                category: c.id.clone(),
                value: c.values[value].id.clone(),
            }
        }
        Term::Category(category) => TermOwner::Category {
            category: categories[category].id.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singulars_of_regular_plurals() {
        assert_eq!(singulars("dresses"), ["dresse", "dress"]);
        assert_eq!(singulars("berries"), ["berry", "berrie", "berri"]);
        assert_eq!(singulars("blazers"), ["blazer"]);
        assert!(singulars("dress").is_empty());
        assert!(singulars("bus").is_empty());
    }
}
