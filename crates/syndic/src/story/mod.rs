//! Stories: which documents report the same real-world event, though written independently.
//!
//! The central type is [`StoryIndex`]: documents go in one at a time, in arrival order, each
//! with its version family from [`crate::versions`]; each is placed at once — it joins the most
//! similar earlier story or founds a new one ([`StoryAssignment`]). The same code serves a
//! batch run (`syndic stories`) and a live stream (`syndic serve`), and gives the same answer
//! for the same documents in the same order: replaying stored documents rebuilds an index
//! exactly.
//!
//! Two reports of one meeting share almost no sentences, yet they name the same people,
//! places and organisations, on the same days, with the same rare words. Two events of one kind
//! (two earthquakes, two rehab admissions years apart) share the kind's vocabulary but not its
//! names, numbers or dates. The similarity therefore rests on:
//!
//! - [`analyzer`]: words stemmed, stop words dropped; names, acronyms and multi-word entities
//!   found from capitalisation; the lead (title and first sentences) marked;
//! - [`weights`]: document frequencies learned online from the corpus itself (TF-IDF), names
//!   and entities weighted up;
//! - [`time`]: `published`, else a dateline in the text; a gap beyond the window counts against
//!   joining;
//! - [`index`]: an inverted index over the stories' features, so a document is compared with a
//!   few dozen candidate stories, never all of them;
//! - [`cluster`]: the online assignment, memory bounded by a time window;
//! - [`summary`]: what is reported per document and per story;
//! - [`batch`]: the corpus driver of `syndic stories`;
//! - [`eval`]: B-cubed, pairwise F1 and ARI against gold labels (`syndic eval-stories`);
//!
//! The default [`StoryConfig`] was chosen on the ECB+ train split (see `docs/stories.md` for
//! the procedure and the figures on train and dev).

pub mod analyzer;
pub mod batch;
pub mod cluster;
pub mod eval;
pub mod index;
pub mod keys;
pub mod refine;
pub mod stopwords;
pub mod summary;
pub mod time;
pub mod weights;

pub use analyzer::{Analysis, Analyzer, AnalyzerConfig, Feature};
pub use batch::{StoryBatch, StoryRun};
pub use cluster::{Refined, StoryAssignment, StoryIndex};
pub use eval::Evaluation;
pub use keys::{FeatureKey, FeatureKind};
pub use refine::RefineConfig;
pub use summary::{Placement, StoryRecord, StorySummary};

use crate::Document;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// One day in seconds.
pub const DAY: i64 = 86_400;

/// Settings of story grouping. Every field documents its default and trade-off; the defaults
/// were chosen on the ECB+ train split and are used unchanged everywhere.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoryConfig {
    /// Text analysis (the lead's length).
    pub analyzer: AnalyzerConfig,
    /// Least score for a document to join a story, in `[0, 1]`. Default 0.22. Lower merges
    /// two events of one kind more often; higher splits one event's reports into several
    /// stories. On ECB+ train, F1 stays within 0.01 of its best from 0.20 to 0.25.
    pub threshold: f32,
    /// Weight of the lead's cosine against the whole text's (weight 1). Default 0.6: the lead
    /// names the event; the body adds background that events of one kind share. 0 ignores the
    /// lead.
    pub lead_weight: f32,
    /// Weight multiplier of a name word (and acronym) over a plain term. Default 1.0: names
    /// are rare words already, and IDF weighs them up; a bigger boost lets one shared
    /// celebrity outweigh everything else.
    pub name_boost: f32,
    /// Weight multiplier of a multi-word entity ("Gulf of Aden"). Default 1.0.
    pub entity_boost: f32,
    /// Cold-start prior of IDF: as if this many earlier documents had none of the features.
    /// Default 20. Smaller makes the first documents' weights jumpy; larger flattens IDF
    /// until the corpus has grown past it.
    pub prior_docs: f32,
    /// Time window, seconds. Default 365 days, chosen on ECB+ train (30 and 90 days score
    /// 0.01–0.02 lower there: its events gather follow-up reports over months). A document
    /// within the window of a story's time span scores in full; beyond it, the score halves
    /// for each further window — two rehab admissions five years apart stay apart on time
    /// alone. Shorter keeps similar events weeks apart separate at the price of splitting slow
    /// stories (an investigation, a trial). Documents or stories without a time are not
    /// affected.
    pub window: i64,
    /// Seconds after its latest document (in document time) before a story is closed and its
    /// memory freed. Default 30 days: memory holds the stories active in the last month, not
    /// the history. A report arriving later about the same event founds a new story. When the
    /// horizon is shorter than the window, the time factor matters only for documents that
    /// arrive out of order (an archive loaded unsorted).
    pub horizon: i64,
    /// Arrivals without a new document before a story is closed, whatever the times (the
    /// bound for streams without times). Default 1,000,000.
    pub idle_docs: u64,
    /// Fewer distinct content words in its body (the title not counted) and a document is
    /// too short to judge (kept in a story of its own). Default 10: a paywall notice or a
    /// photo caption (eight or nine content words) is too short, a one-sentence report naming
    /// its event is not. On ECB+ train, 8 to 12 move B-cubed F1 by less than 0.005.
    pub min_terms: usize,
    /// Features kept in a story's centroid. Default 160: enough for a story's names and
    /// rare words; more costs memory per open story, fewer forgets secondary names.
    pub max_terms: usize,
    /// Highest-weighted features of a document looked up in the index. Default 24.
    pub query_features: usize,
    /// Most recent index entries read per feature. Default 64: bounds the cost of a word
    /// that many open stories share (its weight is low anyway, and the stories sharing the
    /// document's rarer features are found through those). On `stories_bench` (100,000
    /// documents grouped, 20,000 measured) 64 groups as well as 256 (B-cubed F1 0.981) and
    /// assigns about a fifth faster.
    pub max_postings: usize,
    /// Least weight scale (IDF × boost) for a story's feature to be indexed. Default 2.0
    /// (a word in more than about one document in seven is not): such words would fill long
    /// lists that no query reads to the end, and the stories holding them are found through
    /// their rarer words.
    pub index_min_scale: f32,
    /// Features of each document under which its story is indexed: its highest-weighted,
    /// the ones a query about the same event looks up ([`StoryConfig::query_features`]).
    /// Default 32. Fewer keys keep the index small and its lists short (each list read costs
    /// time per entry); a story's other features still count in its score, they just do not
    /// bring it forward as a candidate.
    pub index_features: usize,
    /// Factor applied to a story's centroid before each new member is added, in `(0, 1]`.
    /// Default 0.9. At 1 the centroid is the plain sum of its members; below 1, earlier members
    /// fade and the centroid follows the story's latest reports, so a story that never goes
    /// idle does not grow into the average of every event of its kind. On ECB+ train 1 and 0.9
    /// tie (online B-cubed F1 0.865 and 0.864; 0.85 drops to 0.848); on `stories_bench` with
    /// 1M documents grouped 0.9 lifts B-cubed F1 from 0.913 to 0.923 (precision 0.843 → 0.858).
    pub member_decay: f32,
    /// Candidate stories scored exactly per document. Default 12: on `stories_bench` (100,000
    /// documents grouped, 20,000 measured) 12 and 24 group equally well (B-cubed F1 0.981 and
    /// 0.978) and 12 assigns about a third faster; on ECB+ train 8, 12 and 24 give the same
    /// stories.
    pub max_candidates: usize,
    /// Growth of the corpus (as a share of the documents counted) after which a candidate
    /// story's norms are recomputed with the current weights before scoring. Default 0.2.
    /// 0 recomputes them for every candidate (exact, slower); larger saves time on a long
    /// stream, where weights drift slowly, at the price of slightly stale norms.
    pub norm_drift: f64,
    /// Half-life of document frequencies, in documents. Default 200,000: long enough that
    /// weights are steady, short enough that the table holds a recent vocabulary only.
    pub df_half_life: u64,
    /// Documents between two maintenance sweeps (closing idle stories, decaying weights,
    /// compacting the index). Default 4,096. Does not change which stories are open at a
    /// given document by more than one sweep's worth.
    pub sweep_every: u64,
    /// The optional batch refinement pass ([`refine`]): when set, each story keeps its
    /// members' features while open, and is tested for a split into events when it closes.
    /// Default off (`None`): the online assignment is final and memory holds only centroids.
    pub refine: Option<RefineConfig>,
    /// Names listed in a story summary. Default 8.
    pub summary_names: usize,
    /// Terms listed in a story summary. Default 8.
    pub summary_terms: usize,
}

impl Default for StoryConfig {
    fn default() -> Self {
        StoryConfig {
            analyzer: AnalyzerConfig::default(),
            threshold: 0.22,
            lead_weight: 0.6,
            name_boost: 1.0,
            entity_boost: 1.0,
            prior_docs: 20.0,
            window: 365 * DAY,
            horizon: 30 * DAY,
            idle_docs: 1_000_000,
            min_terms: 10,
            max_terms: 160,
            query_features: 24,
            max_postings: 64,
            index_min_scale: 2.0,
            index_features: 32,
            max_candidates: 12,
            member_decay: 0.9,
            norm_drift: 0.2,
            df_half_life: 200_000,
            sweep_every: 4_096,
            refine: None,
            summary_names: 8,
            summary_terms: 8,
        }
    }
}

impl StoryConfig {
    /// The configuration of a refined batch run (`syndic stories --refine`), chosen on ECB+
    /// train like the default: group loosely online (threshold 0.10, close to one story per
    /// kind of event), then let the refinement pass ([`RefineConfig`]: ratio 0.6, contrast
    /// 0.35) split each story into its events.
    pub fn refined() -> Self {
        StoryConfig {
            threshold: 0.10,
            refine: Some(RefineConfig::default()),
            ..StoryConfig::default()
        }
    }

    /// The weight multiplier of a feature kind.
    pub fn boost(&self, kind: FeatureKind) -> f32 {
        match kind {
            FeatureKind::Term => 1.0,
            FeatureKind::Name => self.name_boost,
            FeatureKind::Entity => self.entity_boost,
        }
    }

    /// Checks every setting's range.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, message: &str| {
            Err(Error::Config {
                name,
                message: message.to_string(),
            })
        };
        if !(0.0..=1.0).contains(&self.threshold) {
            return bad("story-threshold", "must be in [0, 1]");
        }
        for (name, v) in [
            ("lead-weight", self.lead_weight),
            ("name-boost", self.name_boost),
            ("entity-boost", self.entity_boost),
        ] {
            if !(0.0..=100.0).contains(&v) {
                return bad(name, "must be in [0, 100]");
            }
        }
        if !(1.0..=1e9).contains(&self.prior_docs) {
            return bad("prior-docs", "must be at least 1");
        }
        if !(self.member_decay > 0.0 && self.member_decay <= 1.0) {
            return bad("member-decay", "must be in (0, 1]");
        }
        if self.window < 1 {
            return bad("window", "must be at least one second");
        }
        if self.horizon < 1 {
            return bad("horizon", "must be at least one second");
        }
        for (name, v) in [
            ("max-terms", self.max_terms),
            ("query-features", self.query_features),
            ("max-postings", self.max_postings),
            ("index-features", self.index_features),
            ("max-candidates", self.max_candidates),
        ] {
            if v == 0 {
                return bad(name, "must be at least 1");
            }
        }
        if self.idle_docs == 0 || self.df_half_life == 0 || self.sweep_every == 0 {
            return bad(
                "sweep",
                "idle-docs, df-half-life and sweep-every must be at least 1",
            );
        }
        Ok(())
    }
}

/// The story similarity of two documents on their own, in `[0, 1]` (comparable with
/// [`StoryConfig::threshold`]): the score `b` would get against a story made of `a` alone,
/// with document frequencies from the two documents only. For a pair judged inside a corpus,
/// prefer [`StoryIndex::similarity`], whose weights know the corpus.
pub fn similarity(a: &Document, b: &Document) -> f32 {
    let index = StoryIndex::new(StoryConfig::default());
    let analyzer = index.analyzer();
    index.similarity(&analyzer.analyze(a), &analyzer.analyze(b))
}

#[cfg(test)]
mod tests;
