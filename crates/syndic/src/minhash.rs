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
}

/// Computes MinHash signatures by one-permutation hashing with optimal densification.
#[derive(Clone, Copy, Debug)]
pub struct MinHasher {
    num_perm: usize,
    seed: u64,
}

const EMPTY: u64 = u64::MAX;

impl MinHasher {
    /// A hasher with `num_perm` slots (default in syndic: 128) and the given seed.
    ///
    /// # Panics
    /// Panics if `num_perm` is 0.
    pub fn new(num_perm: usize, seed: u64) -> Self {
        assert!(num_perm > 0, "num_perm must be at least 1");
        MinHasher { num_perm, seed }
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
            let h = mix(s ^ self.seed);
            // Top bits pick the bin (fast range reduction), the rest is the value.
            let bin = ((u128::from(h) * k as u128) >> 64) as usize;
            let value = h & 0xFFFF_FFFF;
            if value < bins[bin] {
                bins[bin] = value;
            }
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
        let h = MinHasher::new(256, 42);
        // |A ∩ B| = 500, |A ∪ B| = 1000 → J = 0.5.
        let a = h.sign(&set(0..750));
        let b = h.sign(&set(250..1000));
        let est = a.estimate_jaccard(&b);
        assert!((est - 0.5).abs() < 0.1, "estimate {est}");
        let c = h.sign(&set(5000..5750));
        assert!(a.estimate_jaccard(&c) < 0.05);
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
