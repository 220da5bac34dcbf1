//! Verification: is a candidate pair really two versions of one text?
//!
//! LSH only proposes; the verdict is taken on the real shingle sets. The central type is
//! [`Overlap`] — the exact counts of two sorted shingle sets — from which both measures follow:
//!
//! * **Jaccard** `|A∩B| / |A∪B|`: symmetric; low when one text is much longer.
//! * **Containment** `|A∩B| / min(|A|,|B|)`: the share of the *shorter* text found in the
//!   longer one. A syndicated copy that dropped the last paragraphs, or an edition that added a
//!   caption, a dateline and a footer, keeps a high containment while its Jaccard falls.
//!
//! [`VersionRule`] accepts a pair when *both* hold: containment ≥ `containment` (default 0.7)
//! and Jaccard ≥ `jaccard` (default 0.35). Requiring containment is what keeps texts that merely
//! share stock phrases apart ("contributed to this report", a standard disclaimer): their shared
//! shingles are a small part of either text. Requiring a Jaccard floor keeps a short text
//! that is quoted whole inside a much longer, different article from counting as its version.

/// Exact overlap of two shingle sets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Overlap {
    /// Shingles in both sets.
    pub shared: usize,
    /// Size of the first set.
    pub len_a: usize,
    /// Size of the second set.
    pub len_b: usize,
}

impl Overlap {
    /// The bits of a shingle hash [`Overlap::of`] compares: its top 32.
    pub const KEY_BITS: u32 = 32;
    /// The low bits it ignores.
    const DROPPED_BITS: u32 = 64 - Overlap::KEY_BITS;

    /// Counts the overlap of two sorted, deduplicated shingle sets in one merge pass.
    ///
    /// Shingle hashes are compared on their top 32 bits ([`Overlap::KEY_BITS`]), all a batch
    /// index keeps of a set it has spilled to disk: half the bytes written and read back.
    /// Two different shingles of two texts of `m` and `n` shingles agree on those bits with
    /// probability about `m·n / 2³²` — 10⁻⁴ for two news-length texts of 600 shingles, one
    /// shingle miscounted in ten thousand pairs, far below what moves a verdict. Every caller
    /// (batch, live, diff) counts the same way, so their answers agree.
    ///
    /// The merge is branch-free: which side advances is computed, not branched on, since with
    /// random hashes either outcome is equally likely and a mispredicted branch per step would
    /// cost more than the comparison.
    pub fn of(a: &[u64], b: &[u64]) -> Overlap {
        let (mut i, mut j, mut shared) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            let (x, y) = (a[i] >> Overlap::DROPPED_BITS, b[j] >> Overlap::DROPPED_BITS);
            shared += usize::from(x == y);
            i += usize::from(x <= y);
            j += usize::from(y <= x);
        }
        Overlap {
            shared,
            len_a: a.len(),
            len_b: b.len(),
        }
    }

    /// Jaccard similarity, `|A∩B| / |A∪B|` (0 for two empty sets).
    pub fn jaccard(&self) -> f64 {
        let union = self.len_a + self.len_b - self.shared;
        if union == 0 {
            0.0
        } else {
            self.shared as f64 / union as f64
        }
    }

    /// Containment of the shorter set in the longer, `|A∩B| / min(|A|,|B|)`.
    pub fn containment(&self) -> f64 {
        let min = self.len_a.min(self.len_b);
        if min == 0 {
            0.0
        } else {
            self.shared as f64 / min as f64
        }
    }
}

/// The rule that calls a pair versions. See the module docs for why both measures are used.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VersionRule {
    /// Lowest Jaccard similarity of a version pair (default 0.35).
    pub jaccard: f64,
    /// Lowest containment of the shorter text in the longer (default 0.7).
    pub containment: f64,
}

impl Default for VersionRule {
    fn default() -> Self {
        VersionRule {
            jaccard: 0.35,
            containment: 0.7,
        }
    }
}

impl VersionRule {
    /// True when the overlap makes the pair versions of one text.
    pub fn accepts(&self, o: &Overlap) -> bool {
        o.shared > 0 && o.jaccard() >= self.jaccard && o.containment() >= self.containment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashes whose top 32 bits are `v`, with some low bits set.
    fn keyed(v: &[u64]) -> Vec<u64> {
        v.iter().map(|&k| k << 32 | (k * 7919) & 0xFFFF).collect()
    }

    #[test]
    fn overlap_counts_exactly() {
        let o = Overlap::of(&keyed(&[1, 2, 3, 4]), &keyed(&[3, 4, 5, 6, 7, 8]));
        assert_eq!(o.shared, 2);
        assert!((o.jaccard() - 0.25).abs() < 1e-12);
        assert!((o.containment() - 0.5).abs() < 1e-12);
        assert_eq!(Overlap::of(&[], &[]).jaccard(), 0.0);
    }

    /// Hashes are compared on their top 32 bits only (what a spilled set keeps).
    #[test]
    fn low_bits_are_ignored() {
        let o = Overlap::of(&[1 << 32, 2 << 32], &[(1 << 32) | 5, (3 << 32) | 1]);
        assert_eq!((o.shared, o.len_a, o.len_b), (1, 2, 2));
    }

    proptest::proptest! {
        /// The merge counts what a set intersection counts.
        #[test]
        fn overlap_equals_set_intersection(
            a in proptest::collection::btree_set(0u64..200, 0..80),
            b in proptest::collection::btree_set(0u64..200, 0..80),
        ) {
            let (va, vb) = (keyed(&a.iter().copied().collect::<Vec<_>>()), keyed(&b.iter().copied().collect::<Vec<_>>()));
            let o = Overlap::of(&va, &vb);
            proptest::prop_assert_eq!(o.shared, a.intersection(&b).count());
            proptest::prop_assert_eq!((o.len_a, o.len_b), (a.len(), b.len()));
        }

        /// Dense sets (most keys shared) count alike, either way round.
        #[test]
        fn dense_overlap_equals_set_intersection(
            a in proptest::collection::btree_set(0u64..48, 0..48),
            b in proptest::collection::btree_set(0u64..48, 0..48),
        ) {
            let (va, vb) = (keyed(&a.iter().copied().collect::<Vec<_>>()), keyed(&b.iter().copied().collect::<Vec<_>>()));
            let expected = a.intersection(&b).count();
            proptest::prop_assert_eq!(Overlap::of(&va, &vb).shared, expected);
            proptest::prop_assert_eq!(Overlap::of(&vb, &va).shared, expected);
        }
    }

    #[test]
    fn rule_table() {
        let rule = VersionRule::default();
        // (name, shared, len_a, len_b, expected)
        let rows = [
            ("identical", 100, 100, 100, true),
            ("caption and footer added", 100, 100, 140, true),
            ("rewritten paragraph, J=0.45, C=0.75", 75, 100, 142, true),
            ("syndicated copy trimmed to 40%", 40, 40, 100, true),
            ("stock phrases only", 8, 100, 110, false),
            ("short text quoted in long article", 30, 30, 300, false),
            ("half rewritten", 50, 100, 100, false),
        ];
        for (name, shared, len_a, len_b, expected) in rows {
            let o = Overlap {
                shared,
                len_a,
                len_b,
            };
            assert_eq!(rule.accepts(&o), expected, "{name}: {o:?}");
        }
    }
}
