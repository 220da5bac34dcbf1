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
//! fingerprint. Word hashes are seeded: by default [`WordHash::Wide`], sixteen bytes of a word
//! in one 64×64→128-bit multiply; stores built before it keep [`WordHash::Bytewise`], a
//! multiply per byte. Shingle hashes mix the word hashes of a window (the wide scheme: rotated
//! and xored, then one multiply); character shingles are seeded xxh3. All are stable across platforms and versions, safe to
//! persist.
//!
//! Most news text is ASCII plus typographic punctuation (curly quotes, dashes, ellipses,
//! no-break spaces, soft hyphens). Such text takes a fast path that lowercases, splits and hashes
//! the bytes without building the normalised string: every non-ASCII character it accepts is
//! one whose normal form is a separator (or nothing), so its result is identical to the general
//! path (tested over random texts). Any other character sends the text down the general path
//! (NFKC and the full [normaliser](crate::normalize)). The wide hash's fast path finds words
//! from 64-byte bitmasks and loads each one whole (`hash_ascii_words_wide`); the bytewise one
//! hashes several stretches of the text at once, since its word hash is a serial chain of
//! multiplies (`hash_ascii_words`). Over the 100k bench corpus the wide hash took 10% less CPU
//! end to end.

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
    word_hash: WordHash,
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
            word_hash: WordHash::default(),
            normalizer: Normalizer::new(),
        }
    }

    /// The same shingler hashing words with `word_hash` (default [`WordHash::Wide`]).
    #[must_use]
    pub fn with_word_hash(mut self, word_hash: WordHash) -> Self {
        self.word_hash = word_hash;
        self
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
                let fast = fast_word_hashes(
                    self.word_hash,
                    text,
                    self.seed,
                    &mut scratch.fast,
                    &mut scratch.words,
                );
                if !fast {
                    scratch.words.clear();
                    self.general_word_hashes(text, scratch);
                }
                set.words = scratch.words.len();
                match self.word_hash {
                    WordHash::Wide => {
                        combine_windows_wide(&scratch.words, n, &mut scratch.shingles)
                    }
                    WordHash::Bytewise => combine_windows(&scratch.words, n, &mut scratch.shingles),
                }
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
            scratch
                .words
                .push(self.word_hash.hash(word.as_bytes(), self.seed));
        }
    }
}

/// Reusable buffers for [`Shingler::shingle_into`].
#[derive(Debug, Default)]
pub struct Scratch {
    text: String,
    fast: WordBuffers,
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
    // Between n and 2n buckets (at most 2²⁰: a huge text's crowded buckets fall back below):
    // fewer buckets than hashes left a third hash in a bucket often enough that the insertion
    // pass's rare branch cost more than the buckets saved (4.0 -> 3.7 ns per hash at news
    // length; four times as many buckets: 4.0).
    let bits = (n.ilog2() + 1).min(20);
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
    // `below` is the hash placed just before the current one, kept in a register rather than
    // read back from the slot just written (0 at first: nothing is below it).
    let mut prev = out[0];
    let mut below = 0;
    for i in 1..n {
        let x = out[i];
        let (low, high) = (prev.min(x), prev.max(x));
        out[i - 1] = low;
        prev = high;
        if low < below {
            let mut j = i - 1;
            while j > 0 && out[j - 1] > low {
                out[j] = out[j - 1];
                j -= 1;
            }
            out[j] = low;
            below = out[i - 1];
        } else {
            below = low;
        }
    }
    out[n - 1] = prev;
    // Repeats, now side by side, go without a branch per hash: each hash is written at `kept`,
    // which moves on only past a new one.
    let mut kept = 1;
    let mut last = out[0];
    for i in 1..n {
        let h = out[i];
        out[kept] = h;
        kept += usize::from(h != last);
        last = h;
    }
    out.truncate(kept);
}

/// The words of a normalised text: maximal runs of alphanumeric characters.
pub fn words(normalized: &str) -> impl Iterator<Item = &str> {
    normalized
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

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

/// Word hashes of ASCII text with everyday typography (see [`simple_class`]) by `hash`:
/// lowercase, split and hash with the same result as [`WordHash::hash`] over the words of the
/// normalised text. Returns false, with `out` partly written, at the first character only the
/// general path can handle.
///
/// A text with typography is first folded to ASCII ([`fold_typography`]); the wide hash takes
/// the letters of the Latin blocks too ([`latin_letter`]: `é`, `ß`, `ł`, `ş`, names and words
/// of European news), which would otherwise send the whole text down the general path, ten
/// times slower. Then [`hash_ascii_words_wide`] or [`hash_ascii_words`] splits and hashes the
/// bytes.
fn fast_word_hashes(
    hash: WordHash,
    text: &str,
    seed: u64,
    buf: &mut WordBuffers,
    out: &mut Vec<u64>,
) -> bool {
    out.clear();
    let WordBuffers {
        ascii,
        lanes,
        folded,
    } = buf;
    let bytes = if text.is_ascii() {
        text.as_bytes()
    } else if fold_typography(text, ascii, hash == WordHash::Wide) {
        ascii
    } else {
        return false;
    };
    match hash {
        WordHash::Wide => hash_ascii_words_wide(bytes, seed, folded, out),
        WordHash::Bytewise => hash_ascii_words(bytes, seed, lanes, out),
    }
    true
}

/// Buffers of the fast path, reused from text to text.
#[derive(Debug, Default)]
struct WordBuffers {
    /// The text with its typography folded to ASCII ([`fold_typography`]).
    ascii: Vec<u8>,
    /// The chains' lanes of [`hash_ascii_words`].
    lanes: LaneBuffer,
    /// The folded bytes of [`hash_ascii_words_wide`].
    folded: Vec<u8>,
}

/// The first and last characters of the Latin blocks whose letters the wide fast path takes:
/// Latin-1 Supplement, Latin Extended-A and -B (`À` to `ɏ`: French, German, Spanish, Polish,
/// Czech, Turkish, Romanian, Hungarian... letters).
const LATIN_LETTERS: std::ops::RangeInclusive<u32> = 0xC0..=0x24F;

/// What the normaliser makes of a letter of [`LATIN_LETTERS`] when it is one letter or digit
/// (`É` → `é`, `ſ` → `s`), else `None` (`×`, `İ` → `i̇`, `ǆ` → `dž`: left to the general path);
/// `None` outside the blocks too. The table is worked out once, by the normaliser itself, so
/// it cannot disagree with it. None of these characters composes with a neighbour under NFKC
/// (they are starters, and Latin has no starter-starter compositions), so what the normaliser
/// makes of one alone is what it makes of it in a text (tested).
fn latin_letter(c: char) -> Option<char> {
    static TABLE: std::sync::OnceLock<Vec<Option<char>>> = std::sync::OnceLock::new();
    let at = (c as u32).checked_sub(*LATIN_LETTERS.start())?;
    let table = TABLE.get_or_init(|| {
        let normalizer = Normalizer::new();
        LATIN_LETTERS
            .map(|u| {
                let normal = normalizer.normalize(&char::from_u32(u)?.to_string());
                let mut chars = normal.chars();
                match (chars.next(), chars.next()) {
                    (Some(l), None) if l.is_alphanumeric() => Some(l),
                    _ => None,
                }
            })
            .collect()
    });
    table.get(at as usize).copied().flatten()
}

/// Writes into `out` the ASCII bytes of `text` with every [`Simple::Separator`] character
/// replaced by one space and every [`Simple::Invisible`] one dropped: the same words as the
/// normalised text. With `latin`, a letter of the Latin blocks is written too, as the UTF-8
/// bytes of its normal form ([`latin_letter`]): `out` then holds bytes above 0x7F,
/// which only the wide path reads as word bytes. False at the first other character of
/// [`Simple::Other`].
fn fold_typography(text: &str, out: &mut Vec<u8>, latin: bool) -> bool {
    const BLOCK: usize = 16;
    let bytes = text.as_bytes();
    out.clear();
    let mut i = 0;
    while i < bytes.len() {
        // The ASCII run from `i`, a block at a time, then byte by byte.
        let run = i;
        while bytes
            .get(i..i + BLOCK)
            .is_some_and(|block| block.iter().fold(0, |acc, &b| acc | b) < 0x80)
        {
            i += BLOCK;
        }
        while bytes.get(i).is_some_and(u8::is_ascii) {
            i += 1;
        }
        out.extend_from_slice(&bytes[run..i]);
        // `i` is at a character boundary: every byte before was ASCII or a whole character.
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        match simple_class(c) {
            Simple::Separator => out.push(b' '),
            Simple::Invisible => {}
            Simple::Other => match latin.then(|| latin_letter(c)).flatten() {
                Some(lower) => out.extend_from_slice(lower.encode_utf8(&mut [0; 4]).as_bytes()),
                None => return false,
            },
        }
    }
    true
}

/// A folded separator that ends a word (the byte before it is a word byte); other separators
/// fold to 0, word bytes to their lowercase ASCII, so `b & 0x7F != 0` says "word byte".
const WORD_END: u8 = 0x80;

/// The lowercase form of an ASCII byte that can be part of a word, 0 for a separator. By
/// arithmetic, which the compiler turns into vector instructions where a table lookup stays one
/// load per byte.
#[inline(always)]
fn fold_ascii(b: u8) -> u8 {
    let lower = b | 0x20;
    if lower.wrapping_sub(b'a') < 26 {
        lower
    } else if b.wrapping_sub(b'0') < 10 {
        b
    } else {
        0
    }
}

/// Folds ASCII bytes for hashing into `out` (as long): each byte as [`fold_ascii`] (lowercase,
/// 0 for a separator), a separator after a word byte marked [`WORD_END`]. One pass the
/// compiler vectorises: the byte before is folded again rather than carried.
fn fold_word_bytes(ascii: &[u8], out: &mut [u8]) {
    let (Some(&first), Some((head, rest))) = (ascii.first(), out.split_first_mut()) else {
        return;
    };
    *head = fold_ascii(first);
    for ((d, &b), &before) in rest.iter_mut().zip(&ascii[1..]).zip(ascii) {
        let folded = fold_ascii(b);
        *d = folded | (u8::from((folded == 0) & (fold_ascii(before) != 0)) << 7);
    }
}

/// Independent hash chains [`hash_lanes`] runs side by side. A chain's step is about a dozen
/// instructions around a multiply of 3-cycle latency, so two chains already fill the
/// processor; three or four measured slower here (1.15 ns/byte for two, 1.18 for three, 1.26
/// for four, on 20k corpus texts).
const CHAINS: usize = 2;

/// Slots of a chain's unfinalised word hashes: a power of two, so a masked index needs no
/// bounds check.
const SLOTS: usize = 1024;

/// Bytes of a chain's lane: its piece, then a word end if the piece ends inside a word, then
/// separators.
const LANE: usize = 2 * SLOTS;

/// The longest piece a chain hashes: a separator that ends a word follows a word byte, so a
/// piece of this many bytes (and its closing word end) ends at most `SLOTS - 1` words and its
/// slot index stays below `SLOTS`.
const PIECE_MAX: usize = LANE - 2;

/// The shortest piece worth a chain of its own: a shorter text is hashed by one chain.
const PIECE_MIN: usize = 32;

/// The chains' bytes and slots, for [`hash_lanes`]: at fixed distances, so that the loop
/// addresses all of them from one register.
#[derive(Debug)]
struct Lanes {
    bytes: [[u8; LANE]; CHAINS],
    slots: [[u64; SLOTS]; CHAINS],
}

/// [`Lanes`], on the heap.
#[derive(Debug)]
struct LaneBuffer(Box<Lanes>);

impl Default for LaneBuffer {
    fn default() -> Self {
        LaneBuffer(Box::new(Lanes {
            bytes: [[0; LANE]; CHAINS],
            slots: [[0; SLOTS]; CHAINS],
        }))
    }
}

/// Whether a folded byte is part of a word.
#[inline(always)]
fn is_word_byte(c: u8) -> bool {
    c & 0x7F != 0
}

/// The running hash after folded byte `c`: the next step of the word's hash, or `start`
/// between words.
#[inline(always)]
fn word_step(h: u64, c: u8, start: u64) -> u64 {
    let next = (h ^ u64::from(c)).wrapping_mul(WORD_PRIME);
    if is_word_byte(c) { next } else { start }
}

/// Word hashes ([`word_hash`]) of the words of ASCII bytes, in order, into `out`.
///
/// The hash of a word is one serial chain of multiplies, a multiply's latency per byte. So the
/// bytes are cut after separators into rounds of [`CHAINS`] pieces of about equal length (at
/// most [`PIECE_MAX`] bytes each), whose chains [`hash_lanes`] runs interleaved in one loop.
/// A piece that cannot be cut that short (one word longer) is hashed on its own.
fn hash_ascii_words(ascii: &[u8], seed: u64, lanes: &mut LaneBuffer, out: &mut Vec<u64>) {
    let start = seed ^ 0xCBF2_9CE4_8422_2325;
    let len = ascii.len();
    let mut from = 0;
    while from < len {
        let target = (len - from).div_ceil(CHAINS).clamp(PIECE_MIN, PIECE_MAX);
        let mut cuts = [from; CHAINS + 1];
        for k in 1..=CHAINS {
            cuts[k] = cut_after_separator(ascii, cuts[k - 1], cuts[k - 1] + target);
        }
        let pieces: [&[u8]; CHAINS] = std::array::from_fn(|k| &ascii[cuts[k]..cuts[k + 1]]);
        if pieces.iter().all(|piece| piece.len() <= PIECE_MAX) {
            hash_lanes(pieces, start, &mut lanes.0, out);
        } else {
            hash_serially(&ascii[from..cuts[CHAINS]], start, out);
        }
        from = cuts[CHAINS];
    }
}

/// The cut after `from` nearest below `target` that follows a separator, else the first one
/// above (a word longer than `target - from`), else the end. A text cut there splits no word,
/// and each part but the last ends its own last word with a [`WORD_END`].
fn cut_after_separator(ascii: &[u8], from: usize, target: usize) -> usize {
    if target >= ascii.len() {
        return ascii.len();
    }
    let is_separator = |i: usize| fold_ascii(ascii[i]) == 0;
    let mut cut = target;
    while cut > from && !is_separator(cut - 1) {
        cut -= 1;
    }
    if cut > from {
        return cut;
    }
    cut = target.max(from + 1);
    while cut < ascii.len() && !is_separator(cut - 1) {
        cut += 1;
    }
    cut
}

/// Appends the word hashes of pieces of ASCII bytes, each starting after a separator (or at
/// the text's start), to `out`, in order.
///
/// Each piece is folded into its lane ([`fold_word_bytes`]), closed with a [`WORD_END`] if it
/// ends inside a word, and padded with separators to the longest one's length; then one loop
/// steps every chain by one byte, branch-free: the running hash is stored in slot `n` for every
/// byte and `n` moves on only at a word end, so word boundaries — every few bytes,
/// unpredictable — cost no mispredicted branch.
fn hash_lanes(pieces: [&[u8]; CHAINS], start: u64, lanes: &mut Lanes, out: &mut Vec<u64>) {
    let rows = 1 + pieces.iter().map(|piece| piece.len()).max().unwrap_or(0);
    let rows = rows.min(LANE);
    for (lane, piece) in lanes.bytes.iter_mut().zip(pieces) {
        let (head, tail) = lane[..rows].split_at_mut(piece.len());
        // The byte before a piece is a separator (or there is none): its first byte ends no word.
        fold_word_bytes(piece, head);
        tail.fill(0);
        if head.last().is_some_and(|&c| is_word_byte(c)) {
            tail[0] = WORD_END;
        }
    }
    let Lanes { bytes, slots } = lanes;
    let (mut h, mut n) = ([start; CHAINS], [0usize; CHAINS]);
    #[expect(
        clippy::needless_range_loop,
        reason = "one index into every lane, at fixed distances, keeps the loop on one base register"
    )]
    for j in 0..rows {
        for k in 0..CHAINS {
            let c = bytes[k][j];
            slots[k][n[k] & (SLOTS - 1)] = h[k];
            n[k] += usize::from(c >= WORD_END);
            h[k] = word_step(h[k], c, start);
        }
    }
    for (slots, n) in slots.iter().zip(n) {
        out.extend(slots[..n.min(SLOTS)].iter().map(|&h| finalize(h)));
    }
}

/// Appends the word hashes of ASCII bytes to `out`, one byte after the other: for a piece with
/// a word too long for a lane.
fn hash_serially(ascii: &[u8], start: u64, out: &mut Vec<u64>) {
    let (mut h, mut before) = (start, 0);
    for &b in ascii {
        let c = fold_ascii(b);
        if c == 0 && before != 0 {
            out.push(finalize(h));
        }
        h = word_step(h, c, start);
        before = c;
    }
    if before != 0 {
        out.push(finalize(h));
    }
}

/// How a word's bytes become its 64-bit hash — the hashing scheme, which also decides how a
/// window's word hashes combine into a shingle hash and whether MinHash mixes shingle hashes
/// again ([`crate::minhash::MinHasher::premixed`]).
///
/// Part of an index's settings ([`crate::versions::VersionConfig::word_hash`]), since every
/// shingle hash, signature and band key follows from it: a store keeps the one it was built
/// with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WordHash {
    /// A byte at a time ([`word_hash`]): a multiply's latency per byte. What stores built
    /// before the wide hash keep using.
    Bytewise,
    /// Sixteen bytes at a time ([`wide_word_hash`]): one multiply per word of up to 16 bytes,
    /// found and loaded without a branch per byte. The default: word hashing took about a
    /// third of shingling's time byte by byte.
    #[default]
    Wide,
}

impl WordHash {
    /// The hash of one word's (already lowercase) UTF-8 bytes.
    pub fn hash(self, word: &[u8], seed: u64) -> u64 {
        match self {
            WordHash::Bytewise => word_hash(word, seed),
            WordHash::Wide => wide_word_hash(word, seed),
        }
    }
}

/// Constants of [`wide_word_hash`]: odd, with bits spread over all bytes (and bytes above
/// 0x7F, so that no ASCII block cancels one out).
const WIDE_LEN: u64 = 0x9E37_79B9_7F4A_7C15;
const WIDE_A: u64 = 0xA076_1D64_78BD_642F;
const WIDE_B: u64 = 0xE703_7ED1_A0B4_28DB;

/// The 128-bit product of `a` and `b`, its halves folded into 64 bits by xor.
#[inline(always)]
fn fold_mul(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

/// Up to 8 bytes as a little-endian number, zeros above.
fn le_padded(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(b)
}

/// The [`WordHash::Wide`] hash of one word's (already lowercase) UTF-8 bytes.
///
/// The state starts as the seed mixed with the length; each block of 16 bytes (the last one
/// zero-padded) replaces it with the folded product (the 128-bit product's halves xored) of
/// its two 8-byte halves, the first mixed with the state. A word of up to 16 bytes — nearly
/// every word — is one multiply. The shingle hash built from the words mixes them again, so
/// the word hash needs no avalanche of its own.
pub fn wide_word_hash(word: &[u8], seed: u64) -> u64 {
    let mut h = wide_start(word.len(), seed);
    for block in word.chunks(16) {
        let (a, b) = block.split_at(block.len().min(8));
        h = wide_block(h, le_padded(a), le_padded(b));
    }
    h
}

/// The state [`wide_word_hash`] starts from for a word of `len` bytes.
#[inline(always)]
fn wide_start(len: usize, seed: u64) -> u64 {
    seed ^ (len as u64).wrapping_mul(WIDE_LEN)
}

/// One step of [`wide_word_hash`]: the state after a block whose halves, zero-padded, are `a`
/// and `b` (little-endian).
#[inline(always)]
fn wide_block(h: u64, a: u64, b: u64) -> u64 {
    fold_mul(a ^ h ^ WIDE_A, b ^ WIDE_B)
}

/// The word bytes among 8 folded bytes (see [`fold_wide`]) as the low 8 bits: bit `j` set
/// when byte `j` (in little-endian order) is not 0. A byte's low seven bits plus 0x7F set its
/// top bit exactly when they are not 0, without a carry into the next byte, and its own top
/// bit is or-ed in; one multiply then gathers the eight top bits into the top byte.
#[inline(always)]
fn word_byte_bits(x: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const GATHER: u64 = 0x0102_0408_1020_4080;
    (((((x & LOW7) + LOW7) | x) & !LOW7) >> 7).wrapping_mul(GATHER) >> 56
}

/// A byte as the wide path folds it: an ASCII byte as [`fold_ascii`] (lowercase, 0 for a
/// separator); a byte above 0x7F — part of a Latin letter [`fold_typography`] let through,
/// already in its normal form — as it is, a word byte.
#[inline(always)]
fn fold_wide(b: u8) -> u8 {
    if b >= 0x80 { b } else { fold_ascii(b) }
}

/// Word hashes ([`wide_word_hash`]) of the words of ASCII bytes (and Latin letters in their
/// normal form), in order, into `out`.
///
/// Two passes, neither with a branch per byte. The bytes are folded ([`fold_wide`]:
/// lowercase, 0 for a separator) into `folded`, padded with zeros. Then each 64-byte block's
/// word bytes become a bitmask ([`word_byte_bits`]), in which the word starts and ends are the
/// bits that differ from the bit before; counting trailing zeros pairs them up, and each word
/// of up to 16 bytes is hashed from two 8-byte loads masked to its length (a longer one, rare,
/// block by block). A word running into the next block is carried over.
fn hash_ascii_words_wide(ascii: &[u8], seed: u64, folded: &mut Vec<u8>, out: &mut Vec<u64>) {
    let blocks = ascii.len().div_ceil(64);
    folded.clear();
    folded.resize(blocks * 64 + 16, 0);
    for (f, &b) in folded.iter_mut().zip(ascii) {
        *f = fold_wide(b);
    }
    let folded: &[u8] = folded;
    let hash = |s: usize, e: usize| -> u64 {
        let n = e - s;
        if n > 16 {
            return wide_word_hash(&folded[s..e], seed);
        }
        // In bounds: a word ends before the padding, which is 16 bytes.
        let w = &folded[s..s + 16];
        let a = u64::from_le_bytes(w[..8].try_into().expect("8 bytes"));
        let b = u64::from_le_bytes(w[8..].try_into().expect("8 bytes"));
        let (na, nb) = (n.min(8), n.saturating_sub(8));
        let a = a & (u64::MAX >> (64 - 8 * na));
        let b = b & (((1u128 << (8 * nb)) - 1) as u64);
        wide_block(wide_start(n, seed), a, b)
    };
    // A local vector, so that its length and capacity stay in registers.
    let mut words = std::mem::take(out);
    words.clear();
    words.reserve(ascii.len() / 2 + 1);
    // The start of a word that runs on past the end of the block before.
    let mut open: Option<usize> = None;
    for (k, block) in folded[..blocks * 64].chunks_exact(64).enumerate() {
        let mut mask = 0u64;
        for (j, eight) in block.chunks_exact(8).enumerate() {
            let x = u64::from_le_bytes(eight.try_into().expect("8 bytes"));
            mask |= word_byte_bits(x) << (8 * j);
        }
        let shifted = (mask << 1) | u64::from(open.is_some());
        // Bits of the first byte of each word, and of the first separator after each word.
        let (mut first, mut after) = (mask & !shifted, !mask & shifted);
        let base = k * 64;
        if let Some(s) = open.take() {
            if after == 0 {
                // The word runs through the whole block.
                open = Some(s);
                continue;
            }
            words.push(hash(s, base + after.trailing_zeros() as usize));
            after &= after - 1;
        }
        while after != 0 {
            let s = base + first.trailing_zeros() as usize;
            let e = base + after.trailing_zeros() as usize;
            words.push(hash(s, e));
            first &= first - 1;
            after &= after - 1;
        }
        if first != 0 {
            open = Some(base + first.trailing_zeros() as usize);
        }
    }
    if let Some(s) = open {
        words.push(hash(s, blocks * 64));
    }
    *out = words;
}

/// Rotation between the word hashes of neighbouring window positions in
/// [`combine_windows_wide`]: odd, so that the 64 positions a window can have all rotate apart.
const WIDE_ROTATION: u32 = 13;

/// The [`WordHash::Wide`] shingle hashes of the windows of `n` consecutive words (one window of
/// all the words when there are fewer), into `out`.
///
/// A window's words are combined by xor, the word at position `k` rotated by `13·k` bits, and
/// the sum mixed by one folded multiply ([`fold_mul`]): a few cheap operations and one
/// multiply a shingle, where [`combine_windows`] chains a multiply per word and finalises with
/// two more. Word hashes are already mixed, so their rotated sum only needs to be spread over
/// the bits once; MinHash mixes every shingle hash again with its own seed.
fn combine_windows_wide(words: &[u64], n: usize, out: &mut Vec<u64>) {
    if words.is_empty() {
        return;
    }
    let mix = |sum: u64| fold_mul(sum ^ WIDE_A, WIDE_B);
    match n.min(words.len()) {
        // The default length, unrolled.
        5 => out.extend(words.windows(5).map(|w| {
            mix(w[0]
                ^ w[1].rotate_left(WIDE_ROTATION)
                ^ w[2].rotate_left(2 * WIDE_ROTATION)
                ^ w[3].rotate_left(3 * WIDE_ROTATION)
                ^ w[4].rotate_left(4 * WIDE_ROTATION))
        })),
        n => out.extend(words.windows(n).map(|w| {
            mix(w.iter().zip(0u32..).fold(0, |sum, (&x, k)| {
                sum ^ x.rotate_left(k.wrapping_mul(WIDE_ROTATION) % 64)
            }))
        })),
    }
}

/// Mixes the hashes of `n` consecutive words into one shingle hash, for every window
/// ([`WordHash::Bytewise`]).
fn combine_windows(words: &[u64], n: usize, out: &mut Vec<u64>) {
    if words.is_empty() {
        return;
    }
    let from = out.len();
    match n.min(words.len()) {
        // The default length, unrolled: the windows' multiply chains then overlap.
        5 => out.extend(words.windows(5).map(|window| combine(&window[..5]))),
        n => out.extend(words.windows(n).map(combine)),
    }
    // Finalised in a pass of its own, which the compiler puts in vector registers: the
    // windows' chains keep the scalar multiplier busy (0.031 -> 0.026 s over 20k corpus texts).
    for h in &mut out[from..] {
        *h = finalize(*h);
    }
}

/// The shingle hash of one window of word hashes, before [`finalize`].
#[inline(always)]
fn combine(window: &[u64]) -> u64 {
    let mut h: u64 = 0;
    for &w in window {
        h = (h.rotate_left(23) ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    h
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

    /// Lowercase form of each ASCII byte that can be part of a word; 0 for separators. The
    /// reference [`fold_ascii`] must equal.
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

    #[test]
    fn fold_ascii_equals_the_table() {
        for b in 0..0x80u8 {
            assert_eq!(fold_ascii(b), WORD_BYTE[usize::from(b)], "{b:#x}");
        }
    }

    /// The fast path as it was before its chains ([`hash_ascii_words`]), kept as the reference
    /// they must equal: word hashes of ASCII text with everyday typography, lowercased, split
    /// and hashed in one pass over the bytes, with the same result as [`word_hash`] over the words of
    /// the normalised text. Returns false, with `out` partly written, at the first character only
    /// the general path can handle.
    fn reference_word_hashes(text: &str, seed: u64, out: &mut Vec<u64>) -> bool {
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

    /// Word hashes by the fast path of `hash` (None when it declines) and by the general path.
    fn paths_of(hash: WordHash, text: &str) -> (Option<Vec<u64>>, Vec<u64>) {
        let (mut fast, mut buffers) = (Vec::new(), WordBuffers::default());
        let answered = fast_word_hashes(hash, text, DEFAULT_SEED, &mut buffers, &mut fast);
        let mut scratch = Scratch::default();
        words5()
            .with_word_hash(hash)
            .general_word_hashes(text, &mut scratch);
        (answered.then_some(fast), scratch.words)
    }

    /// [`paths_of`] both word hashes, checking that each fast path, when it answers, answers
    /// as its general path, and that the wide one answers wherever the bytewise one does; the
    /// bytewise pair.
    fn both_paths(text: &str) -> (Option<Vec<u64>>, Vec<u64>) {
        let (fast, slow) = paths_of(WordHash::Wide, text);
        let wide_answered = fast.is_some();
        if let Some(fast) = fast {
            assert_eq!(fast, slow, "wide hash, {text:?}");
        }
        let bytewise = paths_of(WordHash::Bytewise, text);
        if let Some(fast) = &bytewise.0 {
            assert_eq!(fast, &bytewise.1, "bytewise hash, {text:?}");
            assert!(wide_answered, "{text:?}");
        }
        bytewise
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
        // Latin letters go the wide fast way (and the general one for bytewise hashes).
        for latin1 in [
            "caf\u{00E9}",
            "\u{00C9}COLE na\u{00EF}ve",
            "Stra\u{00DF}e \u{00D1}and\u{00FA}",
        ] {
            assert_eq!(both_paths(latin1).0, None, "{latin1}");
            let (fast, slow) = paths_of(WordHash::Wide, latin1);
            assert_eq!(fast, Some(slow), "{latin1}");
        }
        // Compatibility forms, combining marks and other letters go the general way.
        for other in [
            "\u{FB01}nal",
            "cafe\u{0301}",
            "\u{00B4}a",
            "\u{00E9}\u{0301}",
            "\u{03B1}",
        ] {
            assert_eq!(both_paths(other).0, None, "{other}");
            assert_eq!(paths_of(WordHash::Wide, other).0, None, "{other}");
        }
    }

    /// Every letter the wide fast path takes from the Latin blocks normalises, in the middle
    /// of a text and at its ends, to what the fast path writes, and the French, German,
    /// Polish, Czech and Turkish letters of news are among them; characters it leaves are
    /// left to the general path, which gives the same words.
    #[test]
    fn latin_letters_fold_as_the_normaliser_does() {
        let normalizer = Normalizer::new();
        let mut taken = 0;
        for c in ('\u{80}'..='\u{2FF}').filter(|c| !c.is_control()) {
            let Some(l) = latin_letter(c) else {
                let text = format!("ab{c}cd \u{00E9}{c}");
                let (fast, slow) = paths_of(WordHash::Wide, &text);
                assert!(fast.is_none_or(|f| f == slow), "{c}");
                continue;
            };
            taken += 1;
            assert!(
                LATIN_LETTERS.contains(&(c as u32)) && l.is_alphanumeric(),
                "{c}"
            );
            for (text, expected) in [
                (format!("x{c}Y"), format!("x{l}y")),
                (format!("{c}{c} .{c}"), format!("{l}{l} .{l}")),
                (format!("\u{201C}{c}\u{00C9}"), format!("\"{l}\u{00E9}")),
            ] {
                assert_eq!(normalizer.normalize(&text), expected, "{c}");
                let (fast, slow) = paths_of(WordHash::Wide, &text);
                assert_eq!(fast, Some(slow), "{c}");
            }
        }
        assert!(taken > 300, "{taken}");
        for c in "éÉßçñüÖąłŁśŚźżćęńóŹčřšžěůŇğşıŢţőűĞ".chars() {
            assert!(latin_letter(c).is_some(), "{c}");
        }
        for c in [
            '\u{D7}', '\u{F7}', '\u{130}', '\u{1C6}', '\u{1F1}', '\u{301}', '\u{250}',
        ] {
            assert_eq!(latin_letter(c), None, "{c}");
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
        /// The chained fast path gives exactly the hashes of the one-chain reference: texts from
        /// empty to a few kilobytes, of no word, one word, words longer than a chain's piece,
        /// typography, and characters both paths decline. The buffers are reused from a first
        /// text, as `Scratch` reuses them, so nothing of an earlier text leaks into a later one.
        #[test]
        fn chained_fast_path_equals_reference(
            first in proptest::collection::vec(0usize..PIECES.len(), 0..300),
            pieces in proptest::collection::vec(0usize..PIECES.len(), 0..1500),
            long in 60usize..3000,
            declined in proptest::option::weighted(0.2, 0usize..1500),
        ) {
            let text = |picks: &[usize]| pieces_text(&PIECES, picks, long, declined, '\u{00E9}');
            let mut buffers = WordBuffers::default();
            let mut fast = Vec::new();
            let mut expected = Vec::new();
            for text in [text(&first), text(&pieces)] {
                let answered = fast_word_hashes(WordHash::Bytewise, &text, DEFAULT_SEED, &mut buffers, &mut fast);
                let reference = reference_word_hashes(&text, DEFAULT_SEED, &mut expected);
                proptest::prop_assert_eq!(answered, reference);
                if answered {
                    proptest::prop_assert_eq!(&fast, &expected);
                }
            }
        }
    }

    /// The text of `picks` from `pieces`, "LONG" standing for a word of `long` letters, with
    /// `other` (a character the fast path declines) before pick number `declined`, if any.
    fn pieces_text(
        pieces: &[&str],
        picks: &[usize],
        long: usize,
        declined: Option<usize>,
        other: char,
    ) -> String {
        let long_word = "Q".repeat(long);
        let mut text = String::new();
        for (at, &i) in picks.iter().enumerate() {
            if declined == Some(at) {
                text.push(other);
            }
            text.push_str(if pieces[i] == "LONG" {
                &long_word
            } else {
                pieces[i]
            });
        }
        text
    }

    /// Pieces of random texts: words (one of them, "LONG", as long as a chain's piece or
    /// longer), ASCII separators and typography. (A character only the general path handles
    /// goes in at a random place, sometimes.)
    const PIECES: [&str; 21] = [
        "a", "Zed", "42", "Newsroom", "LONG", " ", " ", " ", "\n", "-", ",", ".", "'", "\u{2019}",
        "\u{201C}", "\u{201D}", "\u{2014}", "\u{00A0}", "\u{00AD}", "\u{200B}", "\u{2026}",
    ];

    /// Letters of the Latin blocks, which the wide fast path takes: pieces added to [`PIECES`]
    /// for it.
    const LATIN_PIECES: [&str; 11] = [
        "\u{142}",
        "\u{160}",
        "\u{151}",
        "\u{11F}",
        "\u{C9}",
        "\u{E9}",
        "\u{DF}",
        "Z\u{FC}rich",
        "\u{D1}AND\u{DA}",
        "\u{FF}",
        "\u{C0}\u{DE}",
    ];

    #[test]
    fn chained_fast_path_edge_texts() {
        let long = format!("start {} end", "x".repeat(500));
        for text in [
            "",
            " ",
            "word",
            "  word  ",
            "\u{201C}word\u{201D}",
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
            long.as_str(),
            &"ab ".repeat(100),
            &"ab-".repeat(100),
            // Several rounds of pieces, words ending exactly at and around piece limits.
            &"ab ".repeat(5000),
            &"a ".repeat(7000),
            &format!(
                "{} {} {}",
                "w ".repeat(3000),
                "y".repeat(9000),
                "z ".repeat(3000)
            ),
        ] {
            let (mut fast, mut expected) = (Vec::new(), Vec::new());
            assert!(fast_word_hashes(
                WordHash::Bytewise,
                text,
                9,
                &mut WordBuffers::default(),
                &mut fast
            ));
            assert!(reference_word_hashes(text, 9, &mut expected));
            assert_eq!(fast, expected, "{text:?}");
        }
    }

    proptest::proptest! {
        /// The wide fast path gives exactly the general path's hashes: texts from empty to a
        /// few kilobytes, words of any length (some longer than 16 bytes or than a 64-byte
        /// block), typography, and characters the fast path declines. The buffers are reused
        /// from a first text, so nothing of an earlier text leaks into a later one.
        #[test]
        fn wide_fast_path_equals_general_path(
            first in proptest::collection::vec(0usize..PIECES.len() + LATIN_PIECES.len(), 0..300),
            pieces in proptest::collection::vec(0usize..PIECES.len() + LATIN_PIECES.len(), 0..1500),
            long in 9usize..200,
            declined in proptest::option::weighted(0.2, 0usize..1500),
        ) {
            let all: Vec<&str> = PIECES.iter().chain(&LATIN_PIECES).copied().collect();
            let text = |picks: &[usize]| pieces_text(&all, picks, long, declined, '\u{0301}');
            let mut buffers = WordBuffers::default();
            let mut fast = Vec::new();
            for text in [text(&first), text(&pieces)] {
                let answered = fast_word_hashes(WordHash::Wide, &text, DEFAULT_SEED, &mut buffers, &mut fast);
                let mut scratch = Scratch::default();
                words5().general_word_hashes(&text, &mut scratch);
                proptest::prop_assert_eq!(answered, !text.contains('\u{0301}'));
                if answered {
                    proptest::prop_assert_eq!(&fast, &scratch.words);
                }
            }
        }
    }

    /// Words of every length from 1 to 70 bytes, starting at every offset of a 64-byte block,
    /// hash alike by the wide fast path and by [`wide_word_hash`]; the text's last word may end
    /// exactly at a block's end.
    #[test]
    fn wide_fast_path_edge_texts() {
        for len in 1..=70 {
            for offset in 0..64 {
                let word: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
                for tail in ["", " x", "-"] {
                    let text = format!("{}{word}{tail}", " ".repeat(offset));
                    let (mut fast, mut buffers) = (Vec::new(), WordBuffers::default());
                    assert!(fast_word_hashes(
                        WordHash::Wide,
                        &text,
                        5,
                        &mut buffers,
                        &mut fast
                    ));
                    let mut expected = vec![wide_word_hash(word.as_bytes(), 5)];
                    if tail == " x" {
                        expected.push(wide_word_hash(b"x", 5));
                    }
                    assert_eq!(fast, expected, "{len} bytes at {offset}, then {tail:?}");
                }
            }
        }
        let (mut fast, mut buffers) = (Vec::new(), WordBuffers::default());
        assert!(fast_word_hashes(
            WordHash::Wide,
            "",
            5,
            &mut buffers,
            &mut fast
        ));
        assert!(fast.is_empty());
        let long = format!("{} {}", "y".repeat(9000), "z ".repeat(300));
        assert!(fast_word_hashes(
            WordHash::Wide,
            &long,
            5,
            &mut buffers,
            &mut fast
        ));
        assert_eq!(fast.len(), 301);
        assert_eq!(fast[0], wide_word_hash("y".repeat(9000).as_bytes(), 5));
    }

    /// Distinct words hash apart: 200,000 words of lengths 1 to 24 (among them words that
    /// differ only in length, or in their last byte past 8 or 16), no two alike.
    #[test]
    fn wide_word_hashes_do_not_collide() {
        let mut seen = std::collections::HashSet::new();
        let mut state = 0x1234_5678_9ABC_DEF0u64;
        for len in 1..=24usize {
            for k in 0..200_000 / 24 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let word: Vec<u8> = if k % 3 == 0 {
                    // Runs of one letter (each a prefix of the longer ones) ending in another:
                    // words apart in their length or their last byte only.
                    let mut w = vec![b'e'; len];
                    w[len - 1] = b'a' + (k / 3 % 26) as u8;
                    w
                } else {
                    (0..len)
                        .map(|i| b'a' + ((state >> (i % 16 * 4)) % 26) as u8)
                        .collect()
                };
                seen.insert(word);
            }
        }
        assert!(seen.len() > 100_000);
        let hashes: std::collections::HashSet<u64> = seen
            .iter()
            .map(|w| wide_word_hash(w, DEFAULT_SEED))
            .collect();
        assert_eq!(hashes.len(), seen.len());
        assert_ne!(wide_word_hash(b"ab", 1), wide_word_hash(b"ab", 2));
    }

    /// The unrolled 5-word combination is the general one; every window length gives one
    /// shingle per window, and a shorter text one shingle of all its words.
    #[test]
    fn wide_windows_combine_alike_at_every_length() {
        let words: Vec<u64> = (1..=40u64)
            .map(|k| k.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let general = |w: &[u64]| {
            let sum = w.iter().zip(0u32..).fold(0, |sum, (&x, k)| {
                sum ^ x.rotate_left(k * WIDE_ROTATION % 64)
            });
            fold_mul(sum ^ WIDE_A, WIDE_B)
        };
        for n in [1, 2, 5, 7, 40, 64] {
            let mut out = Vec::new();
            combine_windows_wide(&words, n, &mut out);
            let expected: Vec<u64> = words.windows(n.min(words.len())).map(general).collect();
            assert_eq!(out, expected, "n = {n}");
        }
        let mut swapped = words.clone();
        swapped.swap(0, 1);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        combine_windows_wide(&words[..5], 5, &mut a);
        combine_windows_wide(&swapped[..5], 5, &mut b);
        assert_ne!(a, b, "word order counts");
    }

    #[test]
    fn word_hashes_give_different_shingles() {
        let text = "alpha beta gamma delta epsilon zeta";
        let wide = words5().shingle(text);
        let bytewise = words5().with_word_hash(WordHash::Bytewise).shingle(text);
        assert_eq!(wide.words, bytewise.words);
        assert_eq!(wide.hashes.len(), bytewise.hashes.len());
        assert_ne!(wide.hashes, bytewise.hashes);
        assert_eq!(
            Shingler::new(ShingleKind::Words(5)).word_hash,
            WordHash::Wide
        );
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
