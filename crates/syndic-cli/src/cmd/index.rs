//! `syndic index`: the persistent index of `syndic serve`, from the command line.
//!
//! * `syndic index add INPUT... --data DIR` loads documents in bulk straight into the store —
//!   no HTTP: chunks are read, each as a task on the pool, while the one read before is sketched
//!   in parallel, the one before that placed and the one before that committed (one transaction
//!   each). Answers equal what the service would have given for the same documents posted in
//!   the same order (the same [`LiveIndex`]). By default
//!   it places version families only: the story index lives in memory and every opening of the
//!   index replays the stored documents through it, so the next `syndic serve` places the new
//!   documents' stories (in arrival order, as if on arrival) and writes them back. With
//!   `--output` or `--with-stories` stories are placed during the load.
//! * `syndic index stats --data DIR` prints the store's counts, format and settings as JSON.
//!
//! The store is `DIR/syndic.redb` and, beside it, `DIR/syndic.texts`, the log the records of
//! bulk-loaded documents are appended to (format 5); one process at a time opens them: stop
//! the service before loading in bulk.

use crate::ExitStatus;
use crate::input::InputArgs;
use crate::output::Output;
use crate::progress::Reporter;
use anyhow::Context;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use syndic::engine::{Progress, read_chunk};
use syndic::ingest::Record;
use syndic::shingle::{DEFAULT_SEED, ShingleKind};
use syndic::store::live::{GroupOutcome, PlacedRound, Prepared};
use syndic::store::{LiveIndex, RedbStore, Store};
use syndic::verify::VersionRule;
use syndic::versions::VersionConfig;

/// Arguments of `syndic index`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Load documents in bulk into the index at --data (the service must not be running).
    #[command(after_long_help = crate::EXIT_STATUS_HELP)]
    Add(Box<AddArgs>),
    /// Print the index's counts, format and settings as JSON.
    Stats(StatsArgs),
}

/// Arguments of `syndic index add`.
#[derive(Debug, clap::Args)]
pub(crate) struct AddArgs {
    #[command(flatten)]
    input: InputArgs,

    /// The data directory (created if missing); the store is DIR/syndic.redb and
    /// DIR/syndic.texts.
    #[arg(long, value_name = "DIR")]
    data: PathBuf,

    /// Write each added document's answer (a `dedup` line plus `seq`) as JSON Lines to FILE
    /// (`-` for standard output). Without it, only the summary is printed (on stderr).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Place each document's story during the load (as `syndic serve` does on arrival) rather
    /// than at the next opening of the index. Implied by --output.
    #[arg(long)]
    with_stories: bool,

    /// Documents per transaction. Larger chunks commit less often (faster); each chunk's text
    /// is held in memory while it is processed.
    #[arg(long, value_name = "N", default_value_t = 4096)]
    chunk_size: usize,

    #[command(flatten)]
    settings: Settings,

    /// Worker threads for sketching; 0 means one per core. Answers do not depend on it.
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,

    /// No progress line and no summary on stderr (skipped records are still reported).
    #[arg(short, long)]
    quiet: bool,
}

/// Version-detection settings, used only when the store is created (an existing store keeps
/// its own; a different value here is reported and ignored).
#[derive(Debug, clap::Args)]
pub(crate) struct Settings {
    /// Lowest word-shingle Jaccard similarity of two versions (see `syndic dedup --help`).
    #[arg(long, value_name = "J", default_value_t = 0.35)]
    threshold: f64,
    /// Lowest share of the shorter text's shingles found in the longer one.
    #[arg(long, value_name = "C", default_value_t = 0.7)]
    containment: f64,
    /// Shingle length in words (or characters, with --char-shingles).
    #[arg(long, value_name = "N", default_value_t = 5)]
    shingle_size: usize,
    /// Character n-grams instead of word n-grams (OCR-noisy text).
    #[arg(long)]
    char_shingles: bool,
    /// MinHash signature length.
    #[arg(long, value_name = "N", default_value_t = 128)]
    num_perm: usize,
    /// Seed of every hash.
    #[arg(long, value_name = "SEED", default_value_t = DEFAULT_SEED)]
    seed: u64,
}

impl Settings {
    fn config(&self) -> VersionConfig {
        VersionConfig {
            shingle: if self.char_shingles {
                ShingleKind::Chars(self.shingle_size)
            } else {
                ShingleKind::Words(self.shingle_size)
            },
            num_perm: self.num_perm,
            seed: self.seed,
            rule: VersionRule {
                jaccard: self.threshold,
                containment: self.containment,
            },
            ..VersionConfig::default()
        }
    }
}

/// Arguments of `syndic index stats`.
#[derive(Debug, clap::Args)]
pub(crate) struct StatsArgs {
    /// The data directory.
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
}

/// Runs `syndic index`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitStatus> {
    match args.command {
        Command::Add(args) => add(*args),
        Command::Stats(args) => stats(&args),
    }
}

/// Opens the live index in `dir`, creating it with `config` when new; reports how long the
/// band table took to load.
pub(crate) fn open_index(
    dir: &Path,
    config: VersionConfig,
    with_stories: bool,
) -> anyhow::Result<LiveIndex<Arc<dyn Store>>> {
    let store = RedbStore::open_dir(dir)
        .with_context(|| format!("opening the index in {}", dir.display()))?;
    let store: Arc<dyn Store> = Arc::new(store);
    let index = if with_stories {
        LiveIndex::open(store, config.clone())
    } else {
        LiveIndex::open_versions_only(store, config.clone())
    }
    .with_context(|| format!("loading the index in {}", dir.display()))?;
    if index.config() != &config {
        eprintln!(
            "syndic: note: {} keeps the settings it was created with; the settings given here \
             are ignored",
            dir.display()
        );
    }
    Ok(index)
}

fn add(args: AddArgs) -> anyhow::Result<ExitStatus> {
    anyhow::ensure!(args.chunk_size > 0, "--chunk-size must be at least 1");
    let start = Instant::now();
    let with_stories = args.with_stories || args.output.is_some();
    let index = open_index(&args.data, args.settings.config(), with_stories)?;
    let before = index.len();
    let pool = crate::input::worker_pool(args.threads)?;
    let mut corpus = args.input.open(false)?;
    let reporter = Reporter::new(args.quiet);
    let mut out = match &args.output {
        Some(path) => Some(Output::create(Some(path))?),
        None => None,
    };
    let mut progress = Progress {
        documents: 0,
        bytes: 0,
        skipped: 0,
        elapsed: Duration::ZERO,
    };
    let received = now();
    let mut input_bytes = corpus.input_bytes();
    let chunk_size = args.chunk_size;
    // The first chunk is read here; each later one is read on the pool while the one before
    // it is sketched, the one before that placed and the one before that committed.
    let mut pending = Some(read_chunk(&mut corpus, chunk_size));
    let mut ready: Option<Vec<(Prepared, u64)>> = None;
    // The round placed last, its commit still to come.
    let mut placed: Option<PlacedRound> = None;
    loop {
        let (next, more) = match pending.take() {
            Some(read) => read.into_records(|e| {
                progress.skipped += 1;
                reporter.skipped(e);
            })?,
            None => (None, false),
        };
        // From the first chunk and the input's size, about how many documents are coming: the
        // index makes room for them once (as `dedup` does).
        if let (Some(total), Some(records)) = (input_bytes.take(), next.as_ref())
            && let Some(expected) = syndic::ingest::expected_records(total, records)
        {
            index.reserve(expected);
        }
        let finished = next.is_none();
        let previous = ready.take();
        let index = &index;
        let corpus = &mut corpus;
        // Read the next chunk and sketch the one before it while the previous one is placed,
        // and the one before that committed.
        let in_flight = placed.take();
        let (read, (sketched, (committed, added))) = pool.join(
            || more.then(|| read_chunk(corpus, chunk_size)),
            || {
                rayon::join(
                    || next.map(|records| prepare(index, records, received)),
                    || {
                        rayon::join(
                            || in_flight.map(|round| index.commit_placed(round)),
                            || previous.map(|docs| place(index, docs)),
                        )
                    },
                )
            },
        );
        pending = read;
        if let Some(committed) = committed {
            committed.context("writing to the index")?;
        }
        if let Some(added) = added {
            let (added, round) = added?;
            placed = Some(round);
            for (outcome, bytes) in added {
                match outcome {
                    Ok(answers) => {
                        progress.documents += 1;
                        progress.bytes += bytes;
                        if let Some(out) = out.as_mut() {
                            for a in &answers {
                                out.json_line(a)?;
                            }
                        }
                    }
                    Err(rejected) => {
                        progress.skipped += 1;
                        reporter.eprint(&format!("syndic: skipped {rejected}"));
                    }
                }
            }
            progress.elapsed = start.elapsed();
            reporter.progress(&progress);
        }
        ready = sketched;
        if finished && ready.is_none() {
            if let Some(round) = placed.take() {
                index.commit_placed(round).context("writing to the index")?;
            }
            break;
        }
    }
    if let Some(out) = out {
        out.finish()?;
    }
    index
        .sync()
        .context("writing the index to disk (the last, durable commit)")?;
    let stats = index.stats()?;
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    reporter.finish(
        &format!(
            "{} documents added, {} skipped in {:.2} s ({:.0} docs/s, {:.1} MB/s); the index in {} \
             now holds {} documents in {} families",
            progress.documents,
            progress.skipped,
            secs,
            progress.documents as f64 / secs,
            progress.bytes as f64 / 1e6 / secs,
            args.data.display(),
            stats.documents,
            stats.families,
        ),
        progress.skipped,
    );
    if !with_stories && !args.quiet {
        eprintln!(
            "syndic: stories of the new documents are placed when the index is next opened \
             (syndic serve), or now with --with-stories"
        );
    }
    debug_assert_eq!(index.len() as u64, before as u64 + progress.documents);
    Ok(if progress.skipped > 0 {
        ExitStatus::Skipped
    } else {
        ExitStatus::Success
    })
}

/// Sketches a chunk in parallel; keeps each record's input size for the throughput figures.
///
/// Sketches only (`prepare_sketch`, no overlap hints): adding a chunk looks up and verifies its
/// documents' candidates in parallel itself, so hints worked out here against an index that
/// moves on meanwhile would only repeat that lookup (on the 100k corpus: 8.4 and 7.9 CPU-s
/// without them, 10.0 and 8.7 with).
fn prepare(
    index: &LiveIndex<Arc<dyn Store>>,
    records: Vec<Record>,
    received: i64,
) -> Vec<(Prepared, u64)> {
    records
        .into_par_iter()
        .map(|r| (index.prepare_sketch(r.doc, received), r.bytes))
        .collect()
}

/// Places a chunk in memory; each document is its own group, so a duplicate id refuses that
/// document only. Its commit (lazy: not waited on to reach the disk) comes later, while the
/// next chunk is placed; the load ends with one durable commit, and a crash before it loses
/// the chunks since the last durable one, whole — the store stays consistent.
fn place(
    index: &LiveIndex<Arc<dyn Store>>,
    docs: Vec<(Prepared, u64)>,
) -> anyhow::Result<(Vec<(GroupOutcome, u64)>, PlacedRound)> {
    let (groups, bytes): (Vec<_>, Vec<_>) = docs.into_iter().map(|(p, b)| (vec![p], b)).unzip();
    let (outcomes, round) = index.place_lazily(groups).context("placing in the index")?;
    Ok((outcomes.into_iter().zip(bytes).collect(), round))
}

fn stats(args: &StatsArgs) -> anyhow::Result<ExitStatus> {
    let dir = &args.data;
    let file = dir.join(syndic::store::STORE_FILE);
    anyhow::ensure!(
        file.exists(),
        "no index in {} (create one with `syndic index add` or `syndic serve`)",
        dir.display()
    );
    let store = RedbStore::open(&file)
        .with_context(|| format!("opening the index in {}", dir.display()))?;
    let reader = store.reader()?;
    let header = reader
        .header()?
        .with_context(|| format!("the index in {} is empty", dir.display()))?;
    let s = reader.stats()?;
    let json = serde_json::json!({
        "data": dir.display().to_string(),
        "documents": s.documents,
        "families": s.families,
        "duplicates": s.documents - s.families.min(s.documents),
        "next_seq": s.next_seq,
        "bytes_on_disk": store.file_size(),
        "format": header.format,
        "settings": header.versions,
    });
    let mut out = Output::create(None)?;
    out.json_line(&json)?;
    out.finish()?;
    Ok(ExitStatus::Success)
}

/// Seconds since the epoch, now.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
