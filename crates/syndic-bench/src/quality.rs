//! Quality of a predicted grouping against the true one: pair precision, pair recall and the
//! adjusted Rand index (ARI), plus recall bucketed by the true similarity of each pair.
//!
//! The central function is [`pair_scores`]. Both groupings are given as one cluster number per
//! document. A *pair* is two documents in the same cluster; precision is the share of predicted
//! pairs that are true pairs, recall the share of true pairs that were predicted. They are
//! computed from the contingency table (cluster sizes), never by listing pairs, so a corpus of a
//! million documents costs one hash map, and a run that glues everything into one cluster is
//! scored in the same time as a good one. ARI (Hubert & Arabie 1985) is the Rand index corrected
//! for chance: 1 for identical groupings, about 0 for a random one.

use crate::truth::PairTruth;
use serde::Serialize;
use std::collections::HashMap;

/// Pair counts and the scores derived from them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PairScores {
    /// Documents scored.
    pub docs: u64,
    /// Pairs in the same true family.
    pub true_pairs: u64,
    /// Pairs in the same predicted family.
    pub predicted_pairs: u64,
    /// Pairs in the same family in both.
    pub correct_pairs: u64,
    /// `correct / predicted` (1 when nothing was predicted).
    pub precision: f64,
    /// `correct / true` (1 when there is nothing to find).
    pub recall: f64,
    /// Adjusted Rand index.
    pub ari: f64,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Scores `predicted` against `truth` (one cluster number per document, same order).
///
/// # Panics
/// Panics if the two slices differ in length.
pub fn pair_scores(truth: &[u32], predicted: &[u32]) -> PairScores {
    assert_eq!(truth.len(), predicted.len(), "one label per document");
    let mut cells: HashMap<(u32, u32), u64> = HashMap::new();
    let mut true_sizes: HashMap<u32, u64> = HashMap::new();
    let mut pred_sizes: HashMap<u32, u64> = HashMap::new();
    for (&t, &p) in truth.iter().zip(predicted) {
        *cells.entry((t, p)).or_default() += 1;
        *true_sizes.entry(t).or_default() += 1;
        *pred_sizes.entry(p).or_default() += 1;
    }
    let correct: u64 = cells.values().map(|&n| pairs(n)).sum();
    let true_pairs: u64 = true_sizes.values().map(|&n| pairs(n)).sum();
    let predicted_pairs: u64 = pred_sizes.values().map(|&n| pairs(n)).sum();
    let all = pairs(truth.len() as u64) as f64;
    let (c, a, b) = (correct as f64, true_pairs as f64, predicted_pairs as f64);
    let expected = if all > 0.0 { a * b / all } else { 0.0 };
    let max = (a + b) / 2.0;
    let ari = if (max - expected).abs() < f64::EPSILON {
        1.0
    } else {
        (c - expected) / (max - expected)
    };
    PairScores {
        docs: truth.len() as u64,
        true_pairs,
        predicted_pairs,
        correct_pairs: correct,
        precision: if predicted_pairs == 0 { 1.0 } else { c / b },
        recall: if true_pairs == 0 { 1.0 } else { c / a },
        ari,
    }
}

/// Recall of true pairs grouped by their exact word-5-gram Jaccard.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BucketRecall {
    /// In-scope buckets (containment ≥ [`SCOPE_CONTAINMENT`]), by Jaccard.
    pub buckets: Vec<Bucket>,
    /// True pairs outside the target scope (Jaccard < 0.4 or containment < 0.7): versions of
    /// versions that drifted apart, found only through their family.
    pub out_of_scope: Bucket,
}

/// One bucket of [`BucketRecall`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bucket {
    /// Printable range.
    pub label: &'static str,
    /// Pairs found (same predicted family).
    pub found: u64,
    /// Pairs in the bucket.
    pub total: u64,
}

impl Bucket {
    fn new(label: &'static str) -> Self {
        Bucket {
            label,
            found: 0,
            total: 0,
        }
    }

    /// `found / total` (1 for an empty bucket).
    pub fn recall(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.found as f64 / self.total as f64
        }
    }
}

/// Least containment of a pair in the target scope of the issue.
pub const SCOPE_CONTAINMENT: f64 = 0.7;

/// Bucket bounds (Jaccard): [0.4, 0.5), [0.5, 0.7), [0.7, 1.0].
const BOUNDS: [(f64, f64, &str); 3] = [
    (0.4, 0.5, "[0.4,0.5)"),
    (0.5, 0.7, "[0.5,0.7)"),
    (0.7, f64::INFINITY, "[0.7,1.0]"),
];

impl Default for BucketRecall {
    fn default() -> Self {
        BucketRecall {
            buckets: BOUNDS.iter().map(|&(_, _, l)| Bucket::new(l)).collect(),
            out_of_scope: Bucket::new("out of scope"),
        }
    }
}

impl BucketRecall {
    /// Counts one true pair with its exact overlap; `found` when predicted together.
    pub fn add(&mut self, truth: PairTruth, found: bool) {
        let bucket = if truth.containment + 1e-12 >= SCOPE_CONTAINMENT {
            BOUNDS
                .iter()
                .position(|&(lo, hi, _)| truth.jaccard + 1e-12 >= lo && truth.jaccard < hi)
                .map(|i| &mut self.buckets[i])
        } else {
            None
        };
        let bucket = bucket.unwrap_or(&mut self.out_of_scope);
        bucket.total += 1;
        bucket.found += u64::from(found);
    }

    /// Recall over every in-scope pair.
    pub fn in_scope(&self) -> Bucket {
        let mut all = Bucket::new("in scope");
        for b in &self.buckets {
            all.found += b.found;
            all.total += b.total;
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checked_partition() {
        // Truth {0,1,2} {3,4} {5}; predicted {0,1} {2,3,4} {5}.
        // Contingency cells 2,1,2,1 → correct pairs 1+0+1+0 = 2; true pairs 3+1 = 4;
        // predicted pairs 1+3 = 4; all pairs C(6,2) = 15; expected 4·4/15 = 16/15;
        // ARI = (2 − 16/15) / (4 − 16/15) = 14/44 = 7/22.
        let s = pair_scores(&[0, 0, 0, 1, 1, 2], &[7, 7, 8, 8, 8, 9]);
        assert_eq!(
            (s.correct_pairs, s.true_pairs, s.predicted_pairs),
            (2, 4, 4)
        );
        assert!((s.precision - 0.5).abs() < 1e-12);
        assert!((s.recall - 0.5).abs() < 1e-12);
        assert!((s.ari - 7.0 / 22.0).abs() < 1e-12, "{}", s.ari);
    }

    #[test]
    fn identical_and_glued_groupings() {
        let truth = [0, 0, 1, 1, 2, 3];
        let same = pair_scores(&truth, &[5, 5, 6, 6, 7, 8]);
        assert_eq!((same.precision, same.recall, same.ari), (1.0, 1.0, 1.0));
        // Everything glued into one family: full recall, poor precision, ARI 0.
        let glued = pair_scores(&truth, &[0; 6]);
        assert_eq!(glued.recall, 1.0);
        assert!((glued.precision - 2.0 / 15.0).abs() < 1e-12);
        assert!(glued.ari.abs() < 1e-12);
        // Nothing grouped: precision 1 by convention, recall 0, ARI 0.
        let apart = pair_scores(&truth, &[0, 1, 2, 3, 4, 5]);
        assert_eq!((apart.precision, apart.recall), (1.0, 0.0));
        assert!(apart.ari.abs() < 1e-12);
    }

    #[test]
    fn buckets_split_by_jaccard_and_scope() {
        let mut b = BucketRecall::default();
        let pt = |jaccard, containment| PairTruth {
            jaccard,
            containment,
        };
        b.add(pt(0.45, 0.9), true);
        b.add(pt(0.4, 0.7), false);
        b.add(pt(0.6, 0.8), true);
        b.add(pt(1.0, 1.0), true);
        b.add(pt(0.3, 0.9), true);
        b.add(pt(0.8, 0.6), false);
        let totals: Vec<(u64, u64)> = b.buckets.iter().map(|x| (x.found, x.total)).collect();
        assert_eq!(totals, vec![(1, 2), (1, 1), (1, 1)]);
        assert_eq!((b.out_of_scope.found, b.out_of_scope.total), (1, 2));
        assert_eq!(b.in_scope().total, 4);
        assert!((b.in_scope().recall() - 0.75).abs() < 1e-12);
    }
}
