//! Reading a designer's free-text brief: [`parse_brief`] finds the attribute values asked for and
//! ruled out, the number of designs, the words it does not know, and contradictions.
//!
//! # Matching values
//!
//! The brief is split into words as the taxonomy's terms are (case, accents and punctuation
//! ignored; `v-neck`, `v neck` and `vneck` are the same), and at each position the longest term
//! of the taxonomy wins: "off the shoulder", "fit and flare", "three quarter sleeves", "polka
//! dots". A term may span spaces, hyphens and slashes (`3/4 sleeves`, `spring/summer`), never a
//! comma or a full stop. Plurals are matched through the taxonomy's `plural` lists and, for
//! regular ones, by dropping `s`/`es`/`ies` ("blazers", "florals", "dresses"). After a colour or
//! palette value, the category's own words ("tones", "toned", "palette", "colours") join its span:
//! "earth tones", "jewel-toned".
//!
//! # Negation
//!
//! A negation cue opens a scope: `no`, `not`, `without`, `w/o`, `avoid`, `never`, `nothing`,
//! `none`, `minus`, `except`, `excluding`, `skip`, `don't`, `non`, `anything but`, `other than`,
//! `rather than`, `instead of`, `steer clear of`, `stay away from`. Values read in the scope are
//! exclusions.
//!
//! - Up to three other words may stand between the cue and its first value ("not too short",
//!   "no heavy fabrics like velvet"). A colon right after the cue is allowed ("avoid: polyester").
//! - After the first value, `or`, `nor` and `/` carry the negation to the next value whatever its
//!   category ("no florals or puff sleeves"); `and` and a comma carry it only to a value of a
//!   category already ruled out in the scope ("no florals, stripes and checks" rules out three
//!   patterns, while "no sequins, long sleeves" rules out sequins and asks for long sleeves).
//! - The scope ends at any other word after a value, at a full stop, semicolon, dash or bracket,
//!   at a comma before the first value, and at `but`, `with`, `though`.
//! - `<cue> <category word>` names the category, not a value: when the category has a none value
//!   it is **requested** ("without sleeves" and "no sleeves" ask for `sleeve/sleeveless`, "no
//!   prints" for `pattern/solid`, "no embellishment" for `embellishment/no-embellishment`);
//!   otherwise the category word is skipped like any filler ("no fabrics like velvet").
//! - "not too short" rules out `length/mini`, the value the taxonomy reads "short" as ("not too
//!   long" rules out `length/maxi`, "not too tight" `fit/fitted`): the designer wants something
//!   longer, not a specific length, so it is an exclusion rather than a request.
//! - A value or a list of values followed by `free`, `is/are a no`, `is/are out`, `is/are
//!   banned`, `not allowed/wanted/needed/welcome` is ruled out ("polyester-free", "animal print
//!   is a no").
//!
//! # Count
//!
//! The first number asked for is the count: digits ("12 looks", "give me 8"), number words up to
//! ninety-nine ("twelve designs", "twenty-four looks"), "a dozen", "half a dozen", "two dozen",
//! "a hundred". Digits count unless they are a size or a measure ("size 12", "5 cm"). A number
//! word counts only when a count noun ("looks", "designs", "options", ...) or a garment follows
//! within three words, or a request verb ("give", "show", "need", ...) precedes it, so that "one"
//! in "in one colour" is not a count. The count is kept within `1..=100`
//! ([`MIN_COUNT`]..=[`MAX_COUNT`]): a larger one is capped at 100, zero gives no count, both with
//! [`BriefWarning::CountOutOfRange`]; a second, different count is ignored with
//! [`BriefWarning::ConflictingCounts`].
//!
//! # Unknown words
//!
//! Words that are neither terms, function words (articles, prepositions, "please", "looks",
//! "designs", ...), cues nor counts are [`Modifier`]s, adjacent ones grouped ("deep", "biker",
//! "raincoat-inspired"), so that the prompt stage can keep them.
//!
//! # Warnings and errors
//!
//! - [`BriefWarning::Contradiction`] for two requested values that break an `excludes` rule of
//!   the taxonomy ("strapless with long sleeves"), for two values of a single-valued category
//!   ("mini maxi dress", "sleeveless with long sleeves") unless offered as alternatives ("midi or
//!   maxi", "midi/maxi"), for a value both requested and excluded ("black but no black", rule
//!   [`REQUESTED_AND_EXCLUDED_RULE`]), and for a requested value whose implied values are all
//!   excluded ("jeans, no denim"). Both values stay in the brief: the designer decides.
//! - A multi-valued category listing more values than one design carries (five colours) is not a
//!   contradiction: a brief describes a set of designs, over which the planner spreads them.
//! - [`BriefError::Empty`] for a brief without words, [`BriefError::TooLong`] above
//!   [`MAX_BRIEF_CHARS`] characters, [`BriefError::NothingRecognised`] when no value, exclusion
//!   or count is found.
//!
//! # Limits
//!
//! The parser reads words, not grammar: a value is attributed to the brief as a whole, not to a
//! garment ("a tiered skirt" on a dress asks for a skirt too), and negation reaches only as far
//! as the rules above ("leopard especially", after "animal print is a no.", is read as a
//! request).

mod model;
mod parse;
mod words;

pub use model::{
    Brief, BriefError, BriefWarning, Extracted, Modifier, MAX_BRIEF_CHARS, MAX_COUNT, MIN_COUNT,
    REQUESTED_AND_EXCLUDED_RULE,
};
pub use parse::parse_brief;

#[cfg(test)]
mod tests;
