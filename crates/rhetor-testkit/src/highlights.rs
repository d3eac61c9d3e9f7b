//! The rules a reader relies on in every highlight (issue 15), checked
//! the same way for every model: whole words, offset order, balanced
//! quotes, never a lone function word.
//!
//! This crate has no dependencies, so the caller passes what needs the
//! model: how a span's text splits into normalised words (the model's
//! tokenizer) and the model's function words.
//!
//! ```no_run
//! # let (text, spans, listed): (&str, Vec<(usize, usize, &str)>, Vec<String>) = ("", vec![], vec![]);
//! let words = |t: &str| vec![t.to_lowercase()];
//! let rules = rhetor_testkit::highlights::ReaderRules {
//!     words: &words,
//!     function_words: &listed,
//!     function_word_max_chars: 5,
//! };
//! let checked = rhetor_testkit::highlights::assert_reader_rules("fr balanced", text, &spans, &rules);
//! ```

/// Quote marks whose count inside a highlight must be even.
pub const QUOTES: &[char] = &['"', '«', '»', '“', '”', '„'];

/// What the checks need from the model.
pub struct ReaderRules<'a> {
    /// The normalised words of a highlight's text, as the model's tokenizer
    /// cuts them.
    pub words: &'a dyn Fn(&str) -> Vec<String>,
    /// The model's function words, sorted.
    pub function_words: &'a [String],
    /// Listed words longer than this are not function words.
    pub function_word_max_chars: usize,
}

impl ReaderRules<'_> {
    /// A word that must never be a highlight alone: at most two
    /// characters, or listed and at most `function_word_max_chars` long.
    pub fn is_function_word(&self, word: &str) -> bool {
        let n = word.chars().count();
        n <= 2
            || (n <= self.function_word_max_chars
                && self
                    .function_words
                    .binary_search_by(|w| w.as_str().cmp(word))
                    .is_ok())
    }
}

/// Asserts the reader's rules on the highlights `spans` (code-point
/// `start`, `end` and the text the model gave) of `text`: listed in offset
/// order, their text the slice of `text` they name, never starting or
/// ending inside a word, an even number of quote marks, at least one word
/// and never a lone function word. `context` starts each failure message.
/// Returns how many highlights were checked.
#[track_caller]
pub fn assert_reader_rules(
    context: &str,
    text: &str,
    spans: &[(usize, usize, &str)],
    rules: &ReaderRules,
) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let order: Vec<(usize, usize)> = spans.iter().map(|&(s, e, _)| (s, e)).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "{context}: spans in offset order");
    for &(start, end, shown) in spans {
        assert!(
            start < end && end <= chars.len(),
            "{context}: span {start}..{end} outside the text"
        );
        let slice: String = chars[start..end].iter().collect();
        assert_eq!(slice, shown, "{context}: the text of span {start}..{end}");
        let inside = |o: usize| chars.get(o).is_some_and(|c| c.is_alphanumeric());
        assert!(
            start == 0 || !inside(start - 1) || !inside(start),
            "{context}: {slice:?} starts inside a word"
        );
        assert!(
            !inside(end) || !inside(end - 1),
            "{context}: {slice:?} ends inside a word"
        );
        let marks = slice.chars().filter(|c| QUOTES.contains(c)).count();
        assert!(marks % 2 == 0, "{context}: unbalanced quotes in {slice:?}");
        let words = (rules.words)(&slice);
        assert!(!words.is_empty(), "{context}: no word in {slice:?}");
        if let [w] = &words[..] {
            assert!(
                !rules.is_function_word(w),
                "{context}: a lone function word {slice:?}"
            );
        }
    }
    spans.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words as runs of letters and digits, lower-cased.
    fn words(t: &str) -> Vec<String> {
        t.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    }

    fn check(text: &str, spans: &[(usize, usize, &str)]) -> usize {
        let listed = vec![
            "les".to_string(),
            "pour".to_string(),
            "toujours".to_string(),
        ];
        let rules = ReaderRules {
            words: &words,
            function_words: &listed,
            function_word_max_chars: 5,
        };
        assert_reader_rules("test", text, spans, &rules)
    }

    const TEXT: &str = "Les « mérites » pour toujours, dit-il.";

    #[test]
    fn good_highlights_pass() {
        // « mérites » is 4..15; "toujours" 21..29 is listed but longer
        // than five characters, so it may stand alone.
        assert_eq!(
            check(TEXT, &[(4, 15, "« mérites »"), (21, 29, "toujours")]),
            2
        );
    }

    #[test]
    #[should_panic(expected = "offset order")]
    fn out_of_order_fails() {
        check(TEXT, &[(21, 29, "toujours"), (4, 15, "« mérites »")]);
    }

    #[test]
    #[should_panic(expected = "ends inside a word")]
    fn a_cut_word_fails() {
        check(TEXT, &[(6, 10, "méri")]);
    }

    #[test]
    #[should_panic(expected = "unbalanced quotes")]
    fn an_unbalanced_quote_fails() {
        check(TEXT, &[(4, 13, "« mérites")]);
    }

    #[test]
    #[should_panic(expected = "a lone function word")]
    fn a_lone_function_word_fails() {
        // "pour": listed, four characters.
        check(TEXT, &[(16, 20, "pour")]);
    }

    #[test]
    #[should_panic(expected = "a lone function word")]
    fn a_lone_two_letter_word_fails() {
        // "il", in no list: two characters are never a highlight alone.
        check(TEXT, &[(35, 37, "il")]);
    }

    #[test]
    #[should_panic(expected = "the text of span")]
    fn a_wrong_text_fails() {
        check(TEXT, &[(21, 29, "tonjours")]);
    }
}
