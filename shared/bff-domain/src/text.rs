//! Splitting text into normalised words, shared by the taxonomy's term index and the brief parser
//! so that a synonym in the data and the same words in a brief always normalise identically.
//!
//! - A word is a run of alphanumeric characters. Apostrophes inside a word are dropped
//!   (`70's` → `70s`, `women's` → `womens`); `&` and `+` are the word `and`.
//! - Words are lower-cased and common Latin accents are folded (`bouclé` → `boucle`), since
//!   designers type fashion's French loanwords both ways.
//! - What separates a word from the previous one is kept as a [`Gap`]: multi-word terms may only
//!   span spaces, hyphens and slashes (so `v-neck`, `v neck` and `spring/summer` match but
//!   `black, white` never matches `black and white`), and the brief parser ends negation scopes at
//!   commas and sentence punctuation.

/// What separates a word from the one before it; a stronger separator wins when several occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Gap {
    /// The first word of the text.
    Start,
    /// Whitespace only (or nothing, as between a word and `&`).
    Space,
    /// A hyphen, underscore or other in-word joiner: `off-the-shoulder`.
    Joiner,
    /// A slash: `red/white`, `3/4`; read as "or" in a list.
    Slash,
    /// A comma.
    Comma,
    /// A colon, which introduces a list: "avoid: polyester, acrylic".
    Colon,
    /// Sentence or clause punctuation: `.` `!` `?` `;` brackets, dashes, a line break.
    Break,
}

impl Gap {
    /// A multi-word term may span this separator.
    pub(crate) fn joins_term(self) -> bool {
        matches!(self, Gap::Space | Gap::Joiner | Gap::Slash)
    }
}

/// One normalised word and where it sits in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub norm: String,
    /// Byte offset of the first character in the original text.
    pub start: usize,
    /// Byte offset just past the last character.
    pub end: usize,
    /// The separator before this word.
    pub gap: Gap,
}

/// Splits `text` into normalised words.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut gap = Gap::Start;
    let mut current: Option<(usize, String)> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c.is_alphanumeric() {
            let (_, norm) = current.get_or_insert_with(|| (at, String::new()));
            push_folded(norm, c);
            continue;
        }
        let next_is_alnum = chars.peek().is_some_and(|&(_, n)| n.is_alphanumeric());
        if is_apostrophe(c) && current.is_some() && next_is_alnum {
            continue;
        }
        if let Some((start, norm)) = current.take() {
            tokens.push(Token {
                norm,
                start,
                end: at,
                gap,
            });
            gap = Gap::Space;
        }
        if c == '&' || c == '+' {
            tokens.push(Token {
                norm: "and".to_string(),
                start: at,
                end: at + c.len_utf8(),
                gap,
            });
            gap = Gap::Space;
            continue;
        }
        let here = separator(c);
        if gap != Gap::Start && here > gap {
            gap = here;
        }
    }
    if let Some((start, norm)) = current {
        tokens.push(Token {
            norm,
            start,
            end: text.len(),
            gap,
        });
    }
    tokens
}

/// The normalised words of a term from the taxonomy (a synonym, label or id).
pub(crate) fn words(term: &str) -> Vec<String> {
    tokenize(term).into_iter().map(|t| t.norm).collect()
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02bc}' | '`')
}

fn separator(c: char) -> Gap {
    match c {
        '-' | '_' | '\u{2010}' | '\u{2011}' => Gap::Joiner,
        '/' | '\\' | '|' => Gap::Slash,
        ',' => Gap::Comma,
        ':' => Gap::Colon,
        '.' | '!' | '?' | ';' | '(' | ')' | '[' | ']' | '{' | '}' | '\u{2013}' | '\u{2014}'
        | '\n' | '\r' | '\u{2022}' => Gap::Break,
        _ => Gap::Space,
    }
}

/// Appends `c` lower-cased, with the accents of common Latin letters removed.
fn push_folded(out: &mut String, c: char) {
    for lower in c.to_lowercase() {
        out.push(match lower {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            other => other,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str) -> Vec<String> {
        words(text)
    }

    #[test]
    fn words_are_lower_cased_and_folded() {
        assert_eq!(norms("Bouclé  CRÊPE"), ["boucle", "crepe"]);
        assert_eq!(norms("70's women’s"), ["70s", "womens"]);
        assert_eq!(
            norms("black & white + red"),
            ["black", "and", "white", "and", "red"]
        );
        assert_eq!(norms("'quoted'"), ["quoted"]);
        assert!(norms(" -- ,. ").is_empty());
    }

    #[test]
    fn spans_slice_the_original_text() {
        let text = "Ærø, v-Neck!";
        for token in tokenize(text) {
            assert!(text.get(token.start..token.end).is_some());
        }
        let tokens = tokenize(text);
        assert_eq!(&text[tokens[0].start..tokens[0].end], "Ærø");
        assert_eq!(&text[tokens[2].start..tokens[2].end], "Neck");
    }

    #[test]
    fn gaps_keep_the_strongest_separator() {
        let gaps: Vec<Gap> = tokenize("a b-c/d, e. f ,- g")
            .iter()
            .map(|t| t.gap)
            .collect();
        assert_eq!(
            gaps,
            [
                Gap::Start,
                Gap::Space,
                Gap::Joiner,
                Gap::Slash,
                Gap::Comma,
                Gap::Break,
                Gap::Comma
            ]
        );
    }
}
