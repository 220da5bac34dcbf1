//! Persistence of the live index: documents, their sketches and what the engine decided about
//! them, behind a small trait.
//!
//! The central types are [`Store`] (a transactional store: snapshot reads through a
//! [`StoreReader`], atomic durable writes through a [`WriteBatch`]) and [`LiveIndex`] (the
//! online engine over a store, used by `syndic serve` and `syndic index`). Two stores implement
//! the trait: [`MemoryStore`] (tests; nothing on disk) and [`RedbStore`] (one
//! [redb](https://www.redb.org) file: ACID, copy-on-write B-trees, a commit is durable — fsynced —
//! when [`Store::commit`] returns).
//!
//! ## What is stored
//! | table        | key             | value                                                     |
//! |--------------|-----------------|-----------------------------------------------------------|
//! | `meta`       | name            | the [`Header`] (magic number, format version, settings)   |
//! | `documents`  | arrival number  | the [`StoredDocument`] (JSON: the input record), its      |
//! |              |                 | first 4,080 bytes from format 4 on; or, from format 5,    |
//! |              |                 | where a bulk-loaded record lies in the text log           |
//! | `document_tails` | arrival number | the rest of a longer record (format 4)                 |
//! | `ids`        | document id     | arrival number                                            |
//! | `sketches`   | arrival number  | the shingle set (binary, see `codec`); formats 1–3 only   |
//! | `keys`       | arrival number  | the LSH band keys, then the signature fingerprint (binary)|
//! | `placements` | arrival number  | the [`Placement`] (JSON: family, closest version, status) |
//! | `families`   | family key      | the [`FamilyRow`] (JSON: canonical member, size)          |
//! | `merged`     | family key      | the key of the family it was merged into                  |
//! | `members`    | (family, doc)   | nothing: the family's members in arrival order            |
//! | `stories`    | story id        | a closed story's [`StorySummary`] (JSON)                  |
//! | `story_times`| (last seen, id) | nothing: closed stories by time, for `GET /stories?since` |
//! | `story_members` | (story id, doc) | nothing: a story's documents in arrival order          |
//!
//! Arrival numbers (`seq`) count from 0 and are never reused, so a deleted document leaves a gap.
//! A family's key is the arrival number of its first member. A placement names the family the
//! document joined on arrival; when that family is later merged into another (see
//! [`live`](live#families-merge)), its `families` row gives way to a `merged` row pointing at the
//! family that absorbed it, and its `members` rows move there: `families` lists the families
//! there are now, and `members` is keyed by them. A document's story is kept in its
//! placement; open stories live in memory (the story index is bounded by its time window) and
//! are written to `stories` when they close.
//!
//! ## Trade-off: what lives in memory
//! Everything an answer needs is on disk and read from a snapshot, so readers never wait for the
//! writer. The writer keeps the LSH band table, a few numbers and the 128-byte signature
//! fingerprint per document in memory (about 1 KB per indexed document at the default 41
//! bands), rebuilt from the stored `keys` records at start-up without re-verifying anything.
//! See [`live`] for the engine and its determinism contract.
//!
//! ## Trade-off: shingle sets are not stored
//! A shingle set is needed only to verify a candidate whose fingerprint estimate clears the
//! pre-filter (about 1,900 times while loading 100k news documents in bulk: most candidates
//! of a chunk are in the chunk itself, in memory), or to answer a read's similarity to the
//! canonical member. Stored, the sets were about 40% of the bytes written (some 5 KB a
//! document); from format 4 on they are worked out again from the stored text when needed
//! (tens of microseconds a set), with the sketcher the store was built with (the header's
//! `probe` checks it is the same), so every answer is the one a stored set would give.
//! Deleting a document re-places every later one and so works out every later set.
//!
//! ## Format and compatibility
//! The `meta` table's `format` entry starts with the magic number [`MAGIC`] followed by the
//! format version ([`FORMAT_VERSION`], little-endian `u32`). Opening checks both: a file of
//! another program, or of a newer syndic, is refused with a message saying so; versions from
//! [`OLDEST_FORMAT_VERSION`] on are read. A test opens a committed store of the oldest supported
//! version (`tests/data/store-v1.redb`). Version 2 added the fingerprint to the `keys` records;
//! a version-1 store opened by this build is marked version 2 (its old records stay readable;
//! its documents without a fingerprint are always verified). Version 3 added family merges (the
//! `merged` table and a placement's `merged` list); a store of an older version has none and
//! stays valid. Version 4 writes no `sketches` records (see above), and splits a document
//! record longer than 4,080 bytes between `documents` and `document_tails` (a redb leaf of one
//! larger value takes a page of the next power of two: 8 KiB for a 4.2 KB record); the records
//! written before stay whole and are read. A test opens a committed store of format 3 as well
//! (`tests/data/store-v3.redb`). Version 5 adds the text log: a lazy batch (bulk loading)
//! appends its records to `syndic.texts` beside the store file and `documents` refers to them
//! (see [`RedbStore`]); `meta` keeps the log's committed length. Records written before stay
//! where they are and are read; a test opens a committed store of format 4
//! (`tests/data/store-v4.redb`).

mod codec;
mod disk;
pub mod live;
mod memory;

pub use disk::{RedbStore, STORE_FILE};
pub use live::{Answer, LiveIndex, Prepared};
pub use memory::MemoryStore;

use crate::document::{Document, Timestamp};
use crate::error::{Error, Result};
use crate::story::{StoryConfig, StorySummary};
use crate::versions::{Sketch, Status, VersionConfig};
use serde::{Deserialize, Serialize};

/// The first bytes of the `format` entry: "SYNDICdb".
pub const MAGIC: [u8; 8] = *b"SYNDICdb";
/// The format version this build writes.
pub const FORMAT_VERSION: u32 = 5;
/// The oldest format version this build reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;

/// The store's header: its format version and the engine settings its contents were built with.
///
/// The settings are fixed when the store is created: changing the shingle length or the seed
/// would change every sketch, so a store is always reopened with the settings it was built with.
///
/// `probe` fingerprints the sketcher itself: a hash of the sketch of a fixed text under these
/// settings. Sketches are stored, so a syndic whose normalisation, shingling or MinHash gives
/// other values than the one that built the store would compare new documents with
/// incompatible old ones; [`LiveIndex::open`] refuses such a store instead (rebuild it with
/// `syndic index add`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Format version of the store.
    pub format: u32,
    /// Version-detection settings.
    pub versions: VersionConfig,
    /// Story-grouping settings.
    #[serde(default)]
    pub stories: StoryConfig,
    /// Fingerprint of the sketcher that built the store (see above).
    pub probe: Option<u64>,
}

impl Header {
    /// A header for a new store with the given settings, fingerprinting this build's sketcher.
    pub fn new(versions: VersionConfig, stories: StoryConfig) -> Self {
        let probe = Some(sketch_probe(&versions));
        Header {
            format: FORMAT_VERSION,
            versions,
            stories,
            probe,
        }
    }

    /// Encodes the `format` entry: magic number then version.
    pub(crate) fn format_bytes(&self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[..8].copy_from_slice(&MAGIC);
        out[8..].copy_from_slice(&self.format.to_le_bytes());
        out
    }

    /// Checks a `format` entry and returns its version.
    pub(crate) fn check_format(bytes: &[u8]) -> Result<u32> {
        if bytes.len() < 12 || bytes[..8] != MAGIC {
            return Err(Error::Store(
                "not a syndic store (bad magic number in the `format` entry)".into(),
            ));
        }
        let mut v = [0u8; 4];
        v.copy_from_slice(&bytes[8..12]);
        let version = u32::from_le_bytes(v);
        if version > FORMAT_VERSION {
            return Err(Error::Store(format!(
                "store format version {version} is newer than this syndic reads \
                 ({OLDEST_FORMAT_VERSION}..={FORMAT_VERSION}); upgrade syndic"
            )));
        }
        if version < OLDEST_FORMAT_VERSION {
            return Err(Error::Store(format!(
                "store format version {version} is older than this syndic reads \
                 ({OLDEST_FORMAT_VERSION}..={FORMAT_VERSION}); re-index with `syndic index add`"
            )));
        }
        Ok(version)
    }
}

/// A stored input record: the document as received, and when.
///
/// JSON form (the value of the `documents` table):
/// `{"id":"a","text":"…","title":"…","published":1767225600,"received":1767225612}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredDocument {
    /// The document as received.
    #[serde(flatten)]
    pub document: Document,
    /// When the index received it, seconds since the epoch (UTC).
    pub received: Timestamp,
}

/// What the version engine needs of a document, without its text: kept on disk so start-up and
/// candidate verification never re-read or re-sketch texts.
#[derive(Clone, Debug, Default)]
pub struct StoredSketch {
    /// Length of the text in characters (a canonical-member tie-breaker).
    pub chars: u64,
    /// The sketch: shingle set, band keys, word count.
    pub sketch: Sketch,
}

/// Where the engine placed a document when it arrived. Fixed at arrival, except that deleting an
/// earlier document re-places the later ones.
///
/// JSON form:
/// `{"id":"b","family":0,"closest":0,"jaccard":0.61,"containment":0.93,"status":"ok","chars":812}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// The document's id (so a placement answers without reading the document).
    pub id: String,
    /// Family key: arrival number of the family's first member.
    pub family: u64,
    /// Arrival number of the closest earlier member it verified against, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closest: Option<u64>,
    /// Word-shingle Jaccard with `closest` (0 without one).
    #[serde(default)]
    pub jaccard: f64,
    /// Containment with `closest` (0 without one).
    #[serde(default)]
    pub containment: f64,
    /// How the document was judged.
    pub status: Status,
    /// Publication time, copied from the document (orders canonical members).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Timestamp>,
    /// Length of the text in characters (breaks ties between canonical candidates).
    pub chars: u64,
    /// Its story: the id of the story's first document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story: Option<String>,
    /// Families merged into this document's family when it arrived (their keys, in the order
    /// merged): it verified against members of each, and their canonical members are versions
    /// of each other.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<u64>,
    /// How it was placed in its story.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story_placement: Option<crate::story::Placement>,
    /// The story similarity it joined at (or, for a new story, of the closest one it did not
    /// join), rounded to 4 decimals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story_similarity: Option<f64>,
}

/// A version family's current state.
///
/// JSON form: `{"canonical":3,"size":2}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyRow {
    /// Arrival number of the canonical member.
    pub canonical: u64,
    /// Number of members.
    pub size: u32,
}

/// A document to store: arrival number, record and sketch.
#[derive(Clone, Copy, Debug)]
pub struct NewDocument<'a> {
    /// Arrival number.
    pub seq: u64,
    /// The record.
    pub document: &'a StoredDocument,
    /// Its sketch.
    pub sketch: &'a StoredSketch,
}

/// One atomic, durable change to a store. Applied in field order.
#[derive(Debug, Default)]
pub struct WriteBatch<'a> {
    /// Sets the header (on creation).
    pub header: Option<Header>,
    /// Documents to remove, by arrival number and id: their record, id, sketch, band keys,
    /// placement and family membership.
    pub remove: Vec<(u64, String)>,
    /// New documents.
    pub documents: Vec<NewDocument<'a>>,
    /// Placements to write (new documents and re-placed ones).
    pub placements: Vec<(u64, Placement)>,
    /// Family rows to write (`Some`) or delete (`None`), by family key.
    pub families: Vec<(u64, Option<FamilyRow>)>,
    /// Merge records to write (`Some`: the family it was merged into) or delete (`None`), by
    /// the key of the family merged away.
    pub merges: Vec<(u64, Option<u64>)>,
    /// Family memberships to add (`true`) or remove (`false`): (family key, arrival number).
    pub members: Vec<(u64, u64, bool)>,
    /// Removes every closed story first (a rebuild writes them again).
    pub clear_closed_stories: bool,
    /// Closed stories' summaries to write.
    pub closed_stories: Vec<StorySummary>,
    /// Story memberships to add (`true`) or remove (`false`): (story id, arrival number).
    pub story_members: Vec<(String, u64, bool)>,
    /// Commit without waiting for the disk: the batch is atomic and visible at once, but
    /// durable only when a later batch without `lazy` commits (bulk loading, which makes its
    /// last commit durable; a crash before then loses the lazy batches, whole).
    pub lazy: bool,
}

impl WriteBatch<'_> {
    /// True when the batch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.header.is_none()
            && self.remove.is_empty()
            && self.documents.is_empty()
            && self.placements.is_empty()
            && self.families.is_empty()
            && self.merges.is_empty()
            && self.members.is_empty()
            && !self.clear_closed_stories
            && self.closed_stories.is_empty()
            && self.story_members.is_empty()
    }
}

/// Counts over a whole store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StoreStats {
    /// Documents stored.
    pub documents: u64,
    /// Version families (not counting those merged into another).
    pub families: u64,
    /// Closed stories.
    pub closed_stories: u64,
    /// The next arrival number.
    pub next_seq: u64,
}

/// A consistent snapshot of a store: everything read through one reader sees the same commit.
pub trait StoreReader {
    /// The header, or `None` for a store never written.
    fn header(&self) -> Result<Option<Header>>;
    /// The arrival number of a document id.
    fn seq_of(&self, id: &str) -> Result<Option<u64>>;
    /// A document's record.
    fn document(&self, seq: u64) -> Result<Option<StoredDocument>>;
    /// A document's stored shingle set (sorted, distinct): kept only for documents written
    /// before format 4 (`None` for the others; the live index works their sets out from the
    /// text).
    fn shingles(&self, seq: u64) -> Result<Option<Vec<u64>>>;
    /// A document's shingle set into `out` (cleared first), reusing its allocation; `false`
    /// when the document is not stored.
    fn shingles_into(&self, seq: u64, out: &mut Vec<u64>) -> Result<bool> {
        out.clear();
        match self.shingles(seq)? {
            Some(set) => {
                out.extend_from_slice(&set);
                Ok(true)
            }
            None => Ok(false),
        }
    }
    /// A document's placement.
    fn placement(&self, seq: u64) -> Result<Option<Placement>>;
    /// A family's row, by family key (`None` for a family merged into another).
    fn family(&self, family: u64) -> Result<Option<FamilyRow>>;
    /// The family a family was merged into, if it was.
    fn merged_into(&self, family: u64) -> Result<Option<u64>>;
    /// Up to `limit` members of a family, in arrival order.
    fn members(&self, family: u64, limit: usize) -> Result<Vec<u64>>;
    /// Counts.
    fn stats(&self) -> Result<StoreStats>;
    /// A closed story's summary.
    fn story(&self, id: &str) -> Result<Option<StorySummary>>;
    /// Up to `limit` documents of a story, in arrival order.
    fn story_members(&self, id: &str, limit: usize) -> Result<Vec<u64>>;
    /// Up to `limit` closed stories last seen at or after `since` (all, without it), latest
    /// first; stories without a time come last.
    fn closed_stories(&self, since: Option<Timestamp>, limit: usize) -> Result<Vec<StorySummary>>;
    /// Calls `f` with every stored document, in arrival order, for arrival numbers in
    /// `from..until`; stops early when `f` returns `false`.
    fn documents(
        &self,
        from: u64,
        until: u64,
        f: &mut dyn FnMut(u64, StoredDocument) -> Result<bool>,
    ) -> Result<()>;
    /// Calls `f` with every document's arrival number, placement and stored `keys` record (LSH
    /// band keys, then the fingerprint words in format 2), in arrival order, for arrival numbers
    /// in `from..until`; stops early when `f` returns `false`.
    fn scan(
        &self,
        from: u64,
        until: u64,
        f: &mut dyn FnMut(u64, Placement, Vec<u64>) -> Result<bool>,
    ) -> Result<()>;
}

/// A transactional store. Implementations are shared between threads: many readers, and one
/// writer at a time (the [`LiveIndex`] serialises its writes).
pub trait Store: Send + Sync {
    /// A snapshot reader of the last commit.
    fn reader(&self) -> Result<Box<dyn StoreReader + '_>>;
    /// Applies a batch atomically; when this returns `Ok` the batch survives a crash.
    fn commit(&self, batch: &WriteBatch<'_>) -> Result<()>;
}

impl<S: Store + ?Sized> Store for std::sync::Arc<S> {
    fn reader(&self) -> Result<Box<dyn StoreReader + '_>> {
        (**self).reader()
    }
    fn commit(&self, batch: &WriteBatch<'_>) -> Result<()> {
        (**self).commit(batch)
    }
}

/// The text whose sketch fingerprints a sketcher (self-written).
const PROBE_TEXT: &str = "The \u{201c}harbour\u{201d} ferry \u{2014} delayed twice on Tuesday \
    \u{2026} left at 9:40, the port authority said; passengers (about 120 of them) waited on \
    the quay. CAF\u{c9} owners near Pier 4 said business was slow, and the mayor's office \
    promised a new timetable by the end of the month.";

/// The fingerprint of this build's sketcher under `config` (see [`Header`]).
pub fn sketch_probe(config: &VersionConfig) -> u64 {
    let sketch = crate::versions::Sketcher::new(config).sketch(PROBE_TEXT);
    let mut bytes = Vec::with_capacity(8 * (sketch.shingles.len() + sketch.keys.len()) + 8);
    for v in sketch.shingles.iter().chain(&sketch.keys) {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes.extend_from_slice(&(sketch.words as u64).to_le_bytes());
    xxhash_rust::xxh3::xxh3_64(&bytes)
}

/// A sortable key of an optional time: stories without one sort first (oldest).
pub(crate) fn time_key(t: Option<Timestamp>) -> u64 {
    match t {
        // Flip the sign bit so that the signed order is the unsigned one, above 0.
        Some(t) => (t as u64 ^ (1 << 63)).max(1),
        None => 0,
    }
}

/// Checks that a store's header can be read by this build.
pub(crate) fn check_header(header: &Header) -> Result<()> {
    Header::check_format(&header.format_bytes()).map(|_| ())
}

#[cfg(test)]
mod tests;
