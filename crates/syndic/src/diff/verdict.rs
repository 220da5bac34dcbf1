//! The verdict on a pair of documents: same version, same story, or unrelated — with the figures
//! behind it.
//!
//! The central type is [`Verdict`]. *Same version* is the versions engine's own rule
//! ([`VersionRule`](crate::verify::VersionRule)) on the exact word-shingle sets; *same story*
//! is a story similarity at or above
//! [`DiffConfig::story_threshold`](super::DiffConfig::story_threshold); otherwise *unrelated*. A pair whose shorter text has fewer than `min_shingles` shingles is never called
//! versions or one story — the versions engine does not compare such texts either (a paywall
//! notice identical across two outlets says nothing about a shared story) — and the verdict says
//! so with `too_short`.
//!
//! **Placeholder.** The story similarity here is a plain term cosine ([`term_cosine`]): the cosine
//! of the two texts' content-word counts (normalised words of three or more letters outside a
//! short stop list). It is a stand-in until the stories engine ([`crate::story`]) exposes a
//! pairwise similarity; it has no corpus statistics (no IDF, no names weighting, no time), so it
//! over-rates two reports of different events of the same kind. The measure's name travels in
//! the output (`story_measure`) so a consumer can tell which one produced the figure.

use crate::normalize::Normalizer;
use crate::shingle::{Shingler, words};
use crate::verify::Overlap;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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
///  "story_similarity":0.8811,"story_measure":"term_cosine","too_short":false}
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
    /// Which story measure produced `story_similarity` (`"term_cosine"`: see the module docs).
    pub story_measure: String,
    /// True when the shorter text has too few shingles to judge; `relation` is then
    /// `unrelated` whatever the figures.
    pub too_short: bool,
}

/// Name of the placeholder story measure, as it appears in [`Verdict::story_measure`].
pub const TERM_COSINE: &str = "term_cosine";

/// Judges a pair with the given shingling, version rule and story threshold.
pub(crate) fn judge(
    a: &str,
    b: &str,
    config: &super::DiffConfig,
    normalizer: &Normalizer,
) -> Verdict {
    let shingler = Shingler::new(config.shingle);
    let overlap = Overlap::of(&shingler.shingle(a).hashes, &shingler.shingle(b).hashes);
    let story = term_cosine(a, b, normalizer);
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
        story_measure: TERM_COSINE.to_string(),
        too_short,
    }
}

/// Rounds to four decimals, as every figure in syndic's output.
pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Words too common to say anything about an event.
const STOP_WORDS: &[&str] = &[
    "about", "after", "also", "and", "are", "been", "but", "can", "for", "from", "had", "has",
    "have", "her", "his", "its", "more", "not", "one", "said", "says", "she", "than", "that",
    "the", "their", "them", "there", "they", "this", "two", "was", "were", "when", "which", "who",
    "will", "with", "would", "you",
];

/// **Placeholder** story similarity: cosine of content-word counts. See the module docs.
pub fn term_cosine(a: &str, b: &str, normalizer: &Normalizer) -> f64 {
    let count = |text: &str| {
        let normalized = normalizer.normalize(text);
        let mut counts: HashMap<String, f64> = HashMap::new();
        for w in words(&normalized) {
            if w.chars().count() >= 3 && !STOP_WORDS.contains(&w) {
                *counts.entry(w.to_string()).or_default() += 1.0;
            }
        }
        counts
    };
    let (ca, cb) = (count(a), count(b));
    let norm = |c: &HashMap<String, f64>| c.values().map(|v| v * v).sum::<f64>().sqrt();
    let (na, nb) = (norm(&ca), norm(&cb));
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    let dot: f64 = ca
        .iter()
        .filter_map(|(w, x)| cb.get(w).map(|y| x * y))
        .sum();
    (dot / (na * nb)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_cosine_ranges_from_unrelated_to_identical() {
        let n = Normalizer::new();
        let a = "Firefighters contained the warehouse blaze near the harbour on Friday.";
        assert!((term_cosine(a, a, &n) - 1.0).abs() < 1e-9);
        let same_event = "The harbour warehouse blaze was contained by firefighters late Friday.";
        let other = "The central bank raised interest rates by a quarter point.";
        assert!(term_cosine(a, same_event, &n) > 0.5);
        assert_eq!(term_cosine(a, other, &n), 0.0);
        assert_eq!(term_cosine("", a, &n), 0.0);
    }
}
