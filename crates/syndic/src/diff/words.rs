//! Word-level changes inside a rewritten sentence, and the similarity that decides whether two
//! sentences are a rewrite of each other.
//!
//! The central function is [`word_changes`]: the edit script between two original texts,
//! compared token by token after normalisation (a token is a run of non-space characters with
//! the white space after it; it compares by its normalised words, so `“rebuild,”` and
//! `"rebuild"` are equal). Equal runs carry the *B* text, deletions the *A* text, insertions
//! the *B* text, so `equal` + `insert` pieces spell B exactly.

use super::{ChangeOp, WordChange};
use crate::normalize::Normalizer;
use crate::shingle::words;
use similar::{Algorithm, DiffOp, capture_diff_slices};
use std::collections::HashMap;
use xxhash_rust::xxh3::xxh3_64;

/// A token of an original text and the key it compares by.
struct Token<'t> {
    text: &'t str,
    key: u64,
}

/// Cuts `text` into tokens (non-space run + following white space) with normalised keys.
fn tokens<'t>(text: &'t str, normalizer: &Normalizer, scratch: &mut String) -> Vec<Token<'t>> {
    let mut out = Vec::new();
    let mut start = None;
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        let space = c.is_whitespace();
        match start {
            None => {
                start = Some(i);
                in_space = space;
            }
            Some(s) if in_space && !space => {
                out.push(token(&text[s..i], normalizer, scratch));
                start = Some(i);
                in_space = false;
            }
            Some(_) => in_space |= space,
        }
    }
    if let Some(s) = start {
        out.push(token(&text[s..], normalizer, scratch));
    }
    out
}

fn token<'t>(text: &'t str, normalizer: &Normalizer, scratch: &mut String) -> Token<'t> {
    normalizer.normalize_into(text, scratch);
    let mut key: u64 = 0;
    let mut any = false;
    for w in words(scratch) {
        key = (key.rotate_left(31) ^ xxh3_64(w.as_bytes())).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        any = true;
    }
    if !any {
        key = xxh3_64(scratch.as_bytes()) ^ 0x7070;
    }
    Token { text, key }
}

/// The word-level edit script from `a` to `b`. Adjacent pieces of the same kind are merged.
pub(crate) fn word_changes(a: &str, b: &str, normalizer: &Normalizer) -> Vec<WordChange> {
    let mut scratch = String::new();
    let ta = tokens(a, normalizer, &mut scratch);
    let tb = tokens(b, normalizer, &mut scratch);
    let ka: Vec<u64> = ta.iter().map(|t| t.key).collect();
    let kb: Vec<u64> = tb.iter().map(|t| t.key).collect();
    let mut out: Vec<WordChange> = Vec::new();
    let mut push = |op: ChangeOp, pieces: &[Token<'_>]| {
        for t in pieces {
            match out.last_mut() {
                Some(last) if last.op == op => last.text.push_str(t.text),
                _ => out.push(WordChange {
                    op,
                    text: t.text.to_string(),
                }),
            }
        }
    };
    for op in capture_diff_slices(Algorithm::Myers, &ka, &kb) {
        match op {
            DiffOp::Equal { new_index, len, .. } => {
                push(ChangeOp::Equal, &tb[new_index..new_index + len]);
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => push(ChangeOp::Delete, &ta[old_index..old_index + old_len]),
            DiffOp::Insert {
                new_index, new_len, ..
            } => push(ChangeOp::Insert, &tb[new_index..new_index + new_len]),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                push(ChangeOp::Delete, &ta[old_index..old_index + old_len]);
                push(ChangeOp::Insert, &tb[new_index..new_index + new_len]);
            }
        }
    }
    out
}

/// Similarity of two word sequences: `2·LCS / (|a| + |b|)`, in `[0, 1]` (0 when both are empty).
///
/// Returns 0 without running the LCS when the multiset overlap — an upper bound of the LCS —
/// already rules out reaching `floor`, which keeps unrelated regions cheap.
pub(crate) fn sequence_similarity(a: &[u64], b: &[u64], floor: f64) -> f64 {
    let total = a.len() + b.len();
    if total == 0 {
        return 0.0;
    }
    let mut counts: HashMap<u64, i32> = HashMap::with_capacity(a.len());
    for &w in a {
        *counts.entry(w).or_default() += 1;
    }
    let mut bag = 0usize;
    for &w in b {
        if let Some(c) = counts.get_mut(&w)
            && *c > 0
        {
            *c -= 1;
            bag += 1;
        }
    }
    if (2 * bag) as f64 / (total as f64) < floor {
        return 0.0;
    }
    let lcs: usize = capture_diff_slices(Algorithm::Myers, a, b)
        .iter()
        .map(|op| match op {
            DiffOp::Equal { len, .. } => *len,
            _ => 0,
        })
        .sum();
    (2 * lcs) as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(changes: &[WordChange]) -> String {
        changes
            .iter()
            .map(|c| match c.op {
                ChangeOp::Equal => c.text.clone(),
                ChangeOp::Delete => format!("[-{}-]", c.text),
                ChangeOp::Insert => format!("{{+{}+}}", c.text),
            })
            .collect()
    }

    #[test]
    fn changed_words_are_marked_and_typography_is_not() {
        let n = Normalizer::new();
        let a = "The mayor said \u{201C}we will rebuild\u{201D} on Monday.";
        let b = "The mayor told reporters \"we will rebuild\" on Tuesday.";
        assert_eq!(
            render(&word_changes(a, b, &n)),
            "The mayor [-said -]{+told reporters +}\"we will rebuild\" on [-Monday.-]{+Tuesday.+}"
        );
    }

    #[test]
    fn equal_and_insert_spell_b_exactly() {
        let n = Normalizer::new();
        let a = "one  two three\tfour";
        let b = "one two  THREE five six";
        let changes = word_changes(a, b, &n);
        let spelled: String = changes
            .iter()
            .filter(|c| c.op != ChangeOp::Delete)
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(spelled, b);
        let deleted: String = changes
            .iter()
            .filter(|c| c.op == ChangeOp::Delete)
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(deleted, "four");
    }

    #[test]
    fn similarity_is_lcs_based_and_cheap_to_reject() {
        assert_eq!(sequence_similarity(&[1, 2, 3, 4], &[1, 2, 3, 4], 0.5), 1.0);
        assert_eq!(sequence_similarity(&[1, 2, 3, 4], &[4, 3, 2, 1], 0.0), 0.25);
        assert_eq!(sequence_similarity(&[1, 2, 3, 4], &[5, 6, 7, 8], 0.5), 0.0);
        assert_eq!(sequence_similarity(&[], &[], 0.5), 0.0);
    }
}
