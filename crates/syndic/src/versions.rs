//! Version families: which documents are versions of the same text.
//!
//! The central type is [`VersionIndex`]. Documents arrive one at a time (a live stream) or in
//! batches (a corpus; sketched in parallel, assigned in input order — the same code path, so
//! batch and stream give the same answer for the same order, whatever the thread count).
//!
//! For each document: normalise and shingle ([`crate::shingle`]), sign
//! ([`crate::minhash`]), look up candidates ([`crate::lsh`]), verify the best-ranked candidates
//! on their exact shingle sets ([`crate::verify`]), then join a family or found a new one.
//!
//! ## Why one long chain cannot glue unrelated texts together
//! Families are not the connected components of the match graph (single linkage): a chain
//! A≈B≈C≈D of 40%-overlap steps would join A and D, which share nothing. Instead a document joins
//! a family only when it (1) verifies as a version of at least one member *and* (2) its shorter
//! side is at least `family_floor` (default 0.5) contained in the family's current canonical
//! member, or the canonical's in it. Every member is thus close to the family's centre.
//!
//! ## When two families are one
//! Arrival order can split one text's versions: a trimmed copy that arrives before its original
//! and matches nothing founds a family of its own; the original, arriving later, verifies
//! against it *and* against a rewritten edition's family. When a document verifies as a version
//! of members of several families (each passing its family floor), it joins the closest, and
//! each other family is merged into that one if the two *canonicals* are themselves versions of
//! each other (the version rule and the family floor between them). The merged family's canonical
//! is the better of the two. So every member stays within two verified steps of its canonical,
//! one of them between two canonicals: chains of ordinary members still cannot glue texts
//! together (tested).
//!
//! ## Canonical member
//! Each family has one canonical member: the earliest `published`, else (no date) the longest
//! text, ties broken by arrival. It may move as members arrive; [`VersionIndex::finish`] reports
//! the final one and every member's similarity and containment to it.
//!
//! ## Too short to judge
//! A document with fewer than `min_shingles` shingles (default 25: under about 30 words) is
//! reported with status [`Status::TooShort`] and kept in a family of its own. Pages that short
//! are most often boilerplate — a paywall notice, a subscription prompt, a cookie banner — and two
//! outlets' identical boilerplate says nothing about a shared text. A document with no words is
//! [`Status::Empty`].

use crate::Document;
use crate::document::Timestamp;
use crate::error::{Error, Result};
use crate::families::{self, Families, Match};
use crate::lsh::{Banding, Candidate, ChunkHits, LshIndex};
use crate::minhash::{Fingerprint, Fingerprints, MinHasher};
use crate::sets::SetStore;
use crate::shingle::{DEFAULT_SEED, Scratch, ShingleKind, ShingleSet, Shingler, WordHash};
use crate::verify::{Overlap, VersionRule};
use rayon::prelude::*;
use serde::Serialize;
use std::path::PathBuf;

mod json;

/// Settings of version detection. Every field documents its default and trade-off.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VersionConfig {
    /// Shingle kind and length. Default word 5-grams; see [`crate::shingle`].
    pub shingle: ShingleKind,
    /// How words are hashed. Default [`WordHash::Wide`]; a store written before it existed
    /// reads as [`WordHash::Bytewise`] (the field was absent), which it keeps using.
    #[serde(default = "bytewise")]
    pub word_hash: WordHash,
    /// MinHash slots. Default 128: more slots sharpen the LSH S-curve and cost signing time and
    /// index memory linearly.
    pub num_perm: usize,
    /// Seed of every hash. Changing it changes every signature (and invalidates a store).
    pub seed: u64,
    /// The verdict rule on exact shingle sets. Default Jaccard ≥ 0.35 and containment ≥ 0.7.
    pub rule: VersionRule,
    /// Probability of proposing a pair at exactly `rule.jaccard` similarity as a candidate.
    /// Default 0.98 (30 bands at the default threshold; a pair at Jaccard 0.4 is then proposed
    /// with probability 0.995); higher adds bands (memory) and false candidates (verification
    /// time). A store keeps the value it was built with.
    pub recall_target: f64,
    /// Entries read per LSH bucket on a query, newest first. Default 8: bounds the cost of
    /// boilerplate keys shared by thousands of texts. A version pair at Jaccard 0.4 shares
    /// about five of the 30 band keys, almost all of them rare, and a crowded chain's newest
    /// entries are mostly versions of the same text, so reading further finds nothing new: on
    /// the bench, 5, 6, 8 and 16 give byte-identical output at 100k documents and 8 and 16 at
    /// 1M, where 16 and 64 found the same pairs (4 misses 7 of 75,164 pairs at 100k); 8 costs
    /// 9% less CPU than 16, and 16 42% less than 64. A store keeps the value it was built
    /// with.
    pub max_bucket: usize,
    /// Candidates verified per document, best-ranked first. Default 32.
    pub max_verify: usize,
    /// Fewer shingles than this and a document is too short to judge. Default 25 (about 30
    /// words): shorter pages are mostly boilerplate. Lower it for corpora of short briefs.
    pub min_shingles: usize,
    /// Least containment between a joining document and the family's canonical. Default 0.5.
    pub family_floor: f64,
}

impl Default for VersionConfig {
    fn default() -> Self {
        VersionConfig {
            shingle: ShingleKind::default(),
            word_hash: WordHash::default(),
            num_perm: 128,
            seed: DEFAULT_SEED,
            rule: VersionRule::default(),
            recall_target: Banding::RECALL_TARGET,
            max_bucket: 8,
            max_verify: 32,
            min_shingles: 25,
            family_floor: 0.5,
        }
    }
}

/// The word hash of settings that name none: those of a store written before
/// [`VersionConfig::word_hash`] existed.
fn bytewise() -> WordHash {
    WordHash::Bytewise
}

impl VersionConfig {
    /// Checks every setting's range.
    pub fn validate(&self) -> Result<()> {
        let n = match self.shingle {
            ShingleKind::Words(n) | ShingleKind::Chars(n) => n,
        };
        let bad = |name, message: &str| {
            Err(Error::Config {
                name,
                message: message.to_string(),
            })
        };
        if n == 0 || n > 64 {
            return bad("shingle-size", "must be between 1 and 64");
        }
        if self.num_perm < 8 || self.num_perm > 1024 {
            return bad("num-perm", "must be between 8 and 1024");
        }
        if !(0.0..=1.0).contains(&self.rule.jaccard) || self.rule.jaccard <= 0.0 {
            return bad("threshold", "must be in (0, 1]");
        }
        if !(0.0..=1.0).contains(&self.rule.containment) {
            return bad("containment", "must be in [0, 1]");
        }
        if !(0.5..1.0).contains(&self.recall_target) {
            return bad("recall-target", "must be in [0.5, 1)");
        }
        if !(0.0..=1.0).contains(&self.family_floor) {
            return bad("family-floor", "must be in [0, 1]");
        }
        Ok(())
    }

    /// The LSH banding these settings imply.
    pub fn banding(&self) -> Banding {
        Banding::for_threshold(self.rule.jaccard, self.num_perm, self.recall_target)
    }

    /// How a sketched document is judged: empty, too short, or compared.
    pub fn status_of(&self, sketch: &Sketch) -> Status {
        if sketch.shingles.is_empty() {
            Status::Empty
        } else if sketch.shingles.len() < self.min_shingles {
            Status::TooShort
        } else {
            Status::Ok
        }
    }

    /// The least estimated Jaccard (from fingerprints) at which a candidate is verified:
    /// four standard deviations of the estimate below the rule's Jaccard, over the slots the
    /// smaller text can fill. A pair at the rule's threshold is dropped with probability about
    /// 3·10⁻⁵; a pair sharing only a footer (Jaccard ≈ 0.03) is almost never verified.
    fn prefilter(&self, smaller: usize) -> f64 {
        let j = self.rule.jaccard;
        let slots = self.num_perm.min(smaller).max(1) as f64;
        (j - 4.0 * (j * (1.0 - j) / slots).sqrt()).max(0.0)
    }

    /// The candidates worth verifying, into `ranked` as (estimate, document): those whose
    /// fingerprint estimate clears [the prefilter](VersionConfig::prefilter), best estimate
    /// first (ties: newest first), at most `max_verify`. `print_of` gives an earlier document's
    /// fingerprint; without fingerprints on both sides a candidate ranks by its shared bands
    /// and is always verified. Batch and live indexes both rank through here, so they verify
    /// the same candidates.
    pub(crate) fn rank_candidates<'p>(
        &self,
        sketch: &Sketch,
        candidates: &[Candidate],
        print_of: impl Fn(u32) -> Option<&'p [u64]>,
        ranked: &mut Vec<(f64, u32)>,
    ) {
        let own = (sketch.fingerprint.len() == Fingerprint::words(self.num_perm))
            .then_some(&sketch.fingerprint[..]);
        let floor = self.prefilter(sketch.shingles.len());
        ranked.clear();
        for c in candidates {
            let estimate = match (own, print_of(c.doc)) {
                (Some(a), Some(b)) => Fingerprint::estimate(a, b, self.num_perm),
                _ => 1.0 + f64::from(c.hits),
            };
            if estimate >= floor {
                ranked.push((estimate, c.doc));
            }
        }
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        ranked.truncate(self.max_verify);
    }

    /// The candidates that are versions on their exact shingle sets, best first (highest
    /// Jaccard, then earliest): those [ranked](VersionConfig::rank_candidates) worth verifying,
    /// each measured by `overlap` and kept when the version rule accepts it. `ranked` is
    /// scratch space.
    pub(crate) fn verify<'p>(
        &self,
        sketch: &Sketch,
        candidates: &[Candidate],
        print_of: impl Fn(u32) -> Option<&'p [u64]>,
        ranked: &mut Vec<(f64, u32)>,
        mut overlap: impl FnMut(u32) -> Result<Overlap>,
    ) -> Result<Vec<Match>> {
        self.rank_candidates(sketch, candidates, print_of, ranked);
        let mut accepted = Vec::new();
        for &(_, doc) in ranked.iter() {
            let o = overlap(doc)?;
            if self.rule.accepts(&o) {
                accepted.push((doc, o));
            }
        }
        families::sort_matches(&mut accepted);
        Ok(accepted)
    }
}

/// What the sketching stage extracts from one text: everything the index needs, no text.
#[derive(Clone, Debug, Default)]
pub struct Sketch {
    /// Sorted, deduplicated shingle hashes.
    pub shingles: Vec<u64>,
    /// LSH band keys of the MinHash signature (empty when there are no shingles).
    pub keys: Vec<u64>,
    /// The signature's [`Fingerprint`] words (empty when there are no shingles, or when the
    /// sketch did not come from a [`Sketcher`]: candidates are then not pre-filtered).
    pub fingerprint: Vec<u64>,
    /// Words in the normalised text.
    pub words: usize,
}

/// Turns texts into [`Sketch`]es. Pure and `Sync`: sketch in parallel, assign in order.
#[derive(Clone, Copy, Debug)]
pub struct Sketcher {
    shingler: Shingler,
    hasher: MinHasher,
    banding: Banding,
}

impl Sketcher {
    /// A sketcher for the given settings.
    pub fn new(config: &VersionConfig) -> Self {
        Sketcher {
            shingler: Shingler::new(config.shingle)
                .with_seed(config.seed)
                .with_word_hash(config.word_hash),
            hasher: MinHasher::new(config.num_perm, config.seed)
                .premixed(config.word_hash == WordHash::Wide),
            banding: config.banding(),
        }
    }

    /// The banding used for keys.
    pub fn banding(&self) -> Banding {
        self.banding
    }

    /// Slots of the MinHash signatures.
    pub fn num_perm(&self) -> usize {
        self.hasher.num_perm()
    }

    /// Sketches one text.
    pub fn sketch(&self, text: &str) -> Sketch {
        let mut sketch = Sketch::default();
        self.sketch_into(text, &mut sketch);
        sketch
    }

    /// Only the shingle set of a text (what [`Sketcher::sketch`] puts in
    /// [`Sketch::shingles`]), into `out`: for verifying against a text whose set was not kept,
    /// without signing it again.
    pub fn shingles_into(&self, text: &str, out: &mut Vec<u64>) {
        *out = self.shingle(text, std::mem::take(out)).hashes;
    }

    /// The shingle set of `text`, in the buffer `hashes`.
    fn shingle(&self, text: &str, hashes: Vec<u64>) -> ShingleSet {
        thread_local! {
            // The normalised text and word hashes of the last text shingled on this thread:
            // reused, so sketching allocates only what the sketch keeps.
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
        }
        let mut set = ShingleSet { hashes, words: 0 };
        SCRATCH.with_borrow_mut(|scratch| self.shingler.shingle_into(text, &mut set, scratch));
        set
    }

    /// Sketches one text into `out`, reusing its buffers.
    pub fn sketch_into(&self, text: &str, out: &mut Sketch) {
        let set = self.shingle(text, std::mem::take(&mut out.shingles));
        out.keys.clear();
        out.fingerprint.clear();
        if !set.hashes.is_empty() {
            let signature = self.hasher.sign(&set.hashes);
            out.keys.extend(self.banding.keys(&signature));
            out.fingerprint.extend(signature.fingerprint().0);
        }
        out.shingles = set.hashes;
        out.words = set.words;
    }
}

/// How a document was judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Compared with the corpus normally.
    Ok,
    /// Fewer than `min_shingles` shingles: kept alone, not compared.
    TooShort,
    /// No words at all.
    Empty,
}

/// The answer for one added document, at the time it was added.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Assignment {
    /// The document's number: its arrival position, from 0.
    pub doc: u32,
    /// Its family's number (the arrival position of the family's first member).
    pub family: u32,
    /// The family's canonical member right after this arrival.
    pub canonical: u32,
    /// The closest earlier member it verified against, with their overlap.
    pub closest: Option<(u32, Overlap)>,
    /// How the document was judged.
    pub status: Status,
}

/// One output line of `syndic dedup`: a document and its version family.
///
/// JSON form (one object per line, in input order):
/// ```json
/// {"id":"b.txt","version":"a.txt","canonical":false,"similarity":0.62,"containment":0.91,
///  "closest":"a.txt","status":"ok"}
/// ```
/// `version` is the family id: the id of its canonical member, stable for a given input.
/// `similarity` (word-shingle Jaccard) and `containment` are measured against the canonical
/// (1.0 for the canonical itself); `closest` is the earlier member it matched most closely
/// (absent for a family's first member); `family_size` counts the family's members.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct VersionRecord {
    /// Document id.
    pub id: String,
    /// Family id: the canonical member's id.
    pub version: String,
    /// Whether this document is its family's canonical member.
    pub canonical: bool,
    /// Jaccard similarity to the canonical member, rounded to 4 decimals.
    pub similarity: f64,
    /// Containment (shorter in longer) with the canonical member, rounded to 4 decimals.
    pub containment: f64,
    /// The closest earlier member it matched, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closest: Option<String>,
    /// Number of members of the family.
    pub family_size: u32,
    /// How the document was judged.
    pub status: Status,
}

/// A [`VersionRecord`] borrowed from a finished index ([`Finished::record`]): the same
/// fields, written as the same JSON, without copying the ids.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct VersionRecordRef<'a> {
    /// Document id.
    pub id: &'a str,
    /// Family id: the canonical member's id.
    pub version: &'a str,
    /// Whether this document is its family's canonical member.
    pub canonical: bool,
    /// Jaccard similarity to the canonical member, rounded to 4 decimals.
    pub similarity: f64,
    /// Containment (shorter in longer) with the canonical member, rounded to 4 decimals.
    pub containment: f64,
    /// The closest earlier member it matched, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closest: Option<&'a str>,
    /// Number of members of the family.
    pub family_size: u32,
    /// How the document was judged.
    pub status: Status,
}

impl From<VersionRecordRef<'_>> for VersionRecord {
    fn from(r: VersionRecordRef<'_>) -> Self {
        VersionRecord {
            id: r.id.to_string(),
            version: r.version.to_string(),
            canonical: r.canonical,
            similarity: r.similarity,
            containment: r.containment,
            closest: r.closest.map(str::to_string),
            family_size: r.family_size,
            status: r.status,
        }
    }
}

/// A finished [`VersionIndex`]'s answers, read in place ([`VersionIndex::finished`]): each
/// document's family and its measures against the final canonical member.
#[derive(Debug)]
pub struct Finished<'a> {
    index: &'a VersionIndex,
    /// Each document's family.
    roots: Vec<u32>,
    /// Each document's (similarity, containment) to its family's canonical member.
    measures: Vec<(f64, f64)>,
}

/// Records a block [`Finished::write_jsonl`] formats on one thread (3 in tests, so that small
/// corpora span many blocks and waves of blocks).
const JSONL_BLOCK: usize = if cfg!(test) { 3 } else { 2048 };

impl<'a> Finished<'a> {
    /// Number of documents.
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// Whether the index holds no document.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// Number of families (documents alone in theirs included).
    pub fn families(&self) -> u64 {
        self.index.family_count() as u64
    }

    /// Every answer as an owned record, in arrival order (built in parallel).
    pub fn records(&self) -> Vec<VersionRecord> {
        (0..self.len())
            .into_par_iter()
            .map(|d| VersionRecord::from(self.record(d)))
            .collect()
    }

    /// The answer for document number `doc` (its arrival position).
    ///
    /// # Panics
    /// Panics if `doc` is not below [`Finished::len`].
    pub fn record(&self, doc: usize) -> VersionRecordRef<'a> {
        let index = self.index;
        let fam = index.families.get(self.roots[doc]);
        let entry = &index.docs[doc];
        let (similarity, containment) = self.measures[doc];
        VersionRecordRef {
            id: &entry.id,
            version: &index.docs[fam.canonical as usize].id,
            canonical: fam.canonical as usize == doc,
            similarity,
            containment,
            closest: entry.closest.map(|c| &*index.docs[c as usize].id),
            family_size: fam.size,
            status: entry.status,
        }
    }

    /// Every record as a line of JSON (as `serde_json` writes a [`VersionRecord`], though
    /// written by hand: see `json`), in arrival order: blocks of records are formatted on
    /// every thread and handed to `write` one after the other, so writing a million records is
    /// not one thread's work. Stops at the first error `write` returns.
    pub fn write_jsonl<E>(
        &self,
        mut write: impl FnMut(&[u8]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let wave = JSONL_BLOCK * 2 * rayon::current_num_threads().max(1);
        let mut blocks: Vec<Vec<u8>> = Vec::new();
        for start in (0..self.len()).step_by(wave) {
            let end = (start + wave).min(self.len());
            let count = (end - start).div_ceil(JSONL_BLOCK);
            blocks.resize_with(count, Vec::new);
            blocks.par_iter_mut().enumerate().for_each(|(b, out)| {
                out.clear();
                let from = start + b * JSONL_BLOCK;
                for d in from..(from + JSONL_BLOCK).min(end) {
                    json::write_record(&self.record(d), out);
                    out.push(b'\n');
                }
            });
            for block in &blocks[..count] {
                write(block)?;
            }
        }
        Ok(())
    }
}

#[derive(Debug)]
struct DocEntry {
    id: Box<str>,
    status: Status,
    closest: Option<u32>,
    /// Its overlap with its family's canonical member when it was placed, if it was verified
    /// against that member: [`VersionIndex::finish`] reuses it while that member is still the
    /// canonical one, instead of reading both sets again.
    measured: Option<Measured>,
}

/// A document's overlap with canonical member `canonical`, as [`Overlap`] counts.
#[derive(Clone, Copy, Debug)]
struct Measured {
    canonical: u32,
    shared: u32,
    len_a: u32,
    len_b: u32,
}

impl Measured {
    fn new(canonical: u32, o: &Overlap) -> Option<Measured> {
        Some(Measured {
            canonical,
            shared: u32::try_from(o.shared).ok()?,
            len_a: u32::try_from(o.len_a).ok()?,
            len_b: u32::try_from(o.len_b).ok()?,
        })
    }

    fn overlap(&self) -> Overlap {
        Overlap {
            shared: self.shared as usize,
            len_a: self.len_a as usize,
            len_b: self.len_b as usize,
        }
    }
}

/// One document given to [`VersionIndex::add_chunk`].
#[derive(Clone, Copy, Debug)]
pub struct Incoming<'a> {
    /// The document's id.
    pub id: &'a str,
    /// When it was published, if known (the earliest becomes its family's canonical).
    pub published: Option<Timestamp>,
    /// Its text's length in characters (the longest undated text becomes canonical).
    pub chars: u64,
    /// Its sketch, from [`VersionIndex::sketcher`].
    pub sketch: &'a Sketch,
}

/// The chunk being placed by [`VersionIndex::add_chunk`].
struct Placing<'c, 'a> {
    /// Number of the chunk's first document.
    base: u32,
    chunk: &'c [Incoming<'a>],
    /// Sets of the chunk given a slot but not pushed to the store yet.
    pending: usize,
}

/// The documents of a chunk whose shingle sets are stored, in order.
fn indexed_sets<'c, 'a>(
    chunk: &'c [Incoming<'a>],
    statuses: &'c [Status],
) -> impl Iterator<Item = (usize, &'c Incoming<'a>)> {
    chunk
        .iter()
        .zip(statuses)
        .enumerate()
        .filter(|(_, (_, status))| **status == Status::Ok)
        .map(|(i, (d, _))| (i, d))
}

/// Per-thread buffers of the verification phase.
#[derive(Debug, Default)]
struct Probe {
    hits: Vec<u32>,
    candidates: Vec<Candidate>,
    ranked: Vec<(f64, u32)>,
    set: Vec<u64>,
    bytes: Vec<u8>,
}

/// The version index. See the module docs.
#[derive(Debug)]
pub struct VersionIndex {
    config: VersionConfig,
    sketcher: Sketcher,
    lsh: LshIndex,
    docs: Vec<DocEntry>,
    families: Families,
    /// Slot in `sets` of each document (`u32::MAX` when not indexed).
    set_slot: Vec<u32>,
    sets: SetStore,
    /// Each document's fingerprint, by document number: a candidate's estimate is one
    /// lookup.
    prints: Fingerprints,
    /// Set buffers of placement: a canonical member's, and another's.
    buf_a: Vec<u64>,
    buf_b: Vec<u64>,
    /// Read buffer of [`load`].
    load_bytes: Vec<u8>,
}

impl VersionIndex {
    /// An empty index holding shingle sets in memory.
    ///
    /// # Panics
    /// Panics if the configuration is invalid; use [`VersionIndex::builder`] to get an error.
    pub fn new(config: VersionConfig) -> Self {
        VersionIndex::builder(config)
            .build()
            .expect("invalid version configuration")
    }

    /// A builder, to choose where shingle sets are kept.
    pub fn builder(config: VersionConfig) -> VersionIndexBuilder {
        VersionIndexBuilder {
            config,
            spill_dir: None,
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &VersionConfig {
        &self.config
    }

    /// The sketcher matching this index's settings (to sketch on other threads).
    pub fn sketcher(&self) -> Sketcher {
        self.sketcher
    }

    /// Number of documents added.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Makes room for `additional` more documents, so that adding them regrows none of the
    /// per-document tables (band tables, fingerprints, families): a caller that knows about
    /// how many documents are coming (the batch driver estimates it from the input's size)
    /// saves the copying and the kernel's zeroing of every doubled table. Only a hint: more
    /// documents than reserved still fit.
    ///
    /// The tables are reserved on every thread (rayon): each new one costs the kernel a fault
    /// and a zeroing of its first pages (2 MB ones, where the allocator asks for huge pages),
    /// and the dozen tables beside the band tables took 20–30 ms on one thread at 100k news
    /// documents while the other waited.
    pub fn reserve(&mut self, additional: usize) {
        let VersionIndex {
            lsh,
            docs,
            families,
            set_slot,
            prints,
            sets,
            ..
        } = self;
        rayon::join(
            || lsh.reserve(additional),
            || {
                rayon::join(
                    || {
                        prints.reserve(additional);
                        docs.reserve(additional);
                    },
                    || {
                        families.reserve(additional);
                        set_slot.reserve(additional);
                        sets.reserve(additional);
                    },
                )
            },
        );
    }

    /// True when no document was added.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Number of families so far.
    pub fn family_count(&self) -> usize {
        self.families.roots()
    }

    /// Adds one document. Errors only from a spill file's I/O.
    ///
    /// # Panics
    /// Panics if the spill file fails; use [`VersionIndex::try_add`] to get the error.
    pub fn add(&mut self, doc: &Document) -> Assignment {
        self.try_add(doc).expect("shingle spill file failed")
    }

    /// Adds one document.
    pub fn try_add(&mut self, doc: &Document) -> Result<Assignment> {
        let sketch = self.sketcher.sketch(&doc.text);
        self.add_sketch(
            &doc.id,
            doc.published,
            doc.text.chars().count() as u64,
            &sketch,
        )
    }

    /// Adds a batch: sketches in parallel (rayon), assigns in order. The result does not depend
    /// on the number of threads.
    pub fn add_batch(&mut self, docs: &[Document]) -> Result<Vec<Assignment>> {
        let sketcher = self.sketcher;
        let sketches: Vec<(Sketch, u64)> = docs
            .par_iter()
            .map(|d| (sketcher.sketch(&d.text), d.text.chars().count() as u64))
            .collect();
        let incoming: Vec<Incoming<'_>> = docs
            .iter()
            .zip(&sketches)
            .map(|(d, (sketch, chars))| Incoming {
                id: &d.id,
                published: d.published,
                chars: *chars,
                sketch,
            })
            .collect();
        self.add_chunk(&incoming)
    }

    /// Adds a document already sketched with [`VersionIndex::sketcher`]; `chars` is its text's
    /// length in characters (used to choose the canonical member).
    pub fn add_sketch(
        &mut self,
        id: &str,
        published: Option<Timestamp>,
        chars: u64,
        sketch: &Sketch,
    ) -> Result<Assignment> {
        let mut placed = self.add_chunk(&[Incoming {
            id,
            published,
            chars,
            sketch,
        }])?;
        // One document in, one assignment out.
        placed
            .pop()
            .ok_or_else(|| Error::Store("no assignment".into()))
    }

    /// Adds documents already sketched, in order: the same answers as adding them one by one
    /// with [`VersionIndex::add_sketch`], but the expensive part runs in parallel (rayon).
    ///
    /// Two phases. First, the chunk joins the band tables, band by band in parallel, each
    /// document reading the chains it joins ([`ChunkHits::inserting`]) — so each document sees
    /// exactly the candidates it would have seen alone — and every document is verified on
    /// the shingle sets of its candidates at once, in parallel. Then, in order, each document takes its place: the closest verified
    /// member whose family's canonical is near enough ([`VersionConfig::family_floor`]) — the one
    /// decision that depends on the documents placed before it.
    pub fn add_chunk(&mut self, chunk: &[Incoming<'_>]) -> Result<Vec<Assignment>> {
        let base = families::first_number(self.docs.len(), chunk.len())?;
        let statuses: Vec<Status> = chunk
            .iter()
            .map(|d| self.config.status_of(d.sketch))
            .collect();
        let keys: Vec<Option<&[u64]>> = chunk
            .iter()
            .zip(&statuses)
            .map(|(d, status)| (*status == Status::Ok).then_some(&d.sketch.keys[..]))
            .collect();
        // The chunk joins the band tables first, each document reading the chains it joins
        // (its candidates among every earlier document); its sets join the set store at the
        // end, once placement has numbered them.
        // The previous chunk's sets are written to the spill file meanwhile, on another thread
        // (see `SetStore::flush`).
        let (hits, flushed) = {
            let VersionIndex { lsh, sets, .. } = self;
            rayon::join(|| ChunkHits::inserting(lsh, base, &keys), || sets.flush())
        };
        flushed?;
        let view = &*self;
        let verify = |probe: &mut Probe, i: usize| -> Result<Vec<(u32, Overlap)>> {
            if statuses[i] != Status::Ok {
                return Ok(Vec::new());
            }
            view.verified(probe, &hits, base, chunk, i)
        };
        let verified: Vec<Result<Vec<(u32, Overlap)>>> = if chunk.len() == 1 {
            vec![verify(&mut Probe::default(), 0)]
        } else {
            (0..chunk.len())
                .into_par_iter()
                .map_init(Probe::default, verify)
                .collect()
        };
        let mut out = Vec::with_capacity(chunk.len());
        let mut placing = Placing {
            base,
            chunk,
            pending: 0,
        };
        for ((d, status), matches) in chunk.iter().zip(&statuses).zip(verified) {
            out.push(self.place(d, *status, &matches?, &mut placing)?);
        }
        let sets: Vec<&[u64]> = indexed_sets(chunk, &statuses)
            .map(|(_, d)| &d.sketch.shingles[..])
            .collect();
        self.sets.push_chunk(&sets)?;
        Ok(out)
    }

    /// Places one document given its verified matches (best first).
    fn place(
        &mut self,
        d: &Incoming<'_>,
        status: Status,
        matches: &[(u32, Overlap)],
        placing: &mut Placing<'_, '_>,
    ) -> Result<Assignment> {
        let doc = u32::try_from(self.docs.len())
            .map_err(|_| Error::Store("more than 4G documents in one index".into()))?;
        // The family it joins, and the other families it also belongs near (see "When two
        // families are one").
        let (best, also) = {
            let VersionIndex {
                families,
                sets,
                set_slot,
                load_bytes,
                buf_b,
                config,
                ..
            } = self;
            families::choose(families, matches, |canonical| {
                families::near_canonical(matches, canonical, config.family_floor, || {
                    load(sets, set_slot, load_bytes, placing, canonical, buf_b)?;
                    Ok(Overlap::of(&d.sketch.shingles, buf_b))
                })
            })?
        };
        self.docs.push(DocEntry {
            id: d.id.into(),
            status,
            closest: best.map(|(m, _)| m),
            measured: None,
        });
        let joins = best.map(|(other, _)| self.family_of(other));
        let family = self.families.push(doc, joins, d.published, d.chars)?;
        if status == Status::Ok {
            // Pushed to the set store at the chunk's end, in this order.
            let slot = u32::try_from(self.sets.len() + placing.pending)
                .ok()
                .filter(|&s| s != u32::MAX)
                .ok_or_else(|| Error::Store("more than 4G shingle sets".into()))?;
            placing.pending += 1;
            self.set_slot.push(slot);
        } else {
            self.set_slot.push(u32::MAX);
        }
        self.prints
            .push((status == Status::Ok).then_some(&d.sketch.fingerprint[..]));
        if !also.is_empty() {
            self.merge_into(family, &also, placing)?;
        }
        // What finish will report against the canonical member, when it was measured here:
        // this document's overlap with it, or, when this document became the canonical one,
        // the overlap of each member it was verified against.
        let root = self.family_of(doc);
        let canonical = self.families.get(root).canonical;
        if canonical == doc {
            for (m, o) in matches {
                if self.family_of(*m) == root {
                    self.docs[*m as usize].measured = Measured::new(doc, o);
                }
            }
        } else if let Some((_, o)) = matches.iter().find(|(m, _)| *m == canonical) {
            self.docs[doc as usize].measured = Measured::new(canonical, o);
        }
        let canonical = self.families.get(family).canonical;
        Ok(Assignment {
            doc,
            family,
            canonical,
            closest: best,
            status,
        })
    }

    /// Chunk document `i`'s candidates that pass the rule on their exact shingle sets, best
    /// first (highest Jaccard, then earliest). Reads the index; changes nothing.
    fn verified(
        &self,
        probe: &mut Probe,
        hits: &ChunkHits,
        base: u32,
        chunk: &[Incoming<'_>],
        i: usize,
    ) -> Result<Vec<Match>> {
        let sketch = chunk[i].sketch;
        hits.candidates(i, &mut probe.hits, &mut probe.candidates);
        let in_chunk = |other: u32| chunk[(other - base) as usize].sketch;
        let words = self.prints.per_doc();
        self.prints
            .touch(probe.candidates.iter().map(|c| c.doc).filter(|&d| d < base));
        let Probe {
            candidates,
            ranked,
            set,
            bytes,
            ..
        } = probe;
        self.config.verify(
            sketch,
            candidates,
            |other| {
                if other >= base {
                    let print = &in_chunk(other).fingerprint;
                    (print.len() == words).then_some(&print[..])
                } else {
                    self.prints.get(other)
                }
            },
            ranked,
            |other| {
                Ok(if other >= base {
                    Overlap::of(&sketch.shingles, &in_chunk(other).shingles)
                } else {
                    self.read_set(other, set, bytes)?;
                    Overlap::of(&sketch.shingles, set)
                })
            },
        )
    }

    /// The family `doc` belongs to now (following merges).
    fn family_of(&self, doc: u32) -> u32 {
        self.families.family_of(doc)
    }

    /// Merges each family of `others` into `family` when their canonicals are versions of each
    /// other (see [`Families::merge`]).
    fn merge_into(&mut self, family: u32, others: &[u32], placing: &Placing<'_, '_>) -> Result<()> {
        let VersionIndex {
            families,

            sets,
            set_slot,
            load_bytes,
            buf_a,
            buf_b,
            config,
            ..
        } = self;
        // The surviving canonical's set is read once: a merge that moves the canonical to the
        // family just read swaps that set in.
        let (mut ours_read, mut theirs_read) = (u32::MAX, u32::MAX);
        families.merge(family, others, |ours, theirs| {
            if ours != ours_read {
                if ours == theirs_read {
                    std::mem::swap(buf_a, buf_b);
                    theirs_read = u32::MAX;
                } else {
                    load(sets, set_slot, load_bytes, placing, ours, buf_a)?;
                }
                ours_read = ours;
            }
            load(sets, set_slot, load_bytes, placing, theirs, buf_b)?;
            theirs_read = theirs;
            Ok(families::merges(config, &Overlap::of(buf_a, buf_b)))
        })?;
        Ok(())
    }

    /// The id of document number `doc`.
    pub fn id(&self, doc: u32) -> &str {
        &self.docs[doc as usize].id
    }

    /// Final answers for every document, in arrival order, measured against the final canonical
    /// members. [`VersionIndex::finished`] gives the same answers without building a record
    /// object per document.
    pub fn finish(&mut self) -> Result<Vec<VersionRecord>> {
        Ok(self.finished()?.records())
    }

    /// Final answers for every document, measured against the final canonical members, read
    /// in place: [`Finished::record`] borrows the ids from the index instead of copying them, so
    /// writing the answers out (say with [`Finished::write_jsonl`]) needs no record object per
    /// document — about 200 bytes each, 200 MB at a million documents.
    pub fn finished(&mut self) -> Result<Finished<'_>> {
        self.sets.flush()?;
        let view = &*self;
        let roots: Vec<u32> = (0..self.docs.len() as u32)
            .into_par_iter()
            .map(|d| view.family_of(d))
            .collect();
        // Grouped by family, so each canonical set is read once; families measured in parallel.
        // A document verified against its canonical member when it was placed keeps that
        // overlap (the same merge of the same two sets: the same counts). A document alone in
        // its family is its canonical member, measured 1.0 without a look.
        let mut order: Vec<u32> = (0..self.docs.len() as u32)
            .filter(|&d| view.families.get(roots[d as usize]).size > 1)
            .collect();
        order.par_sort_unstable_by_key(|&d| (roots[d as usize], d));
        let groups: Vec<&[u32]> = order
            .chunk_by(|a, b| roots[*a as usize] == roots[*b as usize])
            .collect();
        let measured: Vec<Result<Vec<(u32, f64, f64)>>> = groups
            .par_iter()
            .map_init(
                || (Vec::new(), Vec::new(), Vec::new()),
                |(canon, set, bytes), group| {
                    let canonical = view.families.get(roots[group[0] as usize]).canonical;
                    let mut canon_read = false;
                    group
                        .iter()
                        .map(|&d| {
                            if d == canonical {
                                return Ok((d, 1.0, 1.0));
                            }
                            let o = match view.docs[d as usize].measured {
                                Some(m) if m.canonical == canonical => m.overlap(),
                                _ => {
                                    if !canon_read {
                                        view.read_set(canonical, canon, bytes)?;
                                        canon_read = true;
                                    }
                                    view.read_set(d, set, bytes)?;
                                    Overlap::of(set, canon)
                                }
                            };
                            Ok((d, round4(o.jaccard()), round4(o.containment())))
                        })
                        .collect()
                },
            )
            .collect();
        let mut measures = vec![(1.0, 1.0); self.docs.len()];
        for group in measured {
            for (d, similarity, containment) in group? {
                measures[d as usize] = (similarity, containment);
            }
        }
        Ok(Finished {
            index: view,
            roots,
            measures,
        })
    }

    /// A document's shingle set, read from any thread (after a flush); empty when it was not
    /// indexed.
    fn read_set(&self, doc: u32, out: &mut Vec<u64>, bytes: &mut Vec<u8>) -> Result<()> {
        let slot = self.set_slot[doc as usize];
        if slot == u32::MAX {
            out.clear();
            return Ok(());
        }
        self.sets.read(slot as usize, out, bytes)
    }
}

/// A document's shingle set during placement: from the chunk being placed when it is one of
/// its documents (its set is not stored yet), else from the set store; empty when it was not
/// indexed.
fn load(
    sets: &SetStore,
    set_slot: &[u32],
    bytes: &mut Vec<u8>,
    placing: &Placing<'_, '_>,
    doc: u32,
    out: &mut Vec<u64>,
) -> Result<()> {
    let slot = set_slot[doc as usize];
    if slot == u32::MAX {
        out.clear();
        return Ok(());
    }
    if doc >= placing.base {
        out.clear();
        out.extend_from_slice(&placing.chunk[(doc - placing.base) as usize].sketch.shingles);
        return Ok(());
    }
    sets.read(slot as usize, out, bytes)
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Builds a [`VersionIndex`], choosing where shingle sets live.
#[derive(Debug)]
pub struct VersionIndexBuilder {
    config: VersionConfig,
    spill_dir: Option<PathBuf>,
}

impl VersionIndexBuilder {
    /// Keep shingle sets in an anonymous temporary file in `dir` instead of memory, so memory
    /// grows with signatures, not with text (unix only; elsewhere sets stay in memory).
    #[must_use]
    pub fn spill_to(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spill_dir = Some(dir.into());
        self
    }

    /// Validates the settings and builds the index.
    pub fn build(self) -> Result<VersionIndex> {
        self.config.validate()?;
        let sketcher = Sketcher::new(&self.config);
        let sets = match self.spill_dir {
            #[cfg(unix)]
            Some(dir) => SetStore::spill_in(&dir)?,
            _ => SetStore::memory(),
        };
        Ok(VersionIndex {
            lsh: LshIndex::new(sketcher.banding().bands, self.config.max_bucket),
            sketcher,
            config: self.config,
            docs: Vec::new(),
            families: Families::default(),
            set_slot: Vec::new(),
            sets,
            prints: Fingerprints::new(sketcher.num_perm()),
            buf_a: Vec::new(),
            buf_b: Vec::new(),
            load_bytes: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-text of `n` distinct words starting at word `from`.
    fn text(from: usize, n: usize) -> String {
        (from..from + n)
            .map(|i| format!("w{i}x"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn index() -> VersionIndex {
        VersionIndex::new(VersionConfig::default())
    }

    /// The answers read in place are `finish`'s records, and `write_jsonl` writes them as
    /// serde_json writes each record, in order, over many blocks and waves of blocks; a write
    /// error stops it.
    #[test]
    fn finished_answers_are_the_records_and_their_json_lines() {
        let mut idx = index();
        let mut docs = Vec::new();
        for i in 0..40 {
            // Families of two (an original and a trimmed copy), a short text and an empty one.
            docs.push(Document::new(format!("o{i}"), text(i * 1000, 120)));
            docs.push(Document::new(format!("t{i}"), text(i * 1000 + 10, 100)));
        }
        docs.push(Document::new("short", "only three words"));
        docs.push(Document::new("empty", " "));
        idx.add_batch(&docs).unwrap();
        let records = idx.finish().unwrap();
        assert_eq!(records.len(), docs.len());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let finished = idx.finished().unwrap();
        assert_eq!(finished.len(), records.len());
        assert_eq!(
            finished.families(),
            records.iter().filter(|r| r.canonical).count() as u64
        );
        assert_eq!(finished.families(), 42);
        for (d, r) in records.iter().enumerate() {
            assert_eq!(&VersionRecord::from(finished.record(d)), r);
        }
        let expected: String = records
            .iter()
            .map(|r| serde_json::to_string(r).unwrap() + "\n")
            .collect();
        let mut written = Vec::new();
        let mut calls = 0;
        pool.install(|| {
            finished.write_jsonl(|block| {
                calls += 1;
                written.extend_from_slice(block);
                Ok::<(), ()>(())
            })
        })
        .unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), expected);
        assert_eq!(calls, docs.len().div_ceil(JSONL_BLOCK));
        let mut calls = 0;
        let failed = finished.write_jsonl(|_| {
            calls += 1;
            if calls == 2 { Err("disk full") } else { Ok(()) }
        });
        assert_eq!((failed, calls), (Err("disk full"), 2));
    }

    /// Similarities reported by `finish` are those of each document and its family's final
    /// canonical member measured afresh, however often the canonical member changed (here each
    /// family grows longer versions, which take over as canonical), in memory and spilled.
    #[test]
    fn finish_measures_against_the_final_canonical_member() {
        let mut docs = Vec::new();
        for family in 0..6 {
            let base = family * 10_000;
            for step in 0..5 {
                // Each version drops the first 60 words of the one before and adds 120: a
                // chain, each version only a version of its neighbours, each one longer and so
                // the new canonical member.
                docs.push(Document::new(
                    format!("f{family}v{step}"),
                    text(base + step * 60, 200 + step * 60),
                ));
            }
        }
        let sketcher = index().sketcher();
        let dir = tempfile::tempdir().unwrap();
        let spilled = VersionIndex::builder(VersionConfig::default())
            .spill_to(dir.path())
            .build()
            .unwrap();
        for mut idx in [index(), spilled] {
            for chunk in docs.chunks(7) {
                idx.add_batch(chunk).unwrap();
            }
            let records = idx.finish().unwrap();
            // The second versions end up with a canonical member they were never verified
            // against (the case measured afresh), in families of four.
            let moved = records
                .iter()
                .filter(|r| r.id.ends_with("v1") && r.version.ends_with("v4"))
                .count();
            assert_eq!(moved, 6, "{records:#?}");
            for r in &records {
                let canonical = docs.iter().find(|d| d.id == r.version).unwrap();
                let own = docs.iter().find(|d| d.id == r.id).unwrap();
                let o = Overlap::of(
                    &sketcher.sketch(&own.text).shingles,
                    &sketcher.sketch(&canonical.text).shingles,
                );
                assert_eq!(
                    (r.similarity, r.containment),
                    (round4(o.jaccard()), round4(o.containment())),
                    "{}",
                    r.id
                );
            }
        }
    }

    #[test]
    fn versions_join_and_unrelated_stay_apart() {
        let mut idx = index();
        let a = idx.add(&Document::new("a", text(0, 300)));
        let b = idx.add(&Document::new(
            "b",
            format!("(DATELINE) \u{2014} {} Photo: A. Person", text(0, 300)),
        ));
        let c = idx.add(&Document::new("c", text(10_000, 300)));
        assert_eq!(a.family, b.family);
        assert_ne!(a.family, c.family);
        assert_eq!(b.closest.map(|(d, _)| d), Some(a.doc));
    }

    /// Texts sharing only a long stock footer crowd the band keys the footer gives past the
    /// chains' cap of 8 read per key (14 to 22 of the 24 share each of five of the first
    /// text's keys), yet a later edition of the first text still finds it through the keys its
    /// own paragraphs give (8 of the 13 it shares), and none of the footer-sharers joins it.
    #[test]
    fn a_footer_shared_by_many_texts_hides_no_version() {
        let footer = text(90_000, 120);
        let mut idx = index();
        let original = idx.add(&Document::new("o", format!("{} {footer}", text(0, 300))));
        let others: Vec<u32> = (0..24)
            .map(|i| {
                let body = text(10_000 + 1_000 * i, 180);
                idx.add(&Document::new(format!("x{i}"), format!("{body} {footer}")))
                    .family
            })
            .collect();
        // One paragraph of the original rewritten: Jaccard about 0.6.
        let edition = format!("{} {} {footer}", text(0, 220), text(70_000, 80));
        let edition = idx.add(&Document::new("e", edition));
        assert_eq!(edition.family, original.family);
        assert!(others.iter().all(|&f| f != original.family), "{others:?}");
    }

    /// A wire story republished hundreds of times (each copy with its own dateline, one
    /// sentence of its own, a footer or not, some trimmed) fills every chain its keys give
    /// far past the cap: each new copy still finds copies among the newest and joins the one
    /// family, while texts that share only the footer stay out.
    #[test]
    fn a_story_republished_hundreds_of_times_stays_one_family() {
        let footer = text(90_000, 60);
        let mut idx = index();
        let original = idx.add(&Document::new("wire", text(0, 500)));
        let mut copies = Vec::new();
        let mut others = Vec::new();
        for i in 0..240 {
            let mut words: Vec<String> = text(0, 500).split(' ').map(String::from).collect();
            let at = (i % 25) * 20;
            let own = text(100_000 + i * 20, 20);
            words.splice(at..at + 20, own.split(' ').map(String::from));
            if i % 10 == 9 {
                words.truncate(300 + (i % 7) * 20);
            }
            let mut copy = format!("(CITY{i}) - {}", words.join(" "));
            if i % 2 == 1 {
                copy = format!("{copy} {footer}");
            }
            copies.push(idx.add(&Document::new(format!("c{i}"), copy)).doc);
            if i % 3 == 0 {
                let other = format!("{} {footer}", text(200_000 + 1_000 * i, 300));
                others.push(idx.add(&Document::new(format!("x{i}"), other)).doc);
            }
        }
        let family = idx.family_of(original.doc);
        for (i, &d) in copies.iter().enumerate() {
            assert_eq!(idx.family_of(d), family, "copy c{i} left out");
        }
        assert!(others.iter().all(|&d| idx.family_of(d) != family));
    }

    #[test]
    fn trimmed_copy_is_a_version_but_a_quoted_excerpt_is_not() {
        let mut idx = index();
        let full = idx.add(&Document::new("full", text(0, 300)));
        // The first 60% of the paragraphs: containment 1.0, Jaccard ≈ 0.59.
        let trimmed = idx.add(&Document::new("trimmed", text(0, 180)));
        // 30 words of the original inside a long different text: containment ≈ 1, J ≈ 0.08.
        let quoted = idx.add(&Document::new(
            "quoted",
            format!("{} {}", text(20_000, 200), text(50, 30)),
        ));
        assert_eq!(full.family, trimmed.family);
        assert_ne!(full.family, quoted.family);
    }

    #[test]
    fn a_chain_of_partial_overlaps_does_not_glue_its_ends() {
        // Each link shares 75% with the next; the ends share nothing.
        let mut idx = index();
        let fams: Vec<u32> = (0..6)
            .map(|i| {
                idx.add(&Document::new(format!("d{i}"), text(i * 75, 300)))
                    .family
            })
            .collect();
        // Documents four or more links apart share no shingle: never one family.
        for i in 0..6 {
            for j in i + 4..6 {
                assert_ne!(fams[i], fams[j], "d{i} and d{j} glued: {fams:?}");
            }
        }
    }

    /// A trimmed copy and a rewritten edition that arrive before their original, and do not
    /// verify against each other, end in one family once the original shows both are its.
    #[test]
    fn versions_arriving_before_their_original_are_merged() {
        let original = text(0, 400);
        let trimmed = text(0, 200);
        let rewritten = format!("{} {} {}", text(0, 150), text(5000, 100), text(250, 150));
        let mut idx = index();
        let r = idx.add(&Document::new("rewritten", rewritten.clone()).with_published(300));
        let t = idx.add(&Document::new("trimmed", trimmed).with_published(200));
        assert_ne!(
            r.family, t.family,
            "the two editions alone are not versions"
        );
        assert_eq!(idx.family_count(), 2);
        let o = idx.add(&Document::new("original", original).with_published(100));
        assert_eq!(idx.family_count(), 1);
        assert_eq!(idx.id(o.canonical), "original");
        let recs = idx.finish().unwrap();
        assert!(
            recs.iter()
                .all(|r| r.version == "original" && r.family_size == 3),
            "{recs:?}"
        );
        // The same three in one chunk (verified in parallel, placed in order): the same answer.
        let docs = [
            Document::new("rewritten", rewritten).with_published(300),
            Document::new("trimmed", text(0, 200)).with_published(200),
            Document::new("original", text(0, 400)).with_published(100),
        ];
        let mut idx = index();
        idx.add_batch(&docs).unwrap();
        assert_eq!(idx.finish().unwrap(), recs);
        // An unrelated text that shares a paragraph with one of them stays out.
        let mut idx = index();
        idx.add(&Document::new("a", text(0, 300)));
        idx.add(&Document::new(
            "b",
            format!("{} {}", text(0, 60), text(9000, 300)),
        ));
        assert_eq!(idx.family_count(), 2);
    }

    #[test]
    fn canonical_is_earliest_published_else_longest() {
        let mut idx = index();
        idx.add(&Document::new("short-late", text(0, 200)).with_published(200));
        idx.add(&Document::new("long-early", text(0, 260)).with_published(100));
        idx.add(&Document::new("undated-longest", text(0, 280)));
        let recs = idx.finish().unwrap();
        assert!(recs.iter().all(|r| r.version == "long-early"), "{recs:?}");
        assert_eq!(recs.iter().filter(|r| r.canonical).count(), 1);

        let mut idx = index();
        idx.add(&Document::new("x", text(0, 200)));
        idx.add(&Document::new("y", text(0, 260)));
        let recs = idx.finish().unwrap();
        assert!(recs.iter().all(|r| r.version == "y"));
        assert_eq!(recs[0].family_size, 2);
    }

    #[test]
    fn short_and_empty_documents_are_reported_not_merged() {
        let mut idx = index();
        let a = idx.add(&Document::new("a", "All rights reserved. Subscribe now."));
        let b = idx.add(&Document::new("b", "All rights reserved. Subscribe now."));
        let e = idx.add(&Document::new("e", "  \n "));
        assert_eq!(a.status, Status::TooShort);
        assert_ne!(a.family, b.family);
        assert_eq!(e.status, Status::Empty);
        let recs = idx.finish().unwrap();
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[2].status, Status::Empty);
    }

    #[test]
    fn spilled_and_in_memory_indexes_agree() {
        let docs: Vec<Document> = (0..40)
            .map(|i| Document::new(format!("d{i}"), text((i % 7) * 1000 + i, 200)))
            .collect();
        let mut mem = index();
        mem.add_batch(&docs).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut disk = VersionIndex::builder(VersionConfig::default())
            .spill_to(dir.path())
            .build()
            .unwrap();
        disk.add_batch(&docs).unwrap();
        assert_eq!(mem.finish().unwrap(), disk.finish().unwrap());
        assert_eq!(mem.family_count(), 7);
    }

    /// New settings hash words wide; settings written before the field existed (a store's
    /// header) read as bytewise, so an old store keeps sketching as it was built.
    #[test]
    fn settings_without_a_word_hash_are_bytewise() {
        let config = VersionConfig::default();
        assert_eq!(config.word_hash, WordHash::Wide);
        let mut json = serde_json::to_value(&config).unwrap();
        let back: VersionConfig = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, config);
        json.as_object_mut().unwrap().remove("word_hash");
        let old: VersionConfig = serde_json::from_value(json).unwrap();
        assert_eq!(old.word_hash, WordHash::Bytewise);
        let text = text(0, 40);
        assert_ne!(
            Sketcher::new(&old).sketch(&text).keys,
            Sketcher::new(&config).sketch(&text).keys
        );
    }

    /// The shingles alone are the sketch's shingles, whatever the buffer held before.
    #[test]
    fn shingles_alone_equal_the_sketch_s() {
        let sketcher = Sketcher::new(&VersionConfig::default());
        let mut out = vec![7, 8, 9];
        for t in [
            text(3, 120),
            String::new(),
            "Émile’s “café” — naïve".to_string(),
        ] {
            sketcher.shingles_into(&t, &mut out);
            assert_eq!(out, sketcher.sketch(&t).shingles);
        }
    }

    /// Room reserved for documents changes nothing but the tables' capacity.
    #[test]
    fn reserving_room_changes_no_answer() {
        let docs: Vec<Document> = (0..60)
            .map(|i| Document::new(format!("d{i}"), text((i % 9) * 500 + i, 120)))
            .collect();
        let mut plain = index();
        plain.add_batch(&docs).unwrap();
        let mut reserved = index();
        reserved.reserve(40);
        reserved.add_batch(&docs[..30]).unwrap();
        reserved.reserve(1_000);
        reserved.add_batch(&docs[30..]).unwrap();
        assert_eq!(plain.finish().unwrap(), reserved.finish().unwrap());
        assert_eq!(reserved.family_count(), 9);
    }

    #[test]
    fn output_does_not_depend_on_thread_count() {
        let docs: Vec<Document> = (0..200)
            .map(|i| Document::new(format!("d{i}"), text((i % 13) * 700 + i * 3, 150)))
            .collect();
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut idx = index();
                idx.add_batch(&docs).unwrap();
                idx.finish().unwrap()
            })
        };
        assert_eq!(run(1), run(4));
    }

    #[test]
    fn invalid_settings_are_rejected_with_their_name() {
        let config = VersionConfig {
            num_perm: 0,
            ..VersionConfig::default()
        };
        let err = VersionIndex::builder(config).build().unwrap_err();
        assert!(err.to_string().contains("num-perm"), "{err}");
    }
}
