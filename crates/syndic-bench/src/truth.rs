//! Ground truth: the exact word-5-gram Jaccard and containment of two texts, computed
//! independently of the engine.
//!
//! The central function is [`shingles`]. A word is a maximal run of alphanumeric characters,
//! lowercased; a shingle is `n` consecutive words joined by one space (a text of fewer than `n`
//! words is one shingle of all its words) — the definition the issue states and the Python peers
//! use. This module deliberately shares no code with `syndic::shingle`: if the engine's
//! normalisation or hashing drifted, the bench's truth would not drift with it. Quotes, dashes,
//! case and white space cannot change the words, so the typographic edits of the generator
//! measure 1.0 here, as they must in the engine.

use xxhash_rust::xxh3::xxh3_64;

/// Word n-gram length of the benchmark (word 5-grams).
pub const SHINGLE_WORDS: usize = 5;

/// Sorted, deduplicated 64-bit hashes of the word `n`-grams of `text`.
pub fn shingles(text: &str, n: usize) -> Vec<u64> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut out = Vec::new();
    if words.is_empty() {
        return out;
    }
    let n = n.clamp(1, words.len());
    let mut buf = String::new();
    for window in words.windows(n) {
        buf.clear();
        for (i, w) in window.iter().enumerate() {
            if i > 0 {
                buf.push(' ');
            }
            buf.push_str(w);
        }
        out.push(xxh3_64(buf.as_bytes()));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Exact Jaccard and containment of two sorted shingle sets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairTruth {
    /// `|A∩B| / |A∪B|`.
    pub jaccard: f64,
    /// `|A∩B| / min(|A|,|B|)`: how much of the shorter text the longer holds.
    pub containment: f64,
}

impl PairTruth {
    /// Measures two sorted, deduplicated sets.
    pub fn of(a: &[u64], b: &[u64]) -> PairTruth {
        let (mut i, mut j, mut shared) = (0, 0, 0usize);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        let union = a.len() + b.len() - shared;
        let min = a.len().min(b.len());
        PairTruth {
            jaccard: if union == 0 {
                0.0
            } else {
                shared as f64 / union as f64
            },
            containment: if min == 0 {
                0.0
            } else {
                shared as f64 / min as f64
            },
        }
    }

    /// Measures two texts.
    pub fn of_texts(a: &str, b: &str) -> PairTruth {
        PairTruth::of(&shingles(a, SHINGLE_WORDS), &shingles(b, SHINGLE_WORDS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typography_and_case_do_not_change_shingles() {
        let a = "\u{201C}We will rebuild,\u{201D} the Mayor said \u{2014} twice.";
        let b = "\"we will rebuild,\" the mayor said -- twice.";
        assert_eq!(shingles(a, 5), shingles(b, 5));
        assert_eq!(shingles(a, 5).len(), 3);
    }

    #[test]
    fn hand_counted_overlap() {
        // 7 words → 3 shingles each; one word changed at the end breaks one shingle.
        let t = PairTruth::of_texts("a b c d e f g", "a b c d e f x");
        assert!((t.jaccard - 2.0 / 4.0).abs() < 1e-12, "{t:?}");
        assert!((t.containment - 2.0 / 3.0).abs() < 1e-12, "{t:?}");
        // A prefix is wholly contained.
        let p = PairTruth::of_texts("a b c d e f", "a b c d e f g h");
        assert!((p.containment - 1.0).abs() < 1e-12);
        assert!((p.jaccard - 2.0 / 4.0).abs() < 1e-12);
    }

    #[test]
    fn short_texts_are_one_shingle() {
        assert_eq!(shingles("just three words", 5).len(), 1);
        assert!(shingles(" -- ", 5).is_empty());
        assert_eq!(PairTruth::of(&[], &[]).jaccard, 0.0);
    }
}
