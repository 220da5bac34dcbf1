//! Term weights learned from the corpus itself: document frequencies counted online, turned
//! into inverse document frequencies (IDF).
//!
//! The central type is [`DocFrequencies`]. Each new voice (a document that is not a version of
//! one seen before) counts once for every distinct feature it has; a feature's IDF is then
//!
//! ```text
//! idf(f) = max(0, ln((N + prior_docs) / (df(f) + 0.5)))
//! ```
//!
//! where `N` is the number of documents counted. `prior_docs` is the cold-start prior: as if
//! that many earlier documents had none of the features, so the first documents of a corpus
//! treat every word as moderately rare instead of dividing by almost nothing; its effect fades
//! as `N` grows past it.
//!
//! **Bounded memory.** A stream meets new words forever. [`DocFrequencies::decay`] multiplies
//! every count (and `N`) by a factor and forgets counts that fall below a floor, so the table
//! holds the vocabulary of the last few half-lives, not of the whole history; "rare" then means
//! rare *lately*, which is what news needs (a word that was everywhere last year and is rare now
//! is news again). Trade-off: a longer half-life gives steadier weights and a bigger table.
//!
//! A document's weight for a feature is `(1 + ln count) × idf × boost(kind)` (sublinear term
//! frequency: the tenth mention of a name adds less than the second).

use super::keys::{FeatureKey, KeyMap};

/// Online document frequencies. See the module docs.
#[derive(Clone, Debug)]
pub struct DocFrequencies {
    counts: KeyMap<FeatureKey, f32>,
    docs: f64,
    observed: u64,
    prior_docs: f64,
}

/// Counts below this after a decay are forgotten (a feature seen once is dropped after two
/// half-lives).
const FLOOR: f32 = 0.25;

impl DocFrequencies {
    /// An empty table with the given cold-start prior (see the module docs).
    pub fn new(prior_docs: f64) -> Self {
        DocFrequencies {
            counts: KeyMap::default(),
            docs: 0.0,
            observed: 0,
            prior_docs: prior_docs.max(1.0),
        }
    }

    /// Counts one document with these distinct features; returns their IDF after counting,
    /// in the same order (one map lookup each, for both).
    pub fn observe(&mut self, keys: impl IntoIterator<Item = FeatureKey>) -> Vec<f32> {
        self.docs += 1.0;
        self.observed += 1;
        let total = self.docs + self.prior_docs;
        keys.into_iter()
            .map(|key| {
                let count = self.counts.entry(key).or_insert(0.0);
                *count += 1.0;
                idf_of(total, *count)
            })
            .collect()
    }

    /// Documents counted (after decay, a weighted count).
    pub fn docs(&self) -> f64 {
        self.docs
    }

    /// Documents counted since the start, without decay.
    pub fn observed(&self) -> u64 {
        self.observed
    }

    /// The (decayed) number of counted documents having `key`.
    pub fn df(&self, key: FeatureKey) -> f32 {
        self.counts.get(&key).copied().unwrap_or(0.0)
    }

    /// The inverse document frequency of `key` (see the module docs).
    pub fn idf(&self, key: FeatureKey) -> f32 {
        idf_of(self.docs + self.prior_docs, self.df(key))
    }

    /// Multiplies every count and the document total by `factor` (in `(0, 1]`) and forgets
    /// counts below the floor.
    pub fn decay(&mut self, factor: f64) {
        let factor = factor.clamp(0.0, 1.0);
        self.docs *= factor;
        let f = factor as f32;
        self.counts.retain(|_, c| {
            *c *= f;
            *c >= FLOOR
        });
    }

    /// Distinct features counted.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Approximate heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.counts.capacity() * (std::mem::size_of::<(FeatureKey, f32)>() + 1)
    }
}

/// `max(0, ln(total / (df + 0.5)))`.
fn idf_of(total: f64, df: f32) -> f32 {
    (total / (f64::from(df) + 0.5)).ln().max(0.0) as f32
}

/// Sublinear term frequency: `1 + ln(count)` (0 for a count of 0).
pub fn tf(count: u32) -> f32 {
    if count == 0 {
        0.0
    } else {
        1.0 + (count as f32).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::story::keys::FeatureKind;

    fn key(w: &str) -> FeatureKey {
        FeatureKey::new(FeatureKind::Term, w)
    }

    #[test]
    fn rare_features_weigh_more_and_the_prior_softens_the_start() {
        let mut df = DocFrequencies::new(20.0);
        df.observe([key("quake")]);
        let cold = df.idf(key("quake"));
        assert!(cold > 2.0, "{cold}");
        for i in 0..100 {
            let common = key("city");
            if i % 10 == 0 {
                df.observe([common, key("quake")]);
            } else {
                df.observe([common]);
            }
        }
        assert!(df.idf(key("quake")) > df.idf(key("city")));
        assert!(df.idf(key("never-seen")) > df.idf(key("quake")));
        assert!(df.idf(key("city")) >= 0.0);
    }

    #[test]
    fn decay_forgets_old_rare_features_and_keeps_ratios() {
        let mut df = DocFrequencies::new(20.0);
        for _ in 0..8 {
            df.observe([key("common")]);
        }
        df.observe([key("once")]);
        let before = df.df(key("common")) as f64 / df.docs();
        df.decay(0.5);
        df.decay(0.5);
        df.decay(0.5);
        assert_eq!(df.df(key("once")), 0.0);
        assert_eq!(df.len(), 1);
        let after = df.df(key("common")) as f64 / df.docs();
        assert!((before - after).abs() < 1e-6);
    }

    #[test]
    fn tf_is_sublinear() {
        assert_eq!(tf(0), 0.0);
        assert_eq!(tf(1), 1.0);
        assert!(tf(10) < 4.0 && tf(10) > tf(2));
    }
}
