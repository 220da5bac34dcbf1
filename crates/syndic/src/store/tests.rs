//! Tests of the stores and the live index: both stores behave alike; the live index answers as
//! batch `VersionIndex` does, across restarts, group sizes and deletions.

use super::live::RejectReason;
use super::*;
use crate::story::{Placement as StoryPlacement, StoryIndex};
use crate::versions::{VersionIndex, VersionRecord};

/// A tiny deterministic generator (xorshift64*), so tests need no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SYLLABLES: [&str; 24] = [
    "ka", "lo", "mer", "tis", "an", "dre", "vo", "sul", "pe", "rin", "ta", "gor", "el", "mi",
    "nus", "bra", "ok", "ve", "lin", "cha", "dor", "fi", "ast", "em",
];

fn word(rng: &mut Rng) -> String {
    let n = 1 + rng.below(3);
    (0..n)
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
        .collect()
}

fn sentence(rng: &mut Rng) -> String {
    let n = 8 + rng.below(10);
    let words: Vec<String> = (0..n).map(|_| word(rng)).collect();
    format!("{}.", words.join(" "))
}

fn text(rng: &mut Rng, sentences: usize) -> Vec<String> {
    (0..sentences).map(|_| sentence(rng)).collect()
}

/// A corpus with originals, versions of several kinds (dateline and footer added, sentences
/// rewritten, truncated), short and empty documents, and publication dates in any order — and
/// editions that arrive before their original: a trimmed one and a rewritten one, not versions
/// of each other, whose families the original merges when it comes.
pub(crate) fn corpus(seed: u64, n: usize) -> Vec<Document> {
    let mut rng = Rng(seed | 1);
    let mut originals: Vec<Vec<String>> = Vec::new();
    let mut docs = Vec::new();
    // Editions and originals waiting for their turn, with their publication times.
    let mut waiting: std::collections::VecDeque<(String, i64)> = Default::default();
    for i in 0..n {
        if let Some((body, published)) = waiting.pop_front() {
            docs.push(Document::new(format!("doc-{i:04}"), body).with_published(published));
            continue;
        }
        let kind = rng.below(10);
        if kind == 3 && i + 3 <= n {
            let t = text(&mut rng, 16);
            let mut rewritten = t[..6].to_vec();
            rewritten.extend(text(&mut rng, 4));
            rewritten.extend_from_slice(&t[10..]);
            let at = 1_700_000_000 + 3_600 * rng.below(500) as i64;
            waiting.push_back((t[..8].join(" "), at + 7_200));
            waiting.push_back((rewritten.join(" "), at + 3_600));
            waiting.push_back((t.join(" "), at));
            originals.push(t);
            let (body, published) = waiting.pop_front().unwrap_or_default();
            docs.push(Document::new(format!("doc-{i:04}"), body).with_published(published));
            continue;
        }
        let body = if originals.is_empty() || kind < 4 {
            let len = 6 + rng.below(10);
            let t = text(&mut rng, len);
            originals.push(t.clone());
            t.join(" ")
        } else {
            let base = originals[rng.below(originals.len())].clone();
            match kind {
                4 | 5 => format!("(DATELINE) - {} All rights reserved.", base.join(" ")),
                6 => {
                    let mut t = base;
                    let at = rng.below(t.len());
                    t[at] = sentence(&mut rng);
                    t.join(" ")
                }
                7 => {
                    let keep = (base.len() * 3).div_ceil(4);
                    base[..keep].join(" ")
                }
                8 => word(&mut rng) + " " + &word(&mut rng),
                _ => {
                    if rng.below(4) == 0 {
                        String::new()
                    } else {
                        let mut t = base;
                        t.push(sentence(&mut rng));
                        t.join(" ")
                    }
                }
            }
        };
        let mut d = Document::new(format!("doc-{i:04}"), body);
        if rng.below(3) > 0 {
            d.published = Some(1_700_000_000 + 3_600 * rng.below(500) as i64);
        }
        docs.push(d);
    }
    docs
}

fn batch(docs: &[Document]) -> Vec<VersionRecord> {
    batch_with(&VersionConfig::default(), docs)
}

fn batch_with(config: &VersionConfig, docs: &[Document]) -> Vec<VersionRecord> {
    let mut index = VersionIndex::new(config.clone());
    for d in docs {
        index.try_add(d).unwrap();
    }
    index.finish().unwrap()
}

fn add_in_groups<S: Store>(live: &LiveIndex<S>, docs: &[Document], rng: &mut Rng) -> Vec<Answer> {
    let mut answers = Vec::new();
    let mut rest = docs;
    while !rest.is_empty() {
        // Rounds of 1..4 groups of 1..5 documents.
        let mut groups = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let take = (1 + rng.below(5)).min(rest.len());
            if take == 0 {
                break;
            }
            let group = rest[..take]
                .iter()
                .map(|d| live.prepare(d.clone(), 0))
                .collect();
            groups.push(group);
            rest = &rest[take..];
        }
        for outcome in live.add(groups).unwrap() {
            answers.extend(outcome.unwrap());
        }
    }
    answers
}

/// Makes an empty store (and the directory it lives in, kept alive by the caller).
type MakeStore = Box<dyn Fn() -> (Box<dyn Store>, tempfile::TempDir)>;

fn stores() -> Vec<(&'static str, MakeStore)> {
    vec![
        (
            "memory",
            Box::new(|| {
                (
                    Box::new(MemoryStore::new()) as Box<dyn Store>,
                    tempfile::tempdir().unwrap(),
                )
            }),
        ),
        (
            "redb",
            Box::new(|| {
                let dir = tempfile::tempdir().unwrap();
                let store = RedbStore::open_dir(dir.path()).unwrap();
                (Box::new(store) as Box<dyn Store>, dir)
            }),
        ),
    ]
}

impl Store for Box<dyn Store> {
    fn reader(&self) -> Result<Box<dyn StoreReader + '_>> {
        (**self).reader()
    }
    fn commit(&self, batch: &WriteBatch<'_>) -> Result<()> {
        (**self).commit(batch)
    }
}

#[test]
fn live_answers_equal_batch_in_every_store_and_grouping() {
    let docs = corpus(7, 300);
    let expected = batch(&docs);
    // The corpus has real families, moving canonicals and short documents.
    assert!(expected.iter().any(|r| r.family_size >= 3));
    assert!(expected.iter().any(|r| r.status == Status::TooShort));
    assert!(expected.iter().any(|r| !r.canonical && r.similarity < 0.9));
    for (name, make) in stores() {
        for seed in [1, 2] {
            let (store, _dir) = make();
            let live = LiveIndex::open(store, VersionConfig::default()).unwrap();
            let answers = add_in_groups(&live, &docs, &mut Rng(seed));
            assert_eq!(answers.len(), docs.len(), "{name}");
            assert_eq!(live.records().unwrap(), expected, "{name} seed {seed}");
            for (i, d) in docs.iter().enumerate().step_by(37) {
                let view = live.document(&d.id).unwrap().unwrap();
                assert_eq!(view.record, expected[i], "{name}");
                assert_eq!(view.text, d.text);
            }
        }
    }
}

#[test]
fn answer_at_arrival_equals_batch_over_the_prefix() {
    let docs = corpus(11, 120);
    let live = LiveIndex::open(MemoryStore::new(), VersionConfig::default()).unwrap();
    for (i, d) in docs.iter().enumerate() {
        let answer = live.add_one(live.prepare(d.clone(), 0)).unwrap().unwrap();
        let prefix = batch(&docs[..=i]);
        assert_eq!(answer.record, prefix[i], "document {i}");
        assert_eq!(answer.seq, i as u64);
    }
}

#[test]
fn reopening_answers_exactly_as_before_and_goes_on_the_same_way() {
    let docs = corpus(5, 240);
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = docs.split_at(150);
    let before = {
        let live = open_in(dir.path());
        add_in_groups(&live, first, &mut Rng(3));
        live.records().unwrap()
    };
    let live = open_in(dir.path());
    assert_eq!(live.len(), 150);
    assert_eq!(live.records().unwrap(), before);
    add_in_groups(&live, second, &mut Rng(4));
    assert_eq!(live.records().unwrap(), batch(&docs));
}

#[test]
fn a_store_keeps_the_settings_it_was_created_with() {
    let dir = tempfile::tempdir().unwrap();
    let custom = VersionConfig {
        num_perm: 64,
        ..VersionConfig::default()
    };
    drop(LiveIndex::open(RedbStore::open_dir(dir.path()).unwrap(), custom.clone()).unwrap());
    let live = open_in(dir.path());
    assert_eq!(live.config(), &custom);
}

#[test]
fn deleting_equals_batch_without_the_document() {
    let docs = corpus(13, 200);
    for (name, make) in stores() {
        let (store, _dir) = make();
        let live = LiveIndex::open(store, VersionConfig::default()).unwrap();
        add_in_groups(&live, &docs, &mut Rng(9));
        let mut remaining = docs.clone();
        // Delete a family's canonical, an early document and the last one.
        let records = live.records().unwrap();
        let canonical_of_big = records
            .iter()
            .filter(|r| r.canonical && r.family_size >= 3)
            .map(|r| r.id.clone())
            .next()
            .unwrap();
        let mut ids = vec![canonical_of_big, docs[3].id.clone(), docs[199].id.clone()];
        ids.dedup();
        assert!(ids.len() >= 2);
        for id in ids {
            let deleted = live.delete(&id).unwrap().unwrap();
            assert_eq!(deleted.id, id);
            remaining.retain(|d| d.id != id);
            assert_eq!(
                live.records().unwrap(),
                batch(&remaining),
                "{name}: deleting {id}"
            );
            assert!(live.document(&id).unwrap().is_none());
        }
        assert!(live.delete("no-such-id").unwrap().is_none());
        assert_eq!(live.stats().unwrap().documents, remaining.len() as u64);
        // The deleted id can be added again, at the end.
        let again = docs[3].clone();
        live.add_one(live.prepare(again.clone(), 0))
            .unwrap()
            .unwrap();
        remaining.push(again);
        assert_eq!(
            live.records().unwrap(),
            batch(&remaining),
            "{name}: re-adding"
        );
    }
}

/// `n` distinct pseudo-words from word `from` on.
fn words(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("w{i}x"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A trimmed edition and a rewritten one (not versions of each other) that arrive before their
/// original, then an unrelated text, then the original.
fn editions_before_their_original() -> Vec<Document> {
    vec![
        Document::new("trimmed", words(0, 200)).with_published(200),
        Document::new(
            "rewritten",
            format!("{} {} {}", words(0, 150), words(5000, 100), words(250, 150)),
        )
        .with_published(300),
        Document::new("other", words(20_000, 300)),
        Document::new("original", words(0, 400)).with_published(100),
    ]
}

#[test]
fn families_merge_as_in_batch_and_stay_merged_across_restarts_and_deletes() {
    let docs = editions_before_their_original();
    let expected = batch(&docs);
    assert!(
        expected
            .iter()
            .filter(|r| r.id != "other")
            .all(|r| r.version == "original" && r.family_size == 3),
        "batch merges the three: {expected:?}"
    );
    for (name, make) in stores() {
        let (store, dir) = make();
        let live = LiveIndex::open(store, VersionConfig::default()).unwrap();
        let before = live
            .add_one(live.prepare(docs[0].clone(), 0))
            .unwrap()
            .unwrap();
        let apart = live
            .add_one(live.prepare(docs[1].clone(), 0))
            .unwrap()
            .unwrap();
        assert_ne!(before.record.version, apart.record.version, "{name}");
        live.add_one(live.prepare(docs[2].clone(), 0))
            .unwrap()
            .unwrap();
        assert_eq!(live.stats().unwrap().families, 3, "{name}");
        let merging = live
            .add_one(live.prepare(docs[3].clone(), 0))
            .unwrap()
            .unwrap();
        assert_eq!(merging.record.version, "original", "{name}");
        assert_eq!(merging.record.family_size, 3, "{name}");
        assert_eq!(live.records().unwrap(), expected, "{name}");
        assert_eq!(live.stats().unwrap().families, 2, "{name}");
        // Every member answers for the merged family, and lists all three.
        for id in ["trimmed", "rewritten", "original"] {
            let family = live.family(id, 10).unwrap().unwrap();
            assert_eq!(family.version, "original", "{name} {id}");
            let mut members: Vec<&str> = family.members.iter().map(|r| r.id.as_str()).collect();
            members.sort_unstable();
            assert_eq!(members, ["original", "rewritten", "trimmed"], "{name} {id}");
        }
        // A later version of the merged family joins it, as in batch.
        let late = Document::new("late", format!("(DATELINE) \u{2014} {}", words(0, 400)));
        live.add_one(live.prepare(late.clone(), 0))
            .unwrap()
            .unwrap();
        let mut all = docs.clone();
        all.push(late);
        assert_eq!(live.records().unwrap(), batch(&all), "{name}");
        if name == "redb" {
            // The merge is replayed on open: the reopened index answers and goes on the same.
            let records = live.records().unwrap();
            drop(live);
            let live = open_in(dir.path());
            assert_eq!(live.records().unwrap(), records);
            let again = Document::new("again", format!("{} Photo: A. Person", words(0, 400)));
            live.add_one(live.prepare(again.clone(), 0))
                .unwrap()
                .unwrap();
            all.push(again);
            assert_eq!(live.records().unwrap(), batch(&all));
            continue;
        }
        // Deleting the original undoes the merge; deleting an edition keeps it.
        live.delete("original").unwrap().unwrap();
        all.retain(|d| d.id != "original");
        assert_eq!(live.records().unwrap(), batch(&all), "{name}");
        assert_eq!(live.stats().unwrap().families, 3, "{name}");
        let trimmed = live.family("trimmed", 10).unwrap().unwrap();
        assert_eq!(trimmed.members.len(), 1, "{name}: {trimmed:?}");
        live.add_one(live.prepare(docs[3].clone(), 0))
            .unwrap()
            .unwrap();
        all.push(docs[3].clone());
        live.delete("trimmed").unwrap().unwrap();
        all.retain(|d| d.id != "trimmed");
        assert_eq!(live.records().unwrap(), batch(&all), "{name}");
        assert_eq!(live.stats().unwrap().families, 2, "{name}");
    }
}

/// Bulk loading overlaps placing a round with committing the one before: each round is placed
/// while the previous one is still uncommitted, and the result equals batch; a duplicate of an
/// uncommitted round's id is refused, rounds commit only in order, and nothing else writes
/// while one is pending.
#[test]
fn rounds_placed_before_the_previous_commit_equal_batch() {
    let docs = corpus(17, 240);
    for (name, make) in stores() {
        let (store, _dir) = make();
        let live = LiveIndex::open(store, VersionConfig::default()).unwrap();
        let mut in_flight: Option<live::PlacedRound> = None;
        for chunk in docs.chunks(37) {
            let groups = chunk
                .iter()
                .map(|d| vec![live.prepare_sketch(d.clone(), 0)])
                .collect();
            let (outcomes, round) = live.place_lazily(groups).unwrap();
            assert!(outcomes.iter().all(|o| o.is_ok()), "{name}");
            if let Some(previous) = in_flight.replace(round) {
                live.commit_placed(previous).unwrap();
            }
        }
        // The last round is still pending: its ids are taken, and nothing else may write.
        let last = docs.last().unwrap().clone();
        let (outcomes, pending) = live
            .place_lazily(vec![vec![live.prepare_sketch(last.clone(), 0)]])
            .unwrap();
        assert_eq!(
            outcomes[0].as_ref().unwrap_err().reason,
            RejectReason::DuplicateId,
            "{name}"
        );
        assert!(live.sync().is_err(), "{name}");
        assert!(live.delete(&docs[0].id).is_err(), "{name}");
        // Out of order: the empty round placed last cannot go before the one pending.
        assert!(live.commit_placed(pending).is_err(), "{name}");
        // That failure abandoned the pending round: the index is what the store holds.
        assert!(in_flight.take().is_some());
        let committed = docs.len() - docs.len() % 37;
        let committed = if committed == docs.len() {
            committed - 37
        } else {
            committed
        };
        assert_eq!(live.len(), committed, "{name}");
        assert_eq!(live.records().unwrap(), batch(&docs[..committed]), "{name}");
        // And it goes on: the rest, pipelined again, then synced.
        load_lazily(&live, &docs[committed..], 5);
        assert_eq!(live.records().unwrap(), batch(&docs), "{name}");
    }
}

/// The live index over the redb store in `dir`, with the default settings.
fn open_in(dir: &std::path::Path) -> LiveIndex<RedbStore> {
    LiveIndex::open(RedbStore::open_dir(dir).unwrap(), VersionConfig::default()).unwrap()
}

/// Loads `docs` as `index add` does: rounds of `chunk` documents placed lazily, each committed
/// while the next is placed, then synced.
fn load_lazily<S: Store>(live: &LiveIndex<S>, docs: &[Document], chunk: usize) {
    let mut in_flight = None;
    for chunk in docs.chunks(chunk) {
        let groups = chunk
            .iter()
            .map(|d| vec![live.prepare_sketch(d.clone(), 0)])
            .collect();
        let (outcomes, round) = live.place_lazily(groups).unwrap();
        assert!(outcomes.iter().all(|o| o.is_ok()));
        if let Some(previous) = in_flight.replace(round) {
            live.commit_placed(previous).unwrap();
        }
    }
    live.commit_placed(in_flight.unwrap()).unwrap();
    live.sync().unwrap();
}

/// A bulk load's records live in the text log (format 5): they answer, survive reopening, and
/// a deletion re-places the later ones from their logged texts as batch would.
#[test]
fn bulk_loaded_documents_answer_after_reopening_and_deleting() {
    let docs = corpus(23, 200);
    let dir = tempfile::tempdir().unwrap();
    {
        let live = open_in(dir.path());
        load_lazily(&live, &docs, 70);
    }
    let texts = dir.path().join("syndic.texts");
    assert!(std::fs::metadata(&texts).unwrap().len() > 0);
    let live = open_in(dir.path());
    assert_eq!(live.records().unwrap(), batch(&docs));
    assert_eq!(
        live.document(&docs[150].id).unwrap().unwrap().text,
        docs[150].text
    );
    // Deleting a canonical member re-places the later documents from their logged texts.
    let gone = live
        .records()
        .unwrap()
        .into_iter()
        .find(|r| r.canonical && r.family_size >= 2)
        .unwrap();
    live.delete(&gone.id).unwrap().unwrap();
    let rest: Vec<Document> = docs.iter().filter(|d| d.id != gone.id).cloned().collect();
    assert_eq!(live.records().unwrap(), batch(&rest));
    drop(live);
    let live = open_in(dir.path());
    assert_eq!(live.records().unwrap(), batch(&rest));
}

#[test]
fn overlaps_worked_out_ahead_never_change_an_answer() {
    let docs = corpus(29, 240);
    let live = LiveIndex::open(MemoryStore::new(), VersionConfig::default()).unwrap();
    add_in_groups(&live, &docs[..120], &mut Rng(5));
    // Prepared against the first half: their hints go stale as the rest arrives, and a
    // deletion moves canonicals the hints were computed for.
    let prepared: Vec<Prepared> = docs[120..]
        .iter()
        .map(|d| live.prepare(d.clone(), 0))
        .collect();
    assert!(prepared.iter().any(|p| !p.hints.is_empty()));
    let gone = live
        .records()
        .unwrap()
        .into_iter()
        .find(|r| r.canonical && r.family_size >= 2);
    let mut remaining = docs.clone();
    if let Some(gone) = gone {
        live.delete(&gone.id).unwrap().unwrap();
        remaining.retain(|d| d.id != gone.id);
    }
    for outcome in live
        .add(prepared.into_iter().rev().map(|p| vec![p]).rev().collect())
        .unwrap()
    {
        outcome.unwrap();
    }
    assert_eq!(live.records().unwrap(), batch(&remaining));
}

#[test]
fn duplicate_ids_refuse_the_whole_group_only() {
    let live = LiveIndex::open(MemoryStore::new(), VersionConfig::default()).unwrap();
    let docs = corpus(3, 6);
    let p = |i: usize| live.prepare(docs[i].clone(), 0);
    live.add_one(p(0)).unwrap().unwrap();
    let out = live
        .add(vec![
            vec![p(1), p(0)],
            vec![p(2), p(3), p(2)],
            vec![p(4)],
            vec![p(4)],
        ])
        .unwrap();
    let refused: Vec<Option<(usize, RejectReason)>> = out
        .iter()
        .map(|o| o.as_ref().err().map(|r| (r.index, r.reason)))
        .collect();
    assert_eq!(
        refused,
        vec![
            Some((1, RejectReason::DuplicateId)),
            Some((2, RejectReason::RepeatedInGroup)),
            None,
            Some((0, RejectReason::DuplicateId)),
        ]
    );
    assert_eq!(live.stats().unwrap().documents, 2);
    assert!(live.document(&docs[1].id).unwrap().is_none());
    // Refused groups use no arrival numbers.
    assert_eq!(live.document(&docs[4].id).unwrap().unwrap().seq, 1);
}

#[test]
fn a_failed_commit_keeps_nothing_and_the_index_goes_on() {
    let store = std::sync::Arc::new(MemoryStore::new());
    let live = LiveIndex::open(std::sync::Arc::clone(&store), VersionConfig::default()).unwrap();
    let docs = corpus(21, 40);
    for d in &docs[..20] {
        live.add_one(live.prepare(d.clone(), 0)).unwrap().unwrap();
    }
    store.set_fail_commits(true);
    assert!(live.add_one(live.prepare(docs[20].clone(), 0)).is_err());
    store.set_fail_commits(false);
    assert_eq!(live.len(), 20);
    for d in &docs[20..] {
        live.add_one(live.prepare(d.clone(), 0)).unwrap().unwrap();
    }
    assert_eq!(live.records().unwrap(), batch(&docs));
}

#[test]
fn match_finds_the_family_without_storing() {
    let docs = corpus(17, 150);
    let live = LiveIndex::open(MemoryStore::new(), VersionConfig::default()).unwrap();
    add_in_groups(&live, &docs, &mut Rng(2));
    let records = live.records().unwrap();
    let member = records
        .iter()
        .position(|r| r.family_size >= 2 && r.status == Status::Ok)
        .unwrap();
    let mut probe = docs[member].clone();
    probe.id = "probe".into();
    let m = live.match_document(&probe).unwrap();
    assert_eq!(m.version.as_deref(), Some(records[member].version.as_str()));
    assert!(m.similarity > 0.0);
    // The answer equals what adding would say, and matching stored nothing.
    let n = live.stats().unwrap().documents;
    let fresh = Document::new(
        "fresh",
        "entirely new words never seen in any story before now",
    );
    assert_eq!(live.match_document(&fresh).unwrap().version, None);
    assert_eq!(live.stats().unwrap().documents, n);
    let added = live.add_one(live.prepare(probe, 0)).unwrap().unwrap();
    assert_eq!(added.record.version, m.version.unwrap());
    assert_eq!(Some(added.record.family_size), m.family_size.map(|s| s + 1));
    assert_eq!(added.record.canonical, m.would_be_canonical);
}

#[test]
fn a_large_batch_is_written_on_two_threads_and_reads_back_whole() {
    // One round of 300 documents: the disk store writes their records beside the rest.
    let docs = corpus(7, 300);
    let dir = tempfile::tempdir().unwrap();
    let live = open_in(dir.path());
    let round = docs
        .iter()
        .map(|d| vec![live.prepare(d.clone(), 0)])
        .collect();
    for outcome in live.add(round).unwrap() {
        outcome.unwrap();
    }
    let expected = batch(&docs);
    assert_eq!(live.records().unwrap(), expected);
    drop(live);
    let live = open_in(dir.path());
    assert_eq!(live.records().unwrap(), expected);
    for d in docs.iter().step_by(29) {
        assert_eq!(live.document(&d.id).unwrap().unwrap().text, d.text);
    }
    // A large batch whose last record repeats an id is refused whole.
    let more: Vec<Prepared> = corpus(8, 80)
        .into_iter()
        .enumerate()
        .map(|(i, mut d)| {
            d.id = if i == 79 {
                docs[0].id.clone()
            } else {
                format!("more-{i}")
            };
            live.prepare(d, 0)
        })
        .collect();
    let next = live.stats().unwrap().next_seq;
    let batch = WriteBatch {
        documents: more
            .iter()
            .enumerate()
            .map(|(i, p)| NewDocument {
                seq: next + i as u64,
                document: &p.document,
                sketch: &p.sketch,
            })
            .collect(),
        ..WriteBatch::default()
    };
    let err = live.store().commit(&batch).unwrap_err();
    assert!(err.to_string().contains("duplicate document id"), "{err}");
    let reader = live.store().reader().unwrap();
    assert_eq!(reader.stats().unwrap().documents, docs.len() as u64);
    assert_eq!(reader.seq_of("more-0").unwrap(), None);
}

#[test]
fn family_view_lists_members_against_the_canonical() {
    let docs = corpus(7, 300);
    let live = LiveIndex::open(MemoryStore::new(), VersionConfig::default()).unwrap();
    add_in_groups(&live, &docs, &mut Rng(1));
    let records = live.records().unwrap();
    let big = records.iter().find(|r| r.family_size >= 3).unwrap();
    let view = live.family(&big.id, 100).unwrap().unwrap();
    assert_eq!(view.version, big.version);
    assert_eq!(view.members.len(), big.family_size as usize);
    assert!(!view.truncated);
    for m in &view.members {
        assert_eq!(records.iter().find(|r| r.id == m.id), Some(m));
    }
    let short = live.family(&big.id, 1).unwrap().unwrap();
    assert_eq!(short.members.len(), 1);
    assert!(short.truncated);
}

#[test]
fn foreign_and_newer_files_are_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-store.redb");
    std::fs::write(&path, b"just some text, not a database").unwrap();
    assert!(RedbStore::open(&path).is_err());

    let bad = [b"SOMETHIN".as_slice(), &1u32.to_le_bytes()].concat();
    assert!(Header::check_format(&bad).is_err());
    let newer = [MAGIC.as_slice(), &(FORMAT_VERSION + 1).to_le_bytes()].concat();
    let err = Header::check_format(&newer).unwrap_err().to_string();
    assert!(err.contains("newer"), "{err}");
    let current = [MAGIC.as_slice(), &FORMAT_VERSION.to_le_bytes()].concat();
    assert_eq!(Header::check_format(&current).unwrap(), FORMAT_VERSION);
}

#[test]
fn a_store_built_by_a_different_sketcher_is_refused() {
    let store = MemoryStore::new();
    let mut header = Header::new(VersionConfig::default(), StoryConfig::default());
    header.probe = header.probe.map(|p| p ^ 1);
    store
        .commit(&WriteBatch {
            header: Some(header),
            ..WriteBatch::default()
        })
        .unwrap();
    let err = LiveIndex::open(store, VersionConfig::default()).unwrap_err();
    assert!(
        err.to_string().contains("sketches texts differently"),
        "{err}"
    );
}

#[test]
fn a_second_process_cannot_open_the_same_store() {
    let dir = tempfile::tempdir().unwrap();
    let _first = RedbStore::open_dir(dir.path()).unwrap();
    let err = RedbStore::open_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("store"), "{err}");
}

/// The documents of the committed format-version-1 store (self-written text).
fn compat_documents() -> Vec<Document> {
    let harbour = "The harbour authority said on Monday that the northern pier will close for \
        repairs for six weeks from the first of May, after divers found cracks in three of its \
        supporting columns. Ferries to the islands will leave from the southern quay instead, \
        and the timetable will not change, a spokeswoman said.";
    let library = "The town library will open on Sundays from next month, the council decided \
        at its meeting on Thursday evening, after a petition signed by more than two thousand \
        residents asked for longer hours. Two new librarians will be hired to staff the extra \
        day, and the reading room will stay open until eight.";
    vec![
        Document::new("harbour/original", harbour).with_published(1_767_600_000),
        Document::new(
            "harbour/wire-copy",
            format!("(PORT TOWN) — {harbour} Copyright 2026 Example Wire. All rights reserved."),
        )
        .with_published(1_767_603_600),
        Document::new("library/original", library),
        Document::new(
            "library/early-edition",
            library.replace("until eight", "until nine on weekdays"),
        )
        .with_published(1_767_500_000),
        Document::new("short/boilerplate", "Subscribe to our newsletter today."),
    ]
}

/// The committed store written by a build of format `version`.
fn compat_path(version: u32) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/data/store-v{version}.redb"))
}

/// Writes the committed store of this build's format version. Run once per format version:
/// `cargo test -p syndic --lib write_compat_store -- --ignored`.
#[test]
#[ignore = "writes the committed compat fixture"]
fn write_compat_store() {
    let path = compat_path(FORMAT_VERSION);
    let _ = std::fs::remove_file(&path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let live = LiveIndex::open(RedbStore::open(&path).unwrap(), VersionConfig::default()).unwrap();
    let docs = compat_documents();
    let groups = docs
        .iter()
        .map(|d| vec![live.prepare(d.clone(), 1_767_700_000)])
        .collect();
    for outcome in live.add(groups).unwrap() {
        outcome.unwrap();
    }
    // One deletion, so the file holds a gap in arrival numbers too.
    let extra = Document::new(
        "extra/deleted",
        "A document that was added and then deleted again.",
    );
    live.add_one(live.prepare(extra, 1_767_700_000))
        .unwrap()
        .unwrap();
    live.delete("extra/deleted").unwrap().unwrap();
}

/// Opens a copy of the committed store of format `version` and checks that it answers as batch
/// does, marks itself with this build's format, and goes on accepting documents.
fn committed_store_opens_and_answers(version: u32) {
    // Work on a copy: opening takes a lock and may write.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("store.redb");
    std::fs::copy(compat_path(version), &copy).expect("the committed compat store is missing");
    let store = RedbStore::open(&copy).unwrap();
    let header = store.reader().unwrap().header().unwrap().unwrap();
    assert_eq!(header.format, version);
    // This build sketches as the one that wrote the file did.
    assert_eq!(header.probe, Some(sketch_probe(&header.versions)));
    let live = LiveIndex::open(store, VersionConfig::default()).unwrap();
    // Opening marks it with this build's format, since new records carry its fields.
    let reopened = live.store().reader().unwrap().header().unwrap().unwrap();
    assert_eq!(reopened.format, FORMAT_VERSION);
    assert_eq!(reopened.versions, header.versions);
    let docs = compat_documents();
    // The store answers with the settings it was written with, whatever today's defaults.
    assert_eq!(live.config(), &header.versions);
    assert_eq!(live.records().unwrap(), batch_with(&header.versions, &docs));
    assert_eq!(
        live_stories(&live),
        batch_stories_with(&header.versions, &header.stories, &docs)
    );
    let wire = live.document("harbour/wire-copy").unwrap().unwrap();
    assert_eq!(wire.record.version, "harbour/original");
    assert_eq!(wire.received, "2026-01-06T11:46:40Z");
    let library = live.family("library/original", 10).unwrap().unwrap();
    assert_eq!(library.version, "library/early-edition");
    assert_eq!(library.family_size, 2);
    assert!(live.document("extra/deleted").unwrap().is_none());
    assert_eq!(live.stats().unwrap().next_seq, 6);
    // It goes on accepting documents.
    let more = Document::new("harbour/third", docs[0].text.clone() + " More to follow.");
    let answer = live.add_one(live.prepare(more, 0)).unwrap().unwrap();
    assert_eq!(answer.record.version, "harbour/original");
    assert_eq!(answer.seq, 6);
    // Its old documents keep their stored shingle sets (before format 4); the new one has none
    // (format 4 on): its set is worked out from its text when a later version is verified
    // against it.
    let reader = live.store().reader().unwrap();
    assert_eq!(reader.shingles(0).unwrap().is_some(), version < 4);
    assert!(reader.shingles(6).unwrap().is_none());
    drop(reader);
    let fourth = Document::new("harbour/fourth", more_text(&docs[0].text));
    let answer = live.add_one(live.prepare(fourth, 0)).unwrap().unwrap();
    assert_eq!(answer.record.version, "harbour/original");
    assert_eq!(answer.record.closest.as_deref(), Some("harbour/third"));
    let mut all = docs.clone();
    all.push(Document::new(
        "harbour/third",
        docs[0].text.clone() + " More to follow.",
    ));
    all.push(Document::new("harbour/fourth", more_text(&docs[0].text)));
    assert_eq!(live.records().unwrap(), batch_with(&header.versions, &all));
}

/// A later edition of `text`: closer to the one with " More to follow." than to `text` itself.
fn more_text(text: &str) -> String {
    text.to_string() + " More to follow. More to follow, the spokeswoman said."
}

#[test]
fn the_oldest_supported_format_still_opens_and_answers() {
    committed_store_opens_and_answers(OLDEST_FORMAT_VERSION);
}

#[test]
fn a_format_3_store_still_opens_and_answers() {
    committed_store_opens_and_answers(3);
}

#[test]
fn a_format_4_store_still_opens_and_answers() {
    committed_store_opens_and_answers(4);
}

/// The bundled example corpus (self-written), in file order.
fn examples() -> Vec<Document> {
    include_str!("../../../../examples/corpus/news.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let mut d = Document::new(v["id"].as_str().unwrap(), v["text"].as_str().unwrap());
            d.published = v["published"]
                .as_str()
                .and_then(crate::document::parse_timestamp);
            d.title = v["title"].as_str().map(str::to_string);
            d.source = v["source"].as_str().map(str::to_string);
            d
        })
        .collect()
}

type StoryLine = (String, String, StoryPlacement);

/// The live index's story lines, as (id, story, placement).
fn live_stories<S: Store>(live: &LiveIndex<S>) -> Vec<StoryLine> {
    live.story_records()
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.story, r.placement))
        .collect()
}

/// What batch `syndic stories` answers: versions first, then the story of each document in
/// order, its family named by a per-family key.
fn batch_stories(config: &StoryConfig, docs: &[Document]) -> Vec<StoryLine> {
    batch_stories_with(&VersionConfig::default(), config, docs)
}

fn batch_stories_with(
    versions: &VersionConfig,
    config: &StoryConfig,
    docs: &[Document],
) -> Vec<StoryLine> {
    let mut versions = VersionIndex::new(versions.clone());
    let mut stories = StoryIndex::new(config.clone());
    docs.iter()
        .map(|d| {
            let family = versions.try_add(d).unwrap().family;
            let key = versions.id(family).to_string();
            let a = stories.add(d, &key);
            (d.id.clone(), a.story.to_string(), a.placement)
        })
        .collect()
}

/// Story settings that close stories quickly, so small tests see closed ones.
fn quick_closing() -> StoryConfig {
    StoryConfig {
        sweep_every: 4,
        idle_docs: 6,
        ..StoryConfig::default()
    }
}

#[test]
fn stories_equal_batch_across_groups_restarts_and_deletes() {
    let mut docs = examples();
    docs.extend(corpus(41, 60));
    for config in [StoryConfig::default(), quick_closing()] {
        let dir = tempfile::tempdir().unwrap();
        let open = || {
            LiveIndex::open_with(
                RedbStore::open_dir(dir.path()).unwrap(),
                VersionConfig::default(),
                config.clone(),
            )
            .unwrap()
        };
        let (first, second) = docs.split_at(50);
        {
            let live = open();
            add_in_groups(&live, first, &mut Rng(8));
        }
        let live = open();
        add_in_groups(&live, second, &mut Rng(9));
        let expected = batch_stories(&config, &docs);
        assert!(
            expected
                .iter()
                .any(|(_, _, p)| *p == StoryPlacement::Similar)
        );
        assert_eq!(live_stories(&live), expected);
        // The example's harbour fire is one story across outlets.
        let fire = live
            .document("harbor-fire-wire")
            .unwrap()
            .unwrap()
            .story
            .unwrap();
        let view = live.story(&fire, 100).unwrap().unwrap();
        assert!(view.members.len() >= 3, "{view:?}");
        assert_eq!(view.summary.documents as usize, view.members.len());
        let stats = live.stats().unwrap();
        if config.idle_docs < 100 {
            assert!(stats.closed_stories > 0, "{stats:?}");
            let listed = live.stories(None, 1000).unwrap();
            assert!(listed.iter().any(|s| !s.open));
            assert!(listed.iter().any(|s| s.open));
            assert_eq!(
                listed.len() as u64,
                stats.closed_stories + stats.open_stories
            );
        }
        // Deleting the harbour fire's first report re-places the stories after it.
        live.delete("harbor-fire-wire").unwrap().unwrap();
        let remaining: Vec<Document> = docs
            .iter()
            .filter(|d| d.id != "harbor-fire-wire")
            .cloned()
            .collect();
        assert_eq!(live_stories(&live), batch_stories(&config, &remaining));
        drop(live);
        assert_eq!(live_stories(&open()), batch_stories(&config, &remaining));
    }
}

#[test]
fn listing_stories_since_a_time_keeps_the_latest() {
    let docs = examples();
    let live = LiveIndex::open_with(
        MemoryStore::new(),
        VersionConfig::default(),
        quick_closing(),
    )
    .unwrap();
    add_in_groups(&live, &docs, &mut Rng(3));
    let all = live.stories(None, 1000).unwrap();
    assert!(
        all.windows(2)
            .all(|w| w[0].summary.last_seen >= w[1].summary.last_seen)
    );
    let latest = all[0].summary.last_seen.unwrap();
    let recent = live.stories(Some(latest), 1000).unwrap();
    assert!(!recent.is_empty());
    assert!(recent.iter().all(|s| s.summary.last_seen >= Some(latest)));
    assert_eq!(live.stories(None, 2).unwrap().len(), 2);
    assert!(live.story("no such story", 5).unwrap().is_none());
}

#[test]
fn stories_deferred_by_a_versions_only_load_are_placed_at_the_next_open() {
    let docs = examples();
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = docs.split_at(12);
    {
        let live = open_in(dir.path());
        add_in_groups(&live, first, &mut Rng(2));
    }
    {
        let bulk = LiveIndex::open_versions_only(
            RedbStore::open_dir(dir.path()).unwrap(),
            VersionConfig::default(),
        )
        .unwrap();
        let answers = add_in_groups(&bulk, second, &mut Rng(3));
        assert!(answers.iter().all(|a| a.story.is_none()));
        assert!(
            answers
                .iter()
                .all(|a| a.record.status == Status::Ok || a.story.is_none())
        );
    }
    let live = open_in(dir.path());
    assert_eq!(live.records().unwrap(), batch(&docs));
    assert_eq!(
        live_stories(&live),
        batch_stories(&StoryConfig::default(), &docs)
    );
    let fire = live
        .document("harbor-fire-wire")
        .unwrap()
        .unwrap()
        .story
        .unwrap();
    let view = live.story(&fire, 100).unwrap().unwrap();
    assert_eq!(view.summary.documents as usize, view.members.len());
}
