//! [`MemoryStore`]: the [`Store`] trait over in-memory maps, for tests and throw-away indexes.
//!
//! Snapshots are copy-on-write: a reader holds an `Arc` of the maps as they were, and a commit
//! made while a reader is alive copies them first. Cheap for test-sized data; nothing survives
//! the process.

use super::{
    FamilyRow, Header, Placement, Store, StoreReader, StoreStats, StoredDocument, WriteBatch,
    check_header, time_key,
};
use crate::document::Timestamp;
use crate::error::{Error, Result};
use crate::story::StorySummary;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

#[derive(Clone, Debug, Default)]
struct Maps {
    header: Option<Header>,
    documents: BTreeMap<u64, StoredDocument>,
    ids: HashMap<String, u64>,
    /// Band keys then fingerprint words, as the `keys` table of the disk store holds them.
    /// Shingle sets are not kept (as in format 4 on disk): the live index works them out
    /// from the text.
    keys: BTreeMap<u64, Vec<u64>>,
    placements: BTreeMap<u64, Placement>,
    families: BTreeMap<u64, FamilyRow>,
    merged: BTreeMap<u64, u64>,
    members: BTreeSet<(u64, u64)>,
    next_seq: u64,
    closed: BTreeMap<String, StorySummary>,
    story_times: BTreeSet<(u64, String)>,
    story_members: BTreeSet<(String, u64)>,
}

/// A [`Store`] in memory. See the module docs.
#[derive(Debug, Default)]
pub struct MemoryStore {
    maps: RwLock<Arc<Maps>>,
    fail_commits: AtomicBool,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// Makes every following commit fail (or succeed again), to test how callers recover.
    pub fn set_fail_commits(&self, fail: bool) {
        self.fail_commits.store(fail, Ordering::SeqCst);
    }

    fn snapshot(&self) -> Arc<Maps> {
        // A poisoned lock only means a panic elsewhere while holding it; the maps themselves are
        // replaced whole, so they are never half-written.
        match self.maps.read() {
            Ok(g) => Arc::clone(&g),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }
}

impl Store for MemoryStore {
    fn reader(&self) -> Result<Box<dyn StoreReader + '_>> {
        Ok(Box::new(MemoryReader(self.snapshot())))
    }

    fn commit(&self, batch: &WriteBatch<'_>) -> Result<()> {
        if self.fail_commits.load(Ordering::SeqCst) {
            return Err(Error::Store("commit failed (simulated)".into()));
        }
        let mut guard = self
            .maps
            .write()
            .map_err(|_| Error::Store("memory store lock poisoned".into()))?;
        // Build the new state aside, then swap: a commit is all or nothing.
        let mut m: Maps = (**guard).clone();
        if let Some(h) = &batch.header {
            check_header(h)?;
            m.header = Some(h.clone());
        }
        for (seq, id) in &batch.remove {
            m.documents.remove(seq);
            m.ids.remove(id);
            m.keys.remove(seq);
            if let Some(p) = m.placements.remove(seq) {
                m.members.remove(&(p.family, *seq));
                if let Some(story) = p.story {
                    m.story_members.remove(&(story, *seq));
                }
            }
        }
        for d in &batch.documents {
            if m.ids.contains_key(&d.document.document.id) {
                return Err(Error::Store(format!(
                    "duplicate document id `{}`",
                    d.document.document.id
                )));
            }
            m.ids.insert(d.document.document.id.clone(), d.seq);
            m.documents.insert(d.seq, d.document.clone());
            let sketch = &d.sketch.sketch;
            m.keys.insert(
                d.seq,
                [sketch.keys.as_slice(), &sketch.fingerprint].concat(),
            );
            m.next_seq = m.next_seq.max(d.seq + 1);
        }
        for (seq, p) in &batch.placements {
            m.placements.insert(*seq, p.clone());
        }
        for (key, row) in &batch.families {
            match row {
                Some(row) => m.families.insert(*key, *row),
                None => m.families.remove(key),
            };
        }
        for &(family, into) in &batch.merges {
            match into {
                Some(into) => m.merged.insert(family, into),
                None => m.merged.remove(&family),
            };
        }
        for &(family, seq, add) in &batch.members {
            if add {
                m.members.insert((family, seq));
            } else {
                m.members.remove(&(family, seq));
            }
        }
        if batch.clear_closed_stories {
            m.closed.clear();
            m.story_times.clear();
        }
        for summary in &batch.closed_stories {
            if let Some(old) = m.closed.insert(summary.id.clone(), summary.clone()) {
                m.story_times.remove(&(time_key(old.last_seen), old.id));
            }
            m.story_times
                .insert((time_key(summary.last_seen), summary.id.clone()));
        }
        for (story, seq, add) in &batch.story_members {
            if *add {
                m.story_members.insert((story.clone(), *seq));
            } else {
                m.story_members.remove(&(story.clone(), *seq));
            }
        }
        *guard = Arc::new(m);
        Ok(())
    }
}

struct MemoryReader(Arc<Maps>);

impl StoreReader for MemoryReader {
    fn header(&self) -> Result<Option<Header>> {
        Ok(self.0.header.clone())
    }
    fn seq_of(&self, id: &str) -> Result<Option<u64>> {
        Ok(self.0.ids.get(id).copied())
    }
    fn document(&self, seq: u64) -> Result<Option<StoredDocument>> {
        Ok(self.0.documents.get(&seq).cloned())
    }
    fn shingles(&self, _seq: u64) -> Result<Option<Vec<u64>>> {
        // No shingle sets are kept (see `Maps::keys`).
        Ok(None)
    }
    fn placement(&self, seq: u64) -> Result<Option<Placement>> {
        Ok(self.0.placements.get(&seq).cloned())
    }
    fn family(&self, family: u64) -> Result<Option<FamilyRow>> {
        Ok(self.0.families.get(&family).copied())
    }
    fn merged_into(&self, family: u64) -> Result<Option<u64>> {
        Ok(self.0.merged.get(&family).copied())
    }
    fn members(&self, family: u64, limit: usize) -> Result<Vec<u64>> {
        Ok(self
            .0
            .members
            .range((family, 0)..=(family, u64::MAX))
            .take(limit)
            .map(|&(_, seq)| seq)
            .collect())
    }
    fn stats(&self) -> Result<StoreStats> {
        Ok(StoreStats {
            documents: self.0.documents.len() as u64,
            families: self.0.families.len() as u64,
            closed_stories: self.0.closed.len() as u64,
            next_seq: self.0.next_seq,
        })
    }
    fn story(&self, id: &str) -> Result<Option<StorySummary>> {
        Ok(self.0.closed.get(id).cloned())
    }
    fn story_members(&self, id: &str, limit: usize) -> Result<Vec<u64>> {
        Ok(self
            .0
            .story_members
            .range((id.to_string(), 0)..=(id.to_string(), u64::MAX))
            .take(limit)
            .map(|(_, seq)| *seq)
            .collect())
    }
    fn closed_stories(&self, since: Option<Timestamp>, limit: usize) -> Result<Vec<StorySummary>> {
        let from = since.map_or(0, |t| time_key(Some(t)));
        Ok(self
            .0
            .story_times
            .range((from, String::new())..)
            .rev()
            .take(limit)
            .filter_map(|(_, id)| self.0.closed.get(id).cloned())
            .collect())
    }
    fn documents(
        &self,
        from: u64,
        until: u64,
        f: &mut dyn FnMut(u64, StoredDocument) -> Result<bool>,
    ) -> Result<()> {
        for (&seq, d) in self.0.documents.range(from..until.max(from)) {
            if !f(seq, d.clone())? {
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
        for (&seq, placement) in self.0.placements.range(from..until.max(from)) {
            let keys = self
                .0
                .keys
                .get(&seq)
                .cloned()
                .ok_or_else(|| Error::Store(format!("document {seq} has no sketch")))?;
            if !f(seq, placement.clone(), keys)? {
                break;
            }
        }
        Ok(())
    }
}
