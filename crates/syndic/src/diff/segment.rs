//! Splitting a text into paragraphs and sentences, keeping byte spans into the original.
//!
//! The central type is [`Segmented`]: every sentence of a text with its span and paragraph. The
//! contract the diff relies on: sentences never overlap, appear in text order, and together hold
//! every non-space character of the text, so a diff that accounts for every sentence accounts for
//! the whole text.
//!
//! **Paragraphs.** When a text has a blank line anywhere, paragraphs are separated by blank lines
//! and single line breaks inside them are ordinary spaces (hard-wrapped `.txt` files). Otherwise
//! every non-empty line is a paragraph (JSON Lines bodies joined with single `\n`).
//!
//! **Sentences.** A sentence ends after `.`, `!`, `?` or `…` (and any closing quotes or brackets)
//! followed by white space and a capital letter, a digit or an opening quote or bracket. A full
//! stop after a known abbreviation ("Mr.", "Gov.", "Jan.") or a single letter ("U.S.", "J. Smith")
//! does not end a sentence. The trade-off: a sentence that really ends in an abbreviation or an
//! initial ("… in Washington, D.C. The …") stays joined to the next; the diff then shows one
//! longer sentence, never loses text.

use crate::normalize::Normalizer;
use crate::shingle::words;
use std::ops::Range;
use xxhash_rust::xxh3::xxh3_64;

/// One sentence of a segmented text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Sentence {
    /// Byte span in the original text (trimmed of surrounding white space).
    pub span: Range<usize>,
    /// Index of its paragraph, from 0.
    pub paragraph: usize,
    /// Hashes of its normalised words, in order.
    pub words: Vec<u64>,
    /// Hash of the whole word sequence: equal keys mean equal sentences after normalisation.
    pub key: u64,
}

/// A text cut into paragraphs and sentences.
#[derive(Clone, Debug)]
pub(crate) struct Segmented<'t> {
    /// The original text.
    pub text: &'t str,
    /// Every sentence, in text order.
    pub sentences: Vec<Sentence>,
    /// Number of paragraphs.
    pub paragraphs: usize,
}

impl<'t> Segmented<'t> {
    /// Segments `text`, hashing each sentence's normalised words.
    pub fn new(text: &'t str, normalizer: &Normalizer) -> Self {
        let mut sentences = Vec::new();
        let mut normalized = String::new();
        let paragraphs = paragraph_spans(text);
        for (p, para) in paragraphs.iter().enumerate() {
            for span in sentence_spans(text, para.clone()) {
                normalizer.normalize_into(&text[span.clone()], &mut normalized);
                let words: Vec<u64> = words(&normalized).map(|w| xxh3_64(w.as_bytes())).collect();
                let key = sequence_key(&words, &normalized);
                sentences.push(Sentence {
                    span,
                    paragraph: p,
                    words,
                    key,
                });
            }
        }
        Segmented {
            text,
            sentences,
            paragraphs: paragraphs.len(),
        }
    }

    /// The original text of sentences `range` (all in one paragraph), from the first one's start
    /// to the last one's end.
    pub fn slice(&self, range: Range<usize>) -> &'t str {
        let first = &self.sentences[range.start];
        let last = &self.sentences[range.end - 1];
        &self.text[first.span.start..last.span.end]
    }

    /// Number of words over all sentences.
    pub fn word_count(&self) -> usize {
        self.sentences.iter().map(|s| s.words.len()).sum()
    }
}

/// The key of a word sequence; a sentence without words (`***`) is keyed by its normalised text.
pub(crate) fn sequence_key(words: &[u64], normalized: &str) -> u64 {
    if words.is_empty() {
        return xxh3_64(normalized.as_bytes()) ^ 0x5EED;
    }
    let mut h: u64 = words.len() as u64;
    for &w in words {
        h = (h.rotate_left(29) ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    h
}

/// Byte spans of the paragraphs of `text`, trimmed, in order. See the module docs for the rule.
pub(crate) fn paragraph_spans(text: &str) -> Vec<Range<usize>> {
    // Lines with their byte offsets, and whether they hold anything but white space.
    let mut lines: Vec<(Range<usize>, bool)> = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.len();
        lines.push((start..end, !line.trim().is_empty()));
        start = end;
    }
    let first = lines.iter().position(|l| l.1);
    let last = lines.iter().rposition(|l| l.1);
    let blank_separated = match (first, last) {
        (Some(f), Some(l)) => lines[f..=l].iter().any(|line| !line.1),
        _ => false,
    };
    let mut out = Vec::new();
    let mut current: Option<Range<usize>> = None;
    for (span, filled) in lines {
        if filled {
            current = Some(match current {
                Some(c) if blank_separated => c.start..span.end,
                Some(c) => {
                    out.push(c);
                    span
                }
                None => span,
            });
        } else if let Some(c) = current.take() {
            out.push(c);
        }
    }
    out.extend(current);
    out.into_iter().map(|r| trim_span(text, r)).collect()
}

/// Shrinks a span to exclude leading and trailing white space.
fn trim_span(text: &str, span: Range<usize>) -> Range<usize> {
    let piece = &text[span.clone()];
    let lead = piece.len() - piece.trim_start().len();
    let trail = piece.len() - piece.trim_end().len();
    span.start + lead..span.end - trail
}

/// Words after which a full stop does not end a sentence (lowercase, without the stop).
const ABBREVIATIONS: &[&str] = &[
    "adm", "apr", "aug", "capt", "cmdr", "co", "col", "corp", "dec", "det", "dr", "feb", "ft",
    "gen", "gov", "hon", "inc", "insp", "jan", "jr", "jul", "jun", "lt", "ltd", "maj", "messrs",
    "mme", "mr", "mrs", "ms", "mt", "no", "nov", "oct", "pres", "prof", "rep", "rev", "sen", "sep",
    "sept", "sgt", "sr", "st", "supt", "vs",
];

const TERMINATORS: &[char] = &['.', '!', '?', '\u{2026}'];
const CLOSERS: &[char] = &[
    '"', '\'', '\u{201D}', '\u{2019}', ')', ']', '\u{00BB}', '\u{203A}',
];
const OPENERS: &[char] = &[
    '"', '\'', '\u{201C}', '\u{2018}', '(', '[', '\u{00AB}', '\u{2039}',
];

/// Byte spans of the sentences inside paragraph `para` of `text`, trimmed, in order.
pub(crate) fn sentence_spans(text: &str, para: Range<usize>) -> Vec<Range<usize>> {
    let piece = &text[para.clone()];
    let chars: Vec<(usize, char)> = piece.char_indices().collect();
    let mut out = Vec::new();
    let mut start = 0usize; // byte offset in `piece`
    let mut i = 0usize;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if !TERMINATORS.contains(&c) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && TERMINATORS.contains(&chars[j].1) {
            j += 1;
        }
        let single_stop = c == '.' && j == i + 1;
        while j < chars.len() && CLOSERS.contains(&chars[j].1) {
            // A straight quote right before a letter opens the next sentence: `ended. "Yes`.
            let straight = matches!(chars[j].1, '"' | '\'');
            if straight && chars.get(j + 1).is_some_and(|&(_, n)| n.is_alphanumeric()) {
                break;
            }
            j += 1;
        }
        let end = chars.get(j).map_or(piece.len(), |&(p, _)| p);
        let mut k = j;
        while k < chars.len() && chars[k].1.is_whitespace() {
            k += 1;
        }
        let spaced = k > j;
        let starts_sentence = chars.get(k).is_some_and(|&(_, n)| {
            n.is_uppercase()
                || n.is_ascii_digit()
                || OPENERS.contains(&n)
                || (n.is_alphabetic() && !n.is_lowercase())
        });
        if spaced && starts_sentence && !(single_stop && is_abbreviation(piece, pos)) {
            out.push(trim_span(text, para.start + start..para.start + end));
            start = chars[k].0;
        }
        i = k.max(i + 1);
    }
    if start < piece.len() {
        let rest = trim_span(text, para.start + start..para.end);
        if !rest.is_empty() {
            out.push(rest);
        }
    }
    out
}

/// Whether the word ending just before byte `stop` of `piece` is an abbreviation or an initial.
fn is_abbreviation(piece: &str, stop: usize) -> bool {
    let before = &piece[..stop];
    let word_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| !c.is_alphabetic())
        .map_or(0, |(p, c)| p + c.len_utf8());
    let word = &before[word_start..];
    let letters = word.chars().count();
    if letters == 1 {
        return true; // an initial: "J. Smith", the last letter of "U.S."
    }
    letters > 0 && ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        paragraph_spans(text)
            .into_iter()
            .flat_map(|p| sentence_spans(text, p))
            .map(|s| &text[s])
            .collect()
    }

    fn paragraphs(text: &str) -> Vec<&str> {
        paragraph_spans(text)
            .into_iter()
            .map(|s| &text[s])
            .collect()
    }

    #[test]
    fn blank_lines_separate_paragraphs_and_single_breaks_wrap() {
        let text = "First line\nwraps here.\n\n  Second para.\n\n\n Third.\n";
        assert_eq!(
            paragraphs(text),
            ["First line\nwraps here.", "Second para.", "Third."]
        );
    }

    #[test]
    fn without_blank_lines_every_line_is_a_paragraph() {
        let text = "One.\nTwo.\r\nThree.";
        assert_eq!(paragraphs(text), ["One.", "Two.", "Three."]);
        assert!(paragraphs("  \n \n").is_empty());
        assert!(paragraphs("").is_empty());
    }

    #[test]
    fn sentences_end_at_terminators_before_capitals() {
        assert_eq!(
            sentences("The vote passed. Critics objected! Why? \u{201C}Because,\u{201D} she said."),
            [
                "The vote passed.",
                "Critics objected!",
                "Why?",
                "\u{201C}Because,\u{201D} she said."
            ]
        );
    }

    #[test]
    fn closing_quotes_stay_with_their_sentence() {
        assert_eq!(
            sentences("He said \"we will rebuild.\" The crowd cheered."),
            ["He said \"we will rebuild.\"", "The crowd cheered."]
        );
    }

    #[test]
    fn abbreviations_and_initials_do_not_end_sentences() {
        assert_eq!(
            sentences("Mr. Jones met Gov. Smith and J. R. Doe in the U.S. Capitol. They left."),
            [
                "Mr. Jones met Gov. Smith and J. R. Doe in the U.S. Capitol.",
                "They left."
            ]
        );
    }

    #[test]
    fn lowercase_after_a_stop_does_not_start_a_sentence() {
        assert_eq!(
            sentences("Prices rose 3.5 per cent. in March, then fell... slightly. Next."),
            [
                "Prices rose 3.5 per cent. in March, then fell... slightly.",
                "Next."
            ]
        );
    }

    #[test]
    fn a_straight_quote_after_a_stop_opens_the_next_sentence() {
        assert_eq!(
            sentences("It ended. \"Yes,\" he said. 'Never.' Done."),
            ["It ended.", "\"Yes,\" he said.", "'Never.'", "Done."]
        );
    }

    #[test]
    fn numbers_start_sentences() {
        assert_eq!(
            sentences("It ended. 12 people were hurt."),
            ["It ended.", "12 people were hurt."]
        );
    }

    #[test]
    fn segmented_sentences_cover_every_non_space_character() {
        let text = "A caption (Photo: X.) \n\nBody one. Body two?\nTail \u{2026} end";
        let seg = Segmented::new(text, &Normalizer::new());
        let covered: String = seg
            .sentences
            .iter()
            .map(|s| &text[s.span.clone()])
            .collect::<String>()
            .split_whitespace()
            .collect();
        let all: String = text.split_whitespace().collect();
        assert_eq!(covered, all);
        assert_eq!(seg.paragraphs, 2);
    }

    #[test]
    fn keys_ignore_typography_and_punctuation() {
        let n = Normalizer::new();
        let a = Segmented::new(
            "\u{201C}We will rebuild,\u{201D} the mayor said \u{2014} today.",
            &n,
        );
        let b = Segmented::new("\"we will REBUILD\" the mayor said -- today", &n);
        assert_eq!(a.sentences[0].key, b.sentences[0].key);
        let c = Segmented::new("We will rebuild the mayor said tomorrow.", &n);
        assert_ne!(a.sentences[0].key, c.sentences[0].key);
    }
}
