//! Shingling: a text becomes the set of 64-bit hashes of its overlapping word (or character)
//! n-grams.
//!
//! The central type is [`Shingler`]. A *word* is a maximal run of alphanumeric characters of the
//! [normalised](crate::normalize) text, so punctuation, quotes and dashes never split or join
//! shingles differently in two versions. Word 5-grams are the default: long enough that two
//! unrelated news texts share almost none (5-gram Jaccard ≈ 0), short enough that one edited
//! word only disturbs five shingles. Character n-grams ([`ShingleKind::Chars`]) suit OCR-noisy
//! text, where a misread letter would break every word shingle it falls in.
//!
//! Texts shorter than `n` words give one shingle of all their words, so a short text still has a
//! fingerprint. Word hashes are a seeded byte-wise multiplicative hash with a full avalanche, shingle hashes
//! mix the word hashes of a window, character shingles are seeded xxh3: all stable across
//! platforms and versions, safe to persist.
//!
//! ASCII text takes a fast path that lowercases and splits in one pass without building the
//! normalised string; its result is identical to the general path (tested).

use crate::normalize::Normalizer;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Default seed of every hash in syndic. Changing it changes every persisted hash.
pub const DEFAULT_SEED: u64 = 0x5359_4E44_4943_0001;

/// What a shingle is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "n")]
pub enum ShingleKind {
    /// Overlapping runs of `n` words (default: 5).
    Words(usize),
    /// Overlapping runs of `n` characters of the normalised text, spaces included.
    Chars(usize),
}

impl Default for ShingleKind {
    fn default() -> Self {
        ShingleKind::Words(5)
    }
}

/// The shingle set of one text: sorted, without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShingleSet {
    /// Sorted, deduplicated shingle hashes.
    pub hashes: Vec<u64>,
    /// Number of words in the text (after normalisation).
    pub words: usize,
}

/// Turns texts into shingle sets. Cheap to copy; safe to share between threads.
#[derive(Clone, Copy, Debug)]
pub struct Shingler {
    kind: ShingleKind,
    seed: u64,
    normalizer: Normalizer,
}

impl Shingler {
    /// A shingler of the given kind with the default seed.
    ///
    /// # Panics
    /// Panics if the n-gram length is 0.
    pub fn new(kind: ShingleKind) -> Self {
        let n = match kind {
            ShingleKind::Words(n) | ShingleKind::Chars(n) => n,
        };
        assert!(n > 0, "shingle length must be at least 1");
        Shingler {
            kind,
            seed: DEFAULT_SEED,
            normalizer: Normalizer::new(),
        }
    }

    /// The same shingler with another hash seed.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The kind of shingle this shingler makes.
    pub fn kind(&self) -> ShingleKind {
        self.kind
    }

    /// The shingle set of `text` (normalised first).
    pub fn shingle(&self, text: &str) -> ShingleSet {
        let mut set = ShingleSet::default();
        let mut scratch = Scratch::default();
        self.shingle_into(text, &mut set, &mut scratch);
        set
    }

    /// Like [`Shingler::shingle`], reusing the buffers of `set` and `scratch`.
    pub fn shingle_into(&self, text: &str, set: &mut ShingleSet, scratch: &mut Scratch) {
        set.hashes.clear();
        scratch.words.clear();
        match self.kind {
            ShingleKind::Words(n) => {
                if text.is_ascii() {
                    ascii_word_hashes(text.as_bytes(), self.seed, &mut scratch.words);
                } else {
                    self.normalizer.normalize_into(text, &mut scratch.text);
                    for word in words(&scratch.text) {
                        scratch.words.push(word_hash(word.as_bytes(), self.seed));
                    }
                }
                set.words = scratch.words.len();
                combine_windows(&scratch.words, n, &mut set.hashes);
            }
            ShingleKind::Chars(n) => {
                self.normalizer.normalize_into(text, &mut scratch.text);
                set.words = words(&scratch.text).count();
                char_shingles(&scratch.text, n, self.seed, &mut set.hashes);
            }
        }
        set.hashes.sort_unstable();
        set.hashes.dedup();
    }
}

/// Reusable buffers for [`Shingler::shingle_into`].
#[derive(Debug, Default)]
pub struct Scratch {
    text: String,
    words: Vec<u64>,
}

/// The words of a normalised text: maximal runs of alphanumeric characters.
pub fn words(normalized: &str) -> impl Iterator<Item = &str> {
    normalized
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Lowercase form of each ASCII byte that can be part of a word; 0 for separators.
const WORD_BYTE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = if b.is_ascii_digit() || b.is_ascii_lowercase() {
            b
        } else if b.is_ascii_uppercase() {
            b + 32
        } else {
            0
        };
        c += 1;
    }
    table
};

const WORD_PRIME: u64 = 0x0000_0100_0000_01B3;

/// Hash of one word's (already lowercase) UTF-8 bytes: a byte-at-a-time multiplicative hash
/// started from the seed, then a full avalanche. Cheap for the short strings words are.
pub fn word_hash(word: &[u8], seed: u64) -> u64 {
    let mut h = seed ^ 0xCBF2_9CE4_8422_2325;
    for &b in word {
        h = (h ^ u64::from(b)).wrapping_mul(WORD_PRIME);
    }
    finalize(h)
}

/// Word hashes of ASCII text: lowercase, split and hash in one pass over the bytes, with the
/// same result as [`word_hash`] over the words of the normalised text.
fn ascii_word_hashes(bytes: &[u8], seed: u64, out: &mut Vec<u64>) {
    let start = seed ^ 0xCBF2_9CE4_8422_2325;
    let mut h = start;
    let mut in_word = false;
    for &b in bytes {
        let c = WORD_BYTE[usize::from(b)];
        if c != 0 {
            h = (h ^ u64::from(c)).wrapping_mul(WORD_PRIME);
            in_word = true;
        } else if in_word {
            out.push(finalize(h));
            h = start;
            in_word = false;
        }
    }
    if in_word {
        out.push(finalize(h));
    }
}

/// Mixes the hashes of `n` consecutive words into one shingle hash, for every window.
fn combine_windows(words: &[u64], n: usize, out: &mut Vec<u64>) {
    if words.is_empty() {
        return;
    }
    let n = n.min(words.len());
    out.reserve(words.len() + 1 - n);
    for window in words.windows(n) {
        let mut h: u64 = 0;
        for &w in window {
            h = (h.rotate_left(23) ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
        out.push(finalize(h));
    }
}

/// A final avalanche so that every bit of a shingle hash depends on every input bit.
fn finalize(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
}

/// Character n-gram hashes of a normalised text.
fn char_shingles(text: &str, n: usize, seed: u64, out: &mut Vec<u64>) {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let chars = bounds.len() - 1;
    if chars == 0 {
        return;
    }
    let n = n.min(chars);
    for start in 0..=(chars - n) {
        let piece = &text[bounds[start]..bounds[start + n]];
        out.push(xxh3_64_with_seed(piece.as_bytes(), seed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words5() -> Shingler {
        Shingler::new(ShingleKind::Words(5))
    }

    #[test]
    fn typographic_variants_share_every_shingle() {
        let a = "\u{201C}We will rebuild,\u{201D} the mayor said \u{2014} and she meant it\u{2026}";
        let b = "\"we will REBUILD,\" the mayor said -- and she meant it...";
        assert_eq!(words5().shingle(a), words5().shingle(b));
    }

    #[test]
    fn ascii_fast_path_matches_general_path() {
        let text = "The Quick brown fox, jumps over the lazy dog's back -- twice!";
        let fast = words5().shingle(text);
        // Force the general path with one non-ASCII invisible character.
        let slow = words5().shingle(&format!("{text}\u{200B}"));
        assert_eq!(fast, slow);
        assert_eq!(fast.words, 12);
    }

    #[test]
    fn counts_windows() {
        let set = words5().shingle("one two three four five six seven");
        assert_eq!(set.words, 7);
        assert_eq!(set.hashes.len(), 3);
        let short = words5().shingle("just three words");
        assert_eq!(short.hashes.len(), 1);
        assert!(words5().shingle(" ... ").hashes.is_empty());
    }

    #[test]
    fn order_of_words_matters() {
        let a = words5().shingle("alpha beta gamma delta epsilon");
        let b = words5().shingle("beta alpha gamma delta epsilon");
        assert_ne!(a.hashes, b.hashes);
    }

    #[test]
    fn seed_changes_hashes() {
        let text = "alpha beta gamma delta epsilon";
        assert_ne!(
            words5().shingle(text).hashes,
            words5().with_seed(7).shingle(text).hashes
        );
    }

    #[test]
    fn char_shingles_tolerate_one_misread_letter() {
        let chars = Shingler::new(ShingleKind::Chars(4));
        let a = chars.shingle("the harbour master reported calm seas");
        let b = chars.shingle("the harb0ur master reported calm seas");
        let shared = a.hashes.iter().filter(|h| b.hashes.contains(h)).count();
        assert!(
            shared * 10 >= a.hashes.len() * 8,
            "{shared} of {}",
            a.hashes.len()
        );
        let w = words5();
        let wa = w.shingle("the harbour master reported calm seas");
        let wb = w.shingle("the harb0ur master reported calm seas");
        assert!(wa.hashes.iter().filter(|h| wb.hashes.contains(h)).count() == 0);
    }
}
