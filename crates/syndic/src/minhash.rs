//! MinHash signatures: a fixed-size sketch of a shingle set whose slots agree, slot by slot, with
//! probability equal to the Jaccard similarity of the two sets.
//!
//! The central type is [`MinHasher`]. It uses *one-permutation hashing with optimal
//! densification* (Li, Owen & Zhang 2012; Shrivastava 2017) rather than `num_perm` independent
//! hash functions: each shingle hash is mixed once with the seed, its top bits choose one of
//! `num_perm` bins and the bin keeps its minimum. Empty bins (texts with fewer shingles than
//! bins) borrow the value of a non-empty bin chosen by a seeded hash of (bin, attempt), which keeps
//! the collision probability equal to the Jaccard similarity. Cost: one mix per shingle plus
//! `num_perm` slots, instead of `num_perm` mixes per shingle — the reason signing is cheap.
//!
//! Signatures are deterministic for a given seed and independent of shingle order. Slots hold
//! 32 bits: two different shingles agree on a slot by accident with probability 2⁻³², far below
//! what the banding tolerates.

/// A MinHash signature: `num_perm` 32-bit slots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature(pub Vec<u32>);

impl Signature {
    /// The fraction of slots on which two signatures agree: an unbiased estimate of Jaccard.
    pub fn estimate_jaccard(&self, other: &Signature) -> f64 {
        if self.0.is_empty() || self.0.len() != other.0.len() {
            return 0.0;
        }
        let same = self.0.iter().zip(&other.0).filter(|(a, b)| a == b).count();
        same as f64 / self.0.len() as f64
    }

    /// The signature's [`Fingerprint`].
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint(
            self.0
                .chunks(8)
                .map(|slots| {
                    slots
                        .iter()
                        .enumerate()
                        .fold(0u64, |word, (i, &v)| word | (u64::from(v as u8) << (8 * i)))
                })
                .collect(),
        )
    }
}

/// The low 8 bits of every slot of a [`Signature`], packed eight to a word: a quarter of its
/// memory, enough to estimate Jaccard before paying for exact verification.
///
/// Two slots that hold the same value agree on their low byte; two different values agree by
/// accident with probability 1/256, so the fraction `m` of agreeing bytes estimates Jaccard as
/// `(m − 1/256) / (1 − 1/256)` (b-bit MinHash, Li & König 2010). Comparing two 128-slot
/// fingerprints is sixteen word operations — the cheap filter that keeps documents sharing
/// only a footer from costing an exact verification each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fingerprint(pub Vec<u64>);

impl Fingerprint {
    /// Words per fingerprint of a `num_perm`-slot signature.
    pub fn words(num_perm: usize) -> usize {
        num_perm.div_ceil(8)
    }

    /// Estimated Jaccard similarity of two fingerprints of `num_perm`-slot signatures
    /// (`a` and `b` as packed words; 0 when their lengths differ).
    pub fn estimate(a: &[u64], b: &[u64], num_perm: usize) -> f64 {
        if a.len() != b.len() || a.len() != Fingerprint::words(num_perm) || num_perm == 0 {
            return 0.0;
        }
        const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        // Bytes of `a ^ b` that are zero: adding 0x7F to the low 7 bits sets bit 7 exactly when
        // they are non-zero, without carrying into the next byte.
        let differing: u32 = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| {
                let d = x ^ y;
                (((d & LOW7) + LOW7) | d) & HIGH
            })
            .map(u64::count_ones)
            .sum();
        // Padding bytes of the last word are zero in both, so they never differ.
        let m = (num_perm - differing as usize) as f64 / num_perm as f64;
        ((m - 1.0 / 256.0) / (1.0 - 1.0 / 256.0)).max(0.0)
    }
}

/// Every indexed document's [`Fingerprint`], by document number, side by side in one array —
/// what both version indexes (batch and live) rank candidates by.
#[derive(Debug)]
pub(crate) struct Fingerprints {
    /// `per_doc` words per document; zeros where the fingerprint is unknown.
    words: Vec<u64>,
    /// Whether each document's fingerprint is known (not for documents that are not indexed,
    /// nor for those of a format-1 store).
    known: Vec<bool>,
    per_doc: usize,
}

impl Fingerprints {
    /// An empty table for fingerprints of `num_perm`-slot signatures.
    pub(crate) fn new(num_perm: usize) -> Self {
        Fingerprints {
            words: Vec::new(),
            known: Vec::new(),
            per_doc: Fingerprint::words(num_perm),
        }
    }

    /// Words per fingerprint.
    pub(crate) fn per_doc(&self) -> usize {
        self.per_doc
    }

    /// Appends the next document's fingerprint: `print` when it has the right length, else
    /// an unknown one.
    pub(crate) fn push(&mut self, print: Option<&[u64]>) {
        match print.filter(|p| p.len() == self.per_doc) {
            Some(p) => {
                self.words.extend_from_slice(p);
                self.known.push(true);
            }
            None => {
                self.words.resize(self.words.len() + self.per_doc, 0);
                self.known.push(false);
            }
        }
    }

    /// Document `doc`'s fingerprint, if known.
    pub(crate) fn get(&self, doc: u32) -> Option<&[u64]> {
        let doc = doc as usize;
        let at = doc * self.per_doc;
        self.known
            .get(doc)
            .copied()
            .unwrap_or(false)
            .then(|| &self.words[at..at + self.per_doc])
    }

    /// Makes room for `additional` more documents.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.words.reserve(additional.saturating_mul(self.per_doc));
        self.known.reserve(additional);
    }

    /// Reads every cache line of the fingerprints of `docs` (those in the table). Ranking
    /// candidates reads each one's fingerprint, a cache miss apiece into an array of 128 bytes
    /// per document: touched first, in a loop of independent loads, the misses overlap instead
    /// of coming one after the other in the ranking loop.
    pub(crate) fn touch(&self, docs: impl Iterator<Item = u32>) {
        let mut touched = 0u64;
        for doc in docs {
            let at = doc as usize * self.per_doc;
            for line in (at..at + self.per_doc).step_by(8) {
                touched ^= self.words.get(line).copied().unwrap_or(0);
            }
        }
        std::hint::black_box(touched);
    }
}

/// Computes MinHash signatures by one-permutation hashing with optimal densification.
#[derive(Clone, Copy, Debug)]
pub struct MinHasher {
    num_perm: usize,
    seed: u64,
    /// Whether shingle hashes come mixed already (see [`MinHasher::premixed`]).
    premixed: bool,
}

const EMPTY: u64 = u64::MAX;

impl MinHasher {
    /// A hasher with `num_perm` slots (default in syndic: 128) and the given seed.
    ///
    /// # Panics
    /// Panics if `num_perm` is 0.
    pub fn new(num_perm: usize, seed: u64) -> Self {
        assert!(num_perm > 0, "num_perm must be at least 1");
        MinHasher {
            num_perm,
            seed,
            premixed: false,
        }
    }

    /// The same hasher for shingle hashes that are mixed already, as the wide scheme's are
    /// ([`crate::shingle::WordHash::Wide`]: each one a folded 128-bit product): a shingle
    /// hash is then only xored with the seed, not mixed again, which takes a third of signing's
    /// time off (1.6 -> 1.1 µs for a news text). Changes every signature, so it is part of
    /// the scheme a store keeps.
    #[must_use]
    pub fn premixed(mut self, premixed: bool) -> Self {
        self.premixed = premixed;
        self
    }

    /// Number of slots in each signature.
    pub fn num_perm(&self) -> usize {
        self.num_perm
    }

    /// The signature of a shingle set (any order; repeats are harmless). An empty set gives a
    /// signature of all `u32::MAX`.
    pub fn sign(&self, shingles: &[u64]) -> Signature {
        let k = self.num_perm;
        let mut bins = vec![EMPTY; k];
        for &s in shingles {
            let h = if self.premixed {
                s ^ self.seed
            } else {
                mix(s ^ self.seed)
            };
            // Top bits pick the bin (fast range reduction), the rest is the value.
            let bin = ((u128::from(h) * k as u128) >> 64) as usize;
            let value = h & 0xFFFF_FFFF;
            // Unconditional: whether a value is its bin's new minimum is a coin toss early on,
            // and a mispredicted branch per shingle cost more than the store.
            let slot = &mut bins[bin];
            *slot = (*slot).min(value);
        }
        if shingles.is_empty() {
            return Signature(vec![u32::MAX; k]);
        }
        let filled: Vec<u64> = bins.clone();
        for (i, slot) in bins.iter_mut().enumerate() {
            if *slot != EMPTY {
                continue;
            }
            // Optimal densification: probe bins by a seeded hash of (bin, attempt) until a
            // non-empty one is found. Terminates because at least one bin is non-empty.
            let mut attempt: u64 = 0;
            loop {
                let probe = mix(self.seed ^ ((i as u64) << 32) ^ attempt.wrapping_add(1));
                let j = ((u128::from(probe) * k as u128) >> 64) as usize;
                if filled[j] != EMPTY {
                    *slot = filled[j];
                    break;
                }
                attempt += 1;
            }
        }
        // Every slot is now a 32-bit value (see `value` above), so the cast keeps it whole.
        Signature(bins.into_iter().map(|v| v as u32).collect())
    }
}

/// A 64-bit mixing function (splitmix64's finaliser).
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(range: std::ops::Range<u64>) -> Vec<u64> {
        range.map(|x| mix(x * 7919)).collect()
    }

    #[test]
    fn identical_sets_have_identical_signatures() {
        let h = MinHasher::new(128, 1);
        assert_eq!(h.sign(&set(0..500)), h.sign(&set(0..500)));
    }

    #[test]
    fn estimate_tracks_jaccard() {
        // Mixed or not (the test's shingle hashes are mixed already), the estimate is unbiased.
        for premixed in [false, true] {
            let h = MinHasher::new(256, 42).premixed(premixed);
            // |A ∩ B| = 500, |A ∪ B| = 1000 → J = 0.5.
            let a = h.sign(&set(0..750));
            let b = h.sign(&set(250..1000));
            let est = a.estimate_jaccard(&b);
            assert!((est - 0.5).abs() < 0.1, "estimate {est}");
            let c = h.sign(&set(5000..5750));
            assert!(a.estimate_jaccard(&c) < 0.05);
        }
        // Over many pairs at J = 0.4, the mean estimate is within a hundredth of it.
        let h = MinHasher::new(128, 3).premixed(true);
        let mean = (0..200u64)
            .map(|p| {
                let base = p * 10_000;
                // |A ∩ B| = 400, |A ∪ B| = 1000.
                let a = h.sign(&set(base..base + 700));
                let b = h.sign(&set(base + 300..base + 1000));
                a.estimate_jaccard(&b)
            })
            .sum::<f64>()
            / 200.0;
        assert!((mean - 0.4).abs() < 0.01, "mean estimate {mean}");
        assert_ne!(
            MinHasher::new(128, 3).sign(&set(0..100)),
            h.sign(&set(0..100))
        );
    }

    #[test]
    fn fingerprint_estimate_tracks_jaccard() {
        let h = MinHasher::new(128, 7);
        let a = h.sign(&set(0..600));
        for (range, jaccard) in [
            (0..600, 1.0),
            (200..800, 0.5),
            (400..1000, 0.2),
            (600..1200, 0.0),
        ] {
            let b = h.sign(&set(range));
            let est = Fingerprint::estimate(&a.fingerprint().0, &b.fingerprint().0, 128);
            assert!((est - jaccard).abs() < 0.13, "J {jaccard}: estimate {est}");
            // The fingerprint agrees with the full signature up to accidental byte matches.
            assert!(
                est + 1e-9 >= a.estimate_jaccard(&b) - 0.01,
                "J {jaccard}: estimate {est}"
            );
        }
        // Slot counts that are not a multiple of 8 leave padding that never counts.
        let h = MinHasher::new(13, 7);
        let (a, b) = (h.sign(&set(0..300)), h.sign(&set(0..300)));
        assert_eq!(a.fingerprint().0.len(), 2);
        assert_eq!(
            Fingerprint::estimate(&a.fingerprint().0, &b.fingerprint().0, 13),
            1.0
        );
        assert_eq!(Fingerprint::estimate(&a.fingerprint().0, &[], 13), 0.0);
    }

    /// Fingerprints read back by document number; a missing or mis-sized one is unknown.
    #[test]
    fn fingerprints_are_kept_by_document() {
        let mut prints = Fingerprints::new(16);
        assert_eq!(prints.per_doc(), 2);
        prints.reserve(4);
        prints.push(Some(&[1, 2]));
        prints.push(None);
        prints.push(Some(&[3, 4, 5]));
        prints.push(Some(&[6, 7]));
        prints.touch([0, 1, 3, 9].into_iter());
        assert_eq!(prints.get(0), Some(&[1, 2][..]));
        assert_eq!(prints.get(1), None);
        assert_eq!(prints.get(2), None);
        assert_eq!(prints.get(3), Some(&[6, 7][..]));
        assert_eq!(prints.get(4), None);
    }

    #[test]
    fn small_sets_are_densified() {
        let h = MinHasher::new(128, 3);
        let sig = h.sign(&set(0..5));
        assert!(sig.0.iter().all(|&v| v != u32::MAX));
        assert_eq!(h.sign(&[]).0, vec![u32::MAX; 128]);
    }

    #[test]
    fn seed_matters() {
        let s = set(0..100);
        assert_ne!(
            MinHasher::new(64, 1).sign(&s),
            MinHasher::new(64, 2).sign(&s)
        );
    }

    proptest! {
        #[test]
        fn signature_ignores_shingle_order(mut v in proptest::collection::vec(any::<u64>(), 1..200), seed in any::<u64>()) {
            let h = MinHasher::new(64, seed);
            let before = h.sign(&v);
            v.reverse();
            prop_assert_eq!(before, h.sign(&v));
        }
    }
}
