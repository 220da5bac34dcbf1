//! The live index: version families kept up to date one document at a time, over a [`Store`].
//!
//! The central type is [`LiveIndex`]. It places each arriving document exactly as
//! [`VersionIndex`](crate::versions::VersionIndex) does — same sketch, same LSH candidates in the
//! same order, same verification rule, same family floor, same canonical choice — so its answers
//! equal batch `syndic dedup` over the same documents in the same order. What differs is where
//! state lives: shingle sets, placements and families are in the store; in memory there is only
//! the LSH band table and a few numbers per document, so a restart reloads without re-verifying.
//!
//! ## Stories
//! Each document is also placed in a story by a [`StoryIndex`], right after its version family
//! is known — as batch `syndic stories` does — and its story is stored with its placement. The
//! story index lives in memory only (bounded by its time window); opening a store replays the
//! stored documents through it in arrival order, which rebuilds it exactly. That replay reads
//! every stored text: it is what start-up time grows with.
//!
//! ## Writes
//! [`LiveIndex::add`] takes groups of documents (a group is one request: all accepted or all
//! rejected), places them in order, writes everything in **one** store transaction and returns
//! once it is durable. One call per round of waiting requests is the group commit that lets a
//! service acknowledge thousands of single-document requests per second with one fsync each
//! round. Writes are serialised inside; reads ([`LiveIndex::document`], [`LiveIndex::family`])
//! read a store snapshot and never wait for the writer.
//!
//! ## Families merge
//! A document that verifies against members of two families, each near its family's canonical
//! member, joins the closest; each other family merges into it when the two canonical members
//! are versions of each other — the rule of
//! [`VersionIndex`](crate::versions::VersionIndex), so a version that arrived before its
//! original ends in the original's family here too. The merge is recorded in the placement of
//! the document that caused it (`merged`: the keys of the families absorbed), so opening a
//! store replays it without verifying anything. A placement's `family` stays the family the
//! document joined on arrival; the store keeps a row only for the families there are now, a
//! `merged` record for each family merged away (readers follow them), and the `members` of the
//! surviving family (a merge moves them).
//!
//! ## Deletes keep families correct
//! [`LiveIndex::delete`] removes a document and re-places every later one, as if the deleted one
//! had never arrived: the index then equals a batch run over the remaining documents in the same
//! order. Earlier documents keep their placement (placement only looks back in time); the
//! in-memory band table is rebuilt from stored keys. The cost is one pass over the index — fine
//! for take-downs, not for bulk deletion.

use super::{
    FamilyRow, Header, NewDocument, Placement, Store, StoreReader, StoredDocument, StoredSketch,
    WriteBatch,
};
use crate::document::{Document, Timestamp, format_timestamp};
use crate::error::{Error, Result};
use crate::families::{self, Families, Match, better_canonical};
use crate::lsh::{Candidate, ChunkHits, LshIndex};
use crate::minhash::Fingerprints;
use crate::story::{
    Analysis, Analyzer, Placement as StoryPlacement, StoryAssignment, StoryConfig, StoryIndex,
    StorySummary,
};
use crate::verify::Overlap;
use crate::versions::{Sketch, Sketcher, Status, VersionConfig, VersionRecord};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A document validated and sketched, ready for [`LiveIndex::add`]. Sketching is the costly
/// part of adding; do it on any thread ([`LiveIndex::prepare`] takes `&self`).
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The record to store.
    pub document: StoredDocument,
    /// Its sketch.
    pub sketch: StoredSketch,
    /// Overlaps with indexed documents it will likely be compared with, by arrival number,
    /// sorted — worked out ahead on the caller's thread so the single writer mostly looks them
    /// up. A cache only: an overlap is exact, so a missing or stale entry changes no answer.
    pub hints: Vec<(u64, Overlap)>,
    /// The story analysis of the document (terms, names, time).
    pub analysis: Analysis,
}

/// The answer for one added document: its version family right after it arrived.
///
/// JSON form: the fields of a `syndic dedup` line ([`VersionRecord`]), the arrival number and
/// the story (as `syndic stories` reports it):
/// ```json
/// {"id":"b","version":"a","canonical":false,"similarity":0.62,"containment":0.91,
///  "closest":"a","family_size":2,"status":"ok","seq":1,
///  "story":"a","story_placement":"version"}
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The version family, as `syndic dedup` reports it.
    #[serde(flatten)]
    pub record: VersionRecord,
    /// Arrival number in the index (counts from 0, never reused).
    pub seq: u64,
    /// Its story (the id of the story's first document), as `syndic stories` reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story: Option<String>,
    /// How it was placed in its story: `new`, `similar`, `version` or `too_short`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story_placement: Option<StoryPlacement>,
    /// The story similarity it joined at (for `new`, that of the closest story not joined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story_similarity: Option<f64>,
}

/// The outcome of one group given to [`LiveIndex::add`]: its answers, or why it was refused.
pub type GroupOutcome = std::result::Result<Vec<Answer>, Rejection>;

/// Why a group of documents was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Position of the offending document in its group (from 0).
    pub index: usize,
    /// Its id.
    pub id: String,
    /// What is wrong.
    pub reason: RejectReason,
}

/// The reason for a [`Rejection`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The index already holds a document with this id.
    DuplicateId,
    /// The id appears twice in the same group.
    RepeatedInGroup,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.reason {
            RejectReason::DuplicateId => write!(f, "document id `{}` is already indexed", self.id),
            RejectReason::RepeatedInGroup => {
                write!(f, "document id `{}` appears twice in the request", self.id)
            }
        }
    }
}

/// A stored document with its current version family.
///
/// JSON form: the [`VersionRecord`] fields, then `seq`, the input fields (`title`, `source`,
/// `url`, `published` as RFC 3339), `received` (RFC 3339) and `text`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocumentView {
    /// Its version family now (the canonical may have moved since it arrived).
    #[serde(flatten)]
    pub record: VersionRecord,
    /// Arrival number.
    pub seq: u64,
    /// Its story.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub story: Option<String>,
    /// How it was placed in its story.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub story_placement: Option<StoryPlacement>,
    /// Headline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Outlet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Publication time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// When the index received it.
    pub received: String,
    /// The text.
    pub text: String,
}

/// A version family with its members.
///
/// JSON form:
/// `{"version":"a","family_size":2,"members":[{…dedup line…},…],"truncated":false}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FamilyView {
    /// The family id: its canonical member's id.
    pub version: String,
    /// Number of members.
    pub family_size: u32,
    /// Members in arrival order (at most the requested limit), each as a `dedup` line.
    pub members: Vec<VersionRecord>,
    /// True when there are more members than listed.
    pub truncated: bool,
}

/// What [`LiveIndex::match_document`] finds for a text, without storing it.
///
/// JSON form: `{"status":"ok","version":"a","closest":"a","similarity":0.62,
/// "containment":0.91,"family_size":2,"would_be_canonical":false,"story":"a"}`; `version`,
/// `closest`, `family_size` and `story` are absent when no indexed document is a version of the
/// text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchAnswer {
    /// How the text was judged.
    pub status: Status,
    /// The family it would join: its canonical member's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The closest indexed version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closest: Option<String>,
    /// Jaccard similarity to the family's canonical member (0 without a family).
    pub similarity: f64,
    /// Containment with the family's canonical member (0 without a family).
    pub containment: f64,
    /// Size of the family it would join.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_size: Option<u32>,
    /// Whether, once added, it would become the family's canonical member.
    pub would_be_canonical: bool,
    /// The story it would join as a version: its family's story, while that story is open.
    /// (A text that is no version of anything is not scored against the stories here.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story: Option<String>,
}

/// What a document adds against its closest earlier version: a short summary of their
/// [diff](crate::diff), sentence by sentence.
///
/// JSON form:
/// ```json
/// {"against":"a","shared":5,"rewritten":1,"added":2,"dropped":0,
///  "added_text":["UPDATE: The budget takes effect in June."]}
/// ```
/// `added` counts sentences only in this document, `dropped` sentences only in the earlier one,
/// `rewritten` sentence pairs changed but similar; `added_text` holds the first
/// [`ADDS_PASSAGES`] added passages, each cut to [`ADDS_CHARS`] characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adds {
    /// Id of the earlier version compared with.
    pub against: String,
    /// Sentences in both.
    pub shared: usize,
    /// Sentence pairs rewritten.
    pub rewritten: usize,
    /// Sentences only in this document.
    pub added: usize,
    /// Sentences only in the earlier version.
    pub dropped: usize,
    /// The first added passages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added_text: Vec<String>,
}

/// Added passages quoted in [`Adds::added_text`].
pub const ADDS_PASSAGES: usize = 3;
/// Characters kept of each quoted passage.
pub const ADDS_CHARS: usize = 200;

impl Adds {
    /// Summarises what `text` adds against `earlier` (the text of document `against`).
    pub fn of(against: &str, earlier: &str, text: &str) -> Adds {
        let diff = crate::diff::Differ::new().diff(earlier, text);
        let added_text = diff
            .passages
            .iter()
            .filter(|p| p.kind == crate::diff::PassageKind::OnlyB)
            .filter_map(|p| p.b.as_ref())
            .take(ADDS_PASSAGES)
            .map(|e| cut(&e.text, ADDS_CHARS))
            .collect();
        Adds {
            against: against.to_string(),
            shared: diff.counts.shared,
            rewritten: diff.counts.rewritten,
            added: diff.counts.only_b,
            dropped: diff.counts.only_a,
            added_text,
        }
    }
}

/// The first `max` characters of `text`, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", text[..at].trim_end()),
        None => text.to_string(),
    }
}

/// A document's story, with the fields of a `syndic stories` line.
///
/// JSON form: `{"id":"b","version":"a","story":"a","placement":"similar","similarity":0.41}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoryLine {
    /// Document id.
    pub id: String,
    /// Version family id (its canonical member's id, now).
    pub version: String,
    /// Story id.
    pub story: String,
    /// How the document was placed in its story.
    pub placement: StoryPlacement,
    /// Story similarity it joined at (for `new`, of the closest story not joined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
}

/// A story with its documents.
///
/// JSON form: a [`StorySummary`] plus `open` (still taking documents), `members` (document ids
/// in arrival order, at most the requested limit) and `truncated`:
/// `{"id":"a","headline":"…","first_seen":"…","last_seen":"…","documents":3,"versions":2,
///   "sources":2,"names":[…],"terms":[…],"open":true,"members":["a","b","c"],"truncated":false}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoryView {
    /// The story's summary.
    #[serde(flatten)]
    pub summary: StorySummary,
    /// Whether the story is still open (new reports may join it).
    pub open: bool,
    /// Its documents' ids, in arrival order.
    pub members: Vec<String>,
    /// True when it has more documents than listed.
    pub truncated: bool,
}

/// A story in a listing (`GET /stories`): its summary and whether it is open.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ListedStory {
    /// The story's summary.
    #[serde(flatten)]
    pub summary: StorySummary,
    /// Whether the story is still open.
    pub open: bool,
}

/// What [`LiveIndex::delete`] did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deleted {
    /// The deleted document's id.
    pub id: String,
    /// Its arrival number.
    pub seq: u64,
    /// Later documents whose placement changed because of the deletion.
    pub replaced: u64,
}

/// Counts over the live index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IndexStats {
    /// Documents indexed.
    pub documents: u64,
    /// Version families.
    pub families: u64,
    /// Stories open (in memory).
    pub open_stories: u64,
    /// Stories closed (on disk).
    pub closed_stories: u64,
    /// The next arrival number.
    pub next_seq: u64,
}

#[derive(Debug)]
struct DocEntry {
    seq: u64,
    id: Box<str>,
}

/// Where a document was just placed (engine numbers: positions among indexed documents).
#[derive(Clone, Debug)]
struct Placed {
    doc: u32,
    family: u32,
    canonical: u32,
    closest: Option<(u32, Overlap)>,
    status: Status,
    /// Families merged into `family` on this document's arrival, in the order merged.
    merged: Vec<u32>,
}

/// The exact overlap of the document being placed with an indexed one, by arrival number.
/// Overlaps are a pure function of the two shingle sets, so any source — computed now, or ahead
/// of time by [`LiveIndex::prepare`] — gives the same placement.
type OverlapWith<'a> = dyn FnMut(u64) -> Result<Overlap> + 'a;

/// The exact overlap of two indexed documents, by arrival number (the canonical members of two
/// families about to merge; the document being placed may be one of them).
type PairOverlap<'a> = dyn FnMut(u64, u64) -> Result<Overlap> + 'a;

/// The in-memory part of the engine: band table, per-document numbers and signature
/// fingerprints, families.
#[derive(Debug)]
struct Core {
    config: VersionConfig,
    lsh: LshIndex,
    docs: Vec<DocEntry>,
    /// Families over engine numbers; a family's key is its first member's arrival number.
    families: Families,
    /// Each document's fingerprint: the cheap Jaccard estimate that spares most candidates an
    /// exact verification, as in [`VersionIndex`](crate::versions::VersionIndex) (unknown for
    /// documents of a format-1 store).
    prints: Fingerprints,
}

impl Core {
    fn new(config: &VersionConfig) -> Self {
        Core {
            config: config.clone(),
            lsh: LshIndex::new(config.banding().bands, config.max_bucket),
            docs: Vec::new(),
            families: Families::default(),
            prints: Fingerprints::new(config.num_perm),
        }
    }

    /// Makes room for `additional` more documents (see
    /// [`VersionIndex::reserve`](crate::versions::VersionIndex::reserve)).
    fn reserve(&mut self, additional: usize) {
        self.lsh.reserve(additional);
        self.docs.reserve(additional);
        self.families.reserve(additional);
        self.prints.reserve(additional);
    }

    /// Splits a stored band-key record into band keys and fingerprint (absent in format 1).
    fn split_keys(&self, seq: u64, mut stored: Vec<u64>) -> Result<(Vec<u64>, Vec<u64>)> {
        let bands = self.config.banding().bands;
        if stored.is_empty() || stored.len() == bands {
            return Ok((stored, Vec::new()));
        }
        if stored.len() != bands + self.prints.per_doc() {
            return Err(Error::Store(format!(
                "document {seq} has {} band-key words, the index uses {bands} (+{} fingerprint)",
                stored.len(),
                self.prints.per_doc()
            )));
        }
        let print = stored.split_off(bands);
        Ok((stored, print))
    }

    /// The engine number of an arrival number.
    fn doc_of(&self, seq: u64) -> Option<u32> {
        self.docs
            .binary_search_by_key(&seq, |d| d.seq)
            .ok()
            .and_then(|i| u32::try_from(i).ok())
    }

    /// The candidates worth verifying, as `VersionIndex` ranks them: those the band table
    /// proposes whose fingerprint estimate clears the prefilter, best estimate first (ties:
    /// newest first), at most `max_verify` of them. Without fingerprints to compare, a
    /// candidate ranks by its shared bands and is always verified.
    fn candidates(&self, sketch: &Sketch) -> Vec<u32> {
        let mut candidates: Vec<Candidate> = Vec::new();
        self.lsh.query(&sketch.keys, &mut candidates);
        let mut ranked = Vec::with_capacity(candidates.len());
        self.config
            .rank_candidates(sketch, &candidates, |doc| self.prints.get(doc), &mut ranked);
        ranked.into_iter().map(|(_, doc)| doc).collect()
    }

    /// The candidates that pass the version rule on their exact shingle sets, best first
    /// (highest Jaccard, then earliest), as `VersionIndex` verifies them.
    fn matches(&self, sketch: &Sketch, overlap: &mut OverlapWith<'_>) -> Result<Vec<Match>> {
        let mut candidates: Vec<Candidate> = Vec::new();
        self.lsh.query(&sketch.keys, &mut candidates);
        self.config.verify(
            sketch,
            &candidates,
            |doc| self.prints.get(doc),
            &mut Vec::new(),
            |doc| overlap(self.docs[doc as usize].seq),
        )
    }

    /// The closest acceptable earlier member and the other families the document also belongs
    /// near, as `VersionIndex` chooses them (see [`families::choose`]).
    fn choose(
        &self,
        matches: &[Match],
        overlap: &mut OverlapWith<'_>,
    ) -> Result<(Option<Match>, Vec<u32>)> {
        families::choose(&self.families, matches, |canonical| {
            families::near_canonical(matches, canonical, self.config.family_floor, || {
                overlap(self.docs[canonical as usize].seq)
            })
        })
    }

    /// The family `doc` belongs to now (following merges).
    fn family_of(&self, doc: u32) -> u32 {
        self.families.family_of(doc)
    }

    /// A family's key: the arrival number of its first member.
    fn key(&self, family: u32) -> u64 {
        self.docs[self.families.get(family).first as usize].seq
    }

    /// Merges each family of `others` into `family` when their canonical members are versions
    /// of each other, as `VersionIndex` does; returns the families merged.
    fn merge(
        &mut self,
        family: u32,
        others: &[u32],
        pair: &mut PairOverlap<'_>,
    ) -> Result<Vec<u32>> {
        if others.is_empty() {
            return Ok(Vec::new());
        }
        let Core {
            families,
            docs,
            config,
            ..
        } = self;
        families.merge(family, others, |ours, theirs| {
            let o = pair(docs[ours as usize].seq, docs[theirs as usize].seq)?;
            Ok(families::merges(config, &o))
        })
    }

    /// The arrival numbers of a family's members (following its chain; for a family merged
    /// away, the members it had when it was).
    fn chain(&self, family: u32) -> Vec<u64> {
        self.families
            .chain(family)
            .into_iter()
            .map(|d| self.docs[d as usize].seq)
            .collect()
    }

    /// The family whose key is `key`.
    fn family_by_key(&self, key: u64) -> Option<u32> {
        // Families are founded in arrival order, so their keys increase.
        let n = self.families.len() as u32;
        let (mut lo, mut hi) = (0u32, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.key(mid) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo < n && self.key(lo) == key).then_some(lo)
    }

    /// The top candidates of `keys` with their families' canonical members: the documents
    /// whose overlap placing it will likely need.
    fn likely_needed(&self, sketch: &Sketch) -> Vec<(u64, u64)> {
        self.candidates(sketch)
            .into_iter()
            .map(|c| {
                let canonical = self.families.canonical_of(c);
                (self.docs[c as usize].seq, self.docs[canonical as usize].seq)
            })
            .collect()
    }

    /// Appends a document whose closest earlier member is already known. Its band keys join
    /// the band tables at once, or — with `defer_keys` — are left for the caller, which inserts
    /// a whole round band by band ([`LshIndex::insert_all`]) before anything looks the index
    /// up again.
    fn push(
        &mut self,
        entry: (u64, &str, Option<Timestamp>, u64),
        status: Status,
        closest: Option<(u32, Overlap)>,
        keys: &[u64],
        print: &[u64],
        defer_keys: bool,
    ) -> Result<Placed> {
        let (seq, id, published, chars) = entry;
        if self.docs.last().is_some_and(|d| d.seq >= seq) {
            return Err(Error::Store(format!("arrival number {seq} out of order")));
        }
        let doc = u32::try_from(self.docs.len())
            .map_err(|_| Error::Store("more than 4G documents in one index".into()))?;
        self.docs.push(DocEntry { seq, id: id.into() });
        let joins = closest.map(|(other, _)| self.family_of(other));
        let family = self.families.push(doc, joins, published, chars)?;
        let canonical = self.families.get(family).canonical;
        if status == Status::Ok {
            let bands = self.config.banding().bands;
            if keys.len() != bands {
                return Err(Error::Store(format!(
                    "document {seq} has {} band keys, the index uses {bands}",
                    keys.len()
                )));
            }
            if !defer_keys {
                self.lsh.insert(doc, keys);
            }
        }
        self.prints.push((status == Status::Ok).then_some(print));
        Ok(Placed {
            doc,
            family,
            canonical,
            closest,
            status,
            merged: Vec::new(),
        })
    }

    /// Places a new document: finds its family, appends it, and merges the other families it
    /// shows to be the same.
    fn place(
        &mut self,
        entry: (u64, &str, Option<Timestamp>, u64),
        sketch: &Sketch,
        overlap: &mut OverlapWith<'_>,
        pair: &mut PairOverlap<'_>,
    ) -> Result<Placed> {
        let status = self.config.status_of(sketch);
        let matches = if status == Status::Ok {
            self.matches(sketch, overlap)?
        } else {
            Vec::new()
        };
        self.place_matched(entry, sketch, status, &matches, overlap, pair, false)
    }

    /// [`Core::place`] for a document whose verified matches are already known. `status` is
    /// given, not worked out from `sketch`: a round has moved its shingle sets out by then.
    #[allow(clippy::too_many_arguments)]
    fn place_matched(
        &mut self,
        entry: (u64, &str, Option<Timestamp>, u64),
        sketch: &Sketch,
        status: Status,
        matches: &[Match],
        overlap: &mut OverlapWith<'_>,
        pair: &mut PairOverlap<'_>,
        defer_keys: bool,
    ) -> Result<Placed> {
        let (best, also) = self.choose(matches, overlap)?;
        let mut placed = self.push(
            entry,
            status,
            best,
            &sketch.keys,
            &sketch.fingerprint,
            defer_keys,
        )?;
        placed.merged = self.merge(placed.family, &also, pair)?;
        placed.canonical = self.families.get(placed.family).canonical;
        Ok(placed)
    }

    /// Re-appends a stored document from its placement (no verification).
    fn restore(&mut self, seq: u64, p: &Placement, stored: Vec<u64>) -> Result<()> {
        let (keys, print) = self.split_keys(seq, stored)?;
        let closest = match p.closest {
            Some(c) => {
                let doc = self.doc_of(c).ok_or_else(|| {
                    Error::Store(format!("document {seq}: closest version {c} is missing"))
                })?;
                let overlap = Overlap::default();
                Some((doc, overlap))
            }
            None => None,
        };
        let placed = self.push(
            (seq, &p.id, p.published, p.chars),
            p.status,
            closest,
            &keys,
            &print,
            false,
        )?;
        let key = self.key(placed.family);
        if key != p.family {
            return Err(Error::Store(format!(
                "document {seq}: stored family {} but its closest version is in family {key}",
                p.family
            )));
        }
        for &other in &p.merged {
            let from = self
                .family_by_key(other)
                .filter(|&f| self.families.root(f) == f && f != placed.family)
                .ok_or_else(|| {
                    Error::Store(format!(
                        "document {seq}: merges family {other}, which is not another family"
                    ))
                })?;
            self.families.absorb(placed.family, from);
        }
        Ok(())
    }

    /// The placement record of a just-placed document.
    fn placement(&self, placed: &Placed) -> Placement {
        let d = &self.docs[placed.doc as usize];
        let (published, chars, _) = self.families.rank(placed.doc);
        let (jaccard, containment) = placed.closest.map_or((0.0, 0.0), |(_, o)| {
            (round4(o.jaccard()), round4(o.containment()))
        });
        Placement {
            id: d.id.to_string(),
            family: self.key(placed.family),
            closest: placed.closest.map(|(c, _)| self.docs[c as usize].seq),
            jaccard,
            containment,
            status: placed.status,
            published,
            chars,
            merged: placed.merged.iter().map(|&f| self.key(f)).collect(),
            story: None,
            story_placement: None,
            story_similarity: None,
        }
    }

    /// What the store keeps of a family: its row while it is a root, else the key of the
    /// family it was merged into.
    fn stored_family(&self, family: u32) -> (u64, Option<FamilyRow>, Option<u64>) {
        let f = self.families.get(family);
        let key = self.key(family);
        if f.parent == family {
            let row = FamilyRow {
                canonical: self.docs[f.canonical as usize].seq,
                size: f.size,
            };
            (key, Some(row), None)
        } else {
            (key, None, Some(self.key(f.parent)))
        }
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Similarity and containment of a set to a family's canonical member, rounded as `dedup` does.
fn to_canonical(own: &[u64], canonical: &[u64]) -> (f64, f64) {
    let o = Overlap::of(own, canonical);
    (round4(o.jaccard()), round4(o.containment()))
}

#[derive(Debug)]
struct State {
    core: Core,
    /// Shingle sets placed but perhaps not yet committed (the last round's).
    pending: HashMap<u64, Arc<Vec<u64>>>,
}

/// The story index and what the live index keeps beside it.
#[derive(Debug)]
struct Stories {
    index: StoryIndex,
    /// Last time seen of each open story (for listings without summarising every story).
    open: HashMap<Arc<str>, Option<Timestamp>>,
}

impl Stories {
    fn new(config: &StoryConfig) -> Self {
        Stories {
            index: StoryIndex::new(config.clone()),
            open: HashMap::new(),
        }
    }

    /// Places one document (of version family `family`, any per-family key).
    fn add(
        &mut self,
        id: &str,
        source: Option<&str>,
        a: &Analysis,
        family: u64,
    ) -> StoryAssignment {
        let assignment = self.index.add_analysis(id, source, a, &family.to_string());
        let at = a.time.map(|t| t.at);
        let last = self.open.entry(Arc::clone(&assignment.story)).or_insert(at);
        if let Some(t) = at {
            *last = Some(last.map_or(t, |l| l.max(t)));
        }
        assignment
    }

    /// Takes the stories closed since the last call.
    fn drain_closed(&mut self) -> Vec<StorySummary> {
        let closed = self.index.drain_closed();
        for s in &closed {
            self.open.remove(s.id.as_str());
        }
        closed
    }
}

/// A story assignment's stored fields.
fn story_fields(a: &StoryAssignment) -> (Option<String>, Option<StoryPlacement>, Option<f64>) {
    (
        Some(a.story.to_string()),
        Some(a.placement),
        a.similarity.map(|s| round4(f64::from(s))),
    )
}

/// Sets a placement's story fields; true when they changed.
fn set_story(p: &mut Placement, a: &StoryAssignment) -> bool {
    let (story, placement, similarity) = story_fields(a);
    let changed =
        p.story != story || p.story_placement != placement || p.story_similarity != similarity;
    p.story = story;
    p.story_placement = placement;
    p.story_similarity = similarity;
    changed
}

#[derive(Debug)]
struct WriterState {
    next_seq: u64,
    /// The ids of the documents of rounds placed by [`LiveIndex::place_lazily`] and perhaps
    /// not committed yet, with their arrival numbers: a duplicate of one is refused before the
    /// store has it.
    uncommitted: HashMap<String, u64>,
}

/// A round of documents placed in memory, its commit still to come (see
/// [`LiveIndex::place_lazily`]).
#[derive(Debug)]
pub struct PlacedRound {
    first_seq: u64,
    next_seq: u64,
    docs: Vec<Prepared>,
    batch: WriteBatch<'static>,
}

/// The live index. See the module docs.
#[derive(Debug)]
pub struct LiveIndex<S> {
    store: S,
    /// False when opened for bulk loading of versions only.
    with_stories: bool,
    config: VersionConfig,
    story_config: StoryConfig,
    sketcher: Sketcher,
    analyzer: Analyzer,
    /// The version engine: read by `prepare` and readers, written by the writer.
    state: RwLock<State>,
    /// The story index: its own lock, so that placing a round's stories does not hold up
    /// `prepare` on other threads.
    stories: Mutex<Stories>,
    writer: Mutex<WriterState>,
    /// Every arrival number below this one is committed (or abandoned by a failed round);
    /// rounds placed by [`LiveIndex::place_lazily`] may be committed on another thread.
    committed: AtomicU64,
}

impl<S: Store> LiveIndex<S> {
    /// Opens the index over `store`. A new store is created with `config`; an existing one keeps
    /// the settings it was built with (see [`LiveIndex::config`]) and is reloaded from its
    /// stored band keys and placements.
    pub fn open(store: S, config: VersionConfig) -> Result<Self> {
        LiveIndex::open_with(store, config, StoryConfig::default())
    }

    /// [`LiveIndex::open`] with story settings for a new store (an existing store keeps its
    /// own).
    pub fn open_with(store: S, config: VersionConfig, stories: StoryConfig) -> Result<Self> {
        LiveIndex::open_mode(store, config, stories, true)
    }

    /// Opens the index for bulk loading of version families only: no story replay at open, no
    /// story placement on add (answers have no `story`). The stories of the documents added
    /// this way are placed — in arrival order, exactly as if they had been placed on arrival —
    /// and written back by the next [`LiveIndex::open`], which replays every stored document
    /// through the story index anyway (the story index lives in memory only).
    pub fn open_versions_only(store: S, config: VersionConfig) -> Result<Self> {
        LiveIndex::open_mode(store, config, StoryConfig::default(), false)
    }

    fn open_mode(
        store: S,
        config: VersionConfig,
        stories: StoryConfig,
        with_stories: bool,
    ) -> Result<Self> {
        config.validate()?;
        stories.validate()?;
        let reader = store.reader()?;
        let header = reader.header()?;
        let next_seq = reader.stats()?.next_seq;
        drop(reader);
        let (config, story_config) = match header {
            Some(h) => {
                let probe = super::sketch_probe(&h.versions);
                if h.probe.is_some_and(|p| p != probe) {
                    return Err(Error::Store(
                        "this store was built by a syndic that sketches texts differently \
                         (its sketcher fingerprint differs); rebuild it from the documents \
                         with `syndic index add`"
                            .into(),
                    ));
                }
                if h.format < super::FORMAT_VERSION {
                    // New records are of this format (fingerprints since format 2, no stored
                    // shingle set since format 4): mark the store so an older build, which
                    // could not read them, refuses it.
                    let upgraded = Header {
                        format: super::FORMAT_VERSION,
                        ..h.clone()
                    };
                    store.commit(&WriteBatch {
                        header: Some(upgraded),
                        ..WriteBatch::default()
                    })?;
                }
                (h.versions, h.stories)
            }
            None => {
                let batch = WriteBatch {
                    header: Some(Header::new(config.clone(), stories.clone())),
                    ..WriteBatch::default()
                };
                store.commit(&batch)?;
                (config, stories)
            }
        };
        config.validate()?;
        story_config.validate()?;
        let analyzer = Analyzer::new(story_config.analyzer.clone());
        let (core, stories) = Self::load(&store, &config, &story_config, &analyzer, with_stories)?;
        Ok(LiveIndex {
            with_stories,
            sketcher: Sketcher::new(&config),
            analyzer,
            state: RwLock::new(State {
                core,
                pending: HashMap::new(),
            }),
            stories: Mutex::new(stories),
            writer: Mutex::new(WriterState {
                next_seq,
                uncommitted: HashMap::new(),
            }),
            committed: AtomicU64::new(next_seq),
            store,
            config,
            story_config,
        })
    }

    /// Rebuilds the in-memory state from the store: the band table from stored keys and
    /// placements, the story index by replaying the stored documents. Stories missing from the
    /// store (written by a build without stories, or lost) are written back.
    fn load(
        store: &S,
        config: &VersionConfig,
        story_config: &StoryConfig,
        analyzer: &Analyzer,
        with_stories: bool,
    ) -> Result<(Core, Stories)> {
        let mut core = Core::new(config);
        let mut placed: Vec<(u64, Placement)> = Vec::new();
        let reader = store.reader()?;
        reader.scan(0, u64::MAX, &mut |seq, p, keys| {
            core.restore(seq, &p, keys)?;
            if with_stories {
                placed.push((seq, p));
            }
            Ok(true)
        })?;
        if !with_stories {
            return Ok((core, Stories::new(story_config)));
        }
        let families: Vec<(u64, u64)> = placed.iter().map(|(s, p)| (*s, p.family)).collect();
        let (stories, assigned, closed) =
            replay_stories(&*reader, story_config, analyzer, &families)?;
        // Write back what the store lacks.
        let mut fixes: Vec<(u64, Placement)> = Vec::new();
        let mut members = Vec::new();
        for ((seq, mut p), (aseq, a)) in placed.into_iter().zip(&assigned) {
            if seq != *aseq {
                return Err(Error::Store(format!(
                    "document {seq} has a placement but no record"
                )));
            }
            let before = p.story.clone();
            if set_story(&mut p, a) {
                if let Some(old) = before {
                    members.push((old, seq, false));
                }
                members.push((a.story.to_string(), seq, true));
                fixes.push((seq, p));
            }
        }
        let mut missing = Vec::new();
        for summary in closed {
            if reader.story(&summary.id)?.is_none() {
                missing.push(summary);
            }
        }
        drop(reader);
        if !fixes.is_empty() || !missing.is_empty() {
            store.commit(&WriteBatch {
                placements: fixes,
                story_members: members,
                closed_stories: missing,
                ..WriteBatch::default()
            })?;
        }
        Ok((core, stories))
    }

    /// The settings in use (those the store was created with).
    pub fn config(&self) -> &VersionConfig {
        &self.config
    }

    /// The underlying store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The sketcher of this index's settings.
    pub fn sketcher(&self) -> Sketcher {
        self.sketcher
    }

    /// Sketches a document for [`LiveIndex::add`], and works out its overlaps with the
    /// documents it will likely be compared with (see [`Prepared::hints`]); `received` is the
    /// arrival time to record. Call it on any thread: this is most of the cost of adding.
    pub fn prepare(&self, document: Document, received: Timestamp) -> Prepared {
        let sketch = self.sketcher.sketch(&document.text);
        let chars = document.text.chars().count() as u64;
        let hints = self.hints(&sketch);
        let analysis = self.analysis(&document);
        Prepared {
            document: StoredDocument { document, received },
            sketch: StoredSketch { chars, sketch },
            hints,
            analysis,
        }
    }

    /// Sketches a document without looking for likely candidates (bulk loading, where the
    /// index moves on between preparing a chunk and adding it).
    pub fn prepare_sketch(&self, document: Document, received: Timestamp) -> Prepared {
        let sketch = self.sketcher.sketch(&document.text);
        let chars = document.text.chars().count() as u64;
        let analysis = self.analysis(&document);
        Prepared {
            document: StoredDocument { document, received },
            sketch: StoredSketch { chars, sketch },
            hints: Vec::new(),
            analysis,
        }
    }

    /// Overlaps with the top candidates of `sketch` and, for those the version rule accepts,
    /// their families' canonical members — against the index as it is now. Errors only shrink
    /// the cache.
    fn hints(&self, sketch: &Sketch) -> Vec<(u64, Overlap)> {
        let (pairs, pending) = {
            let state = self.state_read();
            if state.core.config.status_of(sketch) != Status::Ok {
                return Vec::new();
            }
            let pairs = state.core.likely_needed(sketch);
            let pending: Vec<(u64, Arc<Vec<u64>>)> = pairs
                .iter()
                .flat_map(|&(c, k)| [c, k])
                .filter_map(|s| state.pending.get(&s).map(|set| (s, Arc::clone(set))))
                .collect();
            (pairs, pending)
        };
        if pairs.is_empty() {
            return Vec::new();
        }
        let Ok(reader) = self.store.reader() else {
            return Vec::new();
        };
        let mut set = Vec::new();
        let mut hints: Vec<(u64, Overlap)> = Vec::with_capacity(2 * pairs.len());
        let mut overlap = |seq: u64, hints: &mut Vec<(u64, Overlap)>| -> Option<Overlap> {
            if let Some(&(_, o)) = hints.iter().find(|h| h.0 == seq) {
                return Some(o);
            }
            let o = match pending.iter().find(|(s, _)| *s == seq) {
                Some((_, p)) => Overlap::of(&sketch.shingles, p),
                None => match stored_set(&*reader, &self.sketcher, seq, &mut set) {
                    Ok(true) => Overlap::of(&sketch.shingles, &set),
                    _ => return None,
                },
            };
            hints.push((seq, o));
            Some(o)
        };
        for (candidate, canonical) in pairs {
            let accepted =
                overlap(candidate, &mut hints).is_some_and(|o| self.config.rule.accepts(&o));
            if accepted && canonical != candidate {
                overlap(canonical, &mut hints);
            }
        }
        hints.sort_unstable_by_key(|h| h.0);
        hints
    }

    /// The story analysis of a document (empty when stories are off).
    fn analysis(&self, document: &Document) -> Analysis {
        if self.with_stories {
            self.analyzer.analyze(document)
        } else {
            Analysis::default()
        }
    }

    fn state_read(&self) -> RwLockReadGuard<'_, State> {
        // A panic while holding the lock leaves the core possibly half-updated; readers of the
        // band table can still answer (the store is the truth), so go on.
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn state_write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    fn stories_lock(&self) -> MutexGuard<'_, Stories> {
        // As for the state: a panic while placing leaves the story index as it was or one
        // document on; go on.
        self.stories.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn writer(&self) -> MutexGuard<'_, WriterState> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds groups of documents in order, in one durable transaction. Each group is accepted
    /// whole or refused whole (an id already indexed, or repeated); the outer error means the
    /// store failed and nothing of this call was kept.
    pub fn add(&self, groups: Vec<Vec<Prepared>>) -> Result<Vec<GroupOutcome>> {
        self.add_with(groups, false)
    }

    /// [`LiveIndex::add`] for bulk loading: the transaction is not waited on to reach the disk
    /// (see [`WriteBatch::lazy`]) — nothing is acknowledged to anyone until [`LiveIndex::sync`]
    /// makes every lazy commit durable at once.
    pub fn add_lazily(&self, groups: Vec<Vec<Prepared>>) -> Result<Vec<GroupOutcome>> {
        self.add_with(groups, true)
    }

    /// Makes every commit so far durable (one empty durable transaction).
    pub fn sync(&self) -> Result<()> {
        let writer = self.writer();
        self.all_committed(&writer)?;
        self.store.commit(&WriteBatch::default())
    }

    fn add_with(&self, groups: Vec<Vec<Prepared>>, lazy: bool) -> Result<Vec<GroupOutcome>> {
        let mut writer = self.writer();
        self.all_committed(&writer)?;
        let (outcomes, round) = self.place_round(&mut writer, groups, lazy)?;
        self.write_round(round)
            .map_err(|(e, next)| self.recover(&mut writer, next, e))?;
        Ok(outcomes)
    }

    /// Places groups of documents in memory, as [`LiveIndex::add_lazily`] does, without writing
    /// them: the round is written by [`LiveIndex::commit_placed`], which may run on another
    /// thread while the next round is placed — bulk loading overlaps the two. Rounds must be
    /// committed in the order they were placed, every one before [`LiveIndex::sync`],
    /// [`LiveIndex::add`] or [`LiveIndex::delete`] (which refuse to run while one is pending);
    /// a failed commit abandons it and every round placed after it (the index is rebuilt from
    /// the store).
    pub fn place_lazily(
        &self,
        groups: Vec<Vec<Prepared>>,
    ) -> Result<(Vec<GroupOutcome>, PlacedRound)> {
        let mut writer = self.writer();
        let (outcomes, round) = self.place_round(&mut writer, groups, true)?;
        for (seq, p) in (round.first_seq..).zip(&round.docs) {
            writer
                .uncommitted
                .insert(p.document.document.id.clone(), seq);
        }
        Ok((outcomes, round))
    }

    /// Writes a round placed by [`LiveIndex::place_lazily`] (a lazy commit: see
    /// [`WriteBatch::lazy`]).
    pub fn commit_placed(&self, round: PlacedRound) -> Result<()> {
        self.write_round(round).map_err(|(e, next)| {
            let mut writer = self.writer();
            self.recover(&mut writer, next, e)
        })
    }

    /// An error when a placed round is still to be committed.
    fn all_committed(&self, writer: &WriterState) -> Result<()> {
        if self.committed.load(Ordering::Acquire) == writer.next_seq {
            Ok(())
        } else {
            Err(Error::Store(
                "a round placed by place_lazily is not committed yet".into(),
            ))
        }
    }

    /// Commits a placed round; on failure, the error and the arrival number after the round.
    fn write_round(&self, round: PlacedRound) -> std::result::Result<(), (Error, u64)> {
        let PlacedRound {
            first_seq,
            next_seq,
            docs,
            batch,
        } = round;
        if self.committed.load(Ordering::Acquire) != first_seq {
            let e = Error::Store("rounds must be committed in the order they were placed".into());
            return Err((e, next_seq));
        }
        let mut batch: WriteBatch<'_> = batch;
        batch.documents = docs
            .iter()
            .enumerate()
            .map(|(k, p)| NewDocument {
                seq: first_seq + k as u64,
                document: &p.document,
                sketch: &p.sketch,
            })
            .collect();
        if !batch.is_empty() {
            self.store.commit(&batch).map_err(|e| (e, next_seq))?;
        }
        self.committed.store(next_seq, Ordering::Release);
        Ok(())
    }

    /// Places a round in memory and makes its write batch (see [`LiveIndex::place_lazily`]).
    fn place_round(
        &self,
        writer: &mut WriterState,
        groups: Vec<Vec<Prepared>>,
        lazy: bool,
    ) -> Result<(Vec<GroupOutcome>, PlacedRound)> {
        // Rounds committed since the last one was placed: their ids are in the store now, their
        // sets readable there (a reader opened after this load sees every commit before it).
        let committed = self.committed.load(Ordering::Acquire);
        writer.uncommitted.retain(|_, seq| *seq >= committed);
        let reader = self.store.reader()?;
        // 1. Refuse groups with a known or repeated id.
        let mut taken: HashSet<&str> = HashSet::new();
        let mut outcome: Vec<Option<Rejection>> = Vec::with_capacity(groups.len());
        for group in &groups {
            let mut own: HashSet<&str> = HashSet::new();
            let mut refused = None;
            for (index, p) in group.iter().enumerate() {
                let id = p.document.document.id.as_str();
                let known = writer.uncommitted.contains_key(id) || reader.seq_of(id)?.is_some();
                let reason = if taken.contains(id) || known {
                    Some(RejectReason::DuplicateId)
                } else if !own.insert(id) {
                    Some(RejectReason::RepeatedInGroup)
                } else {
                    None
                };
                if let Some(reason) = reason {
                    refused = Some(Rejection {
                        index,
                        id: id.to_string(),
                        reason,
                    });
                    break;
                }
            }
            if refused.is_none() {
                taken.extend(own);
            }
            outcome.push(refused);
        }
        // 2. The round: the accepted documents in order, numbered from `first_seq` on.
        let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
        let mut round: Vec<Prepared> = groups
            .into_iter()
            .zip(&outcome)
            .filter(|(_, refused)| refused.is_none())
            .flat_map(|(group, _)| group)
            .collect();
        let first_seq = writer.next_seq;
        let next_seq = first_seq + round.len() as u64;
        // 3. Look every document up and verify its candidates, in parallel and under the read
        // lock only (so `prepare` on other threads goes on meanwhile).
        let matches = self.verify_round(&round)?;
        // The shingle sets move to the pending sets (the store does not keep them): this round
        // and the next may be compared with them until the round is committed.
        let statuses: Vec<Status> = round
            .iter()
            .map(|p| self.config.status_of(&p.sketch.sketch))
            .collect();
        let sets: Vec<Arc<Vec<u64>>> = round
            .iter_mut()
            .map(|p| Arc::new(std::mem::take(&mut p.sketch.sketch.shingles)))
            .collect();
        // 4. Place them in order.
        let mut batch: WriteBatch<'static> = WriteBatch {
            lazy,
            ..WriteBatch::default()
        };
        let mut placed_answers: Vec<Answer> = Vec::with_capacity(round.len());
        let mut touched: Vec<u32> = Vec::new();
        // A failure half-way leaves the in-memory index ahead of the store: rebuild it.
        let placing = (|| -> Result<()> {
            let mut state = self.state_write();
            let State { core, pending } = &mut *state;
            // Sets of rounds not committed yet stay: this round may be compared with them.
            pending.retain(|&seq, _| seq >= committed);
            for (k, set) in sets.iter().enumerate() {
                pending.insert(first_seq + k as u64, Arc::clone(set));
            }
            let pending = &*pending;
            let (mut set, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
            // The round was looked up before it is placed, so its documents join the band
            // tables together at its end, band by band.
            let mut indexed: Vec<(u32, &[u64])> = Vec::with_capacity(round.len());
            for ((k, p), matches) in round.iter().enumerate().zip(&matches) {
                let seq = first_seq + k as u64;
                let d = &p.document.document;
                let shingles: &[u64] = &sets[k];
                let mut overlap = |s: u64| -> Result<Overlap> {
                    if let Ok(i) = p.hints.binary_search_by_key(&s, |h| h.0) {
                        return Ok(p.hints[i].1);
                    }
                    load_set(&*reader, &self.sketcher, pending, s, &mut set)?;
                    Ok(Overlap::of(shingles, &set))
                };
                let mut pair = |x: u64, y: u64| -> Result<Overlap> {
                    load_set(&*reader, &self.sketcher, pending, x, &mut a)?;
                    load_set(&*reader, &self.sketcher, pending, y, &mut b)?;
                    Ok(Overlap::of(&a, &b))
                };
                let status = statuses[k];
                let placed = core.place_matched(
                    (seq, &d.id, d.published, p.sketch.chars),
                    &p.sketch.sketch,
                    status,
                    matches,
                    &mut overlap,
                    &mut pair,
                    true,
                )?;
                if status == Status::Ok {
                    indexed.push((placed.doc, &p.sketch.sketch.keys[..]));
                }
                let (similarity, containment) = if placed.canonical == placed.doc {
                    (1.0, 1.0)
                } else {
                    let o = overlap(core.docs[placed.canonical as usize].seq)?;
                    (round4(o.jaccard()), round4(o.containment()))
                };
                let family = core.families.get(placed.family);
                let family_key = core.key(placed.family);
                let placement = core.placement(&placed);
                placed_answers.push(Answer {
                    record: VersionRecord {
                        id: d.id.clone(),
                        version: core.docs[placed.canonical as usize].id.to_string(),
                        canonical: placed.canonical == placed.doc,
                        similarity,
                        containment,
                        closest: placed
                            .closest
                            .map(|(c, _)| core.docs[c as usize].id.to_string()),
                        family_size: family.size,
                        status: placed.status,
                    },
                    seq,
                    story: None,
                    story_placement: None,
                    story_similarity: None,
                });
                batch.placements.push((seq, placement));
                batch.members.push((family_key, seq, true));
                touched.push(placed.family);
                for &from in &placed.merged {
                    let key = core.key(from);
                    for member in core.chain(from) {
                        batch.members.push((key, member, false));
                        batch.members.push((family_key, member, true));
                    }
                    touched.push(from);
                }
            }
            core.lsh.insert_all(&indexed);
            Ok(())
        })();
        if let Err(e) = placing {
            return Err(self.recover(writer, next_seq, e));
        }
        // 5. Their stories, in order (each knows its version family now).
        {
            let mut stories = self.stories_lock();
            if self.with_stories {
                for (k, p) in round.iter().enumerate() {
                    let d = &p.document.document;
                    let (seq, placement) = &mut batch.placements[k];
                    let story =
                        stories.add(&d.id, d.source.as_deref(), &p.analysis, placement.family);
                    set_story(placement, &story);
                    let answer = &mut placed_answers[k];
                    answer.story.clone_from(&placement.story);
                    answer.story_placement = placement.story_placement;
                    answer.story_similarity = placement.story_similarity;
                    batch
                        .story_members
                        .push((story.story.to_string(), *seq, true));
                }
            }
            batch.closed_stories = stories.drain_closed();
        }
        let mut placed_answers = placed_answers.into_iter();
        let answers: Vec<Vec<Answer>> = sizes
            .iter()
            .zip(&outcome)
            .map(|(&size, refused)| match refused {
                Some(_) => Vec::new(),
                None => placed_answers.by_ref().take(size).collect(),
            })
            .collect();
        {
            let state = self.state_read();
            touched.sort_unstable();
            touched.dedup();
            for &f in &touched {
                let (key, row, merged_into) = state.core.stored_family(f);
                batch.families.push((key, row));
                if merged_into.is_some() {
                    batch.merges.push((key, merged_into));
                }
            }
        }
        drop(reader);
        writer.next_seq = next_seq;
        let outcomes = outcome
            .into_iter()
            .zip(answers)
            .map(|(refused, answers)| match refused {
                Some(r) => Err(r),
                None => Ok(answers),
            })
            .collect();
        let round = PlacedRound {
            first_seq,
            next_seq,
            docs: round,
            batch,
        };
        Ok((outcomes, round))
    }

    /// The verified matches of each document of a round (best first), found as
    /// [`VersionIndex::add_chunk`](crate::versions::VersionIndex::add_chunk) finds them: every
    /// document is looked up at once — in the index as it stands, and among the round's earlier
    /// documents through a small local band table, so each sees exactly the candidates it would
    /// have seen alone — and its candidates are verified on their shingle sets (worked out ahead
    /// in [`Prepared::hints`], or read from the store). Holds only the read lock.
    fn verify_round<'s>(&'s self, round: &[Prepared]) -> Result<Vec<Vec<Match>>> {
        let state = self.state_read();
        let core = &state.core;
        let base = families::first_number(core.docs.len(), round.len())?;
        let statuses: Vec<Status> = round
            .iter()
            .map(|p| core.config.status_of(&p.sketch.sketch))
            .collect();
        let keys: Vec<Option<&[u64]>> = round
            .iter()
            .zip(&statuses)
            .map(|(p, status)| (*status == Status::Ok).then_some(&p.sketch.sketch.keys[..]))
            .collect();
        let hits = ChunkHits::of(&core.lsh, base, &keys);
        let words = core.prints.per_doc();
        let verify = |buf: &mut RoundBuffers<'s>, k: usize| -> Result<Vec<Match>> {
            if statuses[k] != Status::Ok {
                return Ok(Vec::new());
            }
            let p = &round[k];
            let sketch = &p.sketch.sketch;
            hits.candidates(k, &mut buf.hits, &mut buf.candidates);
            core.prints
                .touch(buf.candidates.iter().map(|c| c.doc).filter(|&d| d < base));
            let RoundBuffers {
                reader,
                candidates,
                ranked,
                set,
                ..
            } = buf;
            core.config.verify(
                sketch,
                candidates,
                |doc| {
                    if doc >= base {
                        let print = &round[(doc - base) as usize].sketch.sketch.fingerprint;
                        (print.len() == words).then_some(&print[..])
                    } else {
                        core.prints.get(doc)
                    }
                },
                ranked,
                |doc| {
                    if doc >= base {
                        let other = &round[(doc - base) as usize].sketch.sketch.shingles;
                        return Ok(Overlap::of(&sketch.shingles, other));
                    }
                    let seq = core.docs[doc as usize].seq;
                    if let Ok(i) = p.hints.binary_search_by_key(&seq, |h| h.0) {
                        return Ok(p.hints[i].1);
                    }
                    if reader.is_none() {
                        *reader = Some(self.store.reader()?);
                    }
                    let reader = reader
                        .as_deref()
                        .ok_or_else(|| Error::Store("no store reader".into()))?;
                    load_set(reader, &self.sketcher, &state.pending, seq, set)?;
                    Ok(Overlap::of(&sketch.shingles, set))
                },
            )
        };
        // Rounds of the service are often a few documents whose overlaps were worked out ahead:
        // waking other threads would cost more than it saves.
        if round.len() < 32 {
            let mut buf = RoundBuffers::default();
            (0..round.len()).map(|k| verify(&mut buf, k)).collect()
        } else {
            (0..round.len())
                .into_par_iter()
                .map_init(RoundBuffers::default, verify)
                .collect()
        }
    }

    /// After a round failed between placing its first document and its commit: the
    /// in-memory index holds documents the store does not, so rebuild it from the store.
    /// Returns the error to report.
    fn recover(&self, writer: &mut WriterState, next_seq: u64, e: Error) -> Error {
        // Arrival numbers of the failed round are never reused: overlaps worked out ahead
        // against them (`Prepared::hints`) must not meet another document. Rounds placed and
        // not committed are abandoned with it.
        writer.next_seq = writer.next_seq.max(next_seq);
        writer.uncommitted.clear();
        self.committed.store(writer.next_seq, Ordering::Release);
        let reloaded = Self::load(
            &self.store,
            &self.config,
            &self.story_config,
            &self.analyzer,
            self.with_stories,
        );
        let mut state = self.state_write();
        state.pending.clear();
        match reloaded {
            Ok((core, stories)) => {
                state.core = core;
                *self.stories_lock() = stories;
                e
            }
            Err(reload) => Error::Store(format!("{e}; then reloading the index failed: {reload}")),
        }
    }

    /// Adds one document (a group of one).
    pub fn add_one(&self, prepared: Prepared) -> Result<std::result::Result<Answer, Rejection>> {
        let outcome = self.add(vec![vec![prepared]])?.pop();
        match outcome {
            Some(Ok(mut answers)) => answers
                .pop()
                .map(Ok)
                .ok_or_else(|| Error::Store("no answer for an added document".into())),
            Some(Err(r)) => Ok(Err(r)),
            None => Err(Error::Store("no outcome for an added document".into())),
        }
    }

    /// Deletes a document and re-places every later one (see the module docs). `Ok(None)` when
    /// the id is unknown.
    pub fn delete(&self, id: &str) -> Result<Option<Deleted>> {
        let writer = self.writer();
        self.all_committed(&writer)?;
        let reader = self.store.reader()?;
        let Some(seq) = reader.seq_of(id)? else {
            return Ok(None);
        };
        if reader.placement(seq)?.is_none() {
            return Err(Error::Store(format!("document `{id}` has no placement")));
        }
        // Earlier documents keep their placements: restore them, then re-place the later ones.
        let mut core = Core::new(&self.config);
        let mut families: Vec<(u64, u64)> = Vec::new();
        reader.scan(0, seq, &mut |s, p, keys| {
            core.restore(s, &p, keys)?;
            families.push((s, p.family));
            Ok(true)
        })?;
        let mut tail: Vec<(u64, Placement, Placement)> = Vec::new();
        let no_pending = HashMap::new();
        reader.scan(seq + 1, u64::MAX, &mut |s, p, keys| {
            let mut shingles = Vec::new();
            load_set(&*reader, &self.sketcher, &no_pending, s, &mut shingles)?;
            let (keys, fingerprint) = core.split_keys(s, keys)?;
            let sketch = Sketch {
                shingles,
                keys,
                fingerprint,
                words: 0,
            };
            let mut set = Vec::new();
            let mut overlap = |x: u64| -> Result<Overlap> {
                load_set(&*reader, &self.sketcher, &no_pending, x, &mut set)?;
                Ok(Overlap::of(&sketch.shingles, &set))
            };
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let mut pair = |x: u64, y: u64| -> Result<Overlap> {
                load_set(&*reader, &self.sketcher, &no_pending, x, &mut a)?;
                load_set(&*reader, &self.sketcher, &no_pending, y, &mut b)?;
                Ok(Overlap::of(&a, &b))
            };
            let placed = core.place(
                (s, &p.id, p.published, p.chars),
                &sketch,
                &mut overlap,
                &mut pair,
            )?;
            let new = core.placement(&placed);
            families.push((s, new.family));
            tail.push((s, p, new));
            Ok(true)
        })?;
        // Stories depend on everything before them: replay them all; only later documents'
        // stories can change.
        let (stories, assigned, closed) =
            replay_stories(&*reader, &self.story_config, &self.analyzer, &families)?;
        let mut batch = WriteBatch {
            remove: vec![(seq, id.to_string())],
            clear_closed_stories: true,
            closed_stories: closed,
            ..WriteBatch::default()
        };
        let mut replaced = 0;
        let first_tail = assigned.len() - tail.len();
        for ((s, old, mut new), (_, story)) in tail.into_iter().zip(&assigned[first_tail..]) {
            set_story(&mut new, story);
            if new != old {
                replaced += 1;
                if new.story != old.story {
                    if let Some(before) = &old.story {
                        batch.story_members.push((before.clone(), s, false));
                    }
                    if let Some(after) = &new.story {
                        batch.story_members.push((after.clone(), s, true));
                    }
                }
                batch.placements.push((s, new));
            }
        }
        // Families and memberships: what the store holds (the index as it is) against what it
        // must hold after.
        {
            let state = self.state_read();
            let before = &state.core;
            for (doc, d) in before.docs.iter().enumerate() {
                let was = before.key(before.family_of(doc as u32));
                let now = core.doc_of(d.seq).map(|n| core.key(core.family_of(n)));
                if now != Some(was) {
                    batch.members.push((was, d.seq, false));
                    if let Some(now) = now {
                        batch.members.push((now, d.seq, true));
                    }
                }
            }
            let stored = |c: &Core| -> HashMap<u64, (Option<FamilyRow>, Option<u64>)> {
                (0..c.families.len() as u32)
                    .map(|f| {
                        let (key, row, into) = c.stored_family(f);
                        (key, (row, into))
                    })
                    .collect()
            };
            let (was, now) = (stored(before), stored(&core));
            let mut keys: Vec<u64> = was.keys().chain(now.keys()).copied().collect();
            keys.sort_unstable();
            keys.dedup();
            for key in keys {
                let (old_row, old_into) = was.get(&key).copied().unwrap_or_default();
                let (new_row, new_into) = now.get(&key).copied().unwrap_or_default();
                if old_row != new_row {
                    batch.families.push((key, new_row));
                }
                if old_into != new_into {
                    batch.merges.push((key, new_into));
                }
            }
        }
        drop(reader);
        self.store.commit(&batch)?;
        let mut state = self.state_write();
        state.core = core;
        state.pending.clear();
        *self.stories_lock() = stories;
        Ok(Some(Deleted {
            id: id.to_string(),
            seq,
            replaced,
        }))
    }

    /// A stored document and its current version family.
    pub fn document(&self, id: &str) -> Result<Option<DocumentView>> {
        let reader = self.store.reader()?;
        let Some(seq) = reader.seq_of(id)? else {
            return Ok(None);
        };
        let record = current_record(&*reader, &self.sketcher, seq, None)?;
        let stored = reader
            .document(seq)?
            .ok_or_else(|| Error::Store(format!("document `{id}` has no record")))?;
        let placement = reader
            .placement(seq)?
            .ok_or_else(|| Error::Store(format!("document `{id}` has no placement")))?;
        let d = stored.document;
        Ok(Some(DocumentView {
            record,
            seq,
            story: placement.story,
            story_placement: placement.story_placement,
            title: d.title,
            source: d.source,
            url: d.url,
            published: d.published.map(format_timestamp),
            received: format_timestamp(stored.received),
            text: d.text,
        }))
    }

    /// The stored record of a document, as received.
    pub fn stored(&self, id: &str) -> Result<Option<StoredDocument>> {
        let reader = self.store.reader()?;
        match reader.seq_of(id)? {
            Some(seq) => reader.document(seq),
            None => Ok(None),
        }
    }

    /// What `text` adds against the stored document `closest` (see [`Adds`]); `None` when that
    /// document is no longer stored.
    pub fn adds(&self, closest: &str, text: &str) -> Result<Option<Adds>> {
        Ok(self
            .stored(closest)?
            .map(|earlier| Adds::of(closest, &earlier.document.text, text)))
    }

    /// The version family of a document (any member's id), listing at most `limit` members.
    pub fn family(&self, id: &str, limit: usize) -> Result<Option<FamilyView>> {
        let reader = self.store.reader()?;
        let Some(seq) = reader.seq_of(id)? else {
            return Ok(None);
        };
        let p = reader
            .placement(seq)?
            .ok_or_else(|| Error::Store(format!("document `{id}` has no placement")))?;
        let (key, row) = current_family(&*reader, p.family)?;
        let members = reader.members(key, limit.saturating_add(1))?;
        let truncated = members.len() > limit;
        let canonical = canonical_of(&*reader, &self.sketcher, row)?;
        let records = members
            .iter()
            .take(limit)
            .map(|&m| current_record(&*reader, &self.sketcher, m, Some((row, &canonical))))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(FamilyView {
            version: canonical.0,
            family_size: row.size,
            members: records,
            truncated,
        }))
    }

    /// A story (open or closed) with up to `limit` of its documents.
    pub fn story(&self, id: &str, limit: usize) -> Result<Option<StoryView>> {
        let open = self.stories_lock().index.summary(id);
        let reader = self.store.reader()?;
        let (summary, is_open) = match open {
            Some(summary) => (summary, true),
            None => match reader.story(id)? {
                Some(summary) => (summary, false),
                None => return Ok(None),
            },
        };
        let seqs = reader.story_members(id, limit.saturating_add(1))?;
        let truncated = seqs.len() > limit;
        let mut members = Vec::with_capacity(seqs.len().min(limit));
        for &s in seqs.iter().take(limit) {
            if let Some(p) = reader.placement(s)? {
                members.push(p.id);
            }
        }
        Ok(Some(StoryView {
            summary,
            open: is_open,
            members,
            truncated,
        }))
    }

    /// Up to `limit` stories last seen at or after `since` (all, without it), open and
    /// closed, latest first.
    pub fn stories(&self, since: Option<Timestamp>, limit: usize) -> Result<Vec<ListedStory>> {
        let mut listed: Vec<ListedStory> = {
            let stories = self.stories_lock();
            let mut open: Vec<(&Arc<str>, Option<Timestamp>)> = stories
                .open
                .iter()
                .filter(|(_, t)| since.is_none_or(|s| t.is_some_and(|t| t >= s)))
                .map(|(id, t)| (id, *t))
                .collect();
            open.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            open.truncate(limit);
            open.into_iter()
                .filter_map(|(id, _)| stories.index.summary(id))
                .map(|summary| ListedStory {
                    summary,
                    open: true,
                })
                .collect()
        };
        let closed = self.store.reader()?.closed_stories(since, limit)?;
        listed.extend(closed.into_iter().map(|summary| ListedStory {
            summary,
            open: false,
        }));
        listed.sort_by(|a, b| {
            b.summary
                .last_seen
                .cmp(&a.summary.last_seen)
                .then(a.summary.id.cmp(&b.summary.id))
        });
        listed.truncate(limit);
        Ok(listed)
    }

    /// Every document's story line, in arrival order — the fields batch `syndic stories` prints
    /// for the same documents in the same order. Reads the whole store.
    pub fn story_records(&self) -> Result<Vec<StoryLine>> {
        let reader = self.store.reader()?;
        let mut placed = Vec::new();
        reader.scan(0, u64::MAX, &mut |s, p, _| {
            placed.push((s, p));
            Ok(true)
        })?;
        placed
            .into_iter()
            .map(|(s, p)| {
                let version = current_record(&*reader, &self.sketcher, s, None)?.version;
                let missing = || Error::Store(format!("document {s} has no story"));
                Ok(StoryLine {
                    id: p.id,
                    version,
                    story: p.story.ok_or_else(missing)?,
                    placement: p.story_placement.ok_or_else(missing)?,
                    similarity: p.story_similarity,
                })
            })
            .collect()
    }

    /// Every document's current `dedup` line, in arrival order — what batch `syndic dedup`
    /// prints for the same documents in the same order. Reads the whole store.
    pub fn records(&self) -> Result<Vec<VersionRecord>> {
        let reader = self.store.reader()?;
        let mut seqs = Vec::new();
        reader.scan(0, u64::MAX, &mut |s, _, _| {
            seqs.push(s);
            Ok(true)
        })?;
        seqs.iter()
            .map(|&s| current_record(&*reader, &self.sketcher, s, None))
            .collect()
    }

    /// The family a text would join, without storing it.
    pub fn match_document(&self, document: &Document) -> Result<MatchAnswer> {
        let sketch = self.sketcher.sketch(&document.text);
        let chars = document.text.chars().count() as u64;
        let state = self.state_read();
        let reader = self.store.reader()?;
        let core = &state.core;
        let status = core.config.status_of(&sketch);
        let mut set = Vec::new();
        let mut overlap = |s: u64| -> Result<Overlap> {
            load_set(&*reader, &self.sketcher, &state.pending, s, &mut set)?;
            Ok(Overlap::of(&sketch.shingles, &set))
        };
        let best = if status == Status::Ok {
            let matches = core.matches(&sketch, &mut overlap)?;
            core.choose(&matches, &mut overlap)?.0
        } else {
            None
        };
        let Some((closest, _)) = best else {
            return Ok(MatchAnswer {
                status,
                version: None,
                closest: None,
                similarity: 0.0,
                containment: 0.0,
                family_size: None,
                would_be_canonical: true,
                story: None,
            });
        };
        let family = core.families.get(core.family_of(closest));
        let story = match reader.placement(core.docs[closest as usize].seq)? {
            Some(p) => p
                .story
                .filter(|id| self.stories_lock().open.contains_key(id.as_str())),
            None => None,
        };
        let canonical = &core.docs[family.canonical as usize];
        let o = overlap(canonical.seq)?;
        let (similarity, containment) = (round4(o.jaccard()), round4(o.containment()));
        let newcomer = (document.published, chars, u32::MAX);
        Ok(MatchAnswer {
            status,
            version: Some(canonical.id.to_string()),
            closest: Some(core.docs[closest as usize].id.to_string()),
            similarity,
            containment,
            family_size: Some(family.size),
            would_be_canonical: better_canonical(newcomer, core.families.rank(family.canonical)),
            story,
        })
    }

    /// Counts.
    pub fn stats(&self) -> Result<IndexStats> {
        let s = self.store.reader()?.stats()?;
        Ok(IndexStats {
            documents: s.documents,
            families: s.families,
            open_stories: self.stories_lock().open.len() as u64,
            closed_stories: s.closed_stories,
            next_seq: s.next_seq,
        })
    }

    /// Makes room in memory for about `additional` more documents, so that a bulk load of
    /// that many regrows none of the in-memory tables (band tables, fingerprints, families).
    /// Only a hint: more still fit.
    pub fn reserve(&self, additional: usize) {
        self.state_write().core.reserve(additional);
    }

    /// Number of documents in the in-memory band table (equals the stored count).
    pub fn len(&self) -> usize {
        self.state_read().core.docs.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Per-thread buffers of [`LiveIndex::verify_round`], with a store reader opened on first
/// need.
#[derive(Default)]
struct RoundBuffers<'s> {
    reader: Option<Box<dyn StoreReader + 's>>,
    hits: Vec<u32>,
    candidates: Vec<Candidate>,
    ranked: Vec<(f64, u32)>,
    set: Vec<u64>,
}

/// Documents analysed at once when replaying stories.
const REPLAY_CHUNK: usize = 2048;

/// Replays the stored documents listed in `families` (arrival number, family key; sorted)
/// through a fresh story index, in arrival order; documents not listed are passed over.
/// Returns the index, each listed document's assignment, and the stories closed on the way.
#[allow(clippy::type_complexity)]
fn replay_stories(
    reader: &dyn StoreReader,
    config: &StoryConfig,
    analyzer: &Analyzer,
    families: &[(u64, u64)],
) -> Result<(Stories, Vec<(u64, StoryAssignment)>, Vec<StorySummary>)> {
    /// A document analysed and waiting for its turn: arrival number, family key, id, source.
    type Analysed = (u64, u64, String, Option<String>, Analysis);
    struct Replay<'a> {
        stories: Stories,
        assigned: Vec<(u64, StoryAssignment)>,
        closed: Vec<StorySummary>,
        chunk: Vec<(u64, u64, StoredDocument)>,
        /// The previous chunk, analysed: placed while the next one is analysed.
        ready: Vec<Analysed>,
        analyzer: &'a Analyzer,
    }
    impl Replay<'_> {
        /// Analyses the gathered chunk (in parallel) while placing the previous one (in order,
        /// on this thread): placement is sequential, analysis is not, so the two overlap.
        fn flush(&mut self) {
            let analyzer = self.analyzer;
            let chunk = std::mem::take(&mut self.chunk);
            let ready = std::mem::take(&mut self.ready);
            let Replay {
                stories,
                assigned,
                closed,
                ..
            } = self;
            let (analysed, ()) = rayon::join(
                || {
                    chunk
                        .into_par_iter()
                        .map(|(seq, family, d)| {
                            let a = analyzer.analyze(&d.document);
                            (seq, family, d.document.id, d.document.source, a)
                        })
                        .collect::<Vec<Analysed>>()
                },
                || {
                    for (seq, family, id, source, a) in ready {
                        let assignment = stories.add(&id, source.as_deref(), &a, family);
                        assigned.push((seq, assignment));
                    }
                    closed.extend(stories.drain_closed());
                },
            );
            self.ready = analysed;
            self.chunk = Vec::with_capacity(REPLAY_CHUNK);
        }
    }
    let mut replay = Replay {
        stories: Stories::new(config),
        assigned: Vec::with_capacity(families.len()),
        closed: Vec::new(),
        chunk: Vec::with_capacity(REPLAY_CHUNK),
        ready: Vec::new(),
        analyzer,
    };
    let mut next = 0;
    reader.documents(0, u64::MAX, &mut |seq, d| {
        while next < families.len() && families[next].0 < seq {
            next += 1;
        }
        if families.get(next).is_some_and(|f| f.0 == seq) {
            replay.chunk.push((seq, families[next].1, d));
            if replay.chunk.len() == REPLAY_CHUNK {
                replay.flush();
            }
        }
        Ok(true)
    })?;
    // The last chunk, then its placement.
    replay.flush();
    replay.flush();
    if replay.assigned.len() != families.len() {
        return Err(Error::Store(format!(
            "{} placed documents but {} stored records",
            families.len(),
            replay.assigned.len()
        )));
    }
    Ok((replay.stories, replay.assigned, replay.closed))
}

/// Loads a shingle set from the last round's pending sets, else from the store (see
/// [`stored_set`]).
fn load_set(
    reader: &dyn StoreReader,
    sketcher: &Sketcher,
    pending: &HashMap<u64, Arc<Vec<u64>>>,
    seq: u64,
    out: &mut Vec<u64>,
) -> Result<()> {
    if let Some(s) = pending.get(&seq) {
        out.clear();
        out.extend_from_slice(s);
        return Ok(());
    }
    if stored_set(reader, sketcher, seq, out)? {
        Ok(())
    } else {
        Err(Error::Store(format!("document {seq} has no sketch")))
    }
}

/// The shingle set of a stored document into `out`; `false` when the document is not stored.
///
/// A store of format 4 keeps no shingle sets (see the [store docs](super#format-and-compatibility)):
/// the set is worked out again from the stored text by `sketcher` — the sketcher the store
/// was built with, which opening checks (the header's probe), so the set is the one the
/// document had when it was added. Documents written before format 4 keep their stored set.
fn stored_set(
    reader: &dyn StoreReader,
    sketcher: &Sketcher,
    seq: u64,
    out: &mut Vec<u64>,
) -> Result<bool> {
    if reader.shingles_into(seq, out)? {
        return Ok(true);
    }
    let Some(stored) = reader.document(seq)? else {
        return Ok(false);
    };
    sketcher.shingles_into(&stored.document.text, out);
    Ok(true)
}

/// The family a family key names now — itself, or the one it was merged into (following
/// merges) — with its key and row.
fn current_family(reader: &dyn StoreReader, key: u64) -> Result<(u64, FamilyRow)> {
    let mut at = key;
    // Each merge points at an earlier root, so a chain is at most as long as there are
    // families; the bound only stops a damaged store from looping.
    for _ in 0..1_000_000 {
        if let Some(row) = reader.family(at)? {
            return Ok((at, row));
        }
        match reader.merged_into(at)? {
            Some(into) => at = into,
            None => return Err(Error::Store(format!("family {at} has no row"))),
        }
    }
    Err(Error::Store(format!("family {key}: its merges loop")))
}

/// The id and shingle set of a family's canonical member.
fn canonical_of(
    reader: &dyn StoreReader,
    sketcher: &Sketcher,
    row: FamilyRow,
) -> Result<(String, Vec<u64>)> {
    let missing = || Error::Store(format!("canonical member {} is missing", row.canonical));
    let id = reader.placement(row.canonical)?.ok_or_else(missing)?.id;
    let mut set = Vec::new();
    if !stored_set(reader, sketcher, row.canonical, &mut set)? {
        return Err(missing());
    }
    Ok((id, set))
}

/// A document's `dedup` line against its family's current canonical member; `family` passes
/// the family row and canonical member when listing one family's members.
fn current_record(
    reader: &dyn StoreReader,
    sketcher: &Sketcher,
    seq: u64,
    family: Option<(FamilyRow, &(String, Vec<u64>))>,
) -> Result<VersionRecord> {
    let p = reader
        .placement(seq)?
        .ok_or_else(|| Error::Store(format!("document {seq} has no placement")))?;
    let missing = |what: &str, n: u64| Error::Store(format!("{what} {n} is missing"));
    let row = match family {
        Some((row, _)) => row,
        None => current_family(reader, p.family)?.1,
    };
    let (version, similarity, containment) = if row.canonical == seq {
        (p.id.clone(), 1.0, 1.0)
    } else {
        let mut own = Vec::new();
        if !stored_set(reader, sketcher, seq, &mut own)? {
            return Err(missing("document", seq));
        }
        let loaded;
        let (id, set) = match family {
            Some((_, c)) => (&c.0, &c.1),
            None => {
                loaded = canonical_of(reader, sketcher, row)?;
                (&loaded.0, &loaded.1)
            }
        };
        let (s, c) = to_canonical(&own, set);
        (id.clone(), s, c)
    };
    let closest = match p.closest {
        Some(c) => Some(
            reader
                .placement(c)?
                .ok_or_else(|| missing("closest version", c))?
                .id,
        ),
        None => None,
    };
    Ok(VersionRecord {
        id: p.id,
        version,
        canonical: row.canonical == seq,
        similarity,
        containment,
        closest,
        family_size: row.size,
        status: p.status,
    })
}
