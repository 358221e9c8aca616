//! The brief parser: terms first, then negation scopes, counts and unknown words, then warnings.

use super::model::{
    Brief, BriefError, BriefWarning, Extracted, Modifier, MAX_BRIEF_CHARS, MAX_COUNT, MIN_COUNT,
    REQUESTED_AND_EXCLUDED_RULE,
};
use super::words::{self, contains};
use crate::taxonomy::{ConflictKind, Rule, Taxonomy, Term, MAX_VALUES_RULE};
use crate::text::{tokenize, Gap, Token};
use crate::AttributeValue;

/// How many unknown or function words may stand between a negation cue and its first value:
/// "no heavy fabrics like velvet", "not in red".
const MAX_FILLERS: usize = 3;
/// How far a written-out number looks for a count noun or a garment: "twelve summer dresses".
const COUNT_LOOKAHEAD: usize = 3;
/// How far back a written-out number looks for a request verb: "give me eight".
const COUNT_LOOKBACK: usize = 3;
/// Categories whose values take a trailing "tones"/"palette"/"colours" into their span.
const TONED_CATEGORIES: &[&str] = &["colour", "palette"];
/// A written-out count followed by a garment counts designs: "twelve dresses".
const GARMENT_CATEGORY: &str = "garment_type";

/// Reads a designer's brief against the taxonomy; see the [module documentation](super) for
/// how each construction is read.
pub fn parse_brief(text: &str, taxonomy: &Taxonomy) -> Result<Brief, BriefError> {
    if text.trim().is_empty() {
        return Err(BriefError::Empty);
    }
    let chars = text.chars().count();
    if chars > MAX_BRIEF_CHARS {
        return Err(BriefError::TooLong {
            max_chars: MAX_BRIEF_CHARS,
            chars,
        });
    }
    let tokens = tokenize(text);
    if tokens.is_empty() {
        return Err(BriefError::Empty);
    }
    let mut parser = Parser::new(text, taxonomy, tokens);
    parser.run();
    parser.finish()
}

/// What a stretch of tokens is, after matching the taxonomy's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Value { category: usize, value: usize },
    Category(usize),
    Word,
}

/// A term or a single unmatched word, covering tokens `first..end`.
#[derive(Debug, Clone, Copy)]
struct Item {
    piece: Piece,
    first: usize,
    end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Connector {
    And,
    Or,
}

/// An open negation: values read now are ruled out.
#[derive(Debug, Clone)]
struct Scope {
    /// Byte offset where the cue starts, for a "without sleeves" span.
    cue_start: usize,
    /// The first item after the cue.
    after_cue: usize,
    /// Whether a value has been ruled out (or a none value asked for) in this scope.
    seen_value: bool,
    /// Categories of the values ruled out so far: "and" or a comma carries the negation on
    /// only to these.
    categories: Vec<usize>,
    /// Words between the cue and its first value.
    fillers: usize,
    /// "and", "or" or a separator since the last value.
    connector: Option<Connector>,
}

/// A value found, before duplicates are removed.
#[derive(Debug, Clone)]
struct Found {
    attribute: AttributeValue,
    span: (usize, usize),
    /// The list of values ("black, navy or grey") it belongs to.
    list: usize,
}

struct Parser<'a> {
    text: &'a str,
    taxonomy: &'a Taxonomy,
    tokens: Vec<Token>,
    items: Vec<Item>,
    attributes: Vec<Found>,
    exclusions: Vec<Found>,
    /// Tokens of unknown words, in order.
    unknown: Vec<usize>,
    /// The first count asked for, as written.
    count: Option<u64>,
    warnings: Vec<BriefWarning>,
    scope: Option<Scope>,
    /// Whether each list of values offers alternatives ("midi or maxi").
    lists_alternative: Vec<bool>,
    /// Token just past the last value read, to tell whether the next one continues its list.
    last_value_end: Option<usize>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, taxonomy: &'a Taxonomy, tokens: Vec<Token>) -> Self {
        let items = segment(&tokens, taxonomy);
        Parser {
            text,
            taxonomy,
            tokens,
            items,
            attributes: Vec::new(),
            exclusions: Vec::new(),
            unknown: Vec::new(),
            count: None,
            warnings: Vec::new(),
            scope: None,
            lists_alternative: Vec::new(),
            last_value_end: None,
        }
    }

    fn run(&mut self) {
        let mut k = 0;
        while k < self.items.len() {
            let item = self.items[k];
            self.apply_gap(k, self.tokens[item.first].gap);
            let consumed = match item.piece {
                Piece::Value { category, value } => self.value(k, category, value),
                Piece::Category(category) => self.category(k, category),
                Piece::Word => self.word(k),
            };
            k += consumed.max(1);
        }
    }

    // ---- negation scopes ---------------------------------------------------------------------

    /// Punctuation before an item may end the negation scope or act as a list separator.
    fn apply_gap(&mut self, k: usize, gap: Gap) {
        let Some(scope) = &mut self.scope else {
            return;
        };
        match gap {
            Gap::Break => self.scope = None,
            Gap::Colon if k != scope.after_cue => self.scope = None,
            Gap::Comma if !scope.seen_value => self.scope = None,
            Gap::Comma => scope.connector = Some(Connector::And),
            Gap::Slash if scope.seen_value => scope.connector = Some(Connector::Or),
            _ => {}
        }
    }

    fn open_scope(&mut self, cue_item: usize, cue_len: usize) {
        let cue_start = self.tokens[self.items[cue_item].first].start;
        self.scope = Some(Scope {
            cue_start,
            after_cue: cue_item + cue_len,
            seen_value: false,
            categories: Vec::new(),
            fillers: 0,
            connector: None,
        });
    }

    /// A word that is neither a value nor a connector: before the scope's first value, or after
    /// a connector ("or a collar"), it is a filler (up to [`MAX_FILLERS`]); right after a value
    /// it closes the scope.
    fn filler(&mut self) {
        if let Some(scope) = &mut self.scope {
            if scope.seen_value && scope.connector.is_none() {
                self.scope = None;
            } else {
                scope.fillers += 1;
                if scope.fillers > MAX_FILLERS {
                    self.scope = None;
                }
            }
        }
    }

    /// Whether the open scope rules out a value of `category` read now; closes the scope when
    /// the value is outside it.
    fn negates(&mut self, category: usize) -> bool {
        let Some(scope) = &mut self.scope else {
            return false;
        };
        let negate = if scope.seen_value {
            match scope.connector.take() {
                Some(Connector::Or) => true,
                Some(Connector::And) => scope.categories.contains(&category),
                None => false,
            }
        } else {
            true
        };
        if negate {
            scope.seen_value = true;
            scope.categories.push(category);
            scope.fillers = 0;
        } else {
            self.scope = None;
        }
        negate
    }

    // ---- items -------------------------------------------------------------------------------

    fn value(&mut self, k: usize, category: usize, value: usize) -> usize {
        let Some(attribute) = self.taxonomy.attribute_at(category, value) else {
            return 1;
        };
        let item = self.items[k];
        let mut end_token = item.end;
        let mut consumed = 1;
        // "earthy tones", "red colour palette": the category's own words join the value's span.
        if TONED_CATEGORIES.contains(&attribute.category.as_str()) {
            while let Some(next) = self.items.get(k + consumed) {
                let toned = matches!(next.piece, Piece::Category(c)
                    if self.taxonomy.categories().get(c)
                        .is_some_and(|c| TONED_CATEGORIES.contains(&c.id.as_str())));
                if !toned || !self.tokens[next.first].gap.joins_term() {
                    break;
                }
                end_token = next.end;
                consumed += 1;
            }
        }
        let span = self.span(item.first, end_token);
        let list = self.list_for(item.first);
        self.last_value_end = Some(end_token);
        let found = Found {
            attribute,
            span,
            list,
        };
        if self.negates(category) {
            self.exclusions.push(found);
            return consumed;
        }
        let postfix = self.postfix_negation(k + consumed);
        if postfix > 0 {
            // "sequins and feathers are a no": the whole list is ruled out.
            let (moved, kept): (Vec<Found>, Vec<Found>) = std::mem::take(&mut self.attributes)
                .into_iter()
                .partition(|f| f.list == list);
            self.attributes = kept;
            self.exclusions.extend(moved);
            self.exclusions.push(found);
            self.scope = None;
            return consumed + postfix;
        }
        self.attributes.push(found);
        consumed
    }

    fn category(&mut self, k: usize, category: usize) -> usize {
        let Some(scope) = &self.scope else {
            return 1;
        };
        if scope.seen_value {
            // "no florals prints", "anything but a ballgown silhouette": part of the value.
            return 1;
        }
        let cue_start = scope.cue_start;
        let none = self.taxonomy.categories().get(category).and_then(|c| {
            c.none_value
                .as_ref()
                .and_then(|v| c.value(v))
                .map(|v| c.attribute(v))
        });
        match none {
            // "without sleeves" asks for sleeveless; the scope stays open for "or a collar".
            Some(attribute) => {
                let item = self.items[k];
                let span = (cue_start, self.tokens[item.end - 1].end);
                let list = self.list_for(item.first);
                self.last_value_end = Some(item.end);
                self.attributes.push(Found {
                    attribute,
                    span,
                    list,
                });
                if let Some(scope) = &mut self.scope {
                    scope.seen_value = true;
                    scope.categories.push(category);
                    scope.fillers = 0;
                    scope.connector = None;
                }
            }
            None => self.filler(),
        }
        1
    }

    fn word(&mut self, k: usize) -> usize {
        let token = self.items[k].first;
        let word = self.tokens[token].norm.clone();
        for phrase in words::NEGATION_PHRASES {
            if self.words_at(k, phrase) {
                self.open_scope(k, phrase.len());
                return phrase.len();
            }
        }
        // "w/o" is "without".
        if word == "w" && self.word_is(k + 1, "o") && self.gap_at(k + 1) == Some(Gap::Slash) {
            self.open_scope(k, 2);
            return 2;
        }
        if contains(words::NEGATION_CUES, &word) {
            self.open_scope(k, 1);
            return 1;
        }
        if contains(words::OR_WORDS, &word) || contains(words::AND_WORDS, &word) {
            let connector = if contains(words::OR_WORDS, &word) {
                Connector::Or
            } else {
                Connector::And
            };
            match &mut self.scope {
                Some(scope) if scope.seen_value => {
                    scope.connector = Some(connector);
                    scope.fillers = 0;
                }
                Some(_) => self.filler(),
                None => {}
            }
            return 1;
        }
        if contains(words::SCOPE_BREAKERS, &word) {
            self.scope = None;
            return 1;
        }
        if let Some((number, len)) = self.number_at(k) {
            if self.is_count(k, len) {
                self.scope = None;
                self.record_count(number);
            } else {
                self.filler();
                self.unknown
                    .extend((0..len).map(|i| self.items[k + i].first));
            }
            return len;
        }
        self.filler();
        let known = contains(words::STOP_WORDS, &word)
            || contains(words::COUNT_NOUNS, &word)
            || contains(words::COUNT_VERBS, &word);
        if !known {
            self.unknown.push(token);
        }
        1
    }

    // ---- lists -------------------------------------------------------------------------------

    /// The list a value starting at `first` belongs to: the previous value's, when only "and",
    /// "or", "nor", commas and slashes stand between them; otherwise a new one. A list joined
    /// by "or", "nor" or a slash offers alternatives.
    fn list_for(&mut self, first: usize) -> usize {
        let continues = self
            .last_value_end
            .filter(|&end| end <= first)
            .is_some_and(|end| {
                (end..first).all(|t| {
                    let w = self.tokens[t].norm.as_str();
                    contains(words::AND_WORDS, w) || contains(words::OR_WORDS, w)
                }) && (end..=first)
                    .filter_map(|t| self.tokens.get(t))
                    .all(|t| t.gap <= Gap::Comma)
            });
        let alternative = self.last_value_end.is_some_and(|end| {
            (end..first).any(|t| contains(words::OR_WORDS, &self.tokens[t].norm))
                || (end..=first)
                    .filter_map(|t| self.tokens.get(t))
                    .any(|t| t.gap == Gap::Slash)
        });
        if continues && !self.lists_alternative.is_empty() {
            let list = self.lists_alternative.len() - 1;
            self.lists_alternative[list] |= alternative;
            list
        } else {
            self.lists_alternative.push(false);
            self.lists_alternative.len() - 1
        }
    }

    // ---- postfix negation --------------------------------------------------------------------

    /// Length in items of a postfix negation starting at item `k` ("is a no", "-free").
    fn postfix_negation(&self, k: usize) -> usize {
        words::POSTFIX_NEGATIONS
            .iter()
            .find(|phrase| self.words_at(k, phrase))
            .map_or(0, |phrase| phrase.len())
    }

    // ---- counts ------------------------------------------------------------------------------

    /// A number starting at item `k` and how many items it covers: digits, number words
    /// ("twenty-four"), "dozen", "half a dozen", "two dozen", "a hundred".
    fn number_at(&self, k: usize) -> Option<(u64, usize)> {
        let word = self.word_of(k)?;
        if self.words_at(k, &["half", "a", "dozen"]) {
            return Some((6, 3));
        }
        let (base, len) = if word.bytes().all(|b| b.is_ascii_digit()) {
            (word.parse::<u64>().unwrap_or(u64::MAX), 1)
        } else if let Some(tens) = words::tens_number(word) {
            match self.word_of(k + 1).and_then(words::unit_number) {
                Some(unit) if unit < 10 && self.joined(k + 1) => (tens + unit, 2),
                _ => (tens, 1),
            }
        } else if let Some(unit) = words::unit_number(word) {
            (unit, 1)
        } else if word == "dozen" {
            return Some((12, 1));
        } else if word == "hundred" {
            return Some((100, 1));
        } else {
            return None;
        };
        match self.word_of(k + len) {
            Some("dozen") if self.joined(k + len) => Some((base.saturating_mul(12), len + 1)),
            Some("hundred") if self.joined(k + len) => Some((base.saturating_mul(100), len + 1)),
            _ => Some((base, len)),
        }
    }

    /// Whether the number at item `k` (covering `len` items) counts designs. Digits do unless a
    /// size or unit surrounds them; a written-out number must also be followed closely by a
    /// count noun or a garment, or follow a request verb, so that "one" in "in one colour" is not
    /// read as a count.
    fn is_count(&self, k: usize, len: usize) -> bool {
        let first = self.items[k].first;
        let before = first
            .checked_sub(1)
            .filter(|_| self.tokens[first].gap.joins_term())
            .map(|t| self.tokens[t].norm.as_str());
        if before.is_some_and(|w| contains(words::NOT_COUNT_BEFORE, w)) {
            return false;
        }
        let after = self.word_of(k + len).filter(|_| self.joined(k + len));
        if after.is_some_and(|w| contains(words::NOT_COUNT_AFTER, w)) {
            return false;
        }
        // "3/4": a fraction, not a count.
        let digits = |t: &Token| t.norm.bytes().all(|b| b.is_ascii_digit());
        let slash_before = self.tokens[first].gap == Gap::Slash
            && first
                .checked_sub(1)
                .is_some_and(|t| digits(&self.tokens[t]));
        let slash_after = self.gap_at(k + len) == Some(Gap::Slash)
            && self
                .items
                .get(k + len)
                .is_some_and(|i| digits(&self.tokens[i.first]));
        if slash_before || slash_after {
            return false;
        }
        let word = self.tokens[first].norm.as_str();
        if word.bytes().all(|b| b.is_ascii_digit()) || word == "dozen" || word == "half" {
            return true;
        }
        if self.word_of(k + len - 1) == Some("dozen") {
            return true;
        }
        let mut ahead = k + len;
        while ahead < (k + len + COUNT_LOOKAHEAD).min(self.items.len()) {
            let item = self.items[ahead];
            if self.tokens[item.first].gap >= Gap::Comma {
                break;
            }
            match item.piece {
                Piece::Word if contains(words::COUNT_NOUNS, &self.tokens[item.first].norm) => {
                    return true
                }
                Piece::Value { category, .. } | Piece::Category(category)
                    if self
                        .taxonomy
                        .categories()
                        .get(category)
                        .is_some_and(|c| c.id == GARMENT_CATEGORY) =>
                {
                    return true
                }
                _ => {}
            }
            ahead += 1;
        }
        let mut t = first;
        for _ in 0..COUNT_LOOKBACK {
            if t == 0 || self.tokens[t].gap >= Gap::Comma {
                break;
            }
            t -= 1;
            if contains(words::COUNT_VERBS, &self.tokens[t].norm) {
                return true;
            }
        }
        false
    }

    fn record_count(&mut self, number: u64) {
        match self.count {
            None => self.count = Some(number),
            Some(first) if first != number => {
                if let Some(kept) = clamp_count(first) {
                    self.warnings.push(BriefWarning::ConflictingCounts {
                        kept,
                        ignored: number,
                    });
                }
            }
            Some(_) => {}
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    fn span(&self, first: usize, end: usize) -> (usize, usize) {
        let start = self.tokens[first].start;
        let stop = end
            .checked_sub(1)
            .and_then(|t| self.tokens.get(t))
            .map_or(start, |t| t.end);
        (start, stop)
    }

    /// The normalised word of item `k` when it is an unmatched word.
    fn word_of(&self, k: usize) -> Option<&str> {
        let item = self.items.get(k)?;
        (item.piece == Piece::Word).then(|| self.tokens[item.first].norm.as_str())
    }

    fn word_is(&self, k: usize, word: &str) -> bool {
        self.word_of(k) == Some(word)
    }

    fn gap_at(&self, k: usize) -> Option<Gap> {
        self.items.get(k).map(|i| self.tokens[i.first].gap)
    }

    /// Whether item `k` is joined to the previous one by a space, hyphen or slash.
    fn joined(&self, k: usize) -> bool {
        self.gap_at(k).is_some_and(Gap::joins_term)
    }

    /// Whether the items from `k` are the unmatched words of `phrase`, joined to each other.
    fn words_at(&self, k: usize, phrase: &[&str]) -> bool {
        phrase
            .iter()
            .enumerate()
            .all(|(i, w)| self.word_is(k + i, w) && (i == 0 || self.joined(k + i)))
    }

    // ---- result ------------------------------------------------------------------------------

    fn finish(mut self) -> Result<Brief, BriefError> {
        let modifiers = self.modifiers();
        let attributes = distinct(&self.attributes);
        let exclusions = distinct(&self.exclusions);
        let count = match self.count {
            Some(requested) => {
                let used = clamp_count(requested);
                if used != Some(requested).and_then(|r| u32::try_from(r).ok()) {
                    self.warnings.insert(
                        0,
                        BriefWarning::CountOutOfRange {
                            requested,
                            min: MIN_COUNT,
                            max: MAX_COUNT,
                            used,
                        },
                    );
                }
                used
            }
            None => None,
        };
        if attributes.is_empty() && exclusions.is_empty() && self.count.is_none() {
            return Err(BriefError::NothingRecognised {
                unknown: modifiers.into_iter().map(|m| m.text).collect(),
            });
        }
        let mut warnings = self.warnings.clone();
        warnings.extend(self.contradictions(&attributes, &exclusions));
        Ok(Brief {
            attributes: attributes.iter().map(|f| self.extracted(f)).collect(),
            exclusions: exclusions.iter().map(|f| self.extracted(f)).collect(),
            count,
            modifiers,
            warnings,
        })
    }

    fn extracted(&self, found: &Found) -> Extracted {
        let (start, end) = found.span;
        Extracted {
            attribute: found.attribute.clone(),
            span: found.span,
            matched: self.text.get(start..end).unwrap_or_default().to_string(),
        }
    }

    /// Runs of adjacent unknown words (joined by spaces or hyphens) as modifiers.
    fn modifiers(&self) -> Vec<Modifier> {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for &t in &self.unknown {
            match runs.last_mut() {
                Some((_, last))
                    if *last + 1 == t && matches!(self.tokens[t].gap, Gap::Space | Gap::Joiner) =>
                {
                    *last = t
                }
                _ => runs.push((t, t)),
            }
        }
        runs.into_iter()
            .map(|(first, last)| {
                let span = (self.tokens[first].start, self.tokens[last].end);
                Modifier {
                    text: self
                        .text
                        .get(span.0..span.1)
                        .unwrap_or_default()
                        .to_string(),
                    span,
                }
            })
            .collect()
    }

    /// Values asked for and ruled out at once, and values that break a taxonomy rule together.
    fn contradictions(&self, attributes: &[&Found], exclusions: &[&Found]) -> Vec<BriefWarning> {
        let mut warnings = Vec::new();
        for excluded in exclusions {
            if attributes.iter().any(|a| a.attribute == excluded.attribute) {
                warnings.push(BriefWarning::Contradiction {
                    a: excluded.attribute.clone(),
                    b: excluded.attribute.clone(),
                    rule: REQUESTED_AND_EXCLUDED_RULE.to_string(),
                });
            }
        }
        let requested: Vec<AttributeValue> =
            attributes.iter().map(|f| f.attribute.clone()).collect();
        for conflict in self.taxonomy.check(&requested) {
            match conflict.kind {
                ConflictKind::Excludes => {
                    if let [a, b] = conflict.values.as_slice() {
                        warnings.push(BriefWarning::Contradiction {
                            a: a.clone(),
                            b: b.clone(),
                            rule: conflict.rule.clone(),
                        });
                    }
                }
                ConflictKind::MaxValues => {
                    warnings.extend(self.single_value_clashes(attributes, &conflict.values))
                }
                _ => {}
            }
        }
        // "jeans, no denim": an implied value that the brief rules out entirely.
        for rule in self.taxonomy.rules() {
            let Rule::Implies { id, when, then, .. } = rule else {
                continue;
            };
            let Some(implied) = &then.values else {
                continue;
            };
            let ruled_out = |v: &String| {
                exclusions
                    .iter()
                    .any(|e| e.attribute.category == then.category && e.attribute.value == *v)
            };
            if !implied.iter().all(ruled_out) {
                continue;
            }
            for trigger in requested.iter().filter(|a| when.contains(a)) {
                warnings.push(BriefWarning::Contradiction {
                    a: trigger.clone(),
                    b: AttributeValue::new(&then.category, &implied[0]),
                    rule: id.clone(),
                });
            }
        }
        warnings
    }

    /// Two values of a single-valued category ("mini maxi dress") contradict each other, unless
    /// the brief offers them as alternatives ("midi or maxi"). A multi-valued category holding
    /// more values than one design carries ("red, orange, pink and gold") is not a contradiction:
    /// a brief describes a set of designs, and the planner spreads the values over it.
    fn single_value_clashes(
        &self,
        attributes: &[&Found],
        values: &[AttributeValue],
    ) -> Vec<BriefWarning> {
        let Some(first) = values.first() else {
            return Vec::new();
        };
        let single = self
            .taxonomy
            .category(&first.category)
            .is_some_and(|c| c.max_values == 1);
        if !single {
            return Vec::new();
        }
        let list_of = |v: &AttributeValue| {
            attributes
                .iter()
                .find(|f| f.attribute == *v)
                .map(|f| f.list)
        };
        values[1..]
            .iter()
            .filter(|other| {
                let same_list = list_of(first).is_some() && list_of(first) == list_of(other);
                let alternatives = same_list
                    && list_of(first)
                        .and_then(|l| self.lists_alternative.get(l))
                        .copied()
                        .unwrap_or(false);
                !alternatives
            })
            .map(|other| BriefWarning::Contradiction {
                a: first.clone(),
                b: other.clone(),
                rule: MAX_VALUES_RULE.to_string(),
            })
            .collect()
    }
}

/// The longest taxonomy term at each position, or single unmatched words.
fn segment(tokens: &[Token], taxonomy: &Taxonomy) -> Vec<Item> {
    let mut items = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let (piece, len) = match taxonomy.index().match_at(tokens, i) {
            Some(m) => (
                match m.term {
                    Term::Value { category, value } => Piece::Value { category, value },
                    Term::Category(category) => Piece::Category(category),
                },
                m.len,
            ),
            None => (Piece::Word, 1),
        };
        let len = len.max(1);
        items.push(Item {
            piece,
            first: i,
            end: i + len,
        });
        i += len;
    }
    items
}

/// Each value once, at its first mention, in the order of the brief.
fn distinct(found: &[Found]) -> Vec<&Found> {
    let mut sorted: Vec<&Found> = found.iter().collect();
    sorted.sort_by_key(|f| f.span.0);
    let mut out: Vec<&Found> = Vec::with_capacity(sorted.len());
    for f in sorted {
        if !out.iter().any(|o| o.attribute == f.attribute) {
            out.push(f);
        }
    }
    out
}

/// The count kept for a requested one: capped at [`MAX_COUNT`], none for zero.
fn clamp_count(requested: u64) -> Option<u32> {
    if requested < u64::from(MIN_COUNT) {
        None
    } else {
        Some(u32::try_from(requested.min(u64::from(MAX_COUNT))).unwrap_or(MAX_COUNT))
    }
}
