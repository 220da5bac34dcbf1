//! Online story clustering: each document joins the most similar earlier story, or founds a
//! new one, the moment it arrives.
//!
//! The central type is [`StoryIndex`]. For each document ([`StoryIndex::add`]):
//!
//! 1. **Versions first.** If its version family (from [`crate::versions`]) already has a
//!    story, it joins that story at once: a wire copy run by fifty outlets is one voice — it
//!    neither counts again in the document frequencies nor pulls the story's centroid.
//! 2. **Too short to judge.** Fewer than [`StoryConfig::min_terms`] distinct content words
//!    (a paywall notice, a caption) and it is kept in a story of its own.
//! 3. **Weights.** Its features are counted in the online document frequencies
//!    ([`super::weights`]) and weighted `(1 + ln tf) × idf × boost`, names and entities boosted.
//! 4. **Candidates.** Its [`StoryConfig::query_features`] highest-weighted features are looked
//!    up in the inverted index ([`super::index`]); the stories sharing the most weight, at most
//!    [`StoryConfig::max_candidates`], are scored. Never all stories.
//! 5. **Score.** For each candidate: the cosine of the document's vector with the story's
//!    centroid (the sum of its members' sublinear term frequencies, the top
//!    [`StoryConfig::max_terms`] kept, weighted with the current IDF), blended with the same
//!    cosine on the lead alone ([`StoryConfig::lead_weight`]), times the time factor
//!    ([`super::time::TimeFactor`]):
//!    `score = (cos_body + lead_weight × cos_lead) / (1 + lead_weight) × time_factor`.
//! 6. **Decide.** It joins the best-scoring story if the score reaches
//!    [`StoryConfig::threshold`] (ties: the older story), else it founds a new story whose id
//!    is its own id.
//!
//! ## Determinism and replay
//! Nothing depends on a random seed, a clock or a thread count: the same documents in the same
//! order give the same stories, bit for bit. A live service therefore needs to persist only the
//! documents (with their version family) in arrival order: replaying them through a new index
//! rebuilds it exactly. Batch and live share this one code path.
//!
//! ## Bounded memory
//! Every [`StoryConfig::sweep_every`] documents, stories idle for longer than
//! [`StoryConfig::horizon`] (in document time) or [`StoryConfig::idle_docs`] arrivals are
//! closed: their summary is queued ([`StoryIndex::drain_closed`]) and their centroid, index
//! entries and family links dropped; document frequencies decay
//! ([`StoryConfig::df_half_life`]). Memory is thus bounded by the stories of the window, not by
//! the history. A version of a document whose story was closed starts afresh.

use super::StoryConfig;
use super::analyzer::{Analysis, Analyzer, Feature};
use super::index::Postings;
use super::keys::{FeatureKey, FeatureKind, KeyMap, KeySet};
use super::refine::{self, RefineConfig};
use super::summary::{Placement, StorySummary};
use super::time::TimeFactor;
use super::weights::{DocFrequencies, tf};
use crate::Document;
use crate::document::Timestamp;
use std::sync::Arc;
use xxhash_rust::xxh3::xxh3_64;

/// Where one document went, at the time it was added.
#[derive(Clone, Debug, PartialEq)]
pub struct StoryAssignment {
    /// The document's arrival number, from 0.
    pub doc: u64,
    /// The story's id: the id of its first document.
    pub story: Arc<str>,
    /// The story's number: the order in which stories were founded, from 0.
    pub serial: u32,
    /// How the document was placed.
    pub placement: Placement,
    /// For [`Placement::Similar`], the score at which it joined; for [`Placement::New`], the
    /// score of the closest story it did not join (`None` when there was no candidate).
    pub similarity: Option<f32>,
}

/// A document's story after the refinement pass ([`StoryConfig::refine`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Refined {
    /// The document's arrival number.
    pub doc: u64,
    /// Its story after refinement: the id of the first document of its part of the online
    /// story (the online story's id for the part holding the story's first document).
    pub story: Arc<str>,
}

/// A voice of a story (a document that is not a version of an earlier member), kept for the
/// refinement pass.
#[derive(Clone, Debug)]
struct Member {
    id: Arc<str>,
    headline: Box<str>,
    /// (key, tf, lead tf), sorted by key.
    features: Box<[(FeatureKey, f32, f32)]>,
    at: Option<Timestamp>,
    /// The documents it stands for: itself and its later versions, with time and source.
    docs: Vec<(u64, Option<Timestamp>, Option<u64>)>,
}

/// One feature of a story's centroid.
#[derive(Clone, Copy, Debug)]
struct Entry {
    key: FeatureKey,
    /// The sum of the members' `1 + ln tf` (the weight before IDF and boost).
    raw: f32,
    /// Whether the story is in the index under this key (see [`StoryConfig::index_features`]).
    indexed: bool,
}

/// One open story.
#[derive(Clone, Debug)]
struct Story {
    id: Arc<str>,
    headline: String,
    /// The centroid before weighting, sorted by feature (a sorted vector: scoring is a merge
    /// with the document's sorted features, and it takes half the memory of a map).
    body: Vec<Entry>,
    /// The same over the members' leads (never indexed).
    lead: Vec<Entry>,
    body_norm: f32,
    lead_norm: f32,
    /// Documents observed by the weights when the norms were computed.
    norm_docs: f64,
    documents: u32,
    versions: u32,
    sources: KeySet<u64>,
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
    /// Arrival number of its latest document.
    active_doc: u64,
    /// Time of its latest document (the stream's clock when that document had none).
    active_time: Option<Timestamp>,
    /// Its voices, when the refinement pass is on.
    members: Vec<Member>,
    /// Version family → index in `members`.
    family_member: KeyMap<u64, usize>,
}

impl Story {
    fn span(&self) -> Option<(Timestamp, Timestamp)> {
        self.first_seen.zip(self.last_seen)
    }

    /// Counts a document in (not its features).
    fn touch(
        &mut self,
        doc: u64,
        at: Option<Timestamp>,
        active: Option<Timestamp>,
        source: Option<u64>,
    ) {
        self.documents += 1;
        if let Some(s) = source {
            self.sources.insert(s);
        }
        if let Some(t) = at {
            self.first_seen = Some(self.first_seen.map_or(t, |f| f.min(t)));
            self.last_seen = Some(self.last_seen.map_or(t, |l| l.max(t)));
        }
        self.active_doc = doc;
        if let Some(t) = active {
            self.active_time = Some(self.active_time.map_or(t, |a| a.max(t)));
        }
    }
}

/// Entries of a centroid that the story is indexed under.
fn indexed_entries(centroid: &[Entry]) -> usize {
    centroid.iter().filter(|e| e.indexed).count()
}

/// Recomputes a story's norms with the current weights.
fn refresh_norms(story: &mut Story, df: &DocFrequencies, config: &StoryConfig) {
    let norm = |entries: &[Entry]| {
        entries
            .iter()
            .map(|e| (e.raw * df.idf(e.key) * config.boost(e.key.kind())).powi(2))
            .sum::<f32>()
            .sqrt()
    };
    story.body_norm = norm(&story.body);
    story.lead_norm = norm(&story.lead);
    story.norm_docs = df.observed() as f64;
}

/// `Σ weight × raw` over the features in both `query` (key, weight) and `centroid` (key,
/// raw sum), both sorted by key: a merge without lookups, written without branches on the
/// comparison (which a merge of unrelated keys mispredicts half the time).
fn merge_dot(query: &[(FeatureKey, f32)], centroid: &[Entry]) -> f32 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
    while i < query.len() && j < centroid.len() {
        let (a, x) = query[i];
        let (b, y) = (centroid[j].key, centroid[j].raw);
        dot += if a == b { x * y } else { 0.0 };
        i += usize::from(a <= b);
        j += usize::from(b <= a);
    }
    dot
}

/// Adds `(key, amount, scale, index)` rows (sorted by key; amounts of 0 skipped) into a
/// sorted centroid; returns the change of its squared norm under each row's `scale`. Calls
/// `index` for each row asking to be indexed whose entry is not yet (then marked).
fn merge_add(
    centroid: &mut Vec<Entry>,
    rows: impl Iterator<Item = (FeatureKey, f32, f32, bool)>,
    mut index: impl FnMut(FeatureKey),
) -> f32 {
    let old = std::mem::take(centroid);
    let mut out = Vec::with_capacity(old.len() + 64);
    let mut delta = 0.0;
    let mut i = 0;
    for (key, add, scale, want_index) in rows {
        if add == 0.0 {
            continue;
        }
        while i < old.len() && old[i].key < key {
            out.push(old[i]);
            i += 1;
        }
        let mut entry = if i < old.len() && old[i].key == key {
            i += 1;
            old[i - 1]
        } else {
            Entry {
                key,
                raw: 0.0,
                indexed: false,
            }
        };
        let before = entry.raw;
        entry.raw += add;
        delta += (entry.raw * entry.raw - before * before) * scale * scale;
        if want_index && !entry.indexed {
            index(key);
            entry.indexed = true;
        }
        out.push(entry);
    }
    out.extend_from_slice(&old[i..]);
    if out.capacity() > out.len() + out.len() / 4 + 8 {
        out.shrink_to_fit();
    }
    *centroid = out;
    delta
}

/// A document's feature, weighted for this query.
#[derive(Clone, Copy, Debug)]
struct Weighted {
    key: FeatureKey,
    /// idf × boost: what a centroid's raw sum is multiplied by.
    scale: f32,
    body: f32,
    lead: f32,
}

/// The online story grouping. See the module docs.
///
/// ```
/// use syndic::Document;
/// use syndic::story::{Placement, StoryConfig, StoryIndex};
///
/// let mut stories = StoryIndex::new(StoryConfig::default());
/// let a = Document::new("a", "Firefighters fought a blaze at the Halvorsen Marine Supply \
///     warehouse in Port Ellis harbor on Tuesday. Fire chief Dolores Achterberg said two \
///     firefighters were treated for heat exhaustion after the warehouse roof collapsed.");
/// let b = Document::new("b", "A warehouse leased by Halvorsen Marine Supply burned on the \
///     Port Ellis waterfront, and chief Dolores Achterberg said the roof collapsed while two \
///     firefighters were treated for exhaustion.");
/// let first = stories.add(&a, "a");
/// let second = stories.add(&b, "b"); // "b": its own version family
/// assert_eq!(first.placement, Placement::New);
/// assert_eq!(second.story, first.story);
/// assert_eq!(&*second.story, "a");
/// ```
#[derive(Debug)]
pub struct StoryIndex {
    config: StoryConfig,
    analyzer: Analyzer,
    df: DocFrequencies,
    stories: KeyMap<u32, Story>,
    by_id: KeyMap<u64, u32>,
    families: KeyMap<u64, u32>,
    postings: Postings,
    labels: KeyMap<FeatureKey, Box<str>>,
    /// Summaries of closed stories not yet taken, with their numbers.
    closed: Vec<(u32, StorySummary)>,
    /// Refined stories of the documents of closed stories, not yet taken.
    refined: Vec<Refined>,
    next_serial: u32,
    docs: u64,
    clock: Option<Timestamp>,
    /// Index entries of all open stories (the entries marked `indexed`: the postings hold as
    /// many when compact, plus stale ones until the next compaction).
    story_entries: usize,
    labels_at_gc: usize,
}

impl StoryIndex {
    /// An empty index with the given settings (out-of-range settings are clamped; call
    /// [`StoryConfig::validate`] first to reject them instead).
    pub fn new(config: StoryConfig) -> Self {
        StoryIndex {
            analyzer: Analyzer::new(config.analyzer.clone()),
            df: DocFrequencies::new(f64::from(config.prior_docs)),
            config,
            stories: KeyMap::default(),
            by_id: KeyMap::default(),
            families: KeyMap::default(),
            postings: Postings::new(),
            labels: KeyMap::default(),
            closed: Vec::new(),
            refined: Vec::new(),
            next_serial: 0,
            docs: 0,
            clock: None,
            story_entries: 0,
            labels_at_gc: 0,
        }
    }

    /// Its settings.
    pub fn config(&self) -> &StoryConfig {
        &self.config
    }

    /// The analyzer it uses: analyse documents on other threads with it, then add them in
    /// order with [`StoryIndex::add_analysis`].
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Documents added.
    pub fn len(&self) -> u64 {
        self.docs
    }

    /// True when no document was added.
    pub fn is_empty(&self) -> bool {
        self.docs == 0
    }

    /// Stories open now (founded and not yet closed).
    pub fn open_stories(&self) -> usize {
        self.stories.len()
    }

    /// Stories founded so far, open or closed.
    pub fn stories_founded(&self) -> u32 {
        self.next_serial
    }

    /// Adds one document of version family `family` (any stable key of the family, such as
    /// the id of its first member or its canonical member — the same key for every member).
    pub fn add(&mut self, doc: &Document, family: &str) -> StoryAssignment {
        let analysis = self.analyzer.analyze(doc);
        self.add_analysis(&doc.id, doc.source.as_deref(), &analysis, family)
    }

    /// Adds a document already analysed with [`StoryIndex::analyzer`]. `id` is the document's
    /// id, `source` its outlet, `family` its version family (see [`StoryIndex::add`]).
    pub fn add_analysis(
        &mut self,
        id: &str,
        source: Option<&str>,
        analysis: &Analysis,
        family: &str,
    ) -> StoryAssignment {
        self.place_document(id, source, analysis, family, false)
    }

    /// Adds a document that the versions engine found too short to judge
    /// ([`crate::versions::Status::TooShort`] or `Empty`): it is kept in a story of its own,
    /// like its version family, unless an earlier member of its family already has a story.
    pub fn add_too_short(
        &mut self,
        id: &str,
        source: Option<&str>,
        analysis: &Analysis,
        family: &str,
    ) -> StoryAssignment {
        self.place_document(id, source, analysis, family, true)
    }

    fn place_document(
        &mut self,
        id: &str,
        source: Option<&str>,
        analysis: &Analysis,
        family: &str,
        too_short: bool,
    ) -> StoryAssignment {
        let doc = self.docs;
        self.docs += 1;
        let at = analysis.time.map(|t| t.at);
        if let Some(t) = at {
            self.clock = Some(self.clock.map_or(t, |c| c.max(t)));
        }
        let active = at.or(self.clock);
        let family_key = xxh3_64(family.as_bytes());
        let source_key = source.map(|s| xxh3_64(s.as_bytes()));

        let assignment = if let Some(&serial) = self.families.get(&family_key)
            && let Some(story) = self.stories.get_mut(&serial)
        {
            story.touch(doc, at, active, source_key);
            if let Some(&m) = story.family_member.get(&family_key) {
                story.members[m].docs.push((doc, at, source_key));
            }
            StoryAssignment {
                doc,
                story: Arc::clone(&story.id),
                serial,
                placement: Placement::Version,
                similarity: None,
            }
        } else {
            let terms = analysis.body_terms as usize;
            let (serial, placement, similarity, scales, index_cut) =
                if too_short || terms < self.config.min_terms {
                    (
                        self.found(id, analysis),
                        Placement::TooShort,
                        None,
                        Vec::new(),
                        f32::INFINITY,
                    )
                } else {
                    self.place(id, analysis)
                };
            let story = self
                .stories
                .get_mut(&serial)
                .expect("the story was just found or founded");
            story.versions += 1;
            story.touch(doc, at, active, source_key);
            if self.config.refine.is_some() {
                story.family_member.insert(family_key, story.members.len());
                story.members.push(Member {
                    id: Arc::from(id),
                    headline: analysis.headline.clone().into_boxed_str(),
                    features: analysis
                        .features
                        .iter()
                        .map(|f| (f.key, tf(f.count), tf(f.lead)))
                        .collect(),
                    at,
                    docs: vec![(doc, at, source_key)],
                });
            }
            let story_id = Arc::clone(&story.id);
            if placement != Placement::TooShort {
                self.absorb(serial, &analysis.features, &scales, index_cut);
            }
            self.families.insert(family_key, serial);
            StoryAssignment {
                doc,
                story: story_id,
                serial,
                placement,
                similarity,
            }
        };
        if self.docs % self.config.sweep_every.max(1) == 0 {
            self.sweep();
        }
        assignment
    }

    /// Scores the candidates of a new voice and returns (story, placement, similarity).
    /// Also returns, for [`StoryIndex::absorb`], each feature's scale (idf × boost) and the
    /// least body weight of a feature that is an index key (the
    /// [`StoryConfig::index_features`]-th highest).
    fn place(
        &mut self,
        id: &str,
        analysis: &Analysis,
    ) -> (u32, Placement, Option<f32>, Vec<f32>, f32) {
        let idf = self.df.observe(analysis.features.iter().map(|f| f.key));
        let query = self.weigh(&analysis.features, &idf);
        let best = self.best_story(&query, analysis.time.map(|t| t.at));
        let scales = query.iter().map(|w| w.scale).collect();
        let mut weights: Vec<f32> = query.iter().map(|w| w.body).collect();
        let k = self.config.index_features.max(1);
        let index_cut = if weights.len() <= k {
            0.0
        } else {
            *weights
                .select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a))
                .1
        };
        match best {
            Some((serial, score)) if score >= self.config.threshold => {
                (serial, Placement::Similar, Some(score), scales, index_cut)
            }
            _ => (
                self.found(id, analysis),
                Placement::New,
                best.map(|(_, s)| s),
                scales,
                index_cut,
            ),
        }
    }

    /// A document's features weighted with their IDF (`idf`, in the same order).
    fn weigh(&self, features: &[Feature], idf: &[f32]) -> Vec<Weighted> {
        features
            .iter()
            .zip(idf)
            .map(|(f, &idf)| {
                let scale = idf * self.config.boost(f.key.kind());
                Weighted {
                    key: f.key,
                    scale,
                    body: tf(f.count) * scale,
                    lead: tf(f.lead) * scale,
                }
            })
            .collect()
    }

    /// The best-scoring candidate story for a weighted document, with its score.
    fn best_story(&mut self, query: &[Weighted], at: Option<Timestamp>) -> Option<(u32, f32)> {
        let body_norm = query.iter().map(|w| w.body * w.body).sum::<f32>().sqrt();
        let lead_norm = query.iter().map(|w| w.lead * w.lead).sum::<f32>().sqrt();
        if body_norm == 0.0 {
            return None;
        }
        // Candidates: stories sharing the most weight over the top features.
        let mut ranked: Vec<&Weighted> = query.iter().filter(|w| w.body > 0.0).collect();
        ranked.sort_unstable_by(|a, b| b.body.total_cmp(&a.body).then(a.key.cmp(&b.key)));
        let top = &ranked[..ranked.len().min(self.config.query_features)];
        // A map sized for this query: iterating a map costs its capacity, so one kept across
        // queries would cost the largest query's size every time.
        let mut scores: KeyMap<u32, f32> =
            KeyMap::with_capacity_and_hasher((top.len() * 16).min(4096), Default::default());
        for w in top {
            let list = self.postings.get(w.key);
            let recent = &list[list.len().saturating_sub(self.config.max_postings)..];
            for &serial in recent {
                *scores.entry(serial).or_insert(0.0) += w.body;
            }
        }
        let mut candidates: Vec<(f32, u32)> = scores.into_iter().map(|(s, v)| (v, s)).collect();
        candidates.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        candidates.truncate(self.config.max_candidates);

        let time = TimeFactor {
            window: self.config.window,
        };
        let lead_weight = self.config.lead_weight;
        // What a centroid's raw sums are multiplied by, per feature: the document's weight
        // times the feature's scale (the lead's only over the features in the lead).
        let body_query: Vec<(FeatureKey, f32)> =
            query.iter().map(|w| (w.key, w.body * w.scale)).collect();
        let lead_query: Vec<(FeatureKey, f32)> = query
            .iter()
            .filter(|w| w.lead > 0.0)
            .map(|w| (w.key, w.lead * w.scale))
            .collect();

        let mut best: Option<(u32, f32)> = None;
        for &(_, serial) in &candidates {
            let Some(story) = self.stories.get_mut(&serial) else {
                continue; // a stale index entry of a closed story
            };
            if self.df.observed() as f64 > story.norm_docs * (1.0 + self.config.norm_drift) {
                refresh_norms(story, &self.df, &self.config);
            }
            if story.body_norm == 0.0 {
                continue;
            }
            let dot_body = merge_dot(&body_query, &story.body);
            let dot_lead = if lead_norm > 0.0 {
                merge_dot(&lead_query, &story.lead)
            } else {
                0.0
            };
            let cos_body = dot_body / (body_norm * story.body_norm);
            let cos_lead = if lead_norm > 0.0 && story.lead_norm > 0.0 {
                dot_lead / (lead_norm * story.lead_norm)
            } else {
                0.0
            };
            let score = (cos_body + lead_weight * cos_lead) / (1.0 + lead_weight)
                * time.factor(at, story.span());
            let better = match best {
                None => true,
                Some((b_serial, b_score)) => {
                    score > b_score || (score == b_score && serial < b_serial)
                }
            };
            if better {
                best = Some((serial, score));
            }
        }
        best
    }

    /// Founds a new, empty story named after document `id`; returns its number.
    fn found(&mut self, id: &str, analysis: &Analysis) -> u32 {
        let serial = self.next_serial;
        self.next_serial += 1;
        let id: Arc<str> = Arc::from(id);
        self.by_id.insert(xxh3_64(id.as_bytes()), serial);
        self.stories.insert(
            serial,
            Story {
                id,
                headline: analysis.headline.clone(),
                body: Vec::new(),
                lead: Vec::new(),
                body_norm: 0.0,
                lead_norm: 0.0,
                norm_docs: 0.0,
                documents: 0,
                versions: 0,
                sources: KeySet::default(),
                first_seen: None,
                last_seen: None,
                active_doc: self.docs,
                active_time: None,
                members: Vec::new(),
                family_member: KeyMap::default(),
            },
        );
        serial
    }

    /// Adds a document's features to a story's centroid, indexes the new ones, prunes the
    /// centroid to its best `max_terms` and refreshes its norms.
    fn absorb(&mut self, serial: u32, features: &[Feature], scales: &[f32], index_cut: f32) {
        let Some(story) = self.stories.get_mut(&serial) else {
            return;
        };
        let before = indexed_entries(&story.body);
        let (df, config) = (&self.df, &self.config);
        let (postings, labels) = (&mut self.postings, &mut self.labels);
        // The earlier members fade (`member_decay`): the centroid follows the story's latest
        // reports. Every entry scales alike, so the norms scale exactly.
        let decay = config.member_decay.clamp(0.0, 1.0);
        if decay < 1.0 {
            for e in story.body.iter_mut().chain(story.lead.iter_mut()) {
                e.raw *= decay;
            }
            story.body_norm *= decay;
            story.lead_norm *= decay;
        }
        // Norms are kept up to date incrementally for the changed entries (with today's
        // weights); the others drift until a refresh (`norm_drift`) or a pruning.
        let body_delta = merge_add(
            &mut story.body,
            features.iter().zip(scales).map(|(f, &scale)| {
                let weight = tf(f.count) * scale;
                // Only the document's most telling features are index keys: those a query
                // for the same event would look up. Words too common to narrow the search
                // are never keys.
                let index = weight >= index_cut && scale >= config.index_min_scale;
                (f.key, tf(f.count), scale, index)
            }),
            |key| {
                postings.insert(key, serial);
                // Labels are kept for index keys only: what a summary lists.
                let i = features.partition_point(|f| f.key < key);
                labels
                    .entry(key)
                    .or_insert_with(|| features[i].label.clone());
            },
        );
        let lead_delta = merge_add(
            &mut story.lead,
            features
                .iter()
                .zip(scales)
                .map(|(f, &scale)| (f.key, tf(f.lead), scale, false)),
            |_| {},
        );
        story.body_norm = (story.body_norm.powi(2) + body_delta).max(0.0).sqrt();
        story.lead_norm = (story.lead_norm.powi(2) + lead_delta).max(0.0).sqrt();
        let max = config.max_terms.max(1);
        // A list grown past twice `max_terms` is cut back to its best `max_terms` entries,
        // weighted with today's weights; its norm is then exact again.
        let prune = |entries: &mut Vec<Entry>, norm: &mut f32| {
            if entries.len() <= 2 * max {
                return false;
            }
            let mut ranked: Vec<(f32, Entry)> = entries
                .iter()
                .map(|&e| (e.raw * df.idf(e.key) * config.boost(e.key.kind()), e))
                .collect();
            ranked.select_nth_unstable_by(max - 1, |a, b| {
                b.0.total_cmp(&a.0).then(a.1.key.cmp(&b.1.key))
            });
            ranked.truncate(max);
            *norm = ranked.iter().map(|x| x.0 * x.0).sum::<f32>().sqrt();
            entries.clear();
            entries.extend(ranked.into_iter().map(|(_, e)| e));
            entries.sort_unstable_by_key(|e| e.key);
            true
        };
        let body_pruned = prune(&mut story.body, &mut story.body_norm);
        let lead_pruned = prune(&mut story.lead, &mut story.lead_norm);
        if (body_pruned && lead_pruned) || story.norm_docs == 0.0 {
            // Both norms exact with today's weights (a new story's entries were all just
            // computed with them).
            story.norm_docs = df.observed() as f64;
        }
        self.story_entries =
            (self.story_entries + indexed_entries(&story.body)).saturating_sub(before);
    }

    /// Closes idle stories, decays document frequencies, compacts the index. See the module
    /// docs.
    fn sweep(&mut self) {
        let horizon = self
            .clock
            .map(|c| c.saturating_sub(self.config.horizon.max(0)));
        let idle_before = self.docs.saturating_sub(self.config.idle_docs);
        let mut closing: Vec<u32> = self
            .stories
            .iter()
            .filter(|(_, s)| {
                let stale_time = matches!((s.active_time, horizon), (Some(a), Some(h)) if a < h);
                stale_time || s.active_doc < idle_before
            })
            .map(|(&serial, _)| serial)
            .collect();
        closing.sort_unstable();
        for serial in closing {
            self.close(serial);
        }
        let stories = &self.stories;
        self.families.retain(|_, s| stories.contains_key(s));
        let half_lives = self.config.sweep_every as f64 / self.config.df_half_life.max(1) as f64;
        self.df.decay(0.5f64.powf(half_lives));
        if self.postings.entries() > 2 * self.story_entries + 4096 {
            self.postings.compact(|key, serial| {
                stories.get(&serial).is_some_and(|s| {
                    s.body
                        .binary_search_by_key(&key, |e| e.key)
                        .is_ok_and(|i| s.body[i].indexed)
                })
            });
        }
        if self.labels.len() > 2 * self.labels_at_gc.max(4096) {
            let mut live: KeySet<FeatureKey> = KeySet::default();
            for s in stories.values() {
                live.extend(s.body.iter().map(|e| e.key));
            }
            self.labels.retain(|k, _| live.contains(k));
            self.labels_at_gc = self.labels.len();
        }
    }

    /// Closes open story `serial`: queues its summary (and, with refinement, its parts'
    /// summaries and its documents' refined stories) and frees it.
    fn close(&mut self, serial: u32) {
        let summaries = match self.config.refine.clone() {
            Some(refine) => self.refine_story(serial, &refine),
            None => self.summarize(serial).into_iter().collect(),
        };
        self.closed
            .extend(summaries.into_iter().map(|summary| (serial, summary)));
        if let Some(story) = self.stories.remove(&serial) {
            self.story_entries -= indexed_entries(&story.body).min(self.story_entries);
            self.by_id.remove(&xxh3_64(story.id.as_bytes()));
        }
    }

    /// Splits open story `serial` per [`refine::split`]; queues its documents' refined
    /// stories and returns the parts' summaries.
    fn refine_story(&mut self, serial: u32, config: &RefineConfig) -> Vec<StorySummary> {
        let Some(story) = self.stories.get(&serial) else {
            return Vec::new();
        };
        if story.members.is_empty() {
            return self.summarize(serial).into_iter().collect();
        }
        let members = &story.members;
        let lead_weight = self.config.lead_weight;
        let time = TimeFactor {
            window: self.config.window,
        };
        // Document frequencies within the story, for the contrast.
        let mut local: KeyMap<FeatureKey, u32> = KeyMap::default();
        if config.contrast > 0.0 {
            for m in members {
                for &(k, _, _) in m.features.iter() {
                    *local.entry(k).or_insert(0) += 1;
                }
            }
        }
        let n = members.len() as f32;
        let contrast = |k: FeatureKey| match local.get(&k) {
            Some(&df) => ((n + 1.0) / df as f32).ln().powf(config.contrast),
            None => 1.0,
        };
        // Each member's weighted vectors, normalised: (key, body, lead), sorted by key.
        let vectors: Vec<Vec<(FeatureKey, f32, f32)>> = members
            .iter()
            .map(|m| {
                let mut v: Vec<(FeatureKey, f32, f32)> = m
                    .features
                    .iter()
                    .map(|&(k, body, lead)| {
                        let scale = self.df.idf(k) * self.config.boost(k.kind()) * contrast(k);
                        (k, body * scale, lead * scale)
                    })
                    .collect();
                let nb = v.iter().map(|x| x.1 * x.1).sum::<f32>().sqrt();
                let nl = v.iter().map(|x| x.2 * x.2).sum::<f32>().sqrt();
                for x in &mut v {
                    x.1 = if nb > 0.0 { x.1 / nb } else { 0.0 };
                    x.2 = if nl > 0.0 { x.2 / nl } else { 0.0 };
                }
                v
            })
            .collect();
        let sim = |i: usize, j: usize| {
            let (a, b) = (&vectors[i], &vectors[j]);
            let (mut x, mut y, mut body, mut lead) = (0, 0, 0.0, 0.0);
            while x < a.len() && y < b.len() {
                match a[x].0.cmp(&b[y].0) {
                    std::cmp::Ordering::Less => x += 1,
                    std::cmp::Ordering::Greater => y += 1,
                    std::cmp::Ordering::Equal => {
                        body += a[x].1 * b[y].1;
                        lead += a[x].2 * b[y].2;
                        x += 1;
                        y += 1;
                    }
                }
            }
            let span = members[j].at.map(|t| (t, t));
            (body + lead_weight * lead) / (1.0 + lead_weight) * time.factor(members[i].at, span)
        };
        let groups = refine::split(members.len(), sim, config);
        let parts = groups.iter().copied().max().map_or(0, |g| g + 1);
        let mut summaries = Vec::with_capacity(parts);
        let mut refined = Vec::new();
        for part in 0..parts {
            let in_part: Vec<&Member> = members
                .iter()
                .zip(&groups)
                .filter(|&(_, &g)| g == part)
                .map(|(m, _)| m)
                .collect();
            let first = in_part[0];
            let id = if part == 0 {
                Arc::clone(&story.id)
            } else {
                Arc::clone(&first.id)
            };
            let mut body: KeyMap<FeatureKey, f32> = KeyMap::default();
            let mut sources: KeySet<u64> = KeySet::default();
            let (mut first_seen, mut last_seen) = (None::<Timestamp>, None::<Timestamp>);
            let mut documents = 0u32;
            for m in &in_part {
                for &(k, tf, _) in m.features.iter() {
                    *body.entry(k).or_insert(0.0) += tf;
                }
                for &(doc, at, source) in &m.docs {
                    documents += 1;
                    sources.extend(source);
                    if let Some(t) = at {
                        first_seen = Some(first_seen.map_or(t, |f| f.min(t)));
                        last_seen = Some(last_seen.map_or(t, |l| l.max(t)));
                    }
                    refined.push(Refined {
                        doc,
                        story: Arc::clone(&id),
                    });
                }
            }
            let mut body: Vec<(FeatureKey, f32)> = body.into_iter().collect();
            body.sort_unstable_by_key(|&(k, _)| k);
            summaries.push(self.summary_of(
                &id,
                &first.headline,
                &body,
                (first_seen, last_seen),
                (documents, u32::try_from(in_part.len()).unwrap_or(u32::MAX)),
                u32::try_from(sources.len()).unwrap_or(u32::MAX),
            ));
        }
        self.refined.extend(refined);
        summaries
    }

    /// Takes the refined stories of the documents of stories closed since the last call
    /// (refinement on only; see [`StoryConfig::refine`]).
    pub fn drain_refined(&mut self) -> Vec<Refined> {
        std::mem::take(&mut self.refined)
    }

    /// The summary of open story `serial`.
    fn summarize(&self, serial: u32) -> Option<StorySummary> {
        let story = self.stories.get(&serial)?;
        let body: Vec<(FeatureKey, f32)> = story.body.iter().map(|e| (e.key, e.raw)).collect();
        Some(self.summary_of(
            &story.id,
            &story.headline,
            &body,
            (story.first_seen, story.last_seen),
            (story.documents, story.versions),
            u32::try_from(story.sources.len()).unwrap_or(u32::MAX),
        ))
    }

    /// A summary from a story's parts: its top names and terms are read off `body`.
    fn summary_of(
        &self,
        id: &str,
        headline: &str,
        body: &[(FeatureKey, f32)],
        (first_seen, last_seen): (Option<Timestamp>, Option<Timestamp>),
        (documents, versions): (u32, u32),
        sources: u32,
    ) -> StorySummary {
        let config = &self.config;
        // Only features with a label (a member's index keys: its most telling features) are
        // listed.
        let mut ranked: Vec<(f32, FeatureKey)> = body
            .iter()
            .filter(|(k, _)| self.labels.contains_key(k))
            .map(|&(k, raw)| (raw * self.df.idf(k) * config.boost(k.kind()), k))
            .collect();
        ranked.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let label = |k: FeatureKey| {
            self.labels
                .get(&k)
                .map_or_else(|| format!("{:016x}", k.0), ToString::to_string)
        };
        let lower_words = |k: FeatureKey| -> Vec<u64> {
            label(k)
                .split(' ')
                .map(|w| xxh3_64(w.to_lowercase().as_bytes()))
                .collect()
        };
        // Entities first: a name word already inside a listed entity is not listed again.
        let entities: Vec<FeatureKey> = ranked
            .iter()
            .map(|&(_, k)| k)
            .filter(|k| k.kind() == FeatureKind::Entity)
            .take(config.summary_names)
            .collect();
        let covered: KeySet<u64> = entities.iter().flat_map(|&k| lower_words(k)).collect();
        let names: Vec<String> = ranked
            .iter()
            .map(|&(_, k)| k)
            .filter(|k| match k.kind() {
                FeatureKind::Entity => entities.contains(k),
                FeatureKind::Name => !lower_words(*k).iter().all(|w| covered.contains(w)),
                FeatureKind::Term => false,
            })
            .take(config.summary_names)
            .map(label)
            .collect();
        // Terms that are only a name's word again are left out.
        let name_words: KeySet<u64> = body
            .iter()
            .map(|&(k, _)| k)
            .filter(|k| k.kind() != FeatureKind::Term)
            .flat_map(lower_words)
            .collect();
        let terms: Vec<String> = ranked
            .iter()
            .filter(|(_, k)| k.kind() == FeatureKind::Term)
            .map(|&(_, k)| label(k))
            .filter(|t| !name_words.contains(&xxh3_64(t.as_bytes())))
            .take(config.summary_terms)
            .collect();
        StorySummary {
            id: id.to_string(),
            headline: headline.to_string(),
            first_seen,
            last_seen,
            documents,
            versions,
            sources,
            names,
            terms,
        }
    }

    /// The summary of the open story with id `id` (its first document's id), if it is open.
    pub fn summary(&self, id: &str) -> Option<StorySummary> {
        let serial = *self.by_id.get(&xxh3_64(id.as_bytes()))?;
        self.summarize(serial)
    }

    /// Summaries of the open stories, in order of creation.
    pub fn summaries(&self) -> Vec<StorySummary> {
        let mut serials: Vec<u32> = self.stories.keys().copied().collect();
        serials.sort_unstable();
        serials
            .into_iter()
            .filter_map(|s| self.summarize(s))
            .collect()
    }

    /// Takes the summaries of the stories closed since the last call, in order of closing.
    /// Call it now and then on a long stream: until taken, they are kept.
    pub fn drain_closed(&mut self) -> Vec<StorySummary> {
        std::mem::take(&mut self.closed)
            .into_iter()
            .map(|(_, summary)| summary)
            .collect()
    }

    /// Ends a batch run: closes every open story and returns every story's summary, closed
    /// earlier or now, in order of creation, with the refined stories of the documents not yet
    /// taken with [`StoryIndex::drain_refined`] (empty unless [`StoryConfig::refine`] is on;
    /// with it on, the summaries are those of the refined stories).
    pub fn finish(mut self) -> (Vec<StorySummary>, Vec<Refined>) {
        let mut open: Vec<u32> = self.stories.keys().copied().collect();
        open.sort_unstable();
        for serial in open {
            self.close(serial);
        }
        let mut all = std::mem::take(&mut self.closed);
        all.sort_by_key(|(serial, _)| *serial);
        let summaries = all.into_iter().map(|(_, summary)| summary).collect();
        (summaries, std::mem::take(&mut self.refined))
    }

    /// The story similarity of two documents as this index would score the second against a
    /// story made of the first alone, with the index's current document frequencies (both
    /// documents counted in): a figure in `[0, 1]`, comparable with
    /// [`StoryConfig::threshold`]. The index is not changed.
    pub fn similarity(&self, a: &Analysis, b: &Analysis) -> f32 {
        let mut df = self.df.clone();
        df.observe(a.features.iter().map(|f| f.key));
        df.observe(b.features.iter().map(|f| f.key));
        let config = &self.config;
        let weigh = |features: &[Feature]| -> KeyMap<FeatureKey, (f32, f32)> {
            features
                .iter()
                .map(|f| {
                    let scale = df.idf(f.key) * config.boost(f.key.kind());
                    (f.key, (tf(f.count) * scale, tf(f.lead) * scale))
                })
                .collect()
        };
        let (wa, wb) = (weigh(&a.features), weigh(&b.features));
        let cos = |pick: fn(&(f32, f32)) -> f32| {
            let dot: f32 = wa
                .iter()
                .filter_map(|(k, x)| wb.get(k).map(|y| pick(x) * pick(y)))
                .sum();
            let na = wa.values().map(|x| pick(x).powi(2)).sum::<f32>().sqrt();
            let nb = wb.values().map(|x| pick(x).powi(2)).sum::<f32>().sqrt();
            if na == 0.0 || nb == 0.0 {
                0.0
            } else {
                dot / (na * nb)
            }
        };
        let body = cos(|x| x.0);
        let lead = cos(|x| x.1);
        let time = TimeFactor {
            window: config.window,
        };
        let span = a.time.map(|t| (t.at, t.at));
        (body + config.lead_weight * lead) / (1.0 + config.lead_weight)
            * time.factor(b.time.map(|t| t.at), span)
    }

    /// Approximate heap bytes held by the index (open stories, index, weights, labels).
    pub fn heap_bytes(&self) -> usize {
        let entry = std::mem::size_of::<(FeatureKey, f32)>() + 1;
        let stories: usize = self
            .stories
            .values()
            .map(|s| {
                (s.body.capacity() + s.lead.capacity()) * entry
                    + s.sources.capacity() * 9
                    + s.headline.capacity()
                    + s.id.len()
                    + std::mem::size_of::<Story>()
            })
            .sum();
        let labels: usize = self.labels.values().map(|l| l.len() + 8 + 16 + 1).sum();
        stories
            + labels
            + self.postings.heap_bytes()
            + self.df.heap_bytes()
            + (self.by_id.capacity() + self.families.capacity()) * 13
    }
}
