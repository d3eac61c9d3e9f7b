//! Script folding: text spelt in Latin letters without accents, so that
//! words of languages written in other scripts share character n-grams
//! with their Latin-script cognates (`пропаганда`, `προπαγάνδα`,
//! `propagande`). The techniques head's features read folded text
//! (`FeatureConfig::fold_script`): measured by leaving each training
//! language out in turn, it is what lets Russian paragraphs reuse what was
//! learnt from the five Latin-script languages (docs/evaluation.md).

use std::borrow::Cow;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// The Latin spelling of one lower-case letter of the Cyrillic, Greek or
/// Georgian alphabets (a plain, reversible-enough romanisation: what a
/// cognate's Latin spelling most often shares), `None` for other characters.
fn romanise(c: char) -> Option<&'static str> {
    Some(match c {
        // Cyrillic (Russian, Ukrainian, Bulgarian, Serbian).
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'ґ' => "g",
        'д' => "d",
        'ђ' => "dj",
        'е' | 'ё' | 'є' | 'э' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' | 'ї' | 'й' | 'ј' => "i",
        'к' => "k",
        'л' => "l",
        'љ' => "lj",
        'м' => "m",
        'н' => "n",
        'њ' => "nj",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'ћ' => "c",
        'у' | 'ў' => "u",
        'ф' => "f",
        'х' => "h",
        'ц' => "c",
        'ч' => "ch",
        'џ' => "dz",
        'ш' => "sh",
        'щ' => "sht",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        // Greek (accents are folded before this table is read).
        'α' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' => "e",
        'ζ' => "z",
        'η' => "i",
        'θ' => "th",
        'ι' => "i",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' | 'ς' => "s",
        'τ' => "t",
        'υ' => "y",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        'ω' => "o",
        // Georgian (Mkhedruli).
        'ა' => "a",
        'ბ' => "b",
        'გ' => "g",
        'დ' => "d",
        'ე' => "e",
        'ვ' => "v",
        'ზ' => "z",
        'თ' => "t",
        'ი' => "i",
        'კ' => "k",
        'ლ' => "l",
        'მ' => "m",
        'ნ' => "n",
        'ო' => "o",
        'პ' => "p",
        'ჟ' => "zh",
        'რ' => "r",
        'ს' => "s",
        'ტ' => "t",
        'უ' => "u",
        'ფ' => "p",
        'ქ' => "k",
        'ღ' => "gh",
        'ყ' => "q",
        'შ' => "sh",
        'ჩ' => "ch",
        'ც' => "ts",
        'ძ' => "dz",
        'წ' => "ts",
        'ჭ' => "ch",
        'ხ' => "kh",
        'ჯ' => "j",
        'ჰ' => "h",
        // Latin letters that do not decompose into a base and an accent.
        'ł' => "l",
        'ß' => "ss",
        'ø' => "o",
        'æ' => "ae",
        'œ' => "oe",
        'đ' => "d",
        _ => return None,
    })
}

/// `text` with Cyrillic, Greek and Georgian letters spelt in Latin letters
/// and accents dropped (`Пропаганда` → `Propaganda`, `ÉTAT` → `ETAT`): the
/// canonical decomposition with every combining mark removed, then each
/// letter of `romanise`'s tables replaced. An upper-case letter's
/// spelling is all upper-case (`Ж` → `ZH`), so all-caps words stay
/// all-caps; every other character is kept. ASCII text is borrowed as it is.
pub fn fold_script(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    push_folded(&mut out, d)
                }
            });
        }
    }
    Cow::Owned(out)
}

/// Appends one character of the decomposed text, romanised.
fn push_folded(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c);
        return;
    }
    let lower = c.to_lowercase().next().unwrap_or(c);
    match romanise(lower) {
        Some(latin) if lower != c => out.extend(latin.chars().map(|l| l.to_ascii_uppercase())),
        Some(latin) => out.push_str(latin),
        None => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    /// The plain definition: the whole text's NFD, marks dropped, then the
    /// tables (what the study measured; the one-pass version must agree).
    fn plain(text: &str) -> String {
        let mut out = String::new();
        for c in text.nfd().filter(|&c| !is_combining_mark(c)) {
            push_folded(&mut out, c);
        }
        out
    }

    #[test]
    fn folding_spells_other_scripts_in_latin_letters() {
        assert_eq!(fold_script("Пропаганда"), "Propaganda");
        assert_eq!(
            fold_script("ПРОПАГАНДА террористов"),
            "PROPAGANDA terroristov"
        );
        // Every letter of an upper-case letter's spelling is upper-case.
        assert_eq!(fold_script("Жук ЖУК"), "ZHuk ZHUK");
        assert_eq!(fold_script("προπαγάνδα"), "propaganda");
        assert_eq!(fold_script("პროპაგანდა"), "propaganda");
        assert_eq!(fold_script("Żółć, État « aide »"), "Zolc, Etat « aide »");
        assert!(matches!(
            fold_script("plain ASCII"),
            Cow::Borrowed("plain ASCII")
        ));
        // Letters of no table (Arabic) are kept as they are.
        assert_eq!(fold_script("دعاية"), "دعاية");
    }

    #[test]
    fn one_pass_folding_equals_the_plain_definition() {
        for text in [
            "",
            "Ёлка й Ї ґ Ђ Љ — «ёж»",
            "Ἀθῆναι ΆΈΉ ϊΰ ς",
            "Tiếng Việt có dấu, Hà Nội",
            "한국어 문장, ﬁn ﬀ ½ ℌ",
            "हिन्दी पाठ, العَرَبِيَّة",
            "e\u{301}\u{327} a\u{308}\u{301} \u{301}x \u{bb}",
            "ČŠŽ čšž ŁĄĘ ß ẞ Øæœ Đđ",
        ] {
            assert_eq!(fold_script(text), plain(text), "{text:?}");
        }
    }
}
