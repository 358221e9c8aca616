//! The parser never panics, and what it returns is well-formed, on any text.

use std::collections::BTreeSet;

use bff_domain::brief::{MAX_BRIEF_CHARS, MAX_COUNT, MIN_COUNT};
use bff_domain::{parse_brief, Brief, BriefError, Taxonomy};
use proptest::prelude::*;

/// Words and punctuation a brief is made of, mixed at random.
const PARTS: &[&str] = &[
    "no",
    "not",
    "without",
    "w/o",
    "anything but",
    "avoid",
    "or",
    "and",
    "but",
    "with",
    ",",
    ".",
    ":",
    ";",
    "/",
    "-",
    " — ",
    "free",
    "is a no",
    "sleeves",
    "prints",
    "black",
    "navy",
    "v-neck",
    "off the shoulder",
    "fit and flare",
    "polka dots",
    "dresses",
    "midi",
    "mini",
    "maxi",
    "sleeveless",
    "long sleeves",
    "strapless",
    "jeans",
    "denim",
    "tones",
    "earth",
    "12",
    "0",
    "150",
    "twenty",
    "four",
    "dozen",
    "half a",
    "size",
    "3/4",
    "looks",
    "é",
    "zesty",
    "'",
    "&",
];

fn check(text: &str, result: &Result<Brief, BriefError>) {
    match result {
        Ok(brief) => {
            for e in brief.attributes.iter().chain(&brief.exclusions) {
                assert_eq!(text.get(e.span.0..e.span.1), Some(e.matched.as_str()));
                assert!(Taxonomy::embedded().contains(&e.attribute));
            }
            for m in &brief.modifiers {
                assert_eq!(text.get(m.span.0..m.span.1), Some(m.text.as_str()));
            }
            if let Some(count) = brief.count {
                assert!((MIN_COUNT..=MAX_COUNT).contains(&count));
            }
            let distinct: BTreeSet<_> = brief.requested().into_iter().collect();
            assert_eq!(distinct.len(), brief.attributes.len());
            let distinct: BTreeSet<_> = brief.excluded().into_iter().collect();
            assert_eq!(distinct.len(), brief.exclusions.len());
        }
        Err(BriefError::TooLong { chars, .. }) => assert!(*chars > MAX_BRIEF_CHARS),
        Err(_) => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text(text in "\\PC{0,300}") {
        let result = parse_brief(&text, Taxonomy::embedded());
        check(&text, &result);
    }

    #[test]
    fn any_mix_of_brief_words(parts in proptest::collection::vec(0..PARTS.len(), 0..40)) {
        let text = parts.iter().map(|&i| PARTS[i]).collect::<Vec<_>>().join(" ");
        let result = parse_brief(&text, Taxonomy::embedded());
        check(&text, &result);
    }
}
