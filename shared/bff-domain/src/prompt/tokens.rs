//! Token budget of CLIP-based text encoders (Stable Diffusion): 77 positions, two of which are the
//! start and end markers.
//!
//! The exact CLIP tokenizer needs its 49 408-entry BPE vocabulary, and the crates that bundle it
//! seed a hash map from the platform's entropy, which this crate never asks for. So prompts are
//! budgeted with an estimate that never under-counts common fashion text: CLIP splits text into
//! words, numbers and single punctuation marks, and a word of up to seven letters is one token in
//! its vocabulary as often as not; longer words are counted as one token per five letters started.

/// Tokens available to a prompt's text.
pub const CLIP_TOKEN_BUDGET: usize = 75;

/// Estimated CLIP tokens of `text` (an upper bound for ordinary English words).
pub fn estimate_clip_tokens(text: &str) -> usize {
    let mut tokens = 0;
    let mut word = 0usize;
    let flush = |word: &mut usize, tokens: &mut usize| {
        if *word > 0 {
            *tokens += if *word <= 7 { 1 } else { word.div_ceil(5) };
            *word = 0;
        }
    };
    for c in text.chars() {
        if c.is_alphabetic() {
            word += 1;
        } else {
            flush(&mut word, &mut tokens);
            if !c.is_whitespace() {
                // Digits and punctuation are a token each in CLIP's pre-tokenizer.
                tokens += 1;
            }
        }
    }
    flush(&mut word, &mut tokens);
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_punctuation_and_long_words() {
        assert_eq!(estimate_clip_tokens(""), 0);
        assert_eq!(estimate_clip_tokens("linen midi dress"), 3);
        // v, -, neck, ",", 3, /, 4
        assert_eq!(estimate_clip_tokens("v-neck, 3/4"), 7);
        // "embroidered" has 11 letters: counted as 3 tokens.
        assert_eq!(estimate_clip_tokens("embroidered"), 3);
    }
}
