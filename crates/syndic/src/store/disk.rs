//! [`RedbStore`]: the [`Store`] trait over one [redb](https://www.redb.org) file.
//!
//! redb keeps copy-on-write B-trees in a single file, with ACID transactions, concurrent
//! snapshot readers beside one writer, and commits that are fsynced before they return
//! (`Durability::Immediate`, its default) — which is what makes an acknowledged document survive
//! `kill -9`. The tables are listed in the [module docs](super).

use super::codec::{
    decode_json, decode_keys, decode_shingles, decode_shingles_into, encode_json, encode_keys,
};
use super::{
    FamilyRow, Header, Placement, Store, StoreReader, StoreStats, StoredDocument, WriteBatch,
    check_header, time_key,
};
use crate::document::Timestamp;
use crate::error::{Error, Result};
use crate::story::{StoryConfig, StorySummary};
use crate::versions::VersionConfig;
use redb::{
    Database, Durability, Key, ReadOnlyTable, ReadTransaction, ReadableDatabase, ReadableTable,
    ReadableTableMetadata, TableDefinition, Value, WriteTransaction,
};
use std::cell::OnceCell;
use std::path::{Path, PathBuf};

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const DOCUMENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("documents");
const DOCUMENT_TAILS: TableDefinition<u64, &[u8]> = TableDefinition::new("document_tails");
const IDS: TableDefinition<&str, u64> = TableDefinition::new("ids");
const SKETCHES: TableDefinition<u64, &[u8]> = TableDefinition::new("sketches");
const KEYS: TableDefinition<u64, &[u8]> = TableDefinition::new("keys");
const PLACEMENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("placements");
const FAMILIES: TableDefinition<u64, &[u8]> = TableDefinition::new("families");
const MERGED: TableDefinition<u64, u64> = TableDefinition::new("merged");
const MEMBERS: TableDefinition<(u64, u64), ()> = TableDefinition::new("members");
const STORIES: TableDefinition<&str, &[u8]> = TableDefinition::new("stories");
const STORY_TIMES: TableDefinition<(u64, &str), ()> = TableDefinition::new("story_times");
const STORY_MEMBERS: TableDefinition<(&str, u64), ()> = TableDefinition::new("story_members");

/// The `meta` entry holding magic number and format version.
const FORMAT_KEY: &str = "format";
/// The `meta` entry holding the engine settings (JSON).
const SETTINGS_KEY: &str = "settings";
/// The `meta` entry holding the story settings (JSON).
const STORY_SETTINGS_KEY: &str = "story_settings";
/// The `meta` entry holding the sketcher's fingerprint (`u64` little-endian).
const PROBE_KEY: &str = "sketch_probe";
/// The `meta` entry holding the next arrival number (`u64` little-endian).
const NEXT_SEQ_KEY: &str = "next_seq";

/// The file name of the store inside a data directory.
pub const STORE_FILE: &str = "syndic.redb";

macro_rules! tryc {
    ($e:expr, $ctx:expr) => {
        $e.map_err(|e| Error::Store(format!("{}: {}", $ctx, redb::Error::from(e))))?
    };
}

/// A [`Store`] in one redb file. See the module docs.
pub struct RedbStore {
    db: Database,
    path: PathBuf,
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl RedbStore {
    /// Opens the store in data directory `dir`, creating the directory and an empty store if
    /// needed. A store written by another program or by a newer syndic is refused.
    pub fn open_dir(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating data directory {}", dir.display()), e))?;
        RedbStore::open(&dir.join(STORE_FILE))
    }

    /// Opens (or creates) the store file at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let context = format!("opening store {}", path.display());
        let db = Database::builder()
            .set_cache_size(256 << 20)
            .create(path)
            .map_err(|e| {
                let e = redb::Error::from(e);
                match e {
                    redb::Error::DatabaseAlreadyOpen => Error::Store(format!(
                        "{context}: another syndic process has this store open"
                    )),
                    e => Error::Store(format!("{context}: {e}")),
                }
            })?;
        let store = RedbStore {
            db,
            path: path.to_path_buf(),
        };
        store.create_tables()?;
        // Check the header now, so a foreign or newer file is refused at open.
        store.reader()?.header()?;
        Ok(store)
    }

    /// The store file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size of the store file in bytes.
    pub fn file_size(&self) -> u64 {
        std::fs::metadata(&self.path).map_or(0, |m| m.len())
    }

    fn create_tables(&self) -> Result<()> {
        let ctx = "creating store tables";
        let txn = tryc!(self.db.begin_write(), ctx);
        tryc!(txn.open_table(META), ctx);
        tryc!(txn.open_table(DOCUMENTS), ctx);
        tryc!(txn.open_table(DOCUMENT_TAILS), ctx);
        tryc!(txn.open_table(IDS), ctx);
        tryc!(txn.open_table(SKETCHES), ctx);
        tryc!(txn.open_table(KEYS), ctx);
        tryc!(txn.open_table(PLACEMENTS), ctx);
        tryc!(txn.open_table(FAMILIES), ctx);
        tryc!(txn.open_table(MERGED), ctx);
        tryc!(txn.open_table(MEMBERS), ctx);
        tryc!(txn.open_table(STORIES), ctx);
        tryc!(txn.open_table(STORY_TIMES), ctx);
        tryc!(txn.open_table(STORY_MEMBERS), ctx);
        tryc!(txn.commit(), ctx);
        Ok(())
    }
}

impl Store for RedbStore {
    fn reader(&self) -> Result<Box<dyn StoreReader + '_>> {
        let txn = tryc!(self.db.begin_read(), "starting a read");
        Ok(Box::new(RedbReader {
            meta: Lazy::new(META),
            documents: Lazy::new(DOCUMENTS),
            tails: Lazy::new(DOCUMENT_TAILS),
            ids: Lazy::new(IDS),
            sketches: Lazy::new(SKETCHES),
            keys: Lazy::new(KEYS),
            placements: Lazy::new(PLACEMENTS),
            families: Lazy::new(FAMILIES),
            merged: Lazy::new(MERGED),
            members: Lazy::new(MEMBERS),
            stories: Lazy::new(STORIES),
            story_times: Lazy::new(STORY_TIMES),
            story_members: Lazy::new(STORY_MEMBERS),
            txn,
        }))
    }

    fn commit(&self, batch: &WriteBatch<'_>) -> Result<()> {
        let ctx = "writing to the store";
        let mut txn = tryc!(self.db.begin_write(), ctx);
        if batch.lazy {
            tryc!(txn.set_durability(Durability::None), ctx);
        }
        // Tables of one redb transaction can be written from several threads at once. A large
        // batch of new documents (bulk loading) writes their records — most of the bytes, and
        // JSON to encode — beside everything else; a batch that removes documents or sets the
        // header keeps its field order.
        if batch.documents.len() >= PARALLEL_DOCUMENTS
            && batch.remove.is_empty()
            && batch.header.is_none()
        {
            let (records, rest) =
                rayon::join(|| write_records(&txn, batch), || write_rest(&txn, batch));
            records?;
            rest?;
        } else {
            write_rest(&txn, batch)?;
            write_records(&txn, batch)?;
        }
        tryc!(txn.commit(), ctx);
        Ok(())
    }
}

/// New documents from which [`RedbStore::commit`] writes their records on another thread.
const PARALLEL_DOCUMENTS: usize = 64;

/// The most bytes of a document record kept in `documents`; the rest goes to `document_tails`
/// (format 4). redb gives each B-tree leaf one 4 KiB page when its entries fit, and a leaf of
/// one larger entry a page of the next power of two: a 4.2 KB record took 8 KiB, and records
/// of news length (3.8 KB on average) wasted about 2 KB each. A head of this size fills a page
/// exactly (4 bytes of page header, 4 of value length and 8 of key); the tails are small and
/// share leaves. A record read back whose head has this length is joined to its tail, if any.
const RECORD_HEAD: usize = 4096 - 4 - 4 - 8;

/// Writes the new documents' records and ids (`documents`, `ids`).
fn write_records(txn: &WriteTransaction, batch: &WriteBatch<'_>) -> Result<()> {
    let ctx = "writing to the store";
    let mut documents = tryc!(txn.open_table(DOCUMENTS), ctx);
    let mut tails = tryc!(txn.open_table(DOCUMENT_TAILS), ctx);
    let mut ids = tryc!(txn.open_table(IDS), ctx);
    for d in &batch.documents {
        let id = d.document.document.id.as_str();
        if tryc!(ids.insert(id, d.seq), ctx).is_some() {
            return Err(Error::Store(format!("duplicate document id `{id}`")));
        }
        let record = encode_json(d.document)?;
        let (head, tail) = record.split_at(record.len().min(RECORD_HEAD));
        tryc!(documents.insert(d.seq, head), ctx);
        if !tail.is_empty() {
            tryc!(tails.insert(d.seq, tail), ctx);
        }
    }
    Ok(())
}

/// Writes everything of a batch but the new documents' records and ids, in field order.
fn write_rest(txn: &WriteTransaction, batch: &WriteBatch<'_>) -> Result<()> {
    let ctx = "writing to the store";
    let mut meta = tryc!(txn.open_table(META), ctx);
    let mut keys = tryc!(txn.open_table(KEYS), ctx);
    let mut placements = tryc!(txn.open_table(PLACEMENTS), ctx);
    let mut families = tryc!(txn.open_table(FAMILIES), ctx);
    let mut merged = tryc!(txn.open_table(MERGED), ctx);
    let mut members = tryc!(txn.open_table(MEMBERS), ctx);
    let mut stories = tryc!(txn.open_table(STORIES), ctx);
    let mut story_times = tryc!(txn.open_table(STORY_TIMES), ctx);
    let mut story_members = tryc!(txn.open_table(STORY_MEMBERS), ctx);
    if let Some(h) = &batch.header {
        check_header(h)?;
        tryc!(meta.insert(FORMAT_KEY, h.format_bytes().as_slice()), ctx);
        let settings = encode_json(&h.versions)?;
        tryc!(meta.insert(SETTINGS_KEY, settings.as_slice()), ctx);
        let story_settings = encode_json(&h.stories)?;
        tryc!(
            meta.insert(STORY_SETTINGS_KEY, story_settings.as_slice()),
            ctx
        );
        if let Some(probe) = h.probe {
            tryc!(meta.insert(PROBE_KEY, probe.to_le_bytes().as_slice()), ctx);
        }
    }
    if !batch.remove.is_empty() {
        let mut documents = tryc!(txn.open_table(DOCUMENTS), ctx);
        let mut tails = tryc!(txn.open_table(DOCUMENT_TAILS), ctx);
        let mut ids = tryc!(txn.open_table(IDS), ctx);
        let mut sketches = tryc!(txn.open_table(SKETCHES), ctx);
        for (seq, id) in &batch.remove {
            tryc!(documents.remove(*seq), ctx);
            tryc!(tails.remove(*seq), ctx);
            tryc!(ids.remove(id.as_str()), ctx);
            tryc!(sketches.remove(*seq), ctx);
            tryc!(keys.remove(*seq), ctx);
            let placed = tryc!(placements.remove(*seq), ctx)
                .map(|g| decode_json::<Placement>(g.value(), "placement"));
            if let Some(p) = placed {
                let p = p?;
                tryc!(members.remove((p.family, *seq)), ctx);
                if let Some(story) = &p.story {
                    tryc!(story_members.remove((story.as_str(), *seq)), ctx);
                }
            }
        }
    }
    let mut next_seq = None;
    for d in &batch.documents {
        let bands = encode_keys(&d.sketch.sketch.keys, &d.sketch.sketch.fingerprint);
        tryc!(keys.insert(d.seq, bands.as_slice()), ctx);
        next_seq = Some(next_seq.unwrap_or(0).max(d.seq + 1));
    }
    if let Some(next) = next_seq {
        let old = tryc!(meta.get(NEXT_SEQ_KEY), ctx).map_or(0, |g| read_u64(g.value()));
        if next > old {
            tryc!(
                meta.insert(NEXT_SEQ_KEY, next.to_le_bytes().as_slice()),
                ctx
            );
        }
    }
    for (seq, p) in &batch.placements {
        let bytes = encode_json(p)?;
        tryc!(placements.insert(*seq, bytes.as_slice()), ctx);
    }
    for (key, row) in &batch.families {
        match row {
            Some(row) => {
                let bytes = encode_json(row)?;
                tryc!(families.insert(*key, bytes.as_slice()), ctx);
            }
            None => {
                tryc!(families.remove(*key), ctx);
            }
        }
    }
    for &(family, into) in &batch.merges {
        match into {
            Some(into) => tryc!(merged.insert(family, into), ctx),
            None => tryc!(merged.remove(family), ctx),
        };
    }
    for &(family, seq, add) in &batch.members {
        if add {
            tryc!(members.insert((family, seq), ()), ctx);
        } else {
            tryc!(members.remove((family, seq)), ctx);
        }
    }
    if batch.clear_closed_stories {
        tryc!(stories.retain(|_, _| false), ctx);
        tryc!(story_times.retain(|_, _| false), ctx);
    }
    for summary in &batch.closed_stories {
        let id = summary.id.as_str();
        let bytes = encode_json(summary)?;
        let old = tryc!(stories.insert(id, bytes.as_slice()), ctx)
            .map(|g| decode_json::<StorySummary>(g.value(), "story"));
        if let Some(old) = old {
            tryc!(story_times.remove((time_key(old?.last_seen), id)), ctx);
        }
        tryc!(
            story_times.insert((time_key(summary.last_seen), id), ()),
            ctx
        );
    }
    for (story, seq, add) in &batch.story_members {
        if *add {
            tryc!(story_members.insert((story.as_str(), *seq), ()), ctx);
        } else {
            tryc!(story_members.remove((story.as_str(), *seq)), ctx);
        }
    }
    Ok(())
}

fn read_u64(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(b)
}

/// A snapshot: one read transaction, whose tables are opened on first use — most reads touch
/// one or two of the twelve (verifying a candidate reads `documents`, or `sketches` in a store
/// written before format 4), and opening a table
/// looks it up in redb's table tree.
struct RedbReader {
    meta: Lazy<&'static str, &'static [u8]>,
    documents: Lazy<u64, &'static [u8]>,
    tails: Lazy<u64, &'static [u8]>,
    ids: Lazy<&'static str, u64>,
    sketches: Lazy<u64, &'static [u8]>,
    keys: Lazy<u64, &'static [u8]>,
    placements: Lazy<u64, &'static [u8]>,
    families: Lazy<u64, &'static [u8]>,
    merged: Lazy<u64, u64>,
    members: Lazy<(u64, u64), ()>,
    stories: Lazy<&'static str, &'static [u8]>,
    story_times: Lazy<(u64, &'static str), ()>,
    story_members: Lazy<(&'static str, u64), ()>,
    /// Last, so that the tables opened from it are dropped first.
    txn: ReadTransaction,
}

/// A table of a read transaction, opened when first read.
struct Lazy<K: Key + 'static, V: Value + 'static> {
    definition: TableDefinition<'static, K, V>,
    table: OnceCell<ReadOnlyTable<K, V>>,
}

impl<K: Key + 'static, V: Value + 'static> Lazy<K, V> {
    fn new(definition: TableDefinition<'static, K, V>) -> Self {
        Lazy {
            definition,
            table: OnceCell::new(),
        }
    }

    fn open(&self, txn: &ReadTransaction) -> Result<&ReadOnlyTable<K, V>> {
        if let Some(table) = self.table.get() {
            return Ok(table);
        }
        let table = tryc!(txn.open_table(self.definition), READ);
        Ok(self.table.get_or_init(|| table))
    }
}

const READ: &str = "reading the store";

impl RedbReader {
    /// Decodes a document record from its head in `documents` and, when the head is full, its
    /// tail in `document_tails` (see [`RECORD_HEAD`]).
    fn record(&self, seq: u64, head: &[u8]) -> Result<StoredDocument> {
        if head.len() != RECORD_HEAD {
            return decode_json(head, "document");
        }
        match tryc!(self.tails.open(&self.txn)?.get(seq), READ) {
            Some(tail) => {
                let mut record = Vec::with_capacity(head.len() + tail.value().len());
                record.extend_from_slice(head);
                record.extend_from_slice(tail.value());
                decode_json(&record, "document")
            }
            None => decode_json(head, "document"),
        }
    }
}

impl StoreReader for RedbReader {
    fn header(&self) -> Result<Option<Header>> {
        let Some(format) = tryc!(self.meta.open(&self.txn)?.get(FORMAT_KEY), READ) else {
            if tryc!(self.meta.open(&self.txn)?.len(), READ) > 0
                || tryc!(self.documents.open(&self.txn)?.len(), READ) > 0
            {
                return Err(Error::Store(
                    "not a syndic store (no `format` entry)".into(),
                ));
            }
            return Ok(None);
        };
        let format = Header::check_format(format.value())?;
        let versions: VersionConfig =
            match tryc!(self.meta.open(&self.txn)?.get(SETTINGS_KEY), READ) {
                Some(g) => decode_json(g.value(), "settings")?,
                None => return Err(Error::Store("store has no `settings` entry".into())),
            };
        let stories: StoryConfig =
            match tryc!(self.meta.open(&self.txn)?.get(STORY_SETTINGS_KEY), READ) {
                Some(g) => decode_json(g.value(), "story settings")?,
                None => StoryConfig::default(),
            };
        let probe =
            tryc!(self.meta.open(&self.txn)?.get(PROBE_KEY), READ).map(|g| read_u64(g.value()));
        Ok(Some(Header {
            format,
            versions,
            stories,
            probe,
        }))
    }

    fn seq_of(&self, id: &str) -> Result<Option<u64>> {
        Ok(tryc!(self.ids.open(&self.txn)?.get(id), READ).map(|g| g.value()))
    }

    fn document(&self, seq: u64) -> Result<Option<StoredDocument>> {
        match tryc!(self.documents.open(&self.txn)?.get(seq), READ) {
            Some(head) => self.record(seq, head.value()).map(Some),
            None => Ok(None),
        }
    }

    fn shingles(&self, seq: u64) -> Result<Option<Vec<u64>>> {
        tryc!(self.sketches.open(&self.txn)?.get(seq), READ)
            .map(|g| decode_shingles(g.value()))
            .transpose()
    }

    fn shingles_into(&self, seq: u64, out: &mut Vec<u64>) -> Result<bool> {
        match tryc!(self.sketches.open(&self.txn)?.get(seq), READ) {
            Some(g) => decode_shingles_into(g.value(), out).map(|()| true),
            None => {
                out.clear();
                Ok(false)
            }
        }
    }

    fn placement(&self, seq: u64) -> Result<Option<Placement>> {
        tryc!(self.placements.open(&self.txn)?.get(seq), READ)
            .map(|g| decode_json(g.value(), "placement"))
            .transpose()
    }

    fn family(&self, family: u64) -> Result<Option<FamilyRow>> {
        tryc!(self.families.open(&self.txn)?.get(family), READ)
            .map(|g| decode_json(g.value(), "family"))
            .transpose()
    }

    fn merged_into(&self, family: u64) -> Result<Option<u64>> {
        Ok(tryc!(self.merged.open(&self.txn)?.get(family), READ).map(|g| g.value()))
    }

    fn members(&self, family: u64, limit: usize) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        for entry in tryc!(
            self.members
                .open(&self.txn)?
                .range((family, 0)..=(family, u64::MAX)),
            READ
        ) {
            if out.len() >= limit {
                break;
            }
            let (k, _) = tryc!(entry, READ);
            out.push(k.value().1);
        }
        Ok(out)
    }

    fn stats(&self) -> Result<StoreStats> {
        let next_seq = tryc!(self.meta.open(&self.txn)?.get(NEXT_SEQ_KEY), READ)
            .map_or(0, |g| read_u64(g.value()));
        Ok(StoreStats {
            documents: tryc!(self.documents.open(&self.txn)?.len(), READ),
            families: tryc!(self.families.open(&self.txn)?.len(), READ),
            closed_stories: tryc!(self.stories.open(&self.txn)?.len(), READ),
            next_seq,
        })
    }

    fn story(&self, id: &str) -> Result<Option<StorySummary>> {
        tryc!(self.stories.open(&self.txn)?.get(id), READ)
            .map(|g| decode_json(g.value(), "story"))
            .transpose()
    }

    fn story_members(&self, id: &str, limit: usize) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        for entry in tryc!(
            self.story_members
                .open(&self.txn)?
                .range((id, 0)..=(id, u64::MAX)),
            READ
        ) {
            if out.len() >= limit {
                break;
            }
            let (k, _) = tryc!(entry, READ);
            out.push(k.value().1);
        }
        Ok(out)
    }

    fn closed_stories(&self, since: Option<Timestamp>, limit: usize) -> Result<Vec<StorySummary>> {
        let from = since.map_or(0, |t| time_key(Some(t)));
        let mut out = Vec::new();
        for entry in tryc!(self.story_times.open(&self.txn)?.range((from, "")..), READ).rev() {
            if out.len() >= limit {
                break;
            }
            let (k, _) = tryc!(entry, READ);
            if let Some(summary) = self.story(k.value().1)? {
                out.push(summary);
            }
        }
        Ok(out)
    }

    fn documents(
        &self,
        from: u64,
        until: u64,
        f: &mut dyn FnMut(u64, StoredDocument) -> Result<bool>,
    ) -> Result<()> {
        for entry in tryc!(
            self.documents.open(&self.txn)?.range(from..until.max(from)),
            READ
        ) {
            let (k, v) = tryc!(entry, READ);
            if !f(k.value(), self.record(k.value(), v.value())?)? {
                break;
            }
        }
        Ok(())
    }

    fn scan(
        &self,
        from: u64,
        until: u64,
        f: &mut dyn FnMut(u64, Placement, Vec<u64>) -> Result<bool>,
    ) -> Result<()> {
        let until = until.max(from);
        let mut keys = tryc!(self.keys.open(&self.txn)?.range(from..until), READ);
        for entry in tryc!(self.placements.open(&self.txn)?.range(from..until), READ) {
            let (k, v) = tryc!(entry, READ);
            let seq = k.value();
            let placement: Placement = decode_json(v.value(), "placement")?;
            // Both tables hold the same arrival numbers: walk them side by side.
            let bands = match keys.next() {
                Some(entry) => {
                    let (kk, kv) = tryc!(entry, READ);
                    if kk.value() != seq {
                        return Err(Error::Store(format!(
                            "document {seq} has no band keys (found {})",
                            kk.value()
                        )));
                    }
                    decode_keys(kv.value())?
                }
                None => return Err(Error::Store(format!("document {seq} has no band keys"))),
            };
            if !f(seq, placement, bands)? {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;
    use crate::store::{NewDocument, StoredSketch};

    /// A record whose JSON is exactly `len` bytes long.
    fn record_of(id: &str, len: usize) -> StoredDocument {
        let empty = StoredDocument {
            document: Document::new(id, ""),
            received: 7,
        };
        let base = encode_json(&empty).unwrap().len();
        let text = "word "
            .repeat(len)
            .chars()
            .take(len - base)
            .collect::<String>();
        let record = StoredDocument {
            document: Document::new(id, text),
            received: 7,
        };
        assert_eq!(encode_json(&record).unwrap().len(), len);
        record
    }

    #[test]
    fn records_split_at_the_head_read_back_whole_and_are_removed_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbStore::open_dir(dir.path()).unwrap();
        let lengths = [
            100,
            RECORD_HEAD - 1,
            RECORD_HEAD,
            RECORD_HEAD + 1,
            3 * RECORD_HEAD,
        ];
        let records: Vec<StoredDocument> = lengths
            .iter()
            .enumerate()
            .map(|(i, &len)| record_of(&format!("d{i}"), len))
            .collect();
        let sketch = StoredSketch::default();
        let documents = records
            .iter()
            .enumerate()
            .map(|(seq, document)| NewDocument {
                seq: seq as u64,
                document,
                sketch: &sketch,
            })
            .collect();
        store
            .commit(&WriteBatch {
                documents,
                ..WriteBatch::default()
            })
            .unwrap();
        let reader = store.reader().unwrap();
        for (seq, record) in records.iter().enumerate() {
            assert_eq!(reader.document(seq as u64).unwrap().as_ref(), Some(record));
        }
        let mut scanned = Vec::new();
        reader
            .documents(0, u64::MAX, &mut |_, d| {
                scanned.push(d);
                Ok(true)
            })
            .unwrap();
        assert_eq!(scanned, records);
        drop(reader);
        // Only the records longer than the head have a tail, and a removal takes it too.
        let tails = |store: &RedbStore| {
            let txn = store.db.begin_read().unwrap();
            let table = txn.open_table(DOCUMENT_TAILS).unwrap();
            table.len().unwrap()
        };
        assert_eq!(tails(&store), 2);
        store
            .commit(&WriteBatch {
                remove: vec![(4, "d4".into())],
                ..WriteBatch::default()
            })
            .unwrap();
        assert_eq!(tails(&store), 1);
        assert!(store.reader().unwrap().document(4).unwrap().is_none());
    }
}
