//! Locality-sensitive hashing: finding candidate pairs without comparing all pairs.
//!
//! A signature of `num_perm` slots is cut into `bands` bands of `rows` slots; each band is
//! hashed to a 64-bit *band key*. Two documents become candidates when they share at least one
//! band key. For a pair of Jaccard similarity `s`, the probability of that is the S-curve
//!
//! ```text
//! P(s) = 1 − (1 − s^rows)^bands
//! ```
//!
//! [`Banding::for_threshold`] derives `bands × rows` from the lowest similarity the caller wants
//! to catch: the largest `rows` (most selective, fewest false candidates) whose `bands` still
//! reach the recall target at the threshold within `num_perm` slots. For syndic's defaults
//! (threshold 0.35, 128 slots, recall target 0.98) that is 30 bands of 2 rows: P(0.35) = 0.98,
//! P(0.4) = 0.995, P(0.45) = 0.999, P(0.2) = 0.71, P(0.1) = 0.26, P(0.03) = 0.03. The usual
//! tools' defaults (threshold 0.7–0.9) give P(0.45) below 0.3 — they miss most real version
//! pairs. DESIGN.md has the measured figures, and why the target is 0.98 rather than 0.995.
//!
//! The central type is [`LshIndex`]: an append-only, in-memory index from band keys to
//! documents. Each key's bucket is a chain of entries, newest first; a query reads at most
//! `max_bucket` entries of each chain, so a key shared by thousands of texts (a boilerplate
//! footer) costs a bounded amount, and the newest documents — the likeliest relatives in a news
//! stream — are the ones seen.
//!
//! A query can also read two indexes as one ([`LshIndex::probe`] with the budgets the first
//! left): the live index probes each document of a round against a local index of the round's
//! earlier documents, then — band by band — against everything before the round: the same
//! chains in the same order, under the same cap, as a query made one document at a time
//! ([`ChunkHits::of`]). The batch index, which keeps every chunk it looks up, inserts the chunk
//! first and reads the chain each insertion pushed onto ([`ChunkHits::inserting`]).
//!
//! Memory: each band has its own open-addressing table from the top 32 bits of the band key to
//! the newest entry (8 bytes a slot, at most three quarters full), plus a 4-byte link per
//! (document, band) and one 4-byte document number per document that every band shares — at
//! most 14.7 bytes per band and document in a table reserved ahead, up to 25.3 just after one
//! doubles: 0.44 to 0.76 GB for a million documents at 30 bands. Keeping 32 bits of the key in a
//! per-band map makes a false hit on a lookup about `documents / 2³²` likely (0.02% at a
//! million); a false hit only adds a candidate that verification then rejects.

use crate::minhash::{Signature, mix};
use rayon::prelude::*;

/// How a signature is cut into bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Banding {
    /// Number of bands (band keys per document).
    pub bands: usize,
    /// Signature slots per band.
    pub rows: usize,
}

impl Banding {
    /// Default recall target of [`Banding::for_threshold`] at the threshold itself.
    pub const RECALL_TARGET: f64 = 0.98;

    /// The most selective banding that still finds a pair of Jaccard `threshold` with
    /// probability ≥ `recall_target`, within `num_perm` slots. Falls back to one-row bands over
    /// every slot when no banding reaches the target.
    pub fn for_threshold(threshold: f64, num_perm: usize, recall_target: f64) -> Banding {
        let t = threshold.clamp(1e-6, 1.0 - 1e-9);
        let target = recall_target.clamp(0.0, 1.0 - 1e-12);
        let mut best = Banding {
            bands: num_perm.max(1),
            rows: 1,
        };
        for rows in 1..=num_perm.max(1) {
            let p_band = t.powi(i32::try_from(rows).unwrap_or(i32::MAX));
            if p_band <= 0.0 {
                break;
            }
            // Smallest `bands` with 1 − (1 − p)^bands ≥ target.
            let bands = ((1.0 - target).ln() / (1.0 - p_band).ln()).ceil().max(1.0);
            if !bands.is_finite() || bands * rows as f64 > num_perm as f64 {
                break;
            }
            best = Banding {
                bands: bands as usize,
                rows,
            };
        }
        best
    }

    /// Probability that a pair of Jaccard similarity `s` shares at least one band key.
    pub fn probability(&self, s: f64) -> f64 {
        let p = s.powi(i32::try_from(self.rows).unwrap_or(i32::MAX));
        1.0 - (1.0 - p).powi(i32::try_from(self.bands).unwrap_or(i32::MAX))
    }

    /// The band keys of a signature. Key `i` mixes the band number in, so equal slot values in
    /// different bands never collide.
    ///
    /// # Panics
    /// Panics if the signature has fewer than `bands × rows` slots.
    pub fn keys(&self, signature: &Signature) -> Vec<u64> {
        assert!(
            signature.0.len() >= self.bands * self.rows,
            "signature too short for banding"
        );
        signature
            .0
            .chunks_exact(self.rows)
            .take(self.bands)
            .enumerate()
            .map(|(band, rows)| {
                let mut h = mix(band as u64);
                for &v in rows {
                    h = mix(h ^ u64::from(v));
                }
                h
            })
            .collect()
    }
}

/// A band's map from (shortened) band key to the newest entry of its chain: open addressing
/// with linear probing over one array of 64-bit slots, each holding a key (high half) and its
/// entry plus one (low half; zero marks an empty slot).
///
/// Band keys are uniform hashes already, so a key's home slot is the key scaled to the table's
/// length (one multiplication: any length works, not only powers of two), and an insertion or
/// a lookup reads one slot — one cache line, where a general-purpose map reads a control byte
/// and a bucket in two places. A table reserved for `n` keys has exactly `4n/3` slots, and
/// doubles past three quarters full. (Rounding up to a power of two left a reserved table a
/// third to two thirds full, and on this project's virtual machines every fresh page costs a
/// fault and a zeroing: at 100k documents the band tables were half of all page faults.)
#[derive(Debug, Default)]
struct Heads {
    slots: Vec<u64>,
    len: usize,
}

impl Heads {
    const MIN_SLOTS: usize = 16;

    /// Room for `keys` keys in all without growing.
    fn reserve(&mut self, keys: usize) {
        let want = (keys.saturating_mul(4) / 3 + 1).max(Heads::MIN_SLOTS);
        if want > self.slots.len() {
            self.rebuild(want);
        }
    }

    /// `key`'s home slot: the key, a uniform 32-bit hash, scaled to the table's length.
    fn home(&self, key: u32) -> usize {
        ((u64::from(key) * self.slots.len() as u64) >> 32) as usize
    }

    /// The slot after `i`, wrapping around.
    fn after(&self, i: usize) -> usize {
        if i + 1 == self.slots.len() { 0 } else { i + 1 }
    }

    /// Reads `key`'s home slot (to bring it into the cache ahead of an insertion).
    fn touch(&self, key: u32) -> u64 {
        if self.slots.is_empty() {
            return 0;
        }
        self.slots[self.home(key)]
    }

    /// The entry `key` maps to.
    fn get(&self, key: u32) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mut i = self.home(key);
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            if (slot >> 32) as u32 == key {
                return Some((slot as u32).wrapping_sub(1));
            }
            i = self.after(i);
        }
    }

    /// Maps `key` to `entry` (below `u32::MAX`); returns the entry it mapped to before.
    fn insert(&mut self, key: u32, entry: u32) -> Option<u32> {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.rebuild((self.slots.len() * 2).max(Heads::MIN_SLOTS));
        }
        let value = (u64::from(key) << 32) | u64::from(entry + 1);
        let mut i = self.home(key);
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                self.slots[i] = value;
                self.len += 1;
                return None;
            }
            if (slot >> 32) as u32 == key {
                self.slots[i] = value;
                return Some((slot as u32).wrapping_sub(1));
            }
            i = self.after(i);
        }
    }

    /// Moves every key into a table of `slots` slots.
    fn rebuild(&mut self, slots: usize) {
        let old = std::mem::replace(&mut self.slots, vec![0; slots]);
        for slot in old.into_iter().filter(|&s| s != 0) {
            let mut i = self.home((slot >> 32) as u32);
            while self.slots[i] != 0 {
                i = self.after(i);
            }
            self.slots[i] = slot;
        }
    }
}

/// The part of a band key a band's map keeps (see the module docs).
fn short_key(key: u64) -> u32 {
    (key >> 32) as u32
}

const NONE: u32 = u32::MAX;

/// A candidate found by [`LshIndex::query`]: a document and the number of bands it shares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The document's number, as given to [`LshIndex::insert`].
    pub doc: u32,
    /// How many of the query's band keys it shares (more is likelier similar).
    pub hits: u32,
}

/// [`LshIndex::probe_many`] walks bands in parallel from this many queries on.
const PARALLEL_QUERIES: usize = 32;

/// The hits of many queries, band by band, from [`LshIndex::probe_many`].
#[derive(Debug, Default)]
pub struct BandHits {
    /// For each band: where each query's hits start in the band's hits (one more than the
    /// queries), and the hits.
    bands: Vec<(Vec<u32>, Vec<u32>)>,
}

impl BandHits {
    /// Appends query `q`'s hits of every band, in band order, to `hits`.
    pub fn extend(&self, q: usize, hits: &mut Vec<u32>) {
        for (offsets, band) in &self.bands {
            if let (Some(&from), Some(&to)) = (offsets.get(q), offsets.get(q + 1)) {
                hits.extend_from_slice(&band[from as usize..to as usize]);
            }
        }
    }
}

/// The candidates of a chunk of documents about to join an index in order, each found as if
/// the chunk's earlier documents were in the index already: among those earlier documents
/// through a small local index first, then in the index itself with what is left of each
/// band's budget ([`LshIndex::probe`]) — all documents at once, band by band
/// ([`LshIndex::probe_many`]). So a document of a chunk sees exactly the candidates it would
/// have seen alone. The batch and live version indexes both look chunks up through here.
#[derive(Debug, Default)]
pub struct ChunkHits {
    /// Each document's hits among the chunk's earlier documents.
    earlier: Vec<Vec<u32>>,
    /// Each document's hits in the index.
    main: BandHits,
}

impl ChunkHits {
    /// Looks up a chunk whose document `i` will be number `base + i` in `index`; `keys[i]` is
    /// its band keys, or `None` for a document that is not indexed.
    pub fn of(index: &LshIndex, base: u32, keys: &[Option<&[u64]>]) -> ChunkHits {
        let mut local = LshIndex::with_capacity(index.bands, index.max_bucket, keys.len());
        let mut earlier = Vec::with_capacity(keys.len());
        let mut queries: Vec<(&[u64], Vec<usize>)> = Vec::with_capacity(keys.len());
        for (i, k) in keys.iter().enumerate() {
            let (mut hits, mut budgets) = (Vec::new(), Vec::new());
            let mut query: &[u64] = &[];
            if let Some(k) = *k {
                local.probe(k, &mut hits, &mut budgets);
                local.insert(base + i as u32, k);
                query = k;
            }
            earlier.push(hits);
            queries.push((query, budgets));
        }
        let main = index.probe_many(&mut queries);
        ChunkHits { earlier, main }
    }

    /// Inserts a chunk whose document `i` will be number `base + i` into `index` — the
    /// documents whose `keys[i]` is `Some`, in order, as [`LshIndex::insert_all`] — and
    /// returns each one's hits: the chain its insertion pushed onto, read newest first under
    /// the usual cap. That chain is every earlier document sharing the key, the chunk's own
    /// included, so the hits are those [`ChunkHits::of`] finds (for a chunk the caller will
    /// keep in the index whatever it finds) with a quarter of the table work: one insertion per
    /// band and document, where `of` looks each key up in a local index and the main one,
    /// inserts it into the local one, and the caller inserts it into the main one afterwards.
    /// The batch version index adds chunks this way; the live index, which looks a round up
    /// before it decides what to keep, uses [`ChunkHits::of`].
    ///
    /// # Panics
    /// As [`LshIndex::insert`].
    pub fn inserting(index: &mut LshIndex, base: u32, keys: &[Option<&[u64]>]) -> ChunkHits {
        let mut indexed = 0;
        for k in keys.iter().flatten() {
            assert_eq!(k.len(), index.bands, "wrong number of band keys");
            indexed += 1;
        }
        let first = index.docs.len() as u32;
        for (i, k) in keys.iter().enumerate() {
            if k.is_some() {
                index.push_doc(base + i as u32);
            }
        }
        let max_bucket = index.max_bucket;
        let LshIndex { tables, docs, .. } = index;
        let docs: &[u32] = docs;
        let fill = |band: usize, table: &mut Band| {
            let mut offsets = Vec::with_capacity(keys.len() + 1);
            let mut hits = Vec::new();
            offsets.push(0);
            // Each insertion is a cache miss into a table of megabytes, and it comes first in
            // a chain of dependent reads: touching every key's slot first, in a loop of
            // independent loads, lets those misses overlap.
            let mut touched = 0u64;
            for k in keys.iter().flatten() {
                touched ^= table.heads.touch(short_key(k[band]));
            }
            std::hint::black_box(touched);
            let mut entry = first;
            for k in keys {
                if let Some(k) = k {
                    let previous = table.insert(entry, k[band]);
                    let mut budget = max_bucket;
                    table.walk(docs, previous, &mut budget, &mut hits);
                    entry += 1;
                }
                offsets.push(u32::try_from(hits.len()).unwrap_or(u32::MAX));
            }
            (offsets, hits)
        };
        let bands = if indexed >= PARALLEL_QUERIES {
            tables
                .par_iter_mut()
                .enumerate()
                .map(|(band, table)| fill(band, table))
                .collect()
        } else {
            tables
                .iter_mut()
                .enumerate()
                .map(|(band, table)| fill(band, table))
                .collect()
        };
        ChunkHits {
            earlier: Vec::new(),
            main: BandHits { bands },
        }
    }

    /// Document `i`'s candidates, counted as [`LshIndex::count`] counts them but in document
    /// order: the version indexes rank candidates by their own measure, so ordering them by
    /// shared bands first would be a sort done for nothing (27 candidates a document at 100k
    /// bench documents). `hits` is scratch space.
    pub fn candidates(&self, i: usize, hits: &mut Vec<u32>, out: &mut Vec<Candidate>) {
        hits.clear();
        if let Some(earlier) = self.earlier.get(i) {
            hits.extend_from_slice(earlier);
        }
        self.main.extend(i, hits);
        LshIndex::count_by_doc(hits, out);
    }
}

/// An append-only in-memory index from band keys to documents. See the module docs.
#[derive(Debug)]
pub struct LshIndex {
    bands: usize,
    max_bucket: usize,
    /// One table per band: bands share nothing, so a chunk of documents is inserted into all
    /// of them at once ([`LshIndex::insert_all`]).
    tables: Vec<Band>,
    /// Each entry's document. Every document inserted becomes entry `e` of every band at once
    /// (the `e`-th document inserted), so the bands share this one array instead of each
    /// keeping (document, link) pairs: 4 bytes a band and document fewer, and at a million
    /// documents the whole array (4 MB) is read far more often than any band's and stays in
    /// cache.
    docs: Vec<u32>,
}

#[derive(Debug, Default)]
struct Band {
    /// The newest entry of each (shortened) band key.
    heads: Heads,
    /// Each entry's link: the previous entry with the same key, or `NONE`.
    next: Vec<u32>,
}

impl Band {
    /// Pushes the documents (`docs`, the index's) of the chain from entry `head` into `hits`,
    /// newest first: at most `*budget` entries, the budget lowered by what was read.
    fn walk(&self, docs: &[u32], head: u32, budget: &mut usize, hits: &mut Vec<u32>) {
        let mut entry = head;
        while entry != NONE && *budget > 0 {
            hits.push(docs[entry as usize]);
            *budget -= 1;
            entry = self.next[entry as usize];
        }
    }

    fn with_capacity(docs: usize) -> Self {
        Band {
            heads: {
                let mut heads = Heads::default();
                heads.reserve(docs);
                heads
            },
            next: Vec::with_capacity(docs),
        }
    }

    /// Makes `entry` (the band's next entry) the newest of `key`'s chain; returns the entry it
    /// now links to (the chain before it, or `NONE`).
    fn insert(&mut self, entry: u32, key: u64) -> u32 {
        debug_assert_eq!(
            entry as usize,
            self.next.len(),
            "entries join every band in order"
        );
        let next = self.heads.insert(short_key(key), entry).unwrap_or(NONE);
        self.next.push(next);
        next
    }
}

impl LshIndex {
    /// An empty index for `bands` keys per document, reading at most `max_bucket` entries of
    /// each key's chain per query.
    pub fn new(bands: usize, max_bucket: usize) -> Self {
        LshIndex {
            bands,
            max_bucket: max_bucket.max(1),
            tables: (0..bands).map(|_| Band::default()).collect(),
            docs: Vec::new(),
        }
    }

    /// An empty index with room for `docs` documents before it grows.
    pub fn with_capacity(bands: usize, max_bucket: usize, docs: usize) -> Self {
        LshIndex {
            bands,
            max_bucket: max_bucket.max(1),
            tables: (0..bands).map(|_| Band::with_capacity(docs)).collect(),
            docs: Vec::with_capacity(docs),
        }
    }

    /// Makes room for `additional` more documents in every band's table, so they join without
    /// the tables regrowing (and, at news scale, without the kernel faulting in and zeroing
    /// every doubled table afresh).
    pub fn reserve(&mut self, additional: usize) {
        self.docs.reserve(additional);
        self.tables.par_iter_mut().for_each(|table| {
            let keys = table.heads.len + additional;
            table.heads.reserve(keys);
            table.next.reserve(additional);
        });
    }

    /// Number of documents inserted.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True when nothing has been inserted.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Appends `doc` as the next entry of every band; returns its entry number.
    fn push_doc(&mut self, doc: u32) -> u32 {
        let entry = u32::try_from(self.docs.len())
            .ok()
            .filter(|&e| e != NONE)
            .expect("LSH index full");
        self.docs.push(doc);
        entry
    }

    /// Adds a document under its band keys.
    ///
    /// # Panics
    /// Panics if `keys` does not hold exactly `bands` keys, or past 2³² − 1 documents.
    pub fn insert(&mut self, doc: u32, keys: &[u64]) {
        assert_eq!(keys.len(), self.bands, "wrong number of band keys");
        let entry = self.push_doc(doc);
        for (table, &key) in self.tables.iter_mut().zip(keys) {
            table.insert(entry, key);
        }
    }

    /// Adds documents in order, as [`LshIndex::insert`] one after the other would, filling the
    /// bands' tables in parallel (rayon).
    ///
    /// # Panics
    /// As [`LshIndex::insert`].
    pub fn insert_all(&mut self, docs: &[(u32, &[u64])]) {
        for (_, keys) in docs {
            assert_eq!(keys.len(), self.bands, "wrong number of band keys");
        }
        let Some(&(first, _)) = docs.first() else {
            return;
        };
        let base = self.push_doc(first);
        for &(doc, _) in &docs[1..] {
            self.push_doc(doc);
        }
        let fill = |band: usize, table: &mut Band| {
            // As in `ChunkHits::inserting`: the slots first, their misses overlapping.
            let mut touched = 0u64;
            for &(_, keys) in docs {
                touched ^= table.heads.touch(short_key(keys[band]));
            }
            std::hint::black_box(touched);
            for (entry, &(_, keys)) in (base..).zip(docs) {
                table.insert(entry, keys[band]);
            }
        };
        if docs.len() >= PARALLEL_QUERIES {
            self.tables
                .par_iter_mut()
                .enumerate()
                .for_each(|(band, table)| fill(band, table));
        } else {
            self.tables
                .iter_mut()
                .enumerate()
                .for_each(|(band, table)| fill(band, table));
        }
    }

    /// Reads the chains of `keys`, newest first, into `hits`: at most `budgets[band]` entries
    /// of band `band`'s chain, each budget lowered by what was read. An empty `budgets` starts
    /// every band at `max_bucket`.
    ///
    /// Probing a second index with the budgets the first left reads both as one chain — the
    /// first's entries, then the second's, under one cap. The batch driver probes a chunk's own
    /// local index (its earlier documents) and then, in parallel, the main index, and gets what
    /// one index holding both would have answered.
    pub fn probe(&self, keys: &[u64], hits: &mut Vec<u32>, budgets: &mut Vec<usize>) {
        if budgets.is_empty() {
            budgets.resize(self.bands, self.max_bucket);
        }
        // Band by band, a lookup and its chain are a few dependent cache misses into tables of
        // megabytes. So a group of bands' heads is looked up first (independent lookups, whose
        // misses overlap), then their chains are walked.
        const GROUP: usize = 16;
        let bands = self.tables.len().min(keys.len()).min(budgets.len());
        let mut heads = [NONE; GROUP];
        for start in (0..bands).step_by(GROUP) {
            let end = (start + GROUP).min(bands);
            for (band, head) in (start..end).zip(heads.iter_mut()) {
                *head = NONE;
                if budgets[band] > 0
                    && let Some(entry) = self.tables[band].heads.get(short_key(keys[band]))
                {
                    *head = entry;
                }
            }
            for (band, &head) in (start..end).zip(&heads) {
                self.tables[band].walk(&self.docs, head, &mut budgets[band], hits);
            }
        }
    }

    /// [`LshIndex::probe`] for many queries at once, band by band: each band's table is read
    /// for every query before the next band's, so it stays in cache — where one query at a time
    /// jumps between every band's table, megabytes apart, with a cache miss per lookup.
    ///
    /// `queries[q]` is a query's keys (empty: no query) and the budget left of each band (as
    /// [`LshIndex::probe`] leaves them; they are lowered likewise). The answer holds, for each
    /// band, the hits of every query; [`BandHits::extend`] appends a query's hits of every band
    /// in band order — the hits [`LshIndex::probe`] would have pushed, in the same order.
    pub fn probe_many(&self, queries: &mut [(&[u64], Vec<usize>)]) -> BandHits {
        for (keys, budgets) in queries.iter_mut() {
            if !keys.is_empty() && budgets.is_empty() {
                budgets.resize(self.bands, self.max_bucket);
            }
        }
        let bands = self.tables.len();
        let walk = |band: usize, table: &Band| {
            let mut offsets = Vec::with_capacity(queries.len() + 1);
            let mut hits = Vec::new();
            let mut spent = Vec::with_capacity(queries.len());
            offsets.push(0);
            for (keys, budgets) in queries.iter() {
                let mut budget = budgets.get(band).copied().unwrap_or(0);
                let before = budget;
                if let Some(&key) = keys.get(band)
                    && budget > 0
                    && let Some(head) = table.heads.get(short_key(key))
                {
                    table.walk(&self.docs, head, &mut budget, &mut hits);
                }
                spent.push(before - budget);
                offsets.push(u32::try_from(hits.len()).unwrap_or(u32::MAX));
            }
            (offsets, hits, spent)
        };
        // Bands in parallel only when there is enough work to be worth waking other threads
        // (a live index's rounds are often a few documents).
        let per_band: Vec<(Vec<u32>, Vec<u32>, Vec<usize>)> = if queries.len() >= PARALLEL_QUERIES {
            self.tables
                .par_iter()
                .enumerate()
                .map(|(band, table)| walk(band, table))
                .collect()
        } else {
            self.tables
                .iter()
                .enumerate()
                .map(|(band, table)| walk(band, table))
                .collect()
        };
        for (band, (_, _, spent)) in per_band.iter().enumerate().take(bands) {
            for ((_, budgets), &spent) in queries.iter_mut().zip(spent) {
                if let Some(budget) = budgets.get_mut(band) {
                    *budget -= spent;
                }
            }
        }
        BandHits {
            bands: per_band
                .into_iter()
                .map(|(offsets, hits, _)| (offsets, hits))
                .collect(),
        }
    }

    /// Counts probed `hits` into candidates, most shared bands first (ties: newest first).
    /// `hits` is sorted in place; `out` is cleared first.
    pub fn count(hits: &mut [u32], out: &mut Vec<Candidate>) {
        LshIndex::count_by_doc(hits, out);
        out.sort_by(|a, b| b.hits.cmp(&a.hits).then(b.doc.cmp(&a.doc)));
    }

    /// Counts probed `hits` into candidates in document order (oldest first). `hits` is sorted
    /// in place; `out` is cleared first.
    fn count_by_doc(hits: &mut [u32], out: &mut Vec<Candidate>) {
        out.clear();
        // Counted by runs after sorting: O(n log n) however many documents share the keys.
        hits.sort_unstable();
        for run in hits.chunk_by(|a, b| a == b) {
            out.push(Candidate {
                doc: run[0],
                hits: u32::try_from(run.len()).unwrap_or(u32::MAX),
            });
        }
    }

    /// The documents sharing at least one band key with `keys`, most shared bands first (ties:
    /// newest first). `out` is cleared first.
    pub fn query(&self, keys: &[u64], out: &mut Vec<Candidate>) {
        let mut hits = Vec::new();
        self.probe(keys, &mut hits, &mut Vec::new());
        LshIndex::count(&mut hits, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::MinHasher;

    #[test]
    fn default_banding_catches_low_jaccard_versions() {
        let b = Banding::for_threshold(0.35, 128, Banding::RECALL_TARGET);
        assert_eq!((b.bands, b.rows), (30, 2));
        assert!(b.probability(0.35) >= 0.98);
        assert!(b.probability(0.4) > 0.994);
        assert!(b.probability(0.45) > 0.998);
        assert!(b.probability(0.03) < 0.05);
    }

    #[test]
    fn high_threshold_bands_are_more_selective() {
        let b = Banding::for_threshold(0.8, 128, Banding::RECALL_TARGET);
        assert!(b.rows > 2);
        assert!(b.bands * b.rows <= 128);
        assert!(b.probability(0.45) < 0.5);
    }

    #[test]
    fn index_finds_similar_and_ranks_by_hits() {
        let h = MinHasher::new(128, 9);
        let banding = Banding::for_threshold(0.35, 128, Banding::RECALL_TARGET);
        let a: Vec<u64> = (0..400).map(mix).collect();
        let b: Vec<u64> = (100..500).map(mix).collect(); // J = 0.6
        let c: Vec<u64> = (1000..1400).map(mix).collect(); // J = 0
        let mut index = LshIndex::new(banding.bands, 64);
        index.insert(0, &banding.keys(&h.sign(&a)));
        index.insert(1, &banding.keys(&h.sign(&c)));
        let mut out = Vec::new();
        index.query(&banding.keys(&h.sign(&b)), &mut out);
        assert_eq!(out.first().map(|c| c.doc), Some(0));
        assert!(out.iter().all(|c| c.doc != 1));
    }

    #[test]
    fn buckets_are_read_up_to_the_cap() {
        let mut index = LshIndex::new(1, 3);
        for doc in 0..10 {
            index.insert(doc, &[42]);
        }
        let mut out = Vec::new();
        index.query(&[42], &mut out);
        let docs: Vec<u32> = out.iter().map(|c| c.doc).collect();
        assert_eq!(docs, vec![9, 8, 7]);
    }

    /// Inserting a chunk band by band in parallel gives the index one-by-one inserts give.
    #[test]
    fn insert_all_equals_inserts_in_order() {
        let keys: Vec<Vec<u64>> = (0..50u64)
            .map(|i| (0..4).map(|b| (i % 5) * 10 + b).collect())
            .collect();
        let mut one = LshIndex::new(4, 8);
        let mut all = LshIndex::new(4, 8);
        for (doc, k) in keys.iter().enumerate() {
            one.insert(doc as u32, k);
        }
        let chunk: Vec<(u32, &[u64])> = keys
            .iter()
            .enumerate()
            .map(|(d, k)| (d as u32, &k[..]))
            .collect();
        all.insert_all(&chunk);
        assert_eq!(all.len(), one.len());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for k in &keys {
            one.query(k, &mut a);
            all.query(k, &mut b);
            assert_eq!(a, b);
            assert_eq!(
                a.len(),
                8,
                "capped at the newest 8 of the 10 sharing each key"
            );
        }
    }

    /// A layered query (local chunk first, then the main index) answers as one index would.
    #[test]
    fn layered_query_equals_one_index() {
        let h = MinHasher::new(128, 5);
        let banding = Banding::for_threshold(0.35, 128, Banding::RECALL_TARGET);
        // Forty texts, many overlapping, several sharing one hot key beyond the cap.
        let keys: Vec<Vec<u64>> = (0..40u64)
            .map(|i| {
                let start = (i % 7) * 60;
                let set: Vec<u64> = (start..start + 300).chain([9_999_999]).map(mix).collect();
                let mut keys = banding.keys(&h.sign(&set));
                keys[0] = 77; // a boilerplate key shared by all
                keys
            })
            .collect();
        let mut whole = LshIndex::new(banding.bands, 8);
        let mut main = LshIndex::new(banding.bands, 8);
        let mut local = LshIndex::new(banding.bands, 8);
        for (doc, k) in keys.iter().enumerate().take(25) {
            main.insert(doc as u32, k);
        }
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (doc, k) in keys.iter().enumerate() {
            let doc = doc as u32;
            if doc >= 25 {
                whole.query(k, &mut a);
                // The local index first (it holds documents 25.., so only those before
                // `doc` are probed: insert as we go), then the main one.
                let (mut hits, mut budgets) = (Vec::new(), Vec::new());
                local.probe(k, &mut hits, &mut budgets);
                main.probe(k, &mut hits, &mut budgets);
                LshIndex::count(&mut hits, &mut b);
                assert_eq!(a, b, "document {doc}");
                assert!(!a.is_empty());
                local.insert(doc, k);
            }
            whole.insert(doc, k);
        }
    }

    proptest::proptest! {
        /// The heads table answers as a map does, through growth and reservations, for keys
        /// that collide on their home slot (few distinct values) or not.
        #[test]
        fn heads_act_as_a_map(
            ops in proptest::collection::vec(0u32..40, 0..300),
            wide in proptest::bool::ANY,
            reserve in 0usize..100,
        ) {
            let mut heads = Heads::default();
            let mut map = std::collections::HashMap::new();
            if reserve % 3 == 0 {
                heads.reserve(reserve);
            }
            for (entry, &k) in ops.iter().enumerate() {
                let key = if wide { k.wrapping_mul(0x9E37_79B9) } else { k };
                let entry = entry as u32;
                proptest::prop_assert_eq!(heads.insert(key, entry), map.insert(key, entry));
            }
            for &k in &ops {
                let key = if wide { k.wrapping_mul(0x9E37_79B9) } else { k };
                proptest::prop_assert_eq!(heads.get(key), map.get(&key).copied());
                proptest::prop_assert_eq!(heads.get(key ^ 0x8000_0000), map.get(&(key ^ 0x8000_0000)).copied());
            }
            proptest::prop_assert_eq!(heads.len, map.len());
        }
    }

    /// Keys of 100 documents over 6 bands whose buckets are crowded (many documents share a
    /// key), and an index (cap 4 per bucket) holding the first 40 of them.
    fn crowded_keys() -> (Vec<Vec<u64>>, LshIndex) {
        let keys: Vec<Vec<u64>> = (0..100u64)
            .map(|i| (0..6).map(|b| (i % (3 + b)) * 10 + b).collect())
            .collect();
        let mut index = LshIndex::new(6, 4);
        for (doc, k) in keys.iter().enumerate().take(40) {
            index.insert(doc as u32, k);
        }
        (keys, index)
    }

    /// Probing many queries band by band gives each query the hits, in the order and under
    /// the budgets, that probing it alone gives (60 queries: the bands are walked in
    /// parallel).
    #[test]
    fn probe_many_equals_probes_one_by_one() {
        let (keys, index) = crowded_keys();
        // Budgets as a local probe leaves them: some spent, some bands exhausted; one query
        // empty (a document that is not indexed) and one without budgets yet.
        let budgets = |q: usize| match q % 3 {
            0 => Vec::new(),
            1 => vec![4, 0, 2, 4, 1, 3],
            _ => vec![1; 6],
        };
        let mut queries: Vec<(&[u64], Vec<usize>)> = keys[40..]
            .iter()
            .enumerate()
            .map(|(q, k)| (if q == 5 { &[][..] } else { &k[..] }, budgets(q)))
            .collect();
        let many = index.probe_many(&mut queries);
        for (q, k) in keys[40..].iter().enumerate() {
            let (mut alone, mut left) = (Vec::new(), budgets(q));
            if q != 5 {
                index.probe(k, &mut alone, &mut left);
            }
            let mut together = vec![u32::MAX];
            many.extend(q, &mut together);
            assert_eq!(together[1..], alone[..], "query {q}");
            if q != 5 {
                assert_eq!(queries[q].1, left, "budgets left by query {q}");
            }
        }
    }

    /// A chunk looked up at once gives each document the candidates it gets when the chunk's
    /// earlier documents are inserted one by one before it — documents not indexed included.
    #[test]
    fn a_chunk_sees_what_its_documents_see_one_by_one() {
        let (keys, mut index) = crowded_keys();
        let chunk: Vec<Option<&[u64]>> = keys[40..]
            .iter()
            .enumerate()
            .map(|(i, k)| (i % 7 != 3).then_some(&k[..]))
            .collect();
        let hits = ChunkHits::of(&index, 40, &chunk);
        let (mut scratch, mut together, mut alone) = (Vec::new(), Vec::new(), Vec::new());
        for (i, k) in chunk.iter().enumerate() {
            let doc = 40 + i as u32;
            if let Some(k) = k {
                hits.candidates(i, &mut scratch, &mut together);
                index.query(k, &mut alone);
                // The same candidates, in document order rather than by shared bands.
                assert!(together.is_sorted_by_key(|c| c.doc), "document {doc}");
                alone.sort_by_key(|c| c.doc);
                assert_eq!(together, alone, "document {doc}");
                index.insert(doc, k);
            }
        }
    }
    /// Inserting a chunk while reading the chains it pushes onto gives every document the
    /// candidates that looking the chunk up first gives, and leaves the index as inserting
    /// its indexed documents afterwards does — for a small chunk (bands walked in turn) and a
    /// large one (in parallel).
    #[test]
    fn inserting_a_chunk_finds_what_looking_it_up_finds() {
        for take in [5, 60] {
            let (keys, mut inserted) = crowded_keys();
            let (_, mut looked_up) = crowded_keys();
            let chunk: Vec<Option<&[u64]>> = keys[40..40 + take]
                .iter()
                .enumerate()
                .map(|(i, k)| (i % 7 != 3).then_some(&k[..]))
                .collect();
            let expected = ChunkHits::of(&looked_up, 40, &chunk);
            for (i, k) in chunk.iter().enumerate() {
                if let Some(k) = k {
                    looked_up.insert(40 + i as u32, k);
                }
            }
            let got = ChunkHits::inserting(&mut inserted, 40, &chunk);
            assert_eq!(inserted.len(), looked_up.len());
            let (mut scratch, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
            let mut found = 0;
            for i in 0..chunk.len() {
                expected.candidates(i, &mut scratch, &mut a);
                got.candidates(i, &mut scratch, &mut b);
                assert_eq!(a, b, "chunk document {i} of {take}");
                found += a.len();
            }
            assert!(found > 0);
            // The same index afterwards: every later query answers alike.
            for k in &keys[40 + take..] {
                inserted.query(k, &mut a);
                looked_up.query(k, &mut b);
                assert_eq!(a, b);
            }
        }
    }
}
