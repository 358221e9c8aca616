use super::words;
use super::*;
use crate::{AttributeValue, Taxonomy};

fn parse(text: &str) -> Brief {
    match parse_brief(text, Taxonomy::embedded()) {
        Ok(brief) => brief,
        Err(e) => panic!("{text:?}: {e}"),
    }
}

fn av(category: &str, value: &str) -> AttributeValue {
    AttributeValue::new(category, value)
}

fn requested(text: &str) -> Vec<AttributeValue> {
    parse(text).requested()
}

fn excluded(text: &str) -> Vec<AttributeValue> {
    parse(text).excluded()
}

/// Every span of the brief slices the text to what was matched.
fn assert_spans(text: &str, brief: &Brief) {
    for e in brief.attributes.iter().chain(&brief.exclusions) {
        assert_eq!(
            text.get(e.span.0..e.span.1),
            Some(e.matched.as_str()),
            "{e:?}"
        );
    }
    for m in &brief.modifiers {
        assert_eq!(text.get(m.span.0..m.span.1), Some(m.text.as_str()), "{m:?}");
    }
}

// ---- errors ------------------------------------------------------------------------------------

#[test]
fn empty_briefs_are_refused() {
    for text in ["", "   ", "\n\t", "!!! ... ---"] {
        assert_eq!(
            parse_brief(text, Taxonomy::embedded()),
            Err(BriefError::Empty),
            "{text:?}"
        );
    }
}

#[test]
fn too_long_briefs_are_refused_by_characters_not_bytes() {
    let at_limit = "é".repeat(MAX_BRIEF_CHARS - 6) + " dress";
    assert!(parse_brief(&at_limit, Taxonomy::embedded()).is_ok());
    let over = "dress ".repeat(400);
    assert_eq!(
        parse_brief(&over, Taxonomy::embedded()),
        Err(BriefError::TooLong {
            max_chars: MAX_BRIEF_CHARS,
            chars: 2400
        })
    );
}

#[test]
fn briefs_of_unknown_words_are_refused_with_the_words() {
    assert_eq!(
        parse_brief(
            "Something zesty and wobbly-ish, please",
            Taxonomy::embedded()
        ),
        Err(BriefError::NothingRecognised {
            unknown: vec!["zesty".into(), "wobbly-ish".into()]
        })
    );
    assert_eq!(
        parse_brief("please", Taxonomy::embedded()),
        Err(BriefError::NothingRecognised { unknown: vec![] })
    );
}

#[test]
fn a_count_alone_is_a_brief() {
    let brief = parse("12 looks please");
    assert_eq!(brief.count, Some(12));
    assert!(brief.attributes.is_empty());
}

#[test]
fn errors_and_warnings_serialise_with_a_kind_tag() {
    let error = serde_json::to_value(BriefError::TooLong {
        max_chars: 2000,
        chars: 2001,
    })
    .unwrap_or_default();
    assert_eq!(error["kind"], "too_long");
    assert_eq!(error["max_chars"], 2000);
    let warning = serde_json::to_value(BriefWarning::Contradiction {
        a: av("length", "mini"),
        b: av("length", "maxi"),
        rule: "max_values".into(),
    })
    .unwrap_or_default();
    assert_eq!(warning["kind"], "contradiction");
    assert_eq!(warning["b"]["value"], "maxi");
}

// ---- warnings ----------------------------------------------------------------------------------

fn contradiction(a: AttributeValue, b: AttributeValue, rule: &str) -> BriefWarning {
    BriefWarning::Contradiction {
        a,
        b,
        rule: rule.into(),
    }
}

#[test]
fn two_values_of_a_single_valued_category_contradict() {
    assert_eq!(
        parse("mini maxi dress").warnings,
        [contradiction(
            av("length", "mini"),
            av("length", "maxi"),
            "max_values"
        )]
    );
    assert_eq!(
        parse("sleeveless with long sleeves").warnings,
        [contradiction(
            av("sleeve", "sleeveless"),
            av("sleeve", "long"),
            "max_values"
        )]
    );
    // Both values stay in the brief.
    assert_eq!(parse("mini maxi dress").attributes.len(), 3);
}

#[test]
fn alternatives_and_multi_valued_categories_do_not_contradict() {
    assert_eq!(parse("midi or maxi dresses").warnings, []);
    assert_eq!(parse("midi/maxi dresses").warnings, []);
    assert_eq!(parse("black, navy or grey shift dresses").warnings, []);
    assert_eq!(parse("red, orange, pink and gold dresses").warnings, []);
}

#[test]
fn taxonomy_rules_contradict() {
    assert_eq!(
        parse("strapless gown with long sleeves").warnings,
        [contradiction(
            av("neckline", "strapless"),
            av("sleeve", "long"),
            "strapless-bare-arms"
        )]
    );
    assert_eq!(
        parse("a summer coat in wool").warnings,
        [contradiction(
            av("season", "summer"),
            av("fabric", "wool"),
            "summer-light-fabrics"
        )]
    );
}

#[test]
fn requested_and_excluded_values_contradict() {
    let brief = parse("black but no black");
    assert_eq!(brief.requested(), [av("colour", "black")]);
    assert_eq!(brief.excluded(), [av("colour", "black")]);
    assert_eq!(
        brief.warnings,
        [contradiction(
            av("colour", "black"),
            av("colour", "black"),
            REQUESTED_AND_EXCLUDED_RULE
        )]
    );
}

#[test]
fn excluding_every_implied_value_contradicts() {
    assert_eq!(
        parse("jeans, no denim").warnings,
        [contradiction(
            av("garment_type", "jeans"),
            av("fabric", "denim"),
            "jeans-are-denim"
        )]
    );
}

#[test]
fn counts_out_of_range_are_capped_or_dropped() {
    let brief = parse("150 looks of dresses");
    assert_eq!(brief.count, Some(MAX_COUNT));
    assert_eq!(
        brief.warnings,
        [BriefWarning::CountOutOfRange {
            requested: 150,
            min: MIN_COUNT,
            max: MAX_COUNT,
            used: Some(MAX_COUNT)
        }]
    );
    let brief = parse("0 looks of dresses");
    assert_eq!(brief.count, None);
    assert_eq!(
        brief.warnings,
        [BriefWarning::CountOutOfRange {
            requested: 0,
            min: MIN_COUNT,
            max: MAX_COUNT,
            used: None
        }]
    );
    let brief = parse("99999999999999999999999 dresses");
    assert_eq!(brief.count, Some(MAX_COUNT));
    assert_eq!(parse("100 dresses").warnings, []);
}

#[test]
fn a_second_count_is_ignored_with_a_warning() {
    let brief = parse("12 looks of dresses, or maybe 8 designs");
    assert_eq!(brief.count, Some(12));
    assert_eq!(
        brief.warnings,
        [BriefWarning::ConflictingCounts {
            kept: 12,
            ignored: 8
        }]
    );
    assert_eq!(parse("12 dresses, 12 looks").warnings, []);
}

// ---- spans -------------------------------------------------------------------------------------

#[test]
fn spans_slice_the_brief_to_the_matched_words() {
    let text =
        "Crêpe café — 12 Off-The-Shoulder dresses in EARTH TONES, without sleeves; zesty vibe";
    let brief = parse(text);
    assert_spans(text, &brief);
    let matched: Vec<&str> = brief
        .attributes
        .iter()
        .map(|e| e.matched.as_str())
        .collect();
    assert_eq!(
        matched,
        [
            "Crêpe",
            "Off-The-Shoulder",
            "dresses",
            "EARTH TONES",
            "without sleeves"
        ]
    );
    assert_eq!(brief.modifiers.len(), 2);
    assert_eq!(brief.modifiers[0].text, "café");
    assert_eq!(brief.modifiers[1].text, "zesty");
}

#[test]
fn spans_hold_for_every_labelled_style_of_brief() {
    for text in [
        "no florals, stripes or checks — just solids",
        "w/o sequins; polyester-free; animal print is a no.",
        "Jewel-toned satin, 3/4 sleeves, twenty-four looks",
        "avoid: polyester, acrylic",
    ] {
        assert_spans(text, &parse(text));
    }
}

// ---- matching ----------------------------------------------------------------------------------

#[test]
fn matching_ignores_case_and_punctuation() {
    for text in ["v neck", "v-neck", "vneck", "V-Neck!", "(V NECK)"] {
        assert_eq!(requested(text), [av("neckline", "v-neck")], "{text:?}");
    }
    for text in ["t-shirt", "T shirt", "tshirt", "tees"] {
        assert_eq!(requested(text), [av("garment_type", "t-shirt")], "{text:?}");
    }
}

#[test]
fn the_longest_term_wins() {
    assert_eq!(
        requested("fit and flare"),
        [av("silhouette", "fit-and-flare")]
    );
    assert_eq!(
        requested("off the shoulder"),
        [av("neckline", "off-shoulder")]
    );
    assert_eq!(requested("bardot"), [av("neckline", "off-shoulder")]);
    assert_eq!(
        requested("three quarter sleeves"),
        [av("sleeve", "three-quarter")]
    );
    assert_eq!(requested("polka dots"), [av("pattern", "polka-dots")]);
    assert_eq!(requested("short sleeves"), [av("sleeve", "short")]);
    assert_eq!(
        requested("a short dress"),
        [av("length", "mini"), av("garment_type", "dress")]
    );
    assert_eq!(requested("crop top"), [av("garment_type", "crop-top")]);
}

#[test]
fn terms_never_span_commas_or_full_stops() {
    assert_eq!(requested("crop top"), [av("garment_type", "crop-top")]);
    assert_eq!(
        requested("crop, top"),
        [av("length", "cropped"), av("garment_type", "top")]
    );
    assert_eq!(
        requested("crop. top"),
        [av("length", "cropped"), av("garment_type", "top")]
    );
}

#[test]
fn plurals_are_recognised() {
    assert_eq!(requested("florals"), [av("pattern", "floral")]);
    assert_eq!(requested("dresses"), [av("garment_type", "dress")]);
    // Regular plurals need not be listed in the data.
    assert_eq!(requested("sheaths"), [av("silhouette", "sheath")]);
    assert_eq!(
        requested("mandarin collars"),
        [av("neckline", "mandarin-collar")]
    );
}

#[test]
fn tones_join_colour_and_palette_values() {
    let brief = parse("earthy tones");
    assert_eq!(brief.requested(), [av("palette", "earthy")]);
    assert_eq!(brief.attributes[0].matched, "earthy tones");
    assert_eq!(requested("earth tones"), [av("palette", "earthy")]);
    let brief = parse("red tones");
    assert_eq!(brief.requested(), [av("colour", "red")]);
    assert_eq!(brief.attributes[0].matched, "red tones");
    assert!(brief.modifiers.is_empty());
}

#[test]
fn duplicates_are_kept_once_at_their_first_mention() {
    let brief = parse("mod dresses, very 1960s, sixties");
    assert_eq!(
        brief.requested(),
        [av("era", "1960s"), av("garment_type", "dress")]
    );
    assert_eq!(brief.attributes[0].matched, "mod");
}

#[test]
fn stop_words_are_not_modifiers() {
    let brief = parse("Please give me a few looks with the dress in a lovely shade of red");
    assert_eq!(brief.modifiers, []);
}

// ---- negation ----------------------------------------------------------------------------------

#[test]
fn negation_cues() {
    assert_eq!(excluded("no florals"), [av("pattern", "floral")]);
    assert_eq!(excluded("anything but black"), [av("colour", "black")]);
    assert_eq!(excluded("avoid polyester"), [av("fabric", "polyester")]);
    assert_eq!(excluded("never pink"), [av("colour", "pink")]);
    assert_eq!(excluded("w/o sequins"), [av("embellishment", "sequins")]);
    assert_eq!(excluded("except leather"), [av("fabric", "leather")]);
    assert_eq!(
        excluded("don't do ruffles"),
        [av("embellishment", "ruffles")]
    );
    assert_eq!(excluded("in pink instead of red"), [av("colour", "red")]);
    assert_eq!(requested("in pink instead of red"), [av("colour", "pink")]);
}

#[test]
fn without_a_category_word_requests_its_none_value() {
    for text in ["without sleeves", "no sleeves", "NO SLEEVES."] {
        let brief = parse(text);
        assert_eq!(brief.requested(), [av("sleeve", "sleeveless")], "{text:?}");
        assert_eq!(brief.excluded(), [], "{text:?}");
    }
    assert_eq!(
        parse("without sleeves").attributes[0].matched,
        "without sleeves"
    );
    assert_eq!(requested("no prints"), [av("pattern", "solid")]);
    assert_eq!(
        requested("no embellishments"),
        [av("embellishment", "no-embellishment")]
    );
    // A category without a none value is skipped.
    assert_eq!(
        excluded("no heavy fabrics like velvet"),
        [av("fabric", "velvet")]
    );
    // The scope stays open after the category word.
    let brief = parse("without sleeves or a collar");
    assert_eq!(brief.requested(), [av("sleeve", "sleeveless")]);
    assert_eq!(brief.excluded(), [av("neckline", "collared")]);
}

#[test]
fn not_too_short_rules_out_mini() {
    let brief = parse("not too short");
    assert_eq!(brief.excluded(), [av("length", "mini")]);
    assert_eq!(brief.requested(), []);
    assert_eq!(excluded("nothing too tight"), [av("fit", "fitted")]);
}

#[test]
fn or_carries_negation_to_any_value_and_to_a_list() {
    assert_eq!(
        excluded("no X: no florals or puff sleeves"),
        [av("pattern", "floral"), av("sleeve", "puff")]
    );
    assert_eq!(
        excluded("no florals, stripes or checks"),
        [
            av("pattern", "floral"),
            av("pattern", "stripes"),
            av("pattern", "checks")
        ]
    );
    assert_eq!(
        excluded("no red/white"),
        [av("colour", "red"), av("colour", "white")]
    );
    assert_eq!(
        excluded("no sequins and feathers"),
        [
            av("embellishment", "sequins"),
            av("embellishment", "feathers")
        ]
    );
}

#[test]
fn and_or_a_comma_ends_negation_at_a_new_category() {
    let brief = parse("no sequins, long sleeves please");
    assert_eq!(brief.excluded(), [av("embellishment", "sequins")]);
    assert_eq!(brief.requested(), [av("sleeve", "long")]);
    let brief = parse("no florals and a midi length");
    assert_eq!(brief.excluded(), [av("pattern", "floral")]);
    assert_eq!(brief.requested(), [av("length", "midi")]);
}

#[test]
fn negation_ends_at_punctuation_and_scope_breakers() {
    for text in [
        "no florals. Dresses",
        "no florals; dresses",
        "no florals but dresses",
        "no florals with dresses",
        "no florals dresses",
        "no florals for dresses",
    ] {
        let brief = parse(text);
        assert_eq!(brief.excluded(), [av("pattern", "floral")], "{text:?}");
        assert_eq!(brief.requested(), [av("garment_type", "dress")], "{text:?}");
    }
    // A comma straight after the cue is an answer, not a negation.
    assert_eq!(requested("no, florals"), [av("pattern", "floral")]);
    // A colon straight after the cue introduces the list.
    assert_eq!(excluded("avoid: polyester"), [av("fabric", "polyester")]);
    // Too many words between cue and value.
    assert_eq!(excluded("no idea what to do about florals"), []);
}

#[test]
fn postfix_negations() {
    assert_eq!(excluded("polyester-free"), [av("fabric", "polyester")]);
    assert_eq!(
        excluded("sequin free tops"),
        [av("embellishment", "sequins")]
    );
    assert_eq!(
        excluded("animal print is a no."),
        [av("pattern", "animal-print")]
    );
    assert_eq!(
        excluded("sequins and feathers are a no"),
        [
            av("embellishment", "sequins"),
            av("embellishment", "feathers")
        ]
    );
    assert_eq!(
        excluded("ruffles not allowed"),
        [av("embellishment", "ruffles")]
    );
    assert_eq!(requested("ruffles not allowed"), []);
}

// ---- counts ------------------------------------------------------------------------------------

#[test]
fn counts_in_their_usual_forms() {
    for (text, count) in [
        ("12 looks", 12),
        ("twelve designs", 12),
        ("a dozen dresses", 12),
        ("half a dozen dresses", 6),
        ("two dozen looks", 24),
        ("give me 8", 8),
        ("give me eight", 8),
        ("twenty-four looks", 24),
        ("twenty four looks", 24),
        ("eight summer dresses", 8),
        ("a hundred looks", 100),
        ("Fifty looks!!!", 50),
    ] {
        assert_eq!(parse(text).count, Some(count), "{text:?}");
    }
}

#[test]
fn numbers_that_are_not_counts() {
    for text in [
        "size 12 dress",
        "3/4 length dress",
        "hem 5 cm above the knee",
        "in one colour, a red dress",
        "1920s dress",
        "70s dress",
        "9 to 5 dress",
    ] {
        assert_eq!(parse(text).count, None, "{text:?}");
    }
    assert_eq!(parse("size 12 dress").modifiers[0].text, "size 12");
}

// ---- the parser's words and the taxonomy's terms -----------------------------------------------

/// A taxonomy term that is also a function word, cue or number of the parser would silently
/// take the word's place, since terms are matched first.
#[test]
fn no_single_word_term_is_a_parser_word() {
    let taxonomy = Taxonomy::embedded();
    let reserved: Vec<&str> = [
        words::NEGATION_CUES,
        words::OR_WORDS,
        words::AND_WORDS,
        words::SCOPE_BREAKERS,
        words::COUNT_NOUNS,
        words::COUNT_VERBS,
        words::STOP_WORDS,
        &["dozen", "hundred", "half", "free"],
    ]
    .concat();
    for (key, term) in taxonomy.index().iter() {
        if let [word] = key {
            let is_number = words::unit_number(word).is_some()
                || words::tens_number(word).is_some()
                || word.bytes().all(|b| b.is_ascii_digit());
            assert!(
                !reserved.contains(&word.as_str()) && !is_number,
                "{word:?} is both a parser word and a term ({term:?})"
            );
        }
    }
}
