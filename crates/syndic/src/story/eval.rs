//! Scoring a story grouping against gold labels: B-cubed precision, recall and F1, pairwise
//! precision, recall and F1, and the adjusted Rand index.
//!
//! The central type is [`Evaluation`], built by [`Evaluation::of`] from two labellings of the
//! same documents. All figures come from the contingency table (predicted cluster × gold
//! cluster → documents in both), so the cost is linear in the documents.
//!
//! - **B-cubed** (Bagga & Baldwin 1998): per document, the share of its predicted cluster that
//!   is in its gold cluster (precision) and the share of its gold cluster that is in its
//!   predicted cluster (recall), averaged over documents. It weighs every document equally, so
//!   one big wrong merge costs what it should.
//! - **Pairwise**: over all pairs of documents, "same cluster" predicted vs gold.
//! - **ARI** (Hubert & Arabie 1985): pair agreement corrected for chance: 0 for a random
//!   grouping, 1 for a perfect one.

use serde::Serialize;
use std::collections::HashMap;
use std::hash::Hash;

/// How a predicted grouping compares with the gold one. See the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// Documents compared.
    pub documents: usize,
    /// Clusters in the gold labelling.
    pub gold_clusters: usize,
    /// Clusters in the predicted labelling.
    pub predicted_clusters: usize,
    /// B-cubed precision.
    pub bcubed_precision: f64,
    /// B-cubed recall.
    pub bcubed_recall: f64,
    /// B-cubed F1 (harmonic mean of the two).
    pub bcubed_f1: f64,
    /// Share of predicted same-cluster pairs that are gold same-cluster pairs (1 when none).
    pub pairwise_precision: f64,
    /// Share of gold same-cluster pairs that are predicted (1 when none).
    pub pairwise_recall: f64,
    /// Pairwise F1.
    pub pairwise_f1: f64,
    /// Adjusted Rand index.
    pub ari: f64,
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

fn pairs(n: u64) -> f64 {
    (n * n.saturating_sub(1)) as f64 / 2.0
}

/// Numbers each distinct label in order of first appearance.
fn number<L: Eq + Hash>(labels: &[L]) -> (Vec<usize>, usize) {
    let mut ids: HashMap<&L, usize> = HashMap::new();
    let numbered = labels
        .iter()
        .map(|l| {
            let next = ids.len();
            *ids.entry(l).or_insert(next)
        })
        .collect();
    (numbered, ids.len())
}

impl Evaluation {
    /// Compares `predicted` with `gold`: element `i` of each labels document `i`.
    ///
    /// # Panics
    /// Panics if the two slices differ in length.
    pub fn of<P: Eq + Hash, G: Eq + Hash>(predicted: &[P], gold: &[G]) -> Evaluation {
        assert_eq!(
            predicted.len(),
            gold.len(),
            "one label per document on each side"
        );
        let n = predicted.len();
        let (pred, pred_count) = number(predicted);
        let (gold, gold_count) = number(gold);
        let mut pred_size = vec![0u64; pred_count];
        let mut gold_size = vec![0u64; gold_count];
        let mut table: HashMap<(usize, usize), u64> = HashMap::new();
        for (&p, &g) in pred.iter().zip(&gold) {
            pred_size[p] += 1;
            gold_size[g] += 1;
            *table.entry((p, g)).or_default() += 1;
        }
        // Sum in a fixed order so the figures are bit-for-bit reproducible.
        let mut cells: Vec<((usize, usize), u64)> = table.into_iter().collect();
        cells.sort_unstable();
        let (mut bp, mut br, mut both) = (0.0, 0.0, 0.0);
        for &((p, g), c) in &cells {
            let c2 = (c * c) as f64;
            bp += c2 / pred_size[p] as f64;
            br += c2 / gold_size[g] as f64;
            both += pairs(c);
        }
        let (bcubed_precision, bcubed_recall) = if n == 0 {
            (1.0, 1.0)
        } else {
            (bp / n as f64, br / n as f64)
        };
        let pred_pairs: f64 = pred_size.iter().map(|&s| pairs(s)).sum();
        let gold_pairs: f64 = gold_size.iter().map(|&s| pairs(s)).sum();
        let pairwise_precision = if pred_pairs == 0.0 {
            1.0
        } else {
            both / pred_pairs
        };
        let pairwise_recall = if gold_pairs == 0.0 {
            1.0
        } else {
            both / gold_pairs
        };
        let all = pairs(n as u64);
        let expected = if all == 0.0 {
            0.0
        } else {
            pred_pairs * gold_pairs / all
        };
        let max = (pred_pairs + gold_pairs) / 2.0;
        let ari = if (max - expected).abs() < 1e-12 {
            1.0
        } else {
            (both - expected) / (max - expected)
        };
        Evaluation {
            documents: n,
            gold_clusters: gold_count,
            predicted_clusters: pred_count,
            bcubed_precision,
            bcubed_recall,
            bcubed_f1: f1(bcubed_precision, bcubed_recall),
            pairwise_precision,
            pairwise_recall,
            pairwise_f1: f1(pairwise_precision, pairwise_recall),
            ari,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn a_perfect_grouping_scores_one_whatever_the_names() {
        let e = Evaluation::of(&["x", "x", "y", "z"], &[1, 1, 2, 3]);
        assert!(close(e.bcubed_f1, 1.0) && close(e.pairwise_f1, 1.0) && close(e.ari, 1.0));
        assert_eq!(
            (e.gold_clusters, e.predicted_clusters, e.documents),
            (3, 3, 4)
        );
    }

    #[test]
    fn known_figures_for_a_merge() {
        // Gold {a,b} {c,d}; predicted all in one.
        let e = Evaluation::of(&[0, 0, 0, 0], &[1, 1, 2, 2]);
        assert!(close(e.bcubed_precision, 0.5));
        assert!(close(e.bcubed_recall, 1.0));
        assert!(close(e.bcubed_f1, 2.0 / 3.0));
        assert!(close(e.pairwise_precision, 2.0 / 6.0));
        assert!(close(e.pairwise_recall, 1.0));
        assert!(close(e.ari, 0.0));
    }

    #[test]
    fn known_figures_for_singletons() {
        // Gold {a,b,c}; predicted all apart.
        let e = Evaluation::of(&[1, 2, 3], &[0, 0, 0]);
        assert!(close(e.bcubed_precision, 1.0));
        assert!(close(e.bcubed_recall, 1.0 / 3.0));
        assert!(close(e.pairwise_precision, 1.0) && close(e.pairwise_recall, 0.0));
        assert!(close(e.pairwise_f1, 0.0));
    }

    #[test]
    fn ari_of_a_textbook_case() {
        // sklearn: adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285715
        let e = Evaluation::of(&[0, 0, 1, 2], &[0, 0, 1, 1]);
        assert!(close(e.ari, 0.571_428_571_428_571_5), "{}", e.ari);
    }
}
