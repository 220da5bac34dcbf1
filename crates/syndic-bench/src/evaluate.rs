//! Scoring a run: a labelled corpus and a predictions file in, a quality [`Report`] out.
//!
//! The central function is [`evaluate_files`] (and [`evaluate_docs`] for a corpus held in
//! memory). Predictions are JSON Lines with at least `id` and `version` (the predicted family
//! id) — what `syndic dedup` writes, and what the Python peers write too, so every tool is
//! scored by this one piece of code.
//!
//! Two streaming passes over the corpus keep memory flat at any size: the first reads only the
//! labels (for [`crate::quality::pair_scores`]); the second shingles the members of true
//! families and measures every true pair exactly ([`crate::truth`]), to bucket recall by
//! Jaccard. A family's shingle sets are held only until its last member has been read, and
//! families never span more than one block of the generator, so that is a few thousand sets.

use crate::corpus::{Kind, LabelledDoc};
use crate::quality::{BucketRecall, PairScores, pair_scores};
use crate::truth::{PairTruth, SHINGLE_WORDS, shingles};
use anyhow::{Context, bail};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

/// Everything the bench reports about quality.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Pair precision, pair recall, ARI over all documents.
    pub scores: PairScores,
    /// Recall of true pairs by exact Jaccard.
    pub buckets: BucketRecall,
    /// Wrongly joined pairs by the kinds of their two documents, most frequent first.
    pub false_pairs_by_kind: Vec<(String, u64)>,
    /// A few wrongly joined pairs (ids and kinds).
    pub false_examples: Vec<String>,
    /// A few missed in-scope pairs (ids, kinds, Jaccard, containment).
    pub missed_examples: Vec<String>,
}

/// Labels of a corpus, one entry per document in corpus order.
struct Labels {
    ids: Vec<String>,
    family: Vec<u32>,
    kind: Vec<Kind>,
}

/// Interns strings to dense numbers.
#[derive(Default)]
struct Interner(HashMap<String, u32>);

impl Interner {
    fn get(&mut self, s: &str) -> u32 {
        if let Some(&n) = self.0.get(s) {
            return n;
        }
        let n = self.0.len() as u32;
        self.0.insert(s.to_string(), n);
        n
    }
}

#[derive(Deserialize)]
struct LabelLine<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    family: Cow<'a, str>,
    kind: Kind,
}

#[derive(Deserialize)]
struct TextLine<'a> {
    #[serde(borrow)]
    text: Cow<'a, str>,
}

#[derive(Deserialize)]
struct PredictionLine<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    version: Cow<'a, str>,
}

fn open(path: &Path) -> anyhow::Result<std::io::BufReader<std::fs::File>> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(std::io::BufReader::with_capacity(1 << 20, f))
}

/// Reads lines in chunks and maps each chunk in parallel; `f` gets (line number from 0, line).
fn par_lines<T: Send>(
    path: &Path,
    f: impl Fn(usize, &str) -> anyhow::Result<T> + Sync,
    mut sink: impl FnMut(Vec<T>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut reader = open(path)?;
    let mut first = 0;
    loop {
        let mut lines = Vec::with_capacity(4096);
        for _ in 0..4096 {
            let mut line = String::new();
            let n = reader
                .read_line(&mut line)
                .with_context(|| format!("reading {} line {}", path.display(), first + 1))?;
            if n == 0 {
                break;
            }
            lines.push(line);
        }
        if lines.is_empty() {
            return Ok(());
        }
        let out = lines
            .par_iter()
            .enumerate()
            .map(|(i, l)| {
                f(first + i, l.trim_end())
                    .with_context(|| format!("{} line {}", path.display(), first + i + 1))
            })
            .collect::<anyhow::Result<Vec<T>>>()?;
        first += lines.len();
        sink(out)?;
    }
}

fn read_labels(corpus: &Path) -> anyhow::Result<Labels> {
    let mut families = Interner::default();
    let mut labels = Labels {
        ids: Vec::new(),
        family: Vec::new(),
        kind: Vec::new(),
    };
    par_lines(
        corpus,
        |_, line| {
            let l: LabelLine<'_> = serde_json::from_str(line)?;
            Ok((l.id.into_owned(), l.family.into_owned(), l.kind))
        },
        |chunk| {
            for (id, family, kind) in chunk {
                labels.ids.push(id);
                labels.family.push(families.get(&family));
                labels.kind.push(kind);
            }
            Ok(())
        },
    )?;
    Ok(labels)
}

/// Predicted family numbers of `ids`, read from a predictions file (any order).
fn read_predictions(path: &Path, ids: &[String]) -> anyhow::Result<Vec<u32>> {
    let mut versions = Interner::default();
    let mut by_id: HashMap<String, u32> = HashMap::with_capacity(ids.len());
    par_lines(
        path,
        |_, line| {
            let p: PredictionLine<'_> = serde_json::from_str(line)?;
            Ok((p.id.into_owned(), p.version.into_owned()))
        },
        |chunk| {
            for (id, version) in chunk {
                let v = versions.get(&version);
                if by_id.insert(id.clone(), v).is_some() {
                    bail!("{}: id `{id}` predicted twice", path.display());
                }
            }
            Ok(())
        },
    )?;
    if by_id.len() != ids.len() {
        bail!(
            "{} has {} predictions for {} corpus documents",
            path.display(),
            by_id.len(),
            ids.len()
        );
    }
    ids.iter()
        .map(|id| {
            by_id
                .get(id)
                .copied()
                .with_context(|| format!("{}: no prediction for id `{id}`", path.display()))
        })
        .collect()
}

/// Measures true pairs as families complete.
struct PairPass<'a> {
    labels: &'a Labels,
    predicted: &'a [u32],
    /// Members of each true family.
    remaining: Vec<u32>,
    pending: HashMap<u32, Vec<(usize, Vec<u64>)>>,
    buckets: BucketRecall,
    missed: Vec<String>,
}

impl<'a> PairPass<'a> {
    fn new(labels: &'a Labels, predicted: &'a [u32]) -> Self {
        let families = labels.family.iter().max().map_or(0, |&m| m as usize + 1);
        let mut remaining = vec![0u32; families];
        for &f in &labels.family {
            remaining[f as usize] += 1;
        }
        PairPass {
            labels,
            predicted,
            remaining,
            pending: HashMap::new(),
            buckets: BucketRecall::default(),
            missed: Vec::new(),
        }
    }

    /// Whether document `i` is in a family of more than one member.
    fn wanted(&self, i: usize) -> bool {
        let f = self.labels.family[i] as usize;
        self.remaining.get(f).is_some_and(|&n| n > 1)
    }

    fn add(&mut self, i: usize, set: Vec<u64>) {
        let f = self.labels.family[i];
        let members = self.pending.entry(f).or_default();
        members.push((i, set));
        let done = members.len() as u32 == self.remaining[f as usize];
        if !done {
            return;
        }
        let members = self.pending.remove(&f).unwrap_or_default();
        for (x, (a, sa)) in members.iter().enumerate() {
            for (b, sb) in &members[x + 1..] {
                let t = PairTruth::of(sa, sb);
                let found = self.predicted[*a] == self.predicted[*b];
                self.buckets.add(t, found);
                let in_scope = t.jaccard >= 0.4 && t.containment >= 0.7;
                if !found && in_scope && self.missed.len() < 8 {
                    self.missed.push(format!(
                        "{} ({}) / {} ({}): jaccard {:.3}, containment {:.3}",
                        self.labels.ids[*a],
                        self.labels.kind[*a].label(),
                        self.labels.ids[*b],
                        self.labels.kind[*b].label(),
                        t.jaccard,
                        t.containment
                    ));
                }
            }
        }
    }
}

/// Wrongly joined pairs by kind, and a few examples.
fn false_pairs(labels: &Labels, predicted: &[u32]) -> (Vec<(String, u64)>, Vec<String>) {
    let mut clusters: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, &p) in predicted.iter().enumerate() {
        clusters.entry(p).or_default().push(i);
    }
    let mut by_kind: HashMap<String, u64> = HashMap::new();
    let mut examples = Vec::new();
    let mut members: Vec<&Vec<usize>> = clusters.values().filter(|m| m.len() > 1).collect();
    members.sort_by_key(|m| m[0]);
    for m in members {
        if m.iter().all(|&i| labels.family[i] == labels.family[m[0]]) {
            continue;
        }
        if m.len() > 500 {
            *by_kind
                .entry("(family over 500 members)".into())
                .or_default() += (m.len() * (m.len() - 1) / 2) as u64;
            continue;
        }
        for (x, &a) in m.iter().enumerate() {
            for &b in &m[x + 1..] {
                if labels.family[a] == labels.family[b] {
                    continue;
                }
                let (ka, kb) = {
                    let (ka, kb) = (labels.kind[a], labels.kind[b]);
                    if ka <= kb { (ka, kb) } else { (kb, ka) }
                };
                *by_kind
                    .entry(format!("{}+{}", ka.label(), kb.label()))
                    .or_default() += 1;
                if examples.len() < 8 {
                    examples.push(format!(
                        "{} ({}) / {} ({})",
                        labels.ids[a],
                        labels.kind[a].label(),
                        labels.ids[b],
                        labels.kind[b].label()
                    ));
                }
            }
        }
    }
    let mut by_kind: Vec<(String, u64)> = by_kind.into_iter().collect();
    by_kind.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    (by_kind, examples)
}

fn finish(labels: &Labels, predicted: &[u32], pass: PairPass<'_>) -> Report {
    let scores = pair_scores(&labels.family, predicted);
    let (false_pairs_by_kind, false_examples) = false_pairs(labels, predicted);
    Report {
        scores,
        buckets: pass.buckets,
        false_pairs_by_kind,
        false_examples,
        missed_examples: pass.missed,
    }
}

/// Scores a predictions file (JSON Lines with `id` and `version`) against a labelled corpus file.
pub fn evaluate_files(corpus: &Path, predictions: &Path) -> anyhow::Result<Report> {
    let labels = read_labels(corpus)?;
    let predicted = read_predictions(predictions, &labels.ids)?;
    let mut pass = PairPass::new(&labels, &predicted);
    let wanted: Vec<bool> = (0..labels.ids.len()).map(|i| pass.wanted(i)).collect();
    par_lines(
        corpus,
        |i, line| {
            if !wanted.get(i).copied().unwrap_or(false) {
                return Ok(None);
            }
            let t: TextLine<'_> = serde_json::from_str(line)?;
            Ok(Some((i, shingles(&t.text, SHINGLE_WORDS))))
        },
        |chunk| {
            for (i, set) in chunk.into_iter().flatten() {
                if i >= labels.ids.len() {
                    bail!("{} changed while being read", corpus.display());
                }
                pass.add(i, set);
            }
            Ok(())
        },
    )?;
    Ok(finish(&labels, &predicted, pass))
}

/// Scores predicted family ids (one per document, same order) against documents in memory.
///
/// # Panics
/// Panics if the lengths differ.
pub fn evaluate_docs(docs: &[LabelledDoc], predicted: &[&str]) -> Report {
    assert_eq!(docs.len(), predicted.len(), "one prediction per document");
    let mut families = Interner::default();
    let mut versions = Interner::default();
    let labels = Labels {
        ids: docs.iter().map(|d| d.id.clone()).collect(),
        family: docs.iter().map(|d| families.get(&d.family)).collect(),
        kind: docs.iter().map(|d| d.kind).collect(),
    };
    let predicted: Vec<u32> = predicted.iter().map(|v| versions.get(v)).collect();
    let mut pass = PairPass::new(&labels, &predicted);
    let sets: Vec<Option<Vec<u64>>> = docs
        .par_iter()
        .enumerate()
        .map(|(i, d)| pass.wanted(i).then(|| shingles(&d.text, SHINGLE_WORDS)))
        .collect();
    for (i, set) in sets.into_iter().enumerate() {
        if let Some(set) = set {
            pass.add(i, set);
        }
    }
    finish(&labels, &predicted, pass)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::CorpusSpec;

    #[test]
    fn perfect_and_glued_predictions() {
        let docs = CorpusSpec { docs: 200, seed: 9 }.documents();
        let truth: Vec<&str> = docs.iter().map(|d| d.family.as_str()).collect();
        let perfect = evaluate_docs(&docs, &truth);
        assert_eq!(perfect.scores.precision, 1.0);
        assert_eq!(perfect.scores.recall, 1.0);
        assert!(perfect.buckets.in_scope().total > 20);
        assert_eq!(perfect.buckets.in_scope().recall(), 1.0);
        assert!(perfect.false_pairs_by_kind.is_empty());

        // Join each hard-negative group into one family: precision drops, blamed on negatives.
        let glued: Vec<&str> = docs
            .iter()
            .map(|d| d.family.split('.').next().unwrap_or(&d.family))
            .collect();
        let report = evaluate_docs(&docs, &glued);
        assert!(report.scores.precision < 1.0);
        assert_eq!(report.scores.recall, 1.0);
        assert_eq!(report.false_pairs_by_kind[0].0, "negative+negative");

        // Nothing joined: every in-scope pair missed, and listed.
        let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        let apart = evaluate_docs(&docs, &ids);
        assert_eq!(apart.buckets.in_scope().found, 0);
        assert!(!apart.missed_examples.is_empty());
    }

    #[test]
    fn files_and_memory_agree() {
        let dir = std::env::temp_dir().join(format!("syndic-bench-eval-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let corpus = dir.join("corpus.jsonl");
        let spec = CorpusSpec { docs: 150, seed: 4 };
        spec.write_jsonl(&mut std::fs::File::create(&corpus).unwrap())
            .unwrap();
        let docs = spec.documents();
        // Predict: originals' families joined, versions split off every other one, reversed order.
        let predicted: Vec<String> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                if d.kind == Kind::Original || i % 2 == 0 {
                    d.family.clone()
                } else {
                    d.id.clone()
                }
            })
            .collect();
        let preds = dir.join("pred.jsonl");
        let lines: String = docs
            .iter()
            .zip(&predicted)
            .rev()
            .map(|(d, v)| format!("{}\n", serde_json::json!({"id": d.id, "version": v})))
            .collect();
        std::fs::write(&preds, lines).unwrap();
        let from_files = evaluate_files(&corpus, &preds).unwrap();
        let refs: Vec<&str> = predicted.iter().map(String::as_str).collect();
        let in_memory = evaluate_docs(&docs, &refs);
        assert_eq!(from_files.scores, in_memory.scores);
        assert_eq!(from_files.buckets, in_memory.buckets);
        assert!(from_files.scores.recall < 1.0);
        // A missing prediction is an error naming the id.
        std::fs::write(&preds, "{\"id\":\"d00000000\",\"version\":\"x\"}\n").unwrap();
        let err = evaluate_files(&corpus, &preds).unwrap_err().to_string();
        assert!(err.contains("1 predictions for 150"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
