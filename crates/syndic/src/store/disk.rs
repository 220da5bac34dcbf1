//! [`RedbStore`]: the [`Store`] trait over one [redb](https://www.redb.org) file and, beside it,
//! a text log for bulk-loaded records.
//!
//! redb keeps copy-on-write B-trees in a single file, with ACID transactions, concurrent
//! snapshot readers beside one writer, and commits that are fsynced before they return
//! (`Durability::Immediate`, its default) — which is what makes an acknowledged document survive
//! `kill -9`. The tables are listed in the [module docs](super).
//!
//! ## The text log (format 5)
//! A document record is about 4 KB, a redb page: stored in the B-tree, each one costs a page
//! allocated, zeroed, checksummed and written by a call of its own, and its branch page rebuilt
//! — most of a bulk load's commit time. So a *lazy* batch (bulk loading, see
//! [`WriteBatch::lazy`]) appends its records to `syndic.texts` beside the store file, in
//! megabyte writes, and `documents` keeps where each lies (a 17-byte reference). The log's
//! length is committed in `meta` with the references, and every durable commit fsyncs the log
//! first, so a committed reference always points at written bytes; bytes past the committed
//! length (a load killed between its write and its commit) are cut off at the next opening.
//! Durable batches (the service's requests) keep their records in `documents`: no second fsync
//! per request. Deleting a bulk-loaded document overwrites its bytes in the log with zeros once
//! the deletion is committed (the space is not reused); a reader whose snapshot predates the
//! deletion then reads that document as gone.

use super::codec::{
    decode_json, decode_keys, decode_record, decode_shingles, decode_shingles_into, encode_json,
    encode_keys, encode_record_into,
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
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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
/// The `meta` entry holding the text log's committed length (`u64` little-endian; format 5).
const TEXTS_LEN_KEY: &str = "texts_len";

/// The extension of the text log beside the store file (`syndic.redb` → `syndic.texts`).
const TEXTS_EXTENSION: &str = "texts";
/// The first byte of a `documents` value that points into the text log: a marker, then the
/// record's offset and length (`u64` little-endian each). A record kept in `documents` is JSON
/// and starts with `{`.
const LOG_REF: u8 = 0;
/// The length of a reference into the text log.
const LOG_REF_LEN: usize = 1 + 8 + 8;
/// Bytes of records gathered before each write to the text log.
const LOG_WRITE: usize = 1 << 20;

/// The file name of the store inside a data directory.
pub const STORE_FILE: &str = "syndic.redb";

macro_rules! tryc {
    ($e:expr, $ctx:expr) => {
        $e.map_err(|e| Error::Store(format!("{}: {}", $ctx, redb::Error::from(e))))?
    };
}

/// A [`Store`] in one redb file and its text log. See the module docs.
pub struct RedbStore {
    db: Database,
    path: PathBuf,
    log: TextLog,
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
        create_tables(&db)?;
        // Check the header now, so a foreign or newer file is refused at open (before the log
        // beside it is touched).
        let committed = {
            let txn = tryc!(db.begin_read(), "starting a read");
            let meta = tryc!(txn.open_table(META), READ);
            if let Some(format) = tryc!(meta.get(FORMAT_KEY), READ) {
                Header::check_format(format.value())?;
            }
            tryc!(meta.get(TEXTS_LEN_KEY), READ).map_or(0, |g| read_u64(g.value()))
        };
        let log = TextLog::open(&log_path(path), committed)?;
        let store = RedbStore {
            db,
            path: path.to_path_buf(),
            log,
        };
        store.reader()?.header()?;
        Ok(store)
    }

    /// The store file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size of the store on disk in bytes: the store file and its text log.
    pub fn file_size(&self) -> u64 {
        let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        size(&self.path) + size(&self.log.path)
    }
}

fn create_tables(db: &Database) -> Result<()> {
    let ctx = "creating store tables";
    let txn = tryc!(db.begin_write(), ctx);
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

/// The text log: records of bulk-loaded documents, appended (see the module docs).
struct TextLog {
    file: File,
    path: PathBuf,
    /// Where the next record goes: the end of the bytes written, committed or not. Only the
    /// writer (one redb write transaction at a time) moves it.
    end: AtomicU64,
    /// Written since the last fsync.
    dirty: AtomicBool,
    /// An fsync started in the background is running (see [`TextLog::sync_in_background`]).
    background: Arc<AtomicBool>,
}

impl TextLog {
    /// Opens (or creates) the log at `path` and cuts off what lies past the `committed` length.
    fn open(path: &Path, committed: u64) -> Result<Self> {
        let io = |what: &str, e| Error::io(format!("{what} text log {}", path.display()), e);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| io("opening", e))?;
        let len = file.metadata().map_err(|e| io("reading", e))?.len();
        if len < committed {
            return Err(Error::Store(format!(
                "the text log {} holds {len} bytes but the store refers to {committed}: it was \
                 cut short or replaced",
                path.display()
            )));
        }
        if len > committed {
            // Written by a load that never committed (killed or failed): no reference to it.
            file.set_len(committed).map_err(|e| io("truncating", e))?;
        }
        Ok(TextLog {
            file,
            path: path.to_path_buf(),
            end: AtomicU64::new(committed),
            dirty: AtomicBool::new(false),
            background: Arc::new(AtomicBool::new(false)),
        })
    }

    fn io_error(&self, what: &str, e: std::io::Error) -> Error {
        Error::io(format!("{what} text log {}", self.path.display()), e)
    }

    /// Writes `bytes` at `offset`.
    fn write_at(&self, bytes: &[u8], offset: u64) -> Result<()> {
        self.dirty.store(true, Ordering::Release);
        write_all_at(&self.file, bytes, offset).map_err(|e| self.io_error("writing", e))
    }

    /// Reads `out.len()` bytes at `offset`.
    fn read_at(&self, out: &mut [u8], offset: u64) -> Result<()> {
        read_exact_at(&self.file, out, offset).map_err(|e| self.io_error("reading", e))
    }

    /// Makes the bytes written so far durable (before a durable commit refers to them).
    fn sync(&self) -> Result<()> {
        if self.dirty.swap(false, Ordering::AcqRel) {
            self.file.sync_data().map_err(|e| {
                self.dirty.store(true, Ordering::Release);
                self.io_error("syncing", e)
            })?;
        }
        Ok(())
    }

    /// Starts writing what the log holds to the disk on a thread of its own, unless an earlier
    /// start is still at it: a bulk load's chunks then reach the disk while the next ones are
    /// worked on, instead of all at its last, durable commit (whose fsync waited 120–140 ms
    /// for a 100k load's 366 MB). Only an early start: durability still comes from
    /// [`TextLog::sync`], which reports errors.
    fn sync_in_background(&self) {
        if self.background.swap(true, Ordering::AcqRel) {
            return;
        }
        let background = Arc::clone(&self.background);
        let started = self.file.try_clone().and_then(|file| {
            std::thread::Builder::new()
                .name("syndic-log-sync".into())
                .spawn(move || {
                    let _ = file.sync_data();
                    background.store(false, Ordering::Release);
                })
        });
        if started.is_err() {
            self.background.store(false, Ordering::Release);
        }
    }
}

#[cfg(unix)]
fn write_all_at(file: &File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, offset)
}

#[cfg(unix)]
fn read_exact_at(file: &File, out: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, out, offset)
}

#[cfg(windows)]
fn write_all_at(file: &File, mut bytes: &[u8], mut offset: u64) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(file, bytes, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut out: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !out.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_read(file, out, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        out = &mut std::mem::take(&mut out)[n..];
        offset += n as u64;
    }
    Ok(())
}

/// The text log beside the store file at `path`: `syndic.redb` → `syndic.texts` (and a store
/// file itself named `*.texts` gets `*.texts.texts`).
fn log_path(path: &Path) -> PathBuf {
    let log = path.with_extension(TEXTS_EXTENSION);
    if log == path {
        let mut name = path.as_os_str().to_owned();
        name.push(".");
        name.push(TEXTS_EXTENSION);
        PathBuf::from(name)
    } else {
        log
    }
}

/// A reference into the text log: offset and length.
fn log_ref(offset: u64, len: u64) -> [u8; LOG_REF_LEN] {
    let mut out = [LOG_REF; LOG_REF_LEN];
    out[1..9].copy_from_slice(&offset.to_le_bytes());
    out[9..].copy_from_slice(&len.to_le_bytes());
    out
}

/// The offset and length a `documents` value points at, when it is a reference into the log.
fn parse_log_ref(value: &[u8]) -> Option<(u64, u64)> {
    (value.len() == LOG_REF_LEN && value[0] == LOG_REF)
        .then(|| (read_u64(&value[1..9]), read_u64(&value[9..])))
}

impl Drop for RedbStore {
    /// Closing the database makes a pending lazy commit durable (redb does), so the log bytes
    /// it refers to are made durable first (fields drop after this). A drop cannot report a
    /// failed fsync; the bytes are still in the system's cache and reach the disk unless the
    /// machine itself fails first.
    fn drop(&mut self) {
        let _ = self.log.sync();
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
            log: &self.log,
            txn,
        }))
    }

    fn commit(&self, batch: &WriteBatch<'_>) -> Result<()> {
        let ctx = "writing to the store";
        let mut txn = tryc!(self.db.begin_write(), ctx);
        if batch.lazy {
            tryc!(txn.set_durability(Durability::None), ctx);
        }
        // A lazy batch's records go to the text log (see the module docs).
        let log = batch.lazy.then_some(&self.log);
        // Tables of one redb transaction can be written from several threads at once. A large
        // batch of new documents (bulk loading) writes their records — most of the bytes, and
        // JSON to encode — beside everything else; a batch that removes documents or sets the
        // header keeps its field order.
        let (log_end, erase) = if batch.documents.len() >= PARALLEL_DOCUMENTS
            && batch.remove.is_empty()
            && batch.header.is_none()
        {
            let (records, rest) = rayon::join(
                || write_records(&txn, batch, log),
                || write_rest(&txn, batch),
            );
            (records?, rest?)
        } else {
            let erase = write_rest(&txn, batch)?;
            (write_records(&txn, batch, log)?, erase)
        };
        if let Some(end) = log_end {
            let mut meta = tryc!(txn.open_table(META), ctx);
            tryc!(
                meta.insert(TEXTS_LEN_KEY, end.to_le_bytes().as_slice()),
                ctx
            );
        }
        if !batch.lazy {
            // Every reference committed so far points at durable bytes once this returns.
            self.log.sync()?;
        } else if log_end.is_some() {
            self.log.sync_in_background();
        }
        tryc!(txn.commit(), ctx);
        // The removed documents' texts leave the log too (their bytes are referred to no more).
        for (offset, len) in erase {
            let zeros = vec![0u8; usize::try_from(len).unwrap_or(0)];
            self.log.write_at(&zeros, offset)?;
        }
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

/// Writes the new documents' records and ids (`documents`, `ids`); with a `log`, the records
/// are appended to it and `documents` refers to them: returns the log's new end then.
fn write_records(
    txn: &WriteTransaction,
    batch: &WriteBatch<'_>,
    log: Option<&TextLog>,
) -> Result<Option<u64>> {
    let ctx = "writing to the store";
    let mut documents = tryc!(txn.open_table(DOCUMENTS), ctx);
    let mut ids = tryc!(txn.open_table(IDS), ctx);
    if let Some(log) = log {
        if batch.documents.is_empty() {
            return Ok(None);
        }
        // `buffer` holds the records from `at` on, written out a megabyte at a time.
        let mut at = log.end.load(Ordering::Acquire);
        let mut buffer = Vec::with_capacity(LOG_WRITE + LOG_WRITE / 4);
        for d in &batch.documents {
            let id = d.document.document.id.as_str();
            if tryc!(ids.insert(id, d.seq), ctx).is_some() {
                return Err(Error::Store(format!("duplicate document id `{id}`")));
            }
            let start = buffer.len();
            encode_record_into(d.document, &mut buffer)?;
            let reference = log_ref(at + start as u64, (buffer.len() - start) as u64);
            tryc!(documents.insert(d.seq, reference.as_slice()), ctx);
            if buffer.len() >= LOG_WRITE {
                log.write_at(&buffer, at)?;
                at += buffer.len() as u64;
                buffer.clear();
            }
        }
        log.write_at(&buffer, at)?;
        at += buffer.len() as u64;
        log.end.store(at, Ordering::Release);
        return Ok(Some(at));
    }
    let mut tails = tryc!(txn.open_table(DOCUMENT_TAILS), ctx);
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
    Ok(None)
}

/// Writes everything of a batch but the new documents' records and ids, in field order;
/// returns where the removed documents' records lie in the text log (to erase once
/// committed).
fn write_rest(txn: &WriteTransaction, batch: &WriteBatch<'_>) -> Result<Vec<(u64, u64)>> {
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
    let mut erase = Vec::new();
    if !batch.remove.is_empty() {
        let mut documents = tryc!(txn.open_table(DOCUMENTS), ctx);
        let mut tails = tryc!(txn.open_table(DOCUMENT_TAILS), ctx);
        let mut ids = tryc!(txn.open_table(IDS), ctx);
        let mut sketches = tryc!(txn.open_table(SKETCHES), ctx);
        for (seq, id) in &batch.remove {
            if let Some(record) = tryc!(documents.remove(*seq), ctx) {
                erase.extend(parse_log_ref(record.value()));
            }
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
    Ok(erase)
}

fn read_u64(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(b)
}

/// A snapshot: one read transaction, whose tables are opened on first use — most reads touch
/// one or two of the twelve (verifying a candidate reads `documents`, or `sketches` in a store
/// written before format 4), and opening a table looks it up in redb's table tree. Records of
/// bulk-loaded documents are read from the text log.
struct RedbReader<'a> {
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
    log: &'a TextLog,
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

impl RedbReader<'_> {
    /// Decodes a document record from its head in `documents` and, when the head is full, its
    /// tail in `document_tails` (see [`RECORD_HEAD`]) — or from the text log, when `documents`
    /// refers to it.
    /// Document `seq`'s record from the head its `documents` entry holds; `None` when it is in
    /// the text log and was erased there by a deletion committed after this reader's snapshot
    /// (the document is gone: it reads as deleted, not as a corrupt record).
    fn record(&self, seq: u64, head: &[u8]) -> Result<Option<StoredDocument>> {
        if let Some((offset, len)) = parse_log_ref(head) {
            let len = usize::try_from(len)
                .map_err(|_| Error::Store(format!("document {seq}: its record is too long")))?;
            let mut record = vec![0u8; len];
            self.log.read_at(&mut record, offset)?;
            if record.iter().all(|&b| b == 0) {
                return Ok(None);
            }
            return decode_record(&record).map(Some);
        }
        if head.len() != RECORD_HEAD {
            return decode_json(head, "document").map(Some);
        }
        match tryc!(self.tails.open(&self.txn)?.get(seq), READ) {
            Some(tail) => {
                let mut record = Vec::with_capacity(head.len() + tail.value().len());
                record.extend_from_slice(head);
                record.extend_from_slice(tail.value());
                decode_json(&record, "document").map(Some)
            }
            None => decode_json(head, "document").map(Some),
        }
    }
}

impl StoreReader for RedbReader<'_> {
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
            Some(head) => self.record(seq, head.value()),
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
            let Some(record) = self.record(k.value(), v.value())? else {
                continue;
            };
            if !f(k.value(), record)? {
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
        assert_eq!(every_document(reader.as_ref()), records);
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

    /// Writes `records` (numbered from `first`) in one batch, lazy or durable.
    fn add(store: &RedbStore, first: u64, records: &[StoredDocument], lazy: bool) {
        let sketch = StoredSketch::default();
        let documents = records
            .iter()
            .enumerate()
            .map(|(k, document)| NewDocument {
                seq: first + k as u64,
                document,
                sketch: &sketch,
            })
            .collect();
        store
            .commit(&WriteBatch {
                documents,
                lazy,
                ..WriteBatch::default()
            })
            .unwrap();
    }

    /// A new store in `dir`, with a header (so that it opens again).
    /// Every document record, in arrival order, as a scan reads them.
    fn every_document(reader: &dyn StoreReader) -> Vec<StoredDocument> {
        let mut all = Vec::new();
        reader
            .documents(0, u64::MAX, &mut |_, d| {
                all.push(d);
                Ok(true)
            })
            .unwrap();
        all
    }

    fn create(dir: &Path) -> RedbStore {
        let store = RedbStore::open_dir(dir).unwrap();
        let header = Header::new(VersionConfig::default(), StoryConfig::default());
        store
            .commit(&WriteBatch {
                header: Some(header),
                ..WriteBatch::default()
            })
            .unwrap();
        store
    }

    fn texts_of(dir: &Path) -> PathBuf {
        log_path(&dir.join(STORE_FILE))
    }

    #[test]
    fn lazy_records_go_to_the_text_log_and_read_back_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let lazy: Vec<StoredDocument> = (0..100)
            .map(|i| record_of(&format!("bulk{i}"), 200 + 97 * i))
            .collect();
        let logged: u64 = lazy
            .iter()
            .map(|r| {
                let mut bytes = Vec::new();
                encode_record_into(r, &mut bytes).unwrap();
                bytes.len() as u64
            })
            .sum();
        let durable = [record_of("posted", 300)];
        {
            let store = create(dir.path());
            add(&store, 0, &lazy[..70], true);
            add(&store, 70, &durable, false);
            add(&store, 71, &lazy[70..], true);
            // Bulk records are in the log, the posted one in `documents`.
            assert_eq!(
                std::fs::metadata(texts_of(dir.path())).unwrap().len(),
                logged
            );
            let reader = store.reader().unwrap();
            assert_eq!(reader.document(70).unwrap().as_ref(), Some(&durable[0]));
            assert_eq!(reader.document(3).unwrap().as_ref(), Some(&lazy[3]));
            // The last batch is lazy: a durable (empty) commit makes it last.
            drop(reader);
            store.commit(&WriteBatch::default()).unwrap();
        }
        // What a load killed before its commit leaves: bytes past the committed end.
        let mut log = std::fs::OpenOptions::new()
            .append(true)
            .open(texts_of(dir.path()))
            .unwrap();
        std::io::Write::write_all(&mut log, b"\x01half-written").unwrap();
        drop(log);
        let store = RedbStore::open_dir(dir.path()).unwrap();
        assert_eq!(
            std::fs::metadata(texts_of(dir.path())).unwrap().len(),
            logged
        );
        let reader = store.reader().unwrap();
        let mut all = lazy[..70].to_vec();
        all.extend_from_slice(&durable);
        all.extend_from_slice(&lazy[70..]);
        assert_eq!(every_document(reader.as_ref()), all);
        assert_eq!(reader.seq_of("bulk80").unwrap(), Some(81));
        drop(reader);
        // The cut-off bytes are gone, and the next records follow the committed ones.
        add(&store, 101, &[record_of("after", 150)], true);
        let reader = store.reader().unwrap();
        assert_eq!(reader.document(101).unwrap().unwrap().document.id, "after");
        assert_eq!(reader.document(99).unwrap().as_ref(), Some(&lazy[98]));
    }

    #[test]
    fn deleting_a_bulk_loaded_document_erases_its_text_from_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let store = create(dir.path());
        let mut secret = record_of("taken-down", 400);
        secret.document.text = secret.document.text.replace("word", "SECRET");
        let records = [record_of("kept", 300), secret, record_of("kept too", 300)];
        add(&store, 0, &records, true);
        let contains = |needle: &[u8]| {
            let log = std::fs::read(texts_of(dir.path())).unwrap();
            log.windows(needle.len()).any(|w| w == needle)
        };
        assert!(contains(b"SECRET"));
        // A reader whose snapshot is older than the deletion still refers to the erased bytes:
        // it reads the document as gone, not as a corrupt record.
        let before = store.reader().unwrap();
        store
            .commit(&WriteBatch {
                remove: vec![(1, "taken-down".into())],
                ..WriteBatch::default()
            })
            .unwrap();
        assert!(!contains(b"SECRET"));
        let reader = store.reader().unwrap();
        assert!(reader.document(1).unwrap().is_none());
        assert_eq!(reader.document(2).unwrap().as_ref(), Some(&records[2]));
        assert!(before.document(1).unwrap().is_none());
        assert_eq!(before.document(2).unwrap().as_ref(), Some(&records[2]));
        assert_eq!(
            every_document(before.as_ref()),
            [records[0].clone(), records[2].clone()]
        );
    }

    #[test]
    fn the_log_is_never_the_store_file_itself() {
        assert_eq!(
            log_path(Path::new("d/syndic.redb")),
            Path::new("d/syndic.texts")
        );
        assert_eq!(log_path(Path::new("d/store")), Path::new("d/store.texts"));
        assert_eq!(
            log_path(Path::new("d/odd.texts")),
            Path::new("d/odd.texts.texts")
        );
    }

    #[test]
    fn a_text_log_cut_short_is_refused_at_open() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = create(dir.path());
            add(&store, 0, &[record_of("a", 500), record_of("b", 500)], true);
            store.commit(&WriteBatch::default()).unwrap();
        }
        let log = std::fs::OpenOptions::new()
            .write(true)
            .open(texts_of(dir.path()))
            .unwrap();
        log.set_len(600).unwrap();
        drop(log);
        let err = RedbStore::open_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("cut short"), "{err}");
    }
}
