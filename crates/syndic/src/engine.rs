//! The batch driver: a [`Corpus`] in, version families out — what `syndic dedup` and the
//! benchmark run.
//!
//! The central type is [`BatchDriver`]. It runs three stages at once, all on the rayon pool:
//!
//! 1. the next chunk of [`BatchDriver::chunk_size`] documents (default 256) is read from the
//!    corpus, one task;
//! 2. the chunk read before it is sketched in parallel ([`Sketcher`] is `Sync`);
//! 3. the chunk sketched before that is added to the [`VersionIndex`]
//!    ([`VersionIndex::add_chunk`]: its documents looked up and verified in parallel, then
//!    placed in input order), and its text is dropped.
//!
//! Memory therefore holds about three chunks of text (one read, one sketched, one added), plus
//! what the index keeps per document — never the corpus. Reading is a task of the pool rather
//! than a thread of its own, so a run keeps as many threads busy as the pool has, not one
//! more: on two cores, a third busy thread cost a third more context switches and, now and
//! then, both workers queued on one core while the other idled. Placement is in input order
//! and each document sees exactly the documents before it, so the output is the same whatever
//! the thread count or chunk size (tested); only the time changes.
//!
//! Callers observe the run through callbacks rather than by owning it, so the library needs no
//! terminal or progress-bar dependency: [`BatchDriver::on_progress`] after each chunk,
//! [`BatchDriver::on_skip`] for each bad record skipped, [`BatchDriver::on_record`] for each
//! record before its text is dropped (`dedup --drop-duplicates` spills raw lines there).

use crate::error::{Error, Result};
use crate::ingest::{Corpus, Record};
use crate::versions::{Finished, Incoming, Sketch, Sketcher, VersionIndex, VersionRecord};
use rayon::prelude::*;
use std::time::{Duration, Instant};

/// Default number of documents per chunk: enough to keep every core busy on a chunk, few
/// enough that the text and sketches in flight stay small — and a chunk's sketches (about
/// 1.3 MB of news texts') stay in the caches from sketching to adding. At 100k news documents,
/// 10 runs alternated each: 256 took a median 0.99 s (1.86 CPU-s) and peaked at 140 MB, 512
/// 1.07 s (1.96) and 153 MB, 1,024 about as long as 512 and 186 MB (5 MiB of sets kept, as
/// four of its chunks were); 128 was no faster than 256. At 1M, 256 and 1,024 took as long,
/// and 256 peaked 40 MB lower.
pub const DEFAULT_CHUNK_SIZE: usize = 256;

/// Where a run is, passed to [`BatchDriver::on_progress`] after each chunk.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Documents added to the index so far.
    pub documents: u64,
    /// Their bytes in the (decompressed) input.
    pub bytes: u64,
    /// Records skipped so far.
    pub skipped: u64,
    /// Time since the run started.
    pub elapsed: Duration,
}

/// What a finished run did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Documents read and judged (one output record each).
    pub documents: u64,
    /// Version families (documents alone in theirs included).
    pub families: u64,
    /// Documents that are not their family's canonical member: `documents - families`.
    pub duplicates: u64,
    /// Bad records skipped (each reported through [`BatchDriver::on_skip`]).
    pub skipped: u64,
    /// Bytes of the documents read (decompressed input).
    pub bytes: u64,
    /// Wall time of the whole run, reading and finishing included.
    pub elapsed: Duration,
}

impl Summary {
    /// Documents per second over the whole run.
    pub fn docs_per_sec(&self) -> f64 {
        self.documents as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Megabytes (10⁶ bytes) of input per second over the whole run.
    pub fn mb_per_sec(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The result of a run: one record per document, in input order, and the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// One record per document read, in input order.
    pub records: Vec<VersionRecord>,
    /// Counts and timings.
    pub summary: Summary,
}

type ProgressFn<'a> = Box<dyn FnMut(&Progress) + Send + 'a>;
type SkipFn<'a> = Box<dyn FnMut(&Error) + Send + 'a>;
type RecordFn<'a> = Box<dyn FnMut(&Record) -> Result<()> + Send + 'a>;

/// Runs a corpus through a [`VersionIndex`]. See the module docs.
pub struct BatchDriver<'a> {
    chunk_size: usize,
    on_progress: Option<ProgressFn<'a>>,
    on_skip: Option<SkipFn<'a>>,
    on_record: Option<RecordFn<'a>>,
}

impl std::fmt::Debug for BatchDriver<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchDriver")
            .field("chunk_size", &self.chunk_size)
            .finish_non_exhaustive()
    }
}

impl Default for BatchDriver<'_> {
    fn default() -> Self {
        BatchDriver::new()
    }
}

/// A chunk sketched, waiting to be added.
struct Sketched {
    records: Vec<Record>,
    sketches: Vec<Sketch>,
    /// Each text's length in characters.
    chars: Vec<u64>,
}

impl<'a> BatchDriver<'a> {
    /// A driver with the default chunk size and no callbacks.
    pub fn new() -> Self {
        BatchDriver {
            chunk_size: DEFAULT_CHUNK_SIZE,
            on_progress: None,
            on_skip: None,
            on_record: None,
        }
    }

    /// Documents per chunk (at least 1). Default [`DEFAULT_CHUNK_SIZE`]. Does not change the
    /// output.
    #[must_use]
    pub fn chunk_size(mut self, n: usize) -> Self {
        self.chunk_size = n.max(1);
        self
    }

    /// Called after each chunk is added.
    #[must_use]
    pub fn on_progress(mut self, f: impl FnMut(&Progress) + Send + 'a) -> Self {
        self.on_progress = Some(Box::new(f));
        self
    }

    /// Called for each bad record the corpus skipped, in input order. Without it, skips are
    /// only counted in [`Summary::skipped`].
    #[must_use]
    pub fn on_skip(mut self, f: impl FnMut(&Error) + Send + 'a) -> Self {
        self.on_skip = Some(Box::new(f));
        self
    }

    /// Called for each record, in input order, just before it is added to the index and its
    /// text dropped. An error stops the run.
    #[must_use]
    pub fn on_record(mut self, f: impl FnMut(&Record) -> Result<()> + Send + 'a) -> Self {
        self.on_record = Some(Box::new(f));
        self
    }

    /// Reads the whole corpus into `index` and returns every document's record. Runs on the
    /// current rayon pool (use `ThreadPool::install` to choose the thread count).
    ///
    /// Fails on the first error the corpus yields (under [`crate::ingest::OnError::Fail`], or
    /// an input that cannot be opened), an error from [`BatchDriver::on_record`], or a spill
    /// file's I/O error.
    pub fn run(self, corpus: &mut Corpus, index: VersionIndex) -> Result<Outcome> {
        self.run_then(corpus, index, |finished, summary| Outcome {
            records: finished.records(),
            summary,
        })
    }

    /// Runs the corpus as [`BatchDriver::run`] does, then hands the index's answers, read in
    /// place ([`Finished`]), and the run's summary to `then` and returns what it returns:
    /// for writing the answers out (say with [`Finished::write_jsonl`]) without a record
    /// object per document in memory. The summary's time stops before `then` is called.
    ///
    /// Fails as [`BatchDriver::run`] does.
    pub fn run_then<T>(
        mut self,
        corpus: &mut Corpus,
        mut index: VersionIndex,
        then: impl FnOnce(&Finished<'_>, Summary) -> T,
    ) -> Result<T> {
        let start = Instant::now();
        let sketcher = index.sketcher();
        let chunk_size = self.chunk_size;
        let mut progress = Progress {
            documents: 0,
            bytes: 0,
            skipped: 0,
            elapsed: Duration::ZERO,
        };
        // The first chunk is read here; each later one is read on the pool while the one
        // before it is sketched and the one before that added.
        let first = read_chunk(corpus, chunk_size);
        // From the first records and the input's size, about how many documents are coming:
        // the index makes room for them once, instead of regrowing its tables (a compressed
        // input underestimates; the tables then grow as usual). It does so while the first
        // chunk is sketched and the second read: the kernel zeroes tens of megabytes of tables
        // meanwhile.
        let mut expected = corpus
            .input_bytes()
            .and_then(|total| crate::ingest::expected_records(total, &first.records));
        let mut pending = Some(first);
        let mut ready: Option<Sketched> = None;
        // The sketches of the chunk added last, whose buffers the next chunk's sketches reuse:
        // news-length shingle sets are kilobytes each, and fresh ones for every document cost
        // the kernel page faults and zeroing.
        let mut spare: Vec<Sketch> = Vec::new();
        loop {
            let (next, more) = match pending.take() {
                Some(read) => read.into_records(|e| {
                    progress.skipped += 1;
                    if let Some(on_skip) = self.on_skip.as_mut() {
                        on_skip(e);
                    }
                })?,
                None => (None, false),
            };
            let finished = next.is_none();
            let previous = ready.take();
            let reserve = expected.take();
            let on_record = &mut self.on_record;
            let index = &mut index;
            let corpus = &mut *corpus;
            let buffers = std::mem::take(&mut spare);
            let (read, (sketched, added)) = rayon::join(
                || more.then(|| read_chunk(corpus, chunk_size)),
                || {
                    rayon::join(
                        || next.map(|records| sketch_chunk(sketcher, records, buffers)),
                        || match previous {
                            Some(previous) => add_chunk(index, previous, on_record),
                            None => {
                                if let Some(expected) = reserve {
                                    index.reserve(expected);
                                }
                                Ok((0, 0, Vec::new()))
                            }
                        },
                    )
                },
            );
            pending = read;
            let (documents, bytes, used) = added?;
            spare = used;
            progress.documents += documents;
            progress.bytes += bytes;
            progress.elapsed = start.elapsed();
            if documents > 0
                && let Some(on_progress) = self.on_progress.as_mut()
            {
                on_progress(&progress);
            }
            ready = sketched;
            if finished && ready.is_none() {
                break;
            }
        }
        // On a pool thread: its allocator keeps the memory the last chunks freed, where this
        // thread's would take fresh pages for the answers' tables, each faulted in and zeroed
        // by the kernel (10-15 ms at 100k documents).
        let (finished, ()) = rayon::join(|| index.finished(), || ());
        let finished = finished?;
        let families = finished.families();
        let documents = finished.len() as u64;
        let summary = Summary {
            documents,
            families,
            duplicates: documents - families,
            skipped: progress.skipped,
            bytes: progress.bytes,
            elapsed: start.elapsed(),
        };
        Ok(then(&finished, summary))
    }
}

/// A chunk as read by [`read_chunk`]: up to `chunk_size` records, the bad records skipped
/// while reading them, and how the reading stopped.
#[derive(Debug)]
pub struct Chunk {
    /// The records, in input order.
    pub records: Vec<Record>,
    /// The bad records skipped before and among them (under [`crate::ingest::OnError::Skip`]),
    /// in input order.
    pub skipped: Vec<Error>,
    /// The error the corpus yielded after these records, which ends the reading.
    pub error: Option<Error>,
    /// True when the corpus ended (or failed) before the chunk was full: nothing follows.
    pub ended: bool,
}

impl Chunk {
    /// Hands each skipped record's error to `on_skip`, in input order, then returns the
    /// records — `None` when the chunk holds none, which happens only at the end (skips alone,
    /// or an empty input) — and whether more chunks follow; or the error that ended the
    /// reading.
    pub fn into_records(self, on_skip: impl FnMut(&Error)) -> Result<(Option<Vec<Record>>, bool)> {
        self.skipped.iter().for_each(on_skip);
        if let Some(e) = self.error {
            return Err(e);
        }
        let more = !self.ended;
        Ok((Some(self.records).filter(|r| !r.is_empty()), more))
    }
}

/// Reads the next chunk of at most `chunk_size` records (see [`Chunk`]). The batch driver
/// reads this way, as a task on the pool beside its other stages, and so does `syndic index`.
/// A `chunk_size` of 0 reads chunks of one record.
pub fn read_chunk(corpus: &mut Corpus, chunk_size: usize) -> Chunk {
    let chunk_size = chunk_size.max(1);
    let mut records = Vec::with_capacity(chunk_size);
    let mut error = None;
    let mut ended = true;
    for item in corpus.by_ref() {
        match item {
            Ok(record) => {
                records.push(record);
                if records.len() == chunk_size {
                    ended = false;
                    break;
                }
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    Chunk {
        records,
        skipped: corpus.drain_skipped(),
        error,
        ended,
    }
}

/// Sketches a chunk's records in parallel into `sketches`, reusing its buffers.
fn sketch_chunk(sketcher: Sketcher, records: Vec<Record>, mut sketches: Vec<Sketch>) -> Sketched {
    sketches.resize_with(records.len(), Sketch::default);
    let chars = records
        .par_iter()
        .zip(sketches.par_iter_mut())
        .map(|(r, sketch)| {
            let text = &r.doc.text;
            sketcher.sketch_into(text, sketch);
            text.chars().count() as u64
        })
        .collect();
    Sketched {
        records,
        sketches,
        chars,
    }
}

/// Adds a sketched chunk in order; returns (documents, bytes) added and the chunk's sketches,
/// whose buffers the next chunk reuses.
fn add_chunk(
    index: &mut VersionIndex,
    chunk: Sketched,
    on_record: &mut Option<RecordFn<'_>>,
) -> Result<(u64, u64, Vec<Sketch>)> {
    let documents = chunk.records.len() as u64;
    let mut bytes = 0;
    for record in &chunk.records {
        if let Some(f) = on_record.as_mut() {
            f(record)?;
        }
        bytes += record.bytes;
    }
    let incoming: Vec<Incoming<'_>> = chunk
        .records
        .iter()
        .zip(chunk.sketches.iter().zip(&chunk.chars))
        .map(|(record, (sketch, chars))| Incoming {
            id: &record.doc.id,
            published: record.doc.published,
            chars: *chars,
            sketch,
        })
        .collect();
    index.add_chunk(&incoming)?;
    drop(incoming);
    Ok((documents, bytes, chunk.sketches))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{IngestOptions, OnError};
    use crate::versions::{Status, VersionConfig};
    use std::io::Cursor;

    /// A deterministic pseudo-text of `n` words from a small vocabulary.
    fn prose(seed: u64, n: usize) -> String {
        const WORDS: [&str; 24] = [
            "council", "river", "budget", "storm", "minister", "harbour", "school", "market",
            "station", "garden", "bridge", "festival", "court", "museum", "airport", "library",
            "north", "quickly", "approved", "delayed", "opened", "said", "new", "old",
        ];
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                WORDS[(x % WORDS.len() as u64) as usize]
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// 60 originals, every third with a reworded copy and an exact copy further on, plus an
    /// empty document, a short one and a bad line.
    fn corpus_text() -> String {
        let mut lines = Vec::new();
        for i in 0..60u64 {
            let text = prose(i, 120);
            lines.push(serde_json::json!({"id": format!("o{i}"), "text": text}).to_string());
            if i % 3 == 0 {
                let edited = format!(
                    "(CITY) -- {} All rights reserved.",
                    text.replacen("river", "lake", 2)
                );
                lines.push(serde_json::json!({"id": format!("v{i}"), "text": edited}).to_string());
            }
        }
        for i in (0..60u64).step_by(3) {
            lines.push(
                serde_json::json!({"id": format!("c{i}"), "text": prose(i, 120)}).to_string(),
            );
        }
        lines.push("{\"id\":\"empty\",\"text\":\"\"}".into());
        lines.push("{\"id\":\"short\",\"text\":\"Updated at noon.\"}".into());
        lines.push("{\"id\":\"broken\",\"text\":".into());
        lines.join("\n")
    }

    fn run(threads: usize, chunk: usize, input: &str) -> (Outcome, Vec<String>, Vec<String>) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut corpus = Corpus::from_reader(
            "c.jsonl",
            Cursor::new(input.to_string()),
            IngestOptions::default(),
        );
        let mut seen = Vec::new();
        let mut skips = Vec::new();
        let outcome = pool
            .install(|| {
                BatchDriver::new()
                    .chunk_size(chunk)
                    .on_record(|r| {
                        seen.push(r.doc.id.clone());
                        Ok(())
                    })
                    .on_skip(|e| skips.push(e.to_string()))
                    .run(&mut corpus, VersionIndex::new(VersionConfig::default()))
            })
            .unwrap();
        (outcome, seen, skips)
    }

    /// An input of bad records only, or of nothing, ends with no document and every skip
    /// reported in order, whatever the chunk size (a chunk of skips alone, or the last chunk
    /// coming back empty when the records fill whole chunks).
    #[test]
    fn inputs_without_documents_and_full_last_chunks_end_cleanly() {
        for chunk in [1, 2, 256] {
            let (outcome, seen, skips) = run(2, chunk, "nope\n{\"id\":\"x\"}\n");
            assert!(outcome.records.is_empty() && seen.is_empty());
            assert_eq!(outcome.summary.skipped, 2);
            assert_eq!(skips.len(), 2);
            assert!(skips[0].starts_with("c.jsonl line 1:"), "{skips:?}");
            assert!(skips[1].starts_with("c.jsonl line 2:"), "{skips:?}");

            let (outcome, _, skips) = run(2, chunk, "");
            assert!(outcome.records.is_empty() && skips.is_empty());
            assert_eq!(outcome.summary.documents, 0);

            let input: String = (0..4)
                .map(|i| format!("{{\"id\":\"d{i}\",\"text\":\"{}\"}}\n", prose(i, 80)))
                .collect();
            let (outcome, seen, _) = run(2, chunk, &input);
            assert_eq!(seen, ["d0", "d1", "d2", "d3"]);
            assert_eq!(outcome.summary.documents, 4);
        }
    }

    #[test]
    fn output_does_not_depend_on_threads_or_chunk_size() {
        let input = corpus_text();
        let (one, seen, skips) = run(1, 2048, &input);
        assert_eq!(one.records.len(), 102);
        let ids: Vec<&str> = one.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, seen, "on_record sees every record in input order");
        assert_eq!(
            skips,
            ["c.jsonl line 103: invalid JSON at column 22: EOF while parsing a value"]
        );
        let by_id = |id: &str| one.records.iter().find(|r| r.id == id).unwrap();
        assert_eq!(by_id("v3").version, by_id("o3").version);
        assert_eq!(by_id("c3").version, by_id("o3").version);
        assert_ne!(by_id("o3").version, by_id("o4").version);
        assert_eq!(by_id("empty").status, Status::Empty);
        assert_eq!(by_id("short").status, Status::TooShort);
        let s = one.summary;
        assert_eq!(
            (s.documents, s.families, s.duplicates, s.skipped),
            (102, 62, 40, 1)
        );
        assert_eq!(
            s.bytes,
            input.len() as u64 - "{\"id\":\"broken\",\"text\":".len() as u64
        );

        for (threads, chunk) in [(4, 2048), (4, 1), (2, 7), (1, 3)] {
            let (other, _, _) = run(threads, chunk, &input);
            assert_eq!(
                other.records, one.records,
                "{threads} threads, chunks of {chunk}"
            );
            assert_eq!(other.summary.families, s.families);
        }
    }

    #[test]
    fn progress_is_reported_per_chunk() {
        let input = corpus_text();
        let mut corpus = Corpus::from_reader("c", Cursor::new(input), IngestOptions::default());
        let mut calls = Vec::new();
        BatchDriver::new()
            .chunk_size(50)
            .on_progress(|p| calls.push(p.documents))
            .run(&mut corpus, VersionIndex::new(VersionConfig::default()))
            .unwrap();
        assert_eq!(calls, [50, 100, 102]);
    }

    #[test]
    fn fail_policy_and_callback_errors_stop_the_run() {
        let options = IngestOptions {
            on_error: OnError::Fail,
            ..IngestOptions::default()
        };
        let mut corpus = Corpus::from_reader("c.jsonl", Cursor::new(corpus_text()), options);
        let err = BatchDriver::new()
            .chunk_size(16)
            .run(&mut corpus, VersionIndex::new(VersionConfig::default()))
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("c.jsonl line 103: invalid JSON"),
            "{err}"
        );

        let mut corpus =
            Corpus::from_reader("c", Cursor::new(corpus_text()), IngestOptions::default());
        let err = BatchDriver::new()
            .chunk_size(16)
            .on_record(|r| {
                if r.doc.id == "o10" {
                    Err(Error::Store("disk full".into()))
                } else {
                    Ok(())
                }
            })
            .run(&mut corpus, VersionIndex::new(VersionConfig::default()))
            .unwrap_err();
        assert_eq!(err.to_string(), "store: disk full");
    }

    #[test]
    fn spilled_and_in_memory_indexes_agree() {
        let input = corpus_text();
        let (memory, _, _) = run(2, 64, &input);
        let dir = tempfile::tempdir().unwrap();
        let index = VersionIndex::builder(VersionConfig::default())
            .spill_to(dir.path())
            .build()
            .unwrap();
        let mut corpus =
            Corpus::from_reader("c.jsonl", Cursor::new(input), IngestOptions::default());
        let spilled = BatchDriver::new().run(&mut corpus, index).unwrap();
        assert_eq!(spilled.records, memory.records);
    }

    /// `run_then` hands over the answers `run` collects, with the same summary counts.
    #[test]
    fn run_then_reads_the_answers_run_collects() {
        let input = corpus_text();
        let (collected, _, _) = run(2, 16, &input);
        let mut corpus =
            Corpus::from_reader("c.jsonl", Cursor::new(input), IngestOptions::default());
        let (records, summary) = BatchDriver::new()
            .chunk_size(16)
            .run_then(
                &mut corpus,
                VersionIndex::new(VersionConfig::default()),
                |finished, summary| {
                    let records: Vec<VersionRecord> = (0..finished.len())
                        .map(|d| finished.record(d).into())
                        .collect();
                    (records, summary)
                },
            )
            .unwrap();
        assert_eq!(records, collected.records);
        let counts = |s: &Summary| (s.documents, s.families, s.duplicates, s.skipped, s.bytes);
        assert_eq!(counts(&summary), counts(&collected.summary));
        assert_eq!(summary.skipped, 1);
        assert!(summary.duplicates > 0);
    }

    /// A file input, whose size lets the reader send the driver a record count to reserve
    /// room for, gives the answers a stream of unknown size gives — and a failing file ends the
    /// run with its error instead of leaving the driver waiting for that count.
    #[test]
    fn a_sized_input_reserves_room_and_changes_no_answer() {
        let input = corpus_text();
        let (unsized_run, _, _) = run(2, 16, &input);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        std::fs::write(&path, &input).unwrap();
        let open = |options| Corpus::open(&[crate::ingest::Input::Path(path.clone())], options);
        let mut corpus = open(IngestOptions::default()).unwrap();
        assert!(corpus.input_bytes().is_some());
        let sized = BatchDriver::new()
            .chunk_size(16)
            .run(&mut corpus, VersionIndex::new(VersionConfig::default()))
            .unwrap();
        assert_eq!(sized.records, unsized_run.records);
        let fail = IngestOptions {
            on_error: OnError::Fail,
            ..IngestOptions::default()
        };
        for chunk in [16, 4096] {
            let err = BatchDriver::new()
                .chunk_size(chunk)
                .run(
                    &mut open(fail.clone()).unwrap(),
                    VersionIndex::new(VersionConfig::default()),
                )
                .unwrap_err();
            assert!(err.to_string().contains("line 103: invalid JSON"), "{err}");
        }
    }
}
