//! Sentence alignment: which sentence of A corresponds to which of B.
//!
//! Two passes. First an edit script over the sentence keys (patience diff: sentences equal after
//! normalisation anchor the alignment; see [`super::segment`]). Then, inside each stretch the
//! script marks as changed, a monotone pairing of A's sentences with B's that maximises the total
//! word similarity, counting only pairs at or above the rewrite threshold — those are the
//! *rewritten* sentences; the rest are only in A or only in B.
//!
//! The pairing is a dynamic programme over the stretch (`|A|·|B|` cells). A stretch larger than
//! [`MAX_PAIRING_CELLS`] is left unpaired, so two long unrelated texts stay cheap to compare; the
//! price is that a rewrite inside such a stretch shows as a deletion plus an insertion.

use super::segment::Sentence;
use super::words::sequence_similarity;
use similar::{Algorithm, DiffOp, capture_diff_slices};

/// Largest changed stretch (A sentences × B sentences) searched for rewritten pairs.
pub(crate) const MAX_PAIRING_CELLS: usize = 250_000;

/// One step of the alignment, in reading order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Step {
    /// A's sentence `.0` equals B's sentence `.1` after normalisation.
    Shared(usize, usize),
    /// A's sentence `.0` was rewritten as B's sentence `.1`.
    Rewritten(usize, usize),
    /// A's sentence has no counterpart in B.
    OnlyA(usize),
    /// B's sentence has no counterpart in A.
    OnlyB(usize),
}

/// Aligns the sentences of two texts. Every sentence index of `a` and of `b` occurs in exactly
/// one step; A indices and B indices each increase along the steps.
pub(crate) fn align(a: &[Sentence], b: &[Sentence], rewrite_threshold: f64) -> Vec<Step> {
    let ka: Vec<u64> = a.iter().map(|s| s.key).collect();
    let kb: Vec<u64> = b.iter().map(|s| s.key).collect();
    let mut steps = Vec::with_capacity(a.len().max(b.len()));
    for op in capture_diff_slices(Algorithm::Patience, &ka, &kb) {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => steps.extend((0..len).map(|k| Step::Shared(old_index + k, new_index + k))),
            DiffOp::Delete {
                old_index, old_len, ..
            } => steps.extend((old_index..old_index + old_len).map(Step::OnlyA)),
            DiffOp::Insert {
                new_index, new_len, ..
            } => steps.extend((new_index..new_index + new_len).map(Step::OnlyB)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => pair_stretch(
                &a[old_index..old_index + old_len],
                &b[new_index..new_index + new_len],
                old_index,
                new_index,
                rewrite_threshold,
                &mut steps,
            ),
        }
    }
    steps
}

/// Pairs the sentences of one changed stretch (see the module docs) and appends its steps.
fn pair_stretch(
    a: &[Sentence],
    b: &[Sentence],
    a0: usize,
    b0: usize,
    threshold: f64,
    steps: &mut Vec<Step>,
) {
    let (n, m) = (a.len(), b.len());
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    if n * m <= MAX_PAIRING_CELLS {
        // best[i][j]: best total similarity pairing a[..i] with b[..j].
        let width = m + 1;
        let mut best = vec![0.0f64; (n + 1) * width];
        let mut sim = vec![0.0f64; n * m];
        for i in 1..=n {
            for j in 1..=m {
                let s = sequence_similarity(&a[i - 1].words, &b[j - 1].words, threshold);
                sim[(i - 1) * m + (j - 1)] = s;
                let mut v = best[(i - 1) * width + j].max(best[i * width + j - 1]);
                if s >= threshold && s > 0.0 {
                    v = v.max(best[(i - 1) * width + j - 1] + s);
                }
                best[i * width + j] = v;
            }
        }
        let (mut i, mut j) = (n, m);
        while i > 0 && j > 0 {
            let here = best[i * width + j];
            if here == best[(i - 1) * width + j] {
                i -= 1;
            } else if here == best[i * width + j - 1] {
                j -= 1;
            } else {
                pairs.push((i - 1, j - 1));
                debug_assert!(sim[(i - 1) * m + (j - 1)] >= threshold);
                i -= 1;
                j -= 1;
            }
        }
        pairs.reverse();
    }
    let (mut ia, mut ib) = (0, 0);
    for (pa, pb) in pairs.into_iter().chain(std::iter::once((n, m))) {
        steps.extend((ia..pa).map(|k| Step::OnlyA(a0 + k)));
        steps.extend((ib..pb).map(|k| Step::OnlyB(b0 + k)));
        if pa < n {
            steps.push(Step::Rewritten(a0 + pa, b0 + pb));
        }
        ia = pa + 1;
        ib = pb + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::super::segment::Segmented;
    use super::*;
    use crate::normalize::Normalizer;

    fn steps(a: &str, b: &str) -> Vec<Step> {
        let n = Normalizer::new();
        let (sa, sb) = (Segmented::new(a, &n), Segmented::new(b, &n));
        align(&sa.sentences, &sb.sentences, 0.5)
    }

    #[test]
    fn equal_texts_are_all_shared() {
        let t = "One fish swam. Two fish swam. Three fish rested.";
        assert_eq!(
            steps(t, t),
            [Step::Shared(0, 0), Step::Shared(1, 1), Step::Shared(2, 2)]
        );
    }

    #[test]
    fn rewritten_sentences_pair_and_unrelated_ones_do_not() {
        let a = "The council met on Monday. It approved the library budget for next year. \
                 Rain fell.";
        let b = "The council met on Monday. It approved the new library budget for next year \
                 after a long debate. Snow is expected tomorrow in the hills.";
        assert_eq!(
            steps(a, b),
            [
                Step::Shared(0, 0),
                Step::Rewritten(1, 1),
                Step::OnlyA(2),
                Step::OnlyB(2)
            ]
        );
    }

    #[test]
    fn pairing_keeps_order_and_prefers_the_closest_match() {
        let a = "Alpha beta gamma delta epsilon. Zeta eta theta iota kappa.";
        let b = "Intro words here now. Alpha beta gamma delta omega. Zeta eta theta iota lambda.";
        assert_eq!(
            steps(a, b),
            [Step::OnlyB(0), Step::Rewritten(0, 1), Step::Rewritten(1, 2)]
        );
    }
}
