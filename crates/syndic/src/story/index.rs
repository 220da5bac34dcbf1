//! Candidate retrieval: an inverted index from features to the stories that hold them.
//!
//! The central type is [`Postings`]. A new document looks up only its most telling features
//! (the highest-weighted: rare terms and names), so the stories it is compared with are those
//! sharing one of them — a few dozen, whatever the number of stories — never all of them.
//! Symmetrically, a story is entered only under each member's most telling features
//! ([`crate::story::StoryConfig::index_features`]), so lists stay short and a document's
//! common words cost nothing here.
//!
//! Lists are append-only between compactions: a story that drops a feature from its centroid or
//! is closed leaves stale entries behind, which readers skip (the caller checks the story) and
//! [`Postings::compact`] removes. Stories are numbered in order of creation, so each list is
//! sorted oldest first, and a compaction keeps it so. Trade-off: lazy deletion makes updates
//! O(1) at the cost of some dead entries between compactions; the caller compacts when they
//! outnumber the live ones, which bounds memory to twice the live size.

use super::keys::{FeatureKey, KeyMap};

/// Feature → story numbers. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct Postings {
    lists: KeyMap<FeatureKey, Vec<u32>>,
    entries: usize,
}

impl Postings {
    /// An empty index.
    pub fn new() -> Self {
        Postings::default()
    }

    /// Records that `story` holds `key`.
    pub fn insert(&mut self, key: FeatureKey, story: u32) {
        let list = self.lists.entry(key).or_default();
        if list.last() != Some(&story) {
            list.push(story);
            self.entries += 1;
        }
    }

    /// The stories recorded for `key`, oldest first (may include stale entries).
    pub fn get(&self, key: FeatureKey) -> &[u32] {
        self.lists.get(&key).map_or(&[], Vec::as_slice)
    }

    /// Entries held, stale ones included.
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// Keeps only the entries for which `live(key, story)` holds; removes duplicates and
    /// empty lists.
    pub fn compact(&mut self, mut live: impl FnMut(FeatureKey, u32) -> bool) {
        let mut entries = 0;
        self.lists.retain(|&key, list| {
            list.retain(|&story| live(key, story));
            list.sort_unstable();
            list.dedup();
            list.shrink_to_fit();
            entries += list.len();
            !list.is_empty()
        });
        self.entries = entries;
    }

    /// Approximate heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        let lists: usize = self.lists.values().map(|l| l.capacity() * 4).sum();
        lists + self.lists.capacity() * (std::mem::size_of::<(FeatureKey, Vec<u32>)>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::story::keys::FeatureKind;

    #[test]
    fn insert_get_and_compact() {
        let a = FeatureKey::new(FeatureKind::Name, "klitschko");
        let b = FeatureKey::new(FeatureKind::Name, "rahman");
        let mut p = Postings::new();
        p.insert(a, 1);
        p.insert(a, 1);
        p.insert(a, 3);
        p.insert(b, 3);
        p.insert(a, 1);
        assert_eq!(p.get(a), &[1, 3, 1]);
        assert_eq!(p.entries(), 4);
        p.compact(|_, s| s != 3);
        assert_eq!(p.get(a), &[1]);
        assert!(p.get(b).is_empty());
        assert_eq!(p.entries(), 1);
    }
}
