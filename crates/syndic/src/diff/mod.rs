//! What changed: the aligned difference between two documents, and the verdict on how they
//! relate.
//!
//! The central type is [`Differ`]; [`Differ::diff`] returns a [`Diff`], a list of
//! [`Passage`]s in reading order, each one of four kinds:
//!
//! * **shared** — sentences equal in A and B after [normalisation](crate::normalize) (case,
//!   quotes, dashes, white space and punctuation folded: the same words in the same order);
//! * **only_a** / **only_b** — sentences without a counterpart on the other side (a dropped
//!   footer, an added caption or `UPDATE` paragraph);
//! * **rewritten** — sentences that changed but are still similar (word similarity at least
//!   [`DiffConfig::rewrite_threshold`]), with the word-level changes inside.
//!
//! The alignment is at two levels: texts are cut into paragraphs and sentences (see `segment`),
//! sentences are aligned (see `align`), and a passage is a run of consecutive steps of one kind
//! that stays inside one paragraph on each side, so paragraph breaks are kept.
//!
//! **Contract:** every sentence of A and every sentence of B appears in exactly one passage, and
//! the passages visit each side's sentences in order (a property test checks this). Moved text
//! shows as removed in one place and added in another — the price of an order-preserving
//! alignment, which is what makes the output readable top to bottom.
//!
//! [`Differ::compare`] adds the [`Verdict`] (same version / same story / unrelated, with Jaccard,
//! containment and story similarity) and returns a [`Comparison`], the JSON document that
//! `syndic diff --format json` prints.
//!
//! ```
//! use syndic::diff::{Differ, PassageKind};
//!
//! let a = "The council approved the budget on Monday.\n\nThe mayor praised the vote.";
//! let b = "The council approved the budget on Monday.\n\nThe mayor warmly praised the vote.\n\n\
//!          UPDATE: The budget takes effect in June.";
//! let diff = Differ::new().diff(a, b);
//! let kinds: Vec<PassageKind> = diff.passages.iter().map(|p| p.kind).collect();
//! assert_eq!(kinds, [PassageKind::Shared, PassageKind::Rewritten, PassageKind::OnlyB]);
//! assert_eq!(diff.counts.only_b, 1);
//! ```

mod align;
mod segment;
mod verdict;
mod words;

pub use verdict::{Relation, STORY_MEASURE, Verdict};

use crate::Document;
use crate::normalize::Normalizer;
use crate::shingle::ShingleKind;
use crate::verify::VersionRule;
use align::Step;
use segment::Segmented;
use serde::{Deserialize, Serialize};

/// Settings of a [`Differ`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiffConfig {
    /// Least word similarity (`2·LCS / (|a|+|b|)` over normalised words) for two sentences to
    /// count as one rewritten sentence rather than one removed and one added. Default 0.5: a
    /// sentence keeping half its words in order reads as "the same sentence, edited"; lower it
    /// and unrelated sentences sharing stock words start to pair, raise it and light rewrites
    /// show as remove + add.
    pub rewrite_threshold: f64,
    /// Shingles for the verdict's Jaccard and containment. Default word 5-grams, as the versions
    /// engine.
    pub shingle: ShingleKind,
    /// The same-version rule. Default: the versions engine's ([`VersionRule::default`]).
    pub rule: VersionRule,
    /// Least story similarity for "same story". Default: the stories engine's own joining
    /// threshold (`StoryConfig::default().threshold`, 0.22), so `syndic diff` and
    /// `syndic stories` draw the line in the same place.
    pub story_threshold: f64,
    /// Fewer shingles than this in the shorter text and the pair is too short to judge.
    /// Default: the versions engine's (`VersionConfig::default().min_shingles`).
    pub min_shingles: usize,
}

impl Default for DiffConfig {
    fn default() -> Self {
        DiffConfig {
            rewrite_threshold: 0.5,
            shingle: ShingleKind::default(),
            rule: VersionRule::default(),
            story_threshold: f64::from(crate::story::StoryConfig::default().threshold),
            min_shingles: crate::versions::VersionConfig::default().min_shingles,
        }
    }
}

/// Compares documents. Cheap to create; `Sync`, so one can serve many threads.
#[derive(Clone, Debug, Default)]
pub struct Differ {
    config: DiffConfig,
    normalizer: Normalizer,
}

/// The aligned difference of two texts.
///
/// JSON form:
/// ```json
/// {"a":{"paragraphs":3,"sentences":5,"words":71},
///  "b":{"paragraphs":4,"sentences":6,"words":88},
///  "counts":{"shared":3,"rewritten":1,"only_a":1,"only_b":2},
///  "passages":[{"kind":"shared","a":{…},"b":{…}}, …]}
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// Size of text A.
    pub a: TextSize,
    /// Size of text B.
    pub b: TextSize,
    /// Sentences by kind.
    pub counts: DiffCounts,
    /// The aligned passages, in reading order.
    pub passages: Vec<Passage>,
}

/// The size of one side of a diff.
///
/// JSON form: `{"paragraphs":3,"sentences":5,"words":71}` (words after normalisation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSize {
    /// Paragraphs.
    pub paragraphs: usize,
    /// Sentences.
    pub sentences: usize,
    /// Words.
    pub words: usize,
}

/// Sentence counts by passage kind.
///
/// JSON form: `{"shared":3,"rewritten":1,"only_a":1,"only_b":2}`. `rewritten` counts sentence
/// *pairs*, so A has `shared + rewritten + only_a` sentences and B `shared + rewritten + only_b`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffCounts {
    /// Sentences equal on both sides.
    pub shared: usize,
    /// Sentence pairs rewritten.
    pub rewritten: usize,
    /// Sentences only in A.
    pub only_a: usize,
    /// Sentences only in B.
    pub only_b: usize,
}

/// What kind of passage this is.
///
/// JSON form: `"shared"`, `"rewritten"`, `"only_a"` or `"only_b"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassageKind {
    /// Equal on both sides after normalisation.
    Shared,
    /// Similar but changed; see [`Passage::changes`].
    Rewritten,
    /// Only in A.
    OnlyA,
    /// Only in B.
    OnlyB,
}

/// A run of aligned sentences of one kind, inside one paragraph on each side.
///
/// JSON form:
/// ```json
/// {"kind":"rewritten",
///  "a":{"paragraph":1,"start":2,"end":3,"text":"The mayor said it was a good day."},
///  "b":{"paragraph":1,"start":2,"end":3,"text":"The mayor said it was a great day."},
///  "changes":[{"op":"equal","text":"The mayor said it was a "},
///             {"op":"delete","text":"good "},{"op":"insert","text":"great "},
///             {"op":"equal","text":"day."}]}
/// ```
/// `a` is absent for `only_b`, `b` for `only_a`; `changes` only appears for `rewritten`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    /// The kind.
    pub kind: PassageKind,
    /// Where the passage is in A.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a: Option<Extent>,
    /// Where the passage is in B.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<Extent>,
    /// For `rewritten`: the word-level edit script from A's text to B's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<WordChange>,
}

/// Where a passage lies in one text, and its original wording there.
///
/// JSON form: `{"paragraph":1,"start":2,"end":4,"text":"…"}` — paragraph index from 0; sentences
/// `start..end` (0-based over the whole text, `end` exclusive); `text` is the original text
/// from the first sentence's start to the last one's end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extent {
    /// Paragraph index, from 0.
    pub paragraph: usize,
    /// First sentence (0-based over the whole text).
    pub start: usize,
    /// One past the last sentence.
    pub end: usize,
    /// The original text of these sentences.
    pub text: String,
}

/// One piece of a word-level edit script.
///
/// JSON form: `{"op":"equal","text":"The mayor said "}`. Pieces compare by normalised words, so
/// an `equal` piece may differ from A's wording in case or typography; it carries B's. `equal`
/// and `insert` pieces spell B's text exactly; `equal` and `delete` pieces spell A's words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordChange {
    /// What happened to this piece.
    pub op: ChangeOp,
    /// The piece's text, with the white space that follows it.
    pub text: String,
}

/// What happened to a piece of a rewritten sentence.
///
/// JSON form: `"equal"`, `"delete"` (only in A) or `"insert"` (only in B).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    /// In both.
    Equal,
    /// Only in A.
    Delete,
    /// Only in B.
    Insert,
}

/// A full comparison of two documents: what `syndic diff --format json` prints.
///
/// JSON form:
/// ```json
/// {"a":"wire-1","b":"wire-1-update","verdict":{…},"diff":{…}}
/// ```
/// See [`Verdict`] and [`Diff`] for the nested objects.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Id of document A.
    pub a: String,
    /// Id of document B.
    pub b: String,
    /// How they relate.
    pub verdict: Verdict,
    /// What differs.
    pub diff: Diff,
}

impl Differ {
    /// A differ with the default settings.
    pub fn new() -> Self {
        Differ::default()
    }

    /// A differ with the given settings.
    ///
    /// Errors when a threshold is outside `[0, 1]` or the shingle length is 0.
    pub fn with_config(config: DiffConfig) -> crate::Result<Self> {
        let in_unit = |x: f64| (0.0..=1.0).contains(&x);
        let bad = |name, message: &str| crate::Error::Config {
            name,
            message: message.to_string(),
        };
        if !in_unit(config.rewrite_threshold) || config.rewrite_threshold == 0.0 {
            return Err(bad("rewrite-threshold", "must be in (0, 1]"));
        }
        if !in_unit(config.story_threshold) {
            return Err(bad("story-threshold", "must be in [0, 1]"));
        }
        if let ShingleKind::Words(0) | ShingleKind::Chars(0) = config.shingle {
            return Err(bad("shingle-size", "must be at least 1"));
        }
        Ok(Differ {
            config,
            normalizer: Normalizer::new(),
        })
    }

    /// The settings in use.
    pub fn config(&self) -> &DiffConfig {
        &self.config
    }

    /// The aligned difference from text `a` to text `b`.
    pub fn diff(&self, a: &str, b: &str) -> Diff {
        let sa = Segmented::new(a, &self.normalizer);
        let sb = Segmented::new(b, &self.normalizer);
        let steps = align::align(&sa.sentences, &sb.sentences, self.config.rewrite_threshold);
        let mut counts = DiffCounts::default();
        for step in &steps {
            match step {
                Step::Shared(..) => counts.shared += 1,
                Step::Rewritten(..) => counts.rewritten += 1,
                Step::OnlyA(_) => counts.only_a += 1,
                Step::OnlyB(_) => counts.only_b += 1,
            }
        }
        Diff {
            a: size(&sa),
            b: size(&sb),
            counts,
            passages: self.passages(&sa, &sb, &steps),
        }
    }

    /// The verdict on documents `a` and `b`: see [`Verdict`]. Their titles and `published`
    /// times count towards the story similarity.
    pub fn verdict(&self, a: &Document, b: &Document) -> Verdict {
        verdict::judge(a, b, &self.config)
    }

    /// The verdict and the diff of two documents.
    pub fn compare(&self, a: &Document, b: &Document) -> Comparison {
        Comparison {
            a: a.id.clone(),
            b: b.id.clone(),
            verdict: self.verdict(a, b),
            diff: self.diff(&a.text, &b.text),
        }
    }

    /// Groups alignment steps into passages: a run of one kind, contiguous on each side and
    /// inside one paragraph on each side.
    fn passages(&self, sa: &Segmented<'_>, sb: &Segmented<'_>, steps: &[Step]) -> Vec<Passage> {
        let mut runs: Vec<Run> = Vec::new();
        for &step in steps {
            let (kind, ia, ib) = match step {
                Step::Shared(i, j) => (PassageKind::Shared, Some(i), Some(j)),
                Step::Rewritten(i, j) => (PassageKind::Rewritten, Some(i), Some(j)),
                Step::OnlyA(i) => (PassageKind::OnlyA, Some(i), None),
                Step::OnlyB(j) => (PassageKind::OnlyB, None, Some(j)),
            };
            let extends = |range: Option<(usize, usize)>, next: Option<usize>, s: &Segmented| match (
                range, next,
            ) {
                (Some((start, end)), Some(n)) => {
                    n == end && s.sentences[start].paragraph == s.sentences[n].paragraph
                }
                (None, None) => true,
                _ => false,
            };
            match runs.last_mut() {
                Some((k, ra, rb)) if *k == kind && extends(*ra, ia, sa) && extends(*rb, ib, sb) => {
                    if let Some(r) = ra {
                        r.1 += 1;
                    }
                    if let Some(r) = rb {
                        r.1 += 1;
                    }
                }
                _ => runs.push((kind, ia.map(|i| (i, i + 1)), ib.map(|j| (j, j + 1)))),
            }
        }
        runs.into_iter()
            .map(|(kind, ra, rb)| {
                let changes = match (kind, ra, rb) {
                    (PassageKind::Rewritten, Some(ra), Some(rb)) => self.rewrite(sa, sb, ra, rb),
                    _ => Vec::new(),
                };
                Passage {
                    kind,
                    a: ra.map(|r| extent(sa, r)),
                    b: rb.map(|r| extent(sb, r)),
                    changes,
                }
            })
            .collect()
    }

    /// The word-level edit script of a run of rewritten sentence pairs; between two pairs, B's
    /// white space between its sentences is kept as an equal piece.
    fn rewrite(
        &self,
        sa: &Segmented<'_>,
        sb: &Segmented<'_>,
        ra: (usize, usize),
        rb: (usize, usize),
    ) -> Vec<WordChange> {
        let mut out: Vec<WordChange> = Vec::new();
        for (k, (i, j)) in (ra.0..ra.1).zip(rb.0..rb.1).enumerate() {
            if k > 0 {
                let gap = &sb.text[sb.sentences[j - 1].span.end..sb.sentences[j].span.start];
                push_change(&mut out, ChangeOp::Equal, gap);
            }
            let ta = &sa.text[sa.sentences[i].span.clone()];
            let tb = &sb.text[sb.sentences[j].span.clone()];
            for change in words::word_changes(ta, tb, &self.normalizer) {
                push_change(&mut out, change.op, &change.text);
            }
        }
        out
    }
}

/// A run of alignment steps of one kind: its kind and its A and B sentence ranges
/// (`start`, `end`).
type Run = (PassageKind, Option<(usize, usize)>, Option<(usize, usize)>);

/// Appends a piece, merging it into the last one when they have the same op.
fn push_change(out: &mut Vec<WordChange>, op: ChangeOp, text: &str) {
    match out.last_mut() {
        Some(last) if last.op == op => last.text.push_str(text),
        _ => out.push(WordChange {
            op,
            text: text.to_string(),
        }),
    }
}

fn extent(s: &Segmented<'_>, (start, end): (usize, usize)) -> Extent {
    Extent {
        paragraph: s.sentences[start].paragraph,
        start,
        end,
        text: s.slice(start..end).to_string(),
    }
}

fn size(s: &Segmented<'_>) -> TextSize {
    TextSize {
        paragraphs: s.paragraphs,
        sentences: s.sentences.len(),
        words: s.word_count(),
    }
}

#[cfg(test)]
mod tests;
