//! `syndic stories`: which documents report the same real-world event.
//!
//! Reads the inputs through [`crate::input::InputArgs`] (the same inputs and bad-input handling
//! as `dedup`), runs them through [`syndic::story::StoryBatch`] — version families first, then
//! the online story grouping — and writes one [`syndic::story::StoryRecord`] per document as
//! JSON Lines, in input order; with `--summary`, one [`syndic::story::StorySummary`] per story
//! instead. Both JSON forms are documented on those types.

use crate::ExitStatus;
use crate::input::InputArgs;
use crate::output::Output;
use crate::progress::Reporter;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use syndic::engine::Progress;
use syndic::ingest::{Corpus, Record};
use syndic::story::{DAY, RefineConfig, StoryBatch, StoryConfig, StoryIndex, StoryRun};
use syndic::versions::{VersionConfig, VersionIndex};

/// Documents per chunk: analysed in parallel, then added in order.
const CHUNK: usize = 2048;

/// Arguments of `syndic stories`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = crate::EXIT_STATUS_HELP)]
pub(crate) struct Args {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    grouping: GroupingArgs,

    /// Write the output to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Write one line per story (id, headline, first and last time seen, counts of
    /// documents, versions and sources, top names and terms) instead of one per document.
    #[arg(long)]
    summary: bool,

    /// Worker threads for sketching and analysis; 0 means one per core. The output does not
    /// depend on it.
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,

    /// No progress line and no summary on stderr (skipped records are still reported).
    #[arg(short, long)]
    quiet: bool,
}

/// Story grouping settings shared by `stories` and `eval-stories`.
#[derive(Clone, Debug, clap::Args)]
pub(crate) struct GroupingArgs {
    /// Least similarity for a document to join a story, in [0, 1]. Lower merges two events
    /// of one kind more often; higher splits one event's reports apart. [default: 0.22, or
    /// 0.10 with --refine, which groups loosely online and then splits]
    #[arg(long, value_name = "S")]
    threshold: Option<f32>,

    /// Time window in days: a document within this many days of a story's span scores in
    /// full; beyond, its score halves for each further window. Longer keeps slow stories
    /// together; shorter keeps similar events weeks apart separate.
    #[arg(long, value_name = "DAYS", default_value_t = 365.0)]
    window: f64,

    /// Days without a new document (in document time) before a story is closed and its
    /// memory freed. Memory grows with the stories of this horizon, not the whole input.
    #[arg(long, value_name = "DAYS", default_value_t = 30.0)]
    horizon: f64,

    /// Batch refinement: when a story closes (or at the end), test whether its members form
    /// two camps and split it. Improves grouping when events of one kind arrive mixed; the
    /// output then differs from what a live index answers on arrival (`online_story` shows
    /// the arrival story when it changed). Memory then also holds each open story's members.
    #[arg(long)]
    refine: bool,

    /// Separation test of --refine: split when the mean similarity between two halves is
    /// below this share of the lesser mean similarity within them. [default: 0.6]
    #[arg(long, value_name = "R", requires = "refine")]
    refine_ratio: Option<f32>,
}

impl GroupingArgs {
    /// The story settings these arguments ask for (validated).
    pub(crate) fn config(&self) -> anyhow::Result<StoryConfig> {
        let base = if self.refine {
            StoryConfig::refined()
        } else {
            StoryConfig::default()
        };
        let config = StoryConfig {
            threshold: self.threshold.unwrap_or(base.threshold),
            window: days(self.window),
            horizon: days(self.horizon),
            refine: base.refine.map(|r| RefineConfig {
                ratio: self.refine_ratio.unwrap_or(r.ratio),
                ..r
            }),
            ..base
        };
        config.validate()?;
        Ok(config)
    }
}

fn days(d: f64) -> i64 {
    (d * DAY as f64).round() as i64
}

/// Counts and time of a grouping run, for the stderr summary.
pub(crate) struct RunStats {
    pub(crate) documents: u64,
    pub(crate) bytes: u64,
    pub(crate) skipped: u64,
    pub(crate) elapsed: Duration,
}

/// Reads `corpus`, keeps the records `keep` accepts, and groups them. Skipped records are
/// reported through `reporter` as they are met.
pub(crate) fn group(
    corpus: &mut Corpus,
    config: StoryConfig,
    reporter: &Reporter,
    mut keep: impl FnMut(&Record) -> anyhow::Result<bool>,
) -> anyhow::Result<(StoryRun, RunStats)> {
    let start = Instant::now();
    let versions = VersionIndex::builder(VersionConfig::default())
        .spill_to(std::env::temp_dir())
        .build()?;
    let mut batch = StoryBatch::new(versions, StoryIndex::new(config));
    let mut chunk: Vec<Record> = Vec::with_capacity(CHUNK);
    let mut skipped = 0u64;
    let flush = |batch: &mut StoryBatch, chunk: &mut Vec<Record>, skipped: u64| {
        let result = batch.add_chunk(std::mem::take(chunk));
        reporter.progress(&Progress {
            documents: batch.documents(),
            bytes: batch.bytes(),
            skipped,
            elapsed: start.elapsed(),
        });
        result
    };
    while let Some(item) = corpus.next() {
        for e in corpus.drain_skipped() {
            reporter.skipped(&e);
            skipped += 1;
        }
        let record = item?;
        if keep(&record)? {
            chunk.push(record);
        }
        if chunk.len() == CHUNK {
            flush(&mut batch, &mut chunk, skipped)?;
        }
    }
    for e in corpus.drain_skipped() {
        reporter.skipped(&e);
        skipped += 1;
    }
    flush(&mut batch, &mut chunk, skipped)?;
    let (documents, bytes) = (batch.documents(), batch.bytes());
    let run = batch.finish()?;
    Ok((
        run,
        RunStats {
            documents,
            bytes,
            skipped,
            elapsed: start.elapsed(),
        },
    ))
}

/// Runs `syndic stories`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitStatus> {
    let config = args.grouping.config()?;
    let pool = crate::input::worker_pool(args.threads)?;
    let mut corpus = args.input.open(false)?;
    let reporter = Reporter::new(args.quiet);
    let (run, stats) = pool.install(|| group(&mut corpus, config, &reporter, |_| Ok(true)))?;

    let mut out = Output::create(args.output.as_deref())?;
    if args.summary {
        for s in &run.summaries {
            out.json_line(s)?;
        }
    } else {
        for r in &run.records {
            out.json_line(r)?;
        }
    }
    out.finish()?;

    let secs = stats.elapsed.as_secs_f64().max(1e-9);
    reporter.finish(
        &format!(
            "{} documents, {} families, {} stories, {} skipped in {:.2} s ({:.0} docs/s, {:.1} MB/s)",
            stats.documents,
            run.families,
            run.summaries.len(),
            stats.skipped,
            secs,
            stats.documents as f64 / secs,
            stats.bytes as f64 / 1e6 / secs,
        ),
        stats.skipped,
    );
    Ok(if stats.skipped > 0 {
        ExitStatus::Skipped
    } else {
        ExitStatus::Success
    })
}
