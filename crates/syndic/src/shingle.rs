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
//! Most news text is ASCII plus typographic punctuation (curly quotes, dashes, ellipses,
//! no-break spaces, soft hyphens). Such text takes a fast path that lowercases, splits and hashes
//! in one pass over the bytes without building the normalised string: every non-ASCII character
//! it accepts is one whose normal form is a separator (or nothing), so its result is identical
//! to the general path (tested over random texts). Any other character sends the text down the
//! general path (NFKC and the full [normaliser](crate::normalize)).

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
        scratch.words.clear();
        scratch.shingles.clear();
        match self.kind {
            ShingleKind::Words(n) => {
                if !simple_word_hashes(text, self.seed, &mut scratch.words) {
                    scratch.words.clear();
                    self.general_word_hashes(text, scratch);
                }
                set.words = scratch.words.len();
                combine_windows(&scratch.words, n, &mut scratch.shingles);
            }
            ShingleKind::Chars(n) => {
                self.normalizer.normalize_into(text, &mut scratch.text);
                set.words = words(&scratch.text).count();
                char_shingles(&scratch.text, n, self.seed, &mut scratch.shingles);
            }
        }
        sort_distinct(&scratch.shingles, &mut set.hashes, &mut scratch.buckets);
    }
}

impl Shingler {
    /// Word hashes through the full normaliser: right for any text, slower.
    fn general_word_hashes(&self, text: &str, scratch: &mut Scratch) {
        self.normalizer.normalize_into(text, &mut scratch.text);
        for word in words(&scratch.text) {
            scratch.words.push(word_hash(word.as_bytes(), self.seed));
        }
    }
}

/// Reusable buffers for [`Shingler::shingle_into`].
#[derive(Debug, Default)]
pub struct Scratch {
    text: String,
    words: Vec<u64>,
    /// Shingle hashes in text order, before sorting.
    shingles: Vec<u64>,
    /// Bucket bounds of [`sort_distinct`].
    buckets: Vec<u32>,
}

/// Below this many hashes a comparison sort is as quick as bucketing.
const BUCKET_SORT_MIN: usize = 64;

/// Writes `hashes` sorted and without repeats into `out`.
///
/// Shingle hashes are uniform over 64 bits, so a counting sort on their top bits scatters them
/// into buckets of about one hash each, in bucket order; one insertion-sort pass then only
/// moves a hash within its bucket. Linear time on average where a comparison sort costs
/// `n log n`: 2.2× as fast at news length (531 hashes: 4.2 µs → 1.9 µs), and sorting was the
/// largest single cost of shingling. When some bucket is crowded anyway (hashes that are not uniform) a comparison sort
/// takes over, so the worst case stays `n log n`.
fn sort_distinct(hashes: &[u64], out: &mut Vec<u64>, buckets: &mut Vec<u32>) {
    out.clear();
    out.extend_from_slice(hashes);
    let n = hashes.len();
    if n < BUCKET_SORT_MIN {
        out.sort_unstable();
        out.dedup();
        return;
    }
    // Between n/2 and n buckets (at most 2²⁰: a huge text's crowded buckets fall back below).
    let bits = n.ilog2().min(20);
    let shift = 64 - bits;
    buckets.clear();
    buckets.resize(1 << bits, 0);
    for &h in hashes {
        buckets[(h >> shift) as usize] += 1;
    }
    // Counts become start offsets.
    let (mut sum, mut crowded) = (0u32, 0u32);
    for b in buckets.iter_mut() {
        let count = *b;
        *b = sum;
        sum = sum.wrapping_add(count);
        crowded = crowded.max(count);
    }
    if crowded > 32 || sum as usize != n {
        out.sort_unstable();
        out.dedup();
        return;
    }
    for &h in hashes {
        let slot = &mut buckets[(h >> shift) as usize];
        out[*slot as usize] = h;
        *slot += 1;
    }
    // Insertion sort, its common case branch-free: the largest hash so far (`prev`) and the
    // next one swap by min/max, and only when the smaller one belongs further left — a third
    // hash in one bucket, rare — does a loop move it. (A compare-and-branch per hash, taken
    // about as often as not, cost a third more.)
    let mut prev = out[0];
    for i in 1..n {
        let x = out[i];
        let (low, high) = (prev.min(x), prev.max(x));
        out[i - 1] = low;
        prev = high;
        if i >= 2 && low < out[i - 2] {
            let mut j = i - 1;
            while j > 0 && out[j - 1] > low {
                out[j] = out[j - 1];
                j -= 1;
            }
            out[j] = low;
        }
    }
    out[n - 1] = prev;
    out.dedup();
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

/// What the fast path does with a non-ASCII character.
enum Simple {
    /// Its normal form holds no letter or digit: it ends a word.
    Separator,
    /// The normaliser drops it: words run through it.
    Invisible,
    /// Anything else: only the general path knows.
    Other,
}

/// The non-ASCII characters of everyday news typography, by what the normaliser makes of them:
/// quotes, primes, guillemets, dashes, minus, ellipsis, bullets and spaces become punctuation or
/// white space (NFKC, then the folding rules); soft hyphen, zero-width characters and the
/// byte-order mark are dropped. None of them composes with an ASCII neighbour under NFKC.
fn simple_class(c: char) -> Simple {
    match c {
        '\u{2018}'..='\u{201F}'
        | '\u{2032}'
        | '\u{2033}'
        | '\u{00AB}'
        | '\u{00BB}'
        | '\u{2010}'..='\u{2015}'
        | '\u{2212}'
        | '\u{2026}'
        | '\u{2022}'
        | '\u{00A0}'
        | '\u{2002}'..='\u{200A}'
        | '\u{202F}' => Simple::Separator,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => Simple::Invisible,
        _ => Simple::Other,
    }
}

/// Word hashes of ASCII text with everyday typography (see [`simple_class`]): lowercase, split
/// and hash in one pass over the bytes, with the same result as [`word_hash`] over the words of
/// the normalised text. Returns false, with `out` partly written, at the first character only
/// the general path can handle.
fn simple_word_hashes(text: &str, seed: u64, out: &mut Vec<u64>) -> bool {
    let bytes = text.as_bytes();
    let start = seed ^ 0xCBF2_9CE4_8422_2325;
    // Branch-free over ASCII bytes: every byte stores the running hash at `out[n]` and moves
    // `n` on only where a word ends, so word boundaries — every few bytes, unpredictable —
    // cost no mispredicted branch. Raw hashes first, finalised in one pass at the end.
    // A text of `len` bytes holds at most `len / 2 + 1` words.
    out.clear();
    out.resize(bytes.len() / 2 + 2, 0);
    let mut n = 0;
    let mut h = start;
    let mut in_word = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b >= 0x80 {
            // `i` is at a character boundary: every byte before was ASCII or a whole character.
            let Some(c) = text[i..].chars().next() else {
                return false;
            };
            i += c.len_utf8();
            match simple_class(c) {
                Simple::Invisible => {}
                Simple::Separator => {
                    out[n] = h;
                    n += usize::from(in_word);
                    h = start;
                    in_word = false;
                }
                Simple::Other => return false,
            }
            continue;
        }
        i += 1;
        let c = WORD_BYTE[usize::from(b)];
        let is_word = c != 0;
        out[n] = h;
        n += usize::from(in_word & !is_word);
        let next = (h ^ u64::from(c)).wrapping_mul(WORD_PRIME);
        h = if is_word { next } else { start };
        in_word = is_word;
    }
    out[n] = h;
    n += usize::from(in_word);
    out.truncate(n);
    for h in out.iter_mut() {
        *h = finalize(*h);
    }
    true
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

    /// Word hashes by the fast path (None when it declines) and by the general path.
    fn both_paths(text: &str) -> (Option<Vec<u64>>, Vec<u64>) {
        let mut fast = Vec::new();
        let fast = simple_word_hashes(text, DEFAULT_SEED, &mut fast).then_some(fast);
        let mut scratch = Scratch::default();
        words5().general_word_hashes(text, &mut scratch);
        (fast, scratch.words)
    }

    #[test]
    fn fast_path_matches_general_path() {
        let text = "The Quick brown fox, jumps over the lazy dog's back -- twice!";
        let (fast, slow) = both_paths(text);
        assert_eq!(fast.as_ref(), Some(&slow));
        assert_eq!(slow.len(), 12);
        let typographic =
            "\u{201C}Co\u{00AD}operate,\u{201D} she said\u{00A0}\u{2014} twice\u{2026}";
        let (fast, slow) = both_paths(typographic);
        assert_eq!(fast.as_ref(), Some(&slow));
        assert_eq!(slow.len(), 4, "the soft hyphen joins co-operate");
        // Letters outside ASCII, compatibility forms and combining marks go the general way.
        for other in [
            "caf\u{00E9}",
            "\u{FB01}nal",
            "cafe\u{0301}",
            "\u{00C9}COLE",
            "\u{00B4}a",
        ] {
            assert_eq!(both_paths(other).0, None, "{other}");
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_path_agrees_whenever_it_answers(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "a", "Zed", "42", " ", "\n", "-", "'", ",", ".", "\u{2019}", "\u{201C}", "\u{201D}",
                "\u{2014}", "\u{2013}", "\u{2026}", "\u{00A0}", "\u{00AD}", "\u{200B}", "\u{FEFF}",
                "\u{2022}", "\u{2212}", "\u{00AB}", "\u{2033}", "\u{202F}", "\u{2009}", "\u{00E9}",
                "\u{0301}", "\u{FB01}",
            ]), 0..40)
        ) {
            let text: String = pieces.concat();
            let (fast, slow) = both_paths(&text);
            if let Some(fast) = fast {
                proptest::prop_assert_eq!(fast, slow);
            }
        }
    }

    proptest::proptest! {
        /// The bucket sort gives what a comparison sort and dedup give, for uniform hashes,
        /// repeats, and hashes crowded into a few buckets.
        #[test]
        fn sort_distinct_equals_sort_and_dedup(
            raw in proptest::collection::vec(proptest::prelude::any::<u64>(), 0..2000),
            repeat in 1usize..4,
            crowd in 0u32..64,
        ) {
            let hashes: Vec<u64> = raw
                .iter()
                .flat_map(|&h| std::iter::repeat_n(h >> crowd, repeat))
                .collect();
            let mut expected = hashes.clone();
            expected.sort_unstable();
            expected.dedup();
            let (mut out, mut buckets) = (vec![7], Vec::new());
            sort_distinct(&hashes, &mut out, &mut buckets);
            proptest::prop_assert_eq!(out, expected);
        }
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
