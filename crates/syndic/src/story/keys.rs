//! Feature keys: the 64-bit identity of a term, a name or an entity, and the hasher of every map
//! keyed by them.
//!
//! The central type is [`FeatureKey`]. A key is the xxh3 hash of the feature's text with its
//! [`FeatureKind`] folded into the two low bits, so the kind travels with the key at no cost
//! (the kind decides how much the feature weighs). xxh3 is stable across platforms and
//! versions, so keys may be persisted.
//!
//! Maps keyed by keys or by story numbers use [`KeyBuildHasher`]: a multiplicative mix, no
//! random state. Trade-off: a fixed hasher is open to crafted collisions (not a concern for
//! keys that are already hashes), and in exchange nothing in the engine depends on a random
//! seed — the same input order gives the same output, run after run.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// What a feature stands for. Its weight in similarity depends on the kind
/// ([`crate::story::StoryConfig::name_boost`], [`crate::story::StoryConfig::entity_boost`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureKind {
    /// A content word, lowercased and stemmed (`earthquak`), or a number.
    Term = 0,
    /// One word of a proper name or an acronym, lowercased, not stemmed (`klitschko`, `nba`).
    Name = 1,
    /// A multi-word name (`betty ford center`, `gulf of aden`).
    Entity = 2,
}

impl FeatureKind {
    fn from_bits(bits: u64) -> FeatureKind {
        match bits & 3 {
            0 => FeatureKind::Term,
            1 => FeatureKind::Name,
            _ => FeatureKind::Entity,
        }
    }
}

/// Seed of feature hashing. Changing it changes every key (and invalidates persisted ones).
pub const FEATURE_SEED: u64 = 0x5354_4f52_5953_0001;

/// A feature's identity: its text's hash, with its kind in the two low bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FeatureKey(pub u64);

impl FeatureKey {
    /// The key of `text` (already lowercased, stemmed for terms) as a feature of `kind`.
    pub fn new(kind: FeatureKind, text: &str) -> FeatureKey {
        FeatureKey((xxh3_64_with_seed(text.as_bytes(), FEATURE_SEED) & !3) | kind as u64)
    }

    /// The feature's kind.
    pub fn kind(self) -> FeatureKind {
        FeatureKind::from_bits(self.0)
    }
}

/// A deterministic hasher for keys that are already well mixed (feature keys) or small numbers
/// (story numbers): one multiply, then the high bits folded down.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let x = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 29);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
}

/// Builds [`KeyHasher`]s.
pub type KeyBuildHasher = BuildHasherDefault<KeyHasher>;

/// A map with the deterministic [`KeyHasher`].
pub type KeyMap<K, V> = HashMap<K, V, KeyBuildHasher>;

/// A set with the deterministic [`KeyHasher`].
pub type KeySet<K> = HashSet<K, KeyBuildHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_travels_with_the_key() {
        for kind in [FeatureKind::Term, FeatureKind::Name, FeatureKind::Entity] {
            assert_eq!(FeatureKey::new(kind, "reid").kind(), kind);
        }
        assert_ne!(
            FeatureKey::new(FeatureKind::Term, "reid"),
            FeatureKey::new(FeatureKind::Name, "reid")
        );
        assert_eq!(
            FeatureKey::new(FeatureKind::Entity, "gulf of aden"),
            FeatureKey::new(FeatureKind::Entity, "gulf of aden")
        );
    }

    #[test]
    fn small_numbers_spread_over_the_hash() {
        let mut seen = KeySet::default();
        for n in 0u32..1000 {
            let mut h = KeyHasher::default();
            h.write_u32(n);
            seen.insert(h.finish() >> 57);
        }
        // The top seven bits (hashbrown's control byte) take many values, not one.
        assert!(seen.len() > 100, "{}", seen.len());
    }
}
