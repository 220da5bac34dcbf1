//! The verdict on a pair of documents: same version, same story, or unrelated — with the figures
//! behind it.
//!
//! The central type is [`Verdict`]. *Same version* is the versions engine's own rule
//! ([`VersionRule`](crate::verify::VersionRule)) on the exact word-shingle sets; *same story*
//! is a story similarity at or above
//! [`DiffConfig::story_threshold`](super::DiffConfig::story_threshold); otherwise
//! *unrelated*. A pair whose shorter text has fewer than `min_shingles` shingles is never called
//! versions or one story — the versions engine does not compare such texts either (a paywall
//! notice identical across two outlets says nothing about a shared story) — and the verdict says
//! so with `too_short`.
//!
//! The story similarity is the stories engine's own pairwise figure
//! ([`crate::story::similarity`]): stemmed terms and names weighted TF-IDF style, the lead
//! weighted up, a time gap beyond the window counted against. Judged on the pair alone, its
//! document frequencies come from the two documents only; inside a corpus, the stories engine
//! knows better. The measure's name travels in the output (`story_measure`) so a consumer can
//! tell which one produced the figure.

use crate::Document;
use crate::shingle::Shingler;
use crate::verify::Overlap;
use serde::{Deserialize, Serialize};

/// How two documents relate.
///
/// JSON form: `"same_version"`, `"same_story"` or `"unrelated"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Versions of one text: the version rule accepts their word-shingle overlap.
    SameVersion,
    /// Not versions, but reports of the same event (story similarity at or above threshold).
    SameStory,
    /// Neither.
    Unrelated,
}

impl Relation {
    /// The relation in words, for people: "same version", "same story", "unrelated".
    pub fn describe(self) -> &'static str {
        match self {
            Relation::SameVersion => "same version",
            Relation::SameStory => "same story",
            Relation::Unrelated => "unrelated",
        }
    }
}

/// The verdict on a pair of documents and the figures behind it.
///
/// JSON form:
/// ```json
/// {"relation":"same_version","jaccard":0.6204,"containment":0.9132,
///  "story_similarity":0.8811,"story_measure":"story_engine","too_short":false}
/// ```
/// `jaccard` and `containment` are measured on the word-shingle sets (word 5-grams by default;
/// containment is the share of the shorter text's shingles found in the longer one);
/// `story_similarity` is in `[0, 1]`, measured as `story_measure` names. Figures are rounded to
/// four decimals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The relation.
    pub relation: Relation,
    /// Word-shingle Jaccard similarity.
    pub jaccard: f64,
    /// Containment of the shorter text's shingles in the longer text's.
    pub containment: f64,
    /// Story similarity in `[0, 1]`.
    pub story_similarity: f64,
    /// Which story measure produced `story_similarity` (`"story_engine"`: see the module docs).
    pub story_measure: String,
    /// True when the shorter text has too few shingles to judge; `relation` is then
    /// `unrelated` whatever the figures.
    pub too_short: bool,
}

/// Name of the story measure, as it appears in [`Verdict::story_measure`].
pub const STORY_MEASURE: &str = "story_engine";

/// Judges a pair with the given shingling, version rule and story threshold.
pub(crate) fn judge(a: &Document, b: &Document, config: &super::DiffConfig) -> Verdict {
    let shingler = Shingler::new(config.shingle);
    let overlap = Overlap::of(
        &shingler.shingle(&a.text).hashes,
        &shingler.shingle(&b.text).hashes,
    );
    let story = f64::from(crate::story::similarity(a, b));
    let too_short = overlap.len_a.min(overlap.len_b) < config.min_shingles;
    let relation = if too_short {
        Relation::Unrelated
    } else if config.rule.accepts(&overlap) {
        Relation::SameVersion
    } else if story >= config.story_threshold {
        Relation::SameStory
    } else {
        Relation::Unrelated
    };
    Verdict {
        relation,
        jaccard: round4(overlap.jaccard()),
        containment: round4(overlap.containment()),
        story_similarity: round4(story),
        story_measure: STORY_MEASURE.to_string(),
        too_short,
    }
}

/// Rounds to four decimals, as every figure in syndic's output.
pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
