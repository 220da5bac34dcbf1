//! Version families as both version indexes keep them: which family each document is in
//! (following merges), each family's canonical member, size and members.
//!
//! The central type is [`Families`], a union-find over document numbers, and beside it the two
//! decisions that shape families: [`choose`] (which family a verified document joins, and which
//! other families it shows to be the same text) and [`Families::merge`] (whether they are). The
//! batch [`VersionIndex`](crate::versions::VersionIndex) and the live index
//! ([`LiveIndex`](crate::store::LiveIndex)) both place documents through them, so batch `dedup`
//! and the service cannot drift apart; the rules themselves are described in
//! [`versions`](crate::versions#when-two-families-are-one).
//!
//! Trade-off: no path compression, so lookups stay `&self` (and parallel readers need no lock).
//! Paths stay short anyway: a merge points a root at another root, and merges are rare (one
//! family in a few hundred on the benchmark corpus).

use crate::document::Timestamp;
use crate::error::{Error, Result};
use crate::verify::Overlap;
use crate::versions::VersionConfig;

/// A member a document verified against, and their exact overlap.
pub(crate) type Match = (u32, Overlap);

/// End of a member chain.
const NONE: u32 = u32::MAX;

/// One family.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Family {
    /// The family this one was merged into (itself while it is a root).
    pub parent: u32,
    /// The canonical member (meaningful for a root).
    pub canonical: u32,
    /// Number of members (for a root, those of every family merged into it).
    pub size: u32,
    /// First member (the one that founded it) and last member of its chain: a merge appends the
    /// absorbed family's chain, so a root's chain holds every member.
    pub first: u32,
    last: u32,
}

/// Families over documents numbered 0, 1, 2… in arrival order. See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Families {
    families: Vec<Family>,
    /// Each document's family on arrival.
    arrival: Vec<u32>,
    /// The next member of each document's family chain ([`NONE`] at the end).
    next: Vec<u32>,
    /// What orders each document as a canonical candidate: when it was published and its
    /// length in characters (see [`better_canonical`]).
    ranks: Vec<(Option<Timestamp>, u64)>,
    /// Families not merged into another.
    roots: usize,
}

impl Families {
    /// Makes room for `additional` more documents (and as many families) without regrowing.
    pub fn reserve(&mut self, additional: usize) {
        self.families.reserve(additional);
        self.arrival.reserve(additional);
        self.next.reserve(additional);
        self.ranks.reserve(additional);
    }

    /// Number of families not merged into another.
    pub fn roots(&self) -> usize {
        self.roots
    }

    /// Number of families ever founded (merged ones included): family numbers are below it.
    pub fn len(&self) -> usize {
        self.families.len()
    }

    /// A family, by number.
    pub fn get(&self, family: u32) -> Family {
        self.families[family as usize]
    }

    /// The family document `doc` belongs to now (following merges).
    pub fn family_of(&self, doc: u32) -> u32 {
        self.root(self.arrival[doc as usize])
    }

    /// The root a family was merged into (itself while it is a root).
    pub fn root(&self, mut family: u32) -> u32 {
        while self.families[family as usize].parent != family {
            family = self.families[family as usize].parent;
        }
        family
    }

    /// The canonical member of `doc`'s family now.
    pub fn canonical_of(&self, doc: u32) -> u32 {
        self.families[self.family_of(doc) as usize].canonical
    }

    /// A document's canonical rank: (published, length in characters, number).
    pub fn rank(&self, doc: u32) -> (Option<Timestamp>, u64, u32) {
        let (published, chars) = self.ranks[doc as usize];
        (published, chars, doc)
    }

    /// Whether document `a` should replace `b` as canonical.
    fn better(&self, a: u32, b: u32) -> bool {
        better_canonical(self.rank(a), self.rank(b))
    }

    /// Appends the next document (number `doc`, which must be the number of documents so far),
    /// published at `published` and `chars` characters long, to root `family`, or to a family of
    /// its own. Returns its family.
    pub fn push(
        &mut self,
        doc: u32,
        family: Option<u32>,
        published: Option<Timestamp>,
        chars: u64,
    ) -> Result<u32> {
        if doc as usize != self.arrival.len() {
            return Err(Error::Store(format!(
                "document {doc} placed out of turn ({} placed)",
                self.arrival.len()
            )));
        }
        let family = match family {
            Some(f) => f,
            None => {
                let f = u32::try_from(self.families.len())
                    .ok()
                    .filter(|&f| f != NONE)
                    .ok_or_else(|| Error::Store("more than 4G families".into()))?;
                self.families.push(Family {
                    parent: f,
                    canonical: doc,
                    size: 0,
                    first: doc,
                    last: doc,
                });
                self.roots += 1;
                f
            }
        };
        self.arrival.push(family);
        self.next.push(NONE);
        self.ranks.push((published, chars));
        let mut fam = self.families[family as usize];
        if fam.size > 0 {
            self.next[fam.last as usize] = doc;
            if self.better(doc, fam.canonical) {
                fam.canonical = doc;
            }
        }
        fam.size += 1;
        fam.last = doc;
        self.families[family as usize] = fam;
        Ok(family)
    }

    /// Merges each family of `others` (roots other than `family`) into root `family` when
    /// `versions(canonical, theirs)` says the two canonical members are versions of each other
    /// (see [`merges`]); returns the families merged, in order.
    pub fn merge(
        &mut self,
        family: u32,
        others: &[u32],
        mut versions: impl FnMut(u32, u32) -> Result<bool>,
    ) -> Result<Vec<u32>> {
        let mut merged = Vec::new();
        for &other in others {
            let (ours, theirs) = (self.get(family).canonical, self.get(other).canonical);
            if versions(ours, theirs)? {
                self.absorb(family, other);
                merged.push(other);
            }
        }
        Ok(merged)
    }

    /// Points root `from` at root `into` without asking (replaying a recorded merge): sizes add
    /// up, the better canonical survives, the member chains are joined.
    pub fn absorb(&mut self, into: u32, from: u32) {
        let f = self.families[from as usize];
        let mut t = self.families[into as usize];
        if self.better(f.canonical, t.canonical) {
            t.canonical = f.canonical;
        }
        t.size += f.size;
        self.next[t.last as usize] = f.first;
        t.last = f.last;
        self.families[into as usize] = t;
        self.families[from as usize].parent = into;
        self.roots -= 1;
    }

    /// The members of a family, in chain order: arrival order within each family merged in,
    /// those of a merged family after the members of the family it joined. For a family merged
    /// away, the members it had when it was.
    pub fn chain(&self, family: u32) -> Vec<u32> {
        let f = self.families[family as usize];
        let mut out = Vec::with_capacity(f.size as usize);
        let mut at = f.first;
        while at != NONE {
            out.push(at);
            if at == f.last {
                break;
            }
            at = self.next[at as usize];
        }
        out
    }
}

/// Whether a document ranked `a` should replace one ranked `b` as its family's canonical
/// member; a rank is (published, length in characters, arrival number): earliest published,
/// else longest, else first arrived.
pub(crate) fn better_canonical(
    a: (Option<Timestamp>, u64, u32),
    b: (Option<Timestamp>, u64, u32),
) -> bool {
    match (a.0, b.0) {
        (Some(x), Some(y)) if x != y => return x < y,
        (Some(_), None) => return true,
        (None, Some(_)) => return false,
        _ => {}
    }
    if a.1 != b.1 {
        return a.1 > b.1;
    }
    a.2 < b.2
}

/// The number of the first of `more` documents joining an index of `indexed`: an error when
/// they would not all have a `u32` number below [`u32::MAX`] (kept for "none").
pub(crate) fn first_number(indexed: usize, more: usize) -> Result<u32> {
    u32::try_from(indexed)
        .ok()
        .filter(|&b| {
            u32::try_from(more).is_ok_and(|m| b.checked_add(m).is_some_and(|end| end < NONE))
        })
        .ok_or_else(|| Error::Store("more than 4G documents in one index".into()))
}

/// Whether two families' canonical members, overlapping as `o`, make the families one: the
/// version rule, and the family floor between them.
pub(crate) fn merges(config: &VersionConfig, o: &Overlap) -> bool {
    config.rule.accepts(o) && o.containment() >= config.family_floor
}

/// Where a verified document goes: among its `matches` (members it is a version of, best
/// first), the first whose family's canonical it is near enough — the family it joins — and
/// each other family it is near through one of its members (the families [`Families::merge`]
/// may merge into that one). `near(canonical)` says whether the document is at least
/// `family_floor` contained in that canonical member (or it in the document).
pub(crate) fn choose(
    families: &Families,
    matches: &[Match],
    mut near: impl FnMut(u32) -> Result<bool>,
) -> Result<(Option<Match>, Vec<u32>)> {
    let mut best: Option<Match> = None;
    let mut also: Vec<u32> = Vec::new();
    for &(member, o) in matches {
        let family = families.family_of(member);
        if best.is_some_and(|(b, _)| families.family_of(b) == family) || also.contains(&family) {
            continue;
        }
        let canonical = families.get(family).canonical;
        if canonical == member || near(canonical)? {
            match best {
                None => best = Some((member, o)),
                Some(_) => also.push(family),
            }
        }
    }
    Ok((best, also))
}

/// Whether a document is `floor`-near canonical member `canonical` (contained in it, or it in
/// the document, at least `floor`): from the overlap its verification measured when `matches`
/// holds that member, else from `overlap()`, worked out now. The `near` of [`choose`] for the
/// batch and the live index alike.
pub(crate) fn near_canonical(
    matches: &[Match],
    canonical: u32,
    floor: f64,
    overlap: impl FnOnce() -> Result<Overlap>,
) -> Result<bool> {
    let o = match matches.iter().find(|(m, _)| *m == canonical) {
        Some(&(_, o)) => o,
        None => overlap()?,
    };
    Ok(o.containment() >= floor)
}

/// Sorts verified matches best first: highest Jaccard, then earliest.
pub(crate) fn sort_matches(matches: &mut [Match]) {
    matches.sort_by(|a, b| b.1.jaccard().total_cmp(&a.1.jaccard()).then(a.0.cmp(&b.0)));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Undated documents of one length: the earlier arrival is the better canonical.
    const UNDATED: (Option<Timestamp>, u64) = (None, 100);

    #[test]
    fn documents_join_found_and_merge() {
        let mut f = Families::default();
        let a = f.push(0, None, UNDATED.0, UNDATED.1).unwrap();
        let b = f.push(1, None, UNDATED.0, UNDATED.1).unwrap();
        assert_eq!(f.push(2, Some(b), UNDATED.0, UNDATED.1).unwrap(), b);
        assert_eq!(f.get(b).canonical, 1);
        assert_eq!(f.roots(), 2);
        // Merging asks about the two canonicals, and the better one survives.
        let mut asked = Vec::new();
        let merged = f
            .merge(b, &[a], |x, y| {
                asked.push((x, y));
                Ok(true)
            })
            .unwrap();
        assert_eq!(asked, [(1, 0)]);
        assert_eq!(merged, [a]);
        assert_eq!(f.root(a), b);
        assert_eq!(f.roots(), 1);
        assert_eq!(f.family_of(0), b);
        assert_eq!(f.canonical_of(2), 0);
        assert_eq!(f.get(b).size, 3);
        assert_eq!(f.chain(b), [1, 2, 0]);
        assert_eq!(f.chain(a), [0]);
        // A refused merge changes nothing.
        let c = f.push(3, None, UNDATED.0, UNDATED.1).unwrap();
        assert!(f.merge(b, &[c], |_, _| Ok(false)).unwrap().is_empty());
        assert_eq!(f.root(c), c);
        // Out of turn is an error, not a corrupt index.
        assert!(f.push(9, None, UNDATED.0, UNDATED.1).is_err());
    }

    #[test]
    fn documents_are_numbered_below_the_none_mark() {
        assert_eq!(first_number(7, 3).unwrap(), 7);
        let last = NONE as usize - 1;
        assert_eq!(first_number(last - 1, 1).unwrap() as usize, last - 1);
        assert!(first_number(last, 1).is_err());
        assert!(first_number(usize::MAX, 0).is_err());
    }

    #[test]
    fn a_verified_canonical_member_is_judged_by_its_verification() {
        let o = |shared| Overlap {
            shared,
            len_a: 100,
            len_b: 200,
        };
        let matches = [(4, o(40)), (7, o(60))];
        // Member 7 was verified: its overlap decides, nothing is worked out again.
        let near = near_canonical(&matches, 7, 0.5, || panic!("worked out again")).unwrap();
        assert!(near);
        assert!(!near_canonical(&matches, 4, 0.5, || panic!("worked out again")).unwrap());
        // Member 9 was not: its overlap is worked out.
        assert!(near_canonical(&matches, 9, 0.5, || Ok(o(50))).unwrap());
        assert!(!near_canonical(&matches, 9, 0.5, || Ok(o(49))).unwrap());
    }

    #[test]
    fn a_document_joins_the_best_family_it_is_near_and_names_the_others() {
        let mut f = Families::default();
        let a = f.push(0, None, UNDATED.0, UNDATED.1).unwrap();
        f.push(1, Some(a), UNDATED.0, UNDATED.1).unwrap();
        let b = f.push(2, None, UNDATED.0, UNDATED.1).unwrap();
        let c = f.push(3, None, UNDATED.0, UNDATED.1).unwrap();
        f.push(4, Some(c), UNDATED.0, UNDATED.1).unwrap();
        let o = |shared| Overlap {
            shared,
            len_a: 100,
            len_b: 100,
        };
        // Best first: member 1 (family a, not its canonical), then 0 (same family), then b's
        // canonical, then a member of c that is not its canonical.
        let matches = [(1, o(90)), (0, o(80)), (2, o(70)), (4, o(60))];
        // Far from c's canonical, near a's: c is left out.
        let (best, also) = choose(&f, &matches, |canonical| Ok(canonical != 3)).unwrap();
        assert_eq!(best.map(|(d, _)| d), Some(1));
        assert_eq!(also, [b]);
        // Far from a's canonical: member 0 (the canonical itself) still takes it in.
        let (best, also) = choose(&f, &matches, |canonical| Ok(canonical == 2)).unwrap();
        assert_eq!(best.map(|(d, _)| d), Some(0));
        assert_eq!(also, [b]);
        // Near every canonical: c too.
        let (_, also) = choose(&f, &matches, |_| Ok(true)).unwrap();
        assert_eq!(also, [b, c]);
    }
}
