//! `syndic-bench`: generates labelled corpora and benchmarks `syndic dedup` on them.
//!
//! Subcommands: `generate` (write a corpus), `bench` (generate if needed, measure the floor, run
//! the pipeline in a child process, score it, assert the quality targets), `run` (the pipeline
//! itself, what `bench` times), `eval` (score any predictions file), `floor` (raw speed of
//! reading, lowercasing, splitting and hashing), `measure` (run a command, report its wall time,
//! CPU time and peak memory). See the crate README for what each figure means.
#![forbid(unsafe_code)]

mod floor;
mod measure;

/// The allocator `syndic` itself runs with, so the engine is measured as shipped.
#[global_allocator]
static GLOBAL: syndic_alloc::Allocator = syndic_alloc::Allocator;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use syndic::engine::BatchDriver;
use syndic::ingest::{Corpus, IngestOptions, Input, OnError};
use syndic::versions::{VersionConfig, VersionIndex};
use syndic_bench::corpus::{CorpusSpec, DEFAULT_SEED};
use syndic_bench::evaluate::{Report, evaluate_files};

/// Labelled corpus generator and benchmark of syndic.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a labelled corpus as JSON Lines.
    Generate {
        /// Number of documents.
        #[arg(long)]
        docs: u64,
        /// Seed: the same (docs, seed) always gives the same file.
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Generate (once) and benchmark corpora of the given sizes; assert the quality targets.
    Bench(BenchArgs),
    /// Run the syndic pipeline on a JSON Lines file and write one record per document.
    Run {
        /// Input corpus (JSON Lines).
        input: PathBuf,
        /// Output records (JSON Lines).
        #[arg(short, long)]
        output: PathBuf,
        /// Keep shingle sets in memory instead of a temporary file in $TMPDIR (as `syndic
        /// dedup --in-memory`).
        #[arg(long)]
        in_memory: bool,
    },
    /// Score a predictions file (JSON Lines with `id` and `version`) against a labelled corpus.
    Eval {
        /// Labelled corpus.
        #[arg(long)]
        corpus: PathBuf,
        /// Predictions.
        #[arg(long)]
        pred: PathBuf,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Measure the floor: reading, lowercasing, splitting and hashing (xxh3 per word) the file.
    Floor {
        /// Input file.
        input: PathBuf,
    },
    /// Run a command; print its wall time, CPU time and peak memory as JSON on stdout.
    Measure {
        /// The command and its arguments.
        #[arg(trailing_var_arg = true, required = true)]
        command: Vec<String>,
    },
}

#[derive(clap::Args, Debug)]
struct BenchArgs {
    /// Corpus sizes, comma-separated (e.g. 10000,100000,1000000).
    #[arg(long, value_delimiter = ',', default_value = "10000")]
    docs: Vec<u64>,
    /// Corpus seed.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Where corpora and outputs are kept (created if missing).
    #[arg(long, default_value = "bench-data")]
    data_dir: PathBuf,
    /// Which syndic to time: `lib` runs the engine's batch driver in a child `syndic-bench run`;
    /// `cli` runs the real `syndic dedup` binary given by --syndic.
    #[arg(long, value_enum, default_value_t = Engine::Lib)]
    engine: Engine,
    /// Path of the `syndic` binary for `--engine cli` (default: beside this executable).
    #[arg(long)]
    syndic: Option<PathBuf>,
    /// Keep shingle sets in memory rather than in a temporary file (both engines).
    #[arg(long)]
    in_memory: bool,
    /// Least pair precision; below it the bench fails.
    #[arg(long, default_value_t = 0.99)]
    min_precision: f64,
    /// Least pair recall (overall and for in-scope pairs); below it the bench fails.
    #[arg(long, default_value_t = 0.98)]
    min_recall: f64,
    /// Only warn when a quality target is missed.
    #[arg(long)]
    warn_only: bool,
    /// Also time the stages in this process: read+parse, +sketch (see README).
    #[arg(long)]
    breakdown: bool,
    /// Rounds of (floor, syndic) per size; the fastest of each is reported, and every round's
    /// ratio beside it (on a shared machine one run can be slowed by a neighbour).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Engine {
    Lib,
    Cli,
}

fn main() -> anyhow::Result<()> {
    syndic_alloc::tune();
    match Cli::parse().command {
        Command::Generate { docs, seed, output } => {
            generate(CorpusSpec { docs, seed }, &output)?;
        }
        Command::Bench(args) => bench(&args)?,
        Command::Run {
            input,
            output,
            in_memory,
        } => run_pipeline(&input, &output, in_memory)?,
        Command::Eval { corpus, pred, json } => {
            let report = evaluate_files(&corpus, &pred)?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print_quality(&report);
            }
        }
        Command::Floor { input } => {
            let f = floor::measure(&input)?;
            println!(
                "floor: {} docs, {:.1} MB in {:.3} s: {:.0} docs/s, {:.1} MB/s ({} threads, {} words)",
                f.docs,
                f.bytes as f64 / 1e6,
                f.secs,
                f.docs_per_sec(),
                f.mb_per_sec(),
                rayon::current_num_threads(),
                f.words
            );
        }
        Command::Measure { command } => {
            let m = measure::run(&command)?;
            println!("{}", serde_json::to_string(&m)?);
            if m.exit_code != Some(0) {
                std::process::exit(m.exit_code.unwrap_or(1).clamp(1, 255));
            }
        }
    }
    Ok(())
}

fn generate(spec: CorpusSpec, output: &Path) -> anyhow::Result<()> {
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = output.with_extension("partial");
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let t = Instant::now();
    let stats = spec
        .write_jsonl(&mut w)
        .with_context(|| format!("writing {}", tmp.display()))?;
    drop(w);
    std::fs::rename(&tmp, output).with_context(|| format!("renaming to {}", output.display()))?;
    eprintln!(
        "generated {} docs, {:.1} MB ({:.0} bytes of text per doc) in {:.1} s -> {}",
        stats.docs,
        stats.bytes as f64 / 1e6,
        stats.text_bytes as f64 / stats.docs.max(1) as f64,
        t.elapsed().as_secs_f64(),
        output.display()
    );
    Ok(())
}

/// The pipeline `bench` times: read, normalise, shingle, sign, LSH, verify, cluster, write.
/// Shingle sets go to a temporary file in $TMPDIR unless `in_memory`, as in `syndic dedup`.
fn run_pipeline(input: &Path, output: &Path, in_memory: bool) -> anyhow::Result<()> {
    let start = Instant::now();
    let options = IngestOptions {
        on_error: OnError::Fail,
        ..IngestOptions::default()
    };
    let mut corpus = Corpus::open(&[Input::Path(input.to_path_buf())], options)?;
    let mut builder = VersionIndex::builder(VersionConfig::default());
    if !in_memory {
        builder = builder.spill_to(std::env::temp_dir());
    }
    let index = builder.build()?;
    let mut file =
        std::fs::File::create(output).with_context(|| format!("creating {}", output.display()))?;
    // Blocks of formatted records go straight to the file: no record objects, no second buffer.
    let s = BatchDriver::new().run_then(&mut corpus, index, |finished, summary| {
        finished
            .write_jsonl(|block| file.write_all(block))
            .with_context(|| format!("writing {}", output.display()))
            .map(|()| summary)
    })??;
    eprintln!(
        "run: {} docs, {} families, {:.1} MB in {:.3} s ({:.0} docs/s; engine {:.3} s)",
        s.documents,
        s.families,
        s.bytes as f64 / 1e6,
        start.elapsed().as_secs_f64(),
        s.documents as f64 / start.elapsed().as_secs_f64(),
        s.elapsed.as_secs_f64()
    );
    Ok(())
}

/// The 1-minute load average (other work on the machine skews wall times), or "?".
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn corpus_path(args: &BenchArgs, docs: u64) -> PathBuf {
    args.data_dir
        .join(format!("corpus-{docs}-seed{}.jsonl", args.seed))
}

fn bench(args: &BenchArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let exe = std::env::current_exe().context("finding the syndic-bench executable")?;
    let mut failures = Vec::new();
    for &docs in &args.docs {
        let corpus = corpus_path(args, docs);
        if !corpus.exists() {
            generate(
                CorpusSpec {
                    docs,
                    seed: args.seed,
                },
                &corpus,
            )?;
        }
        let bytes = std::fs::metadata(&corpus)?.len();
        println!(
            "== {docs} documents, {:.1} MB: {} ==",
            bytes as f64 / 1e6,
            corpus.display()
        );
        // The floor reads the file first, so the page cache is warm for every run after it.
        floor::measure(&corpus)?;
        let output = args.data_dir.join(format!("out-{docs}.jsonl"));
        let mut command: Vec<String> = match args.engine {
            Engine::Lib => vec![
                exe.display().to_string(),
                "run".into(),
                corpus.display().to_string(),
                "-o".into(),
                output.display().to_string(),
            ],
            Engine::Cli => vec![
                args.syndic
                    .clone()
                    .unwrap_or_else(|| exe.with_file_name("syndic"))
                    .display()
                    .to_string(),
                "dedup".into(),
                corpus.display().to_string(),
                "-o".into(),
                output.display().to_string(),
                "--quiet".into(),
            ],
        };
        if args.in_memory {
            command.push("--in-memory".into());
        }
        let load = load_average();
        // The floor runs as a process of its own, timed from outside as syndic's run is: both
        // pay for starting, touching fresh memory and exiting, and neither inherits the
        // other's warm allocator.
        let floor_command = vec![
            exe.display().to_string(),
            "floor".into(),
            corpus.display().to_string(),
        ];
        // Rounds of floor then syndic, side by side; the fastest of each is kept.
        let mut best: Option<(measure::Measured, measure::Measured)> = None;
        let mut ratios = Vec::new();
        for _ in 0..args.runs {
            let f = measure::via_child(&exe, &floor_command)?;
            let m = measure::via_child(&exe, &command)?;
            for (run, command) in [(&f, &floor_command), (&m, &command)] {
                if run.exit_code != Some(0) {
                    bail!("{} failed: exit {:?}", command.join(" "), run.exit_code);
                }
            }
            ratios.push(f.wall_s / m.wall_s);
            best = Some(match best {
                None => (f, m),
                Some((bf, bm)) => (
                    if f.wall_s < bf.wall_s { f } else { bf },
                    if m.wall_s < bm.wall_s { m } else { bm },
                ),
            });
        }
        let (f, m) = best.expect("at least one run");
        let floor_docs_per_sec = docs as f64 / f.wall_s;
        let docs_per_sec = docs as f64 / m.wall_s;
        let mb_per_sec = bytes as f64 / 1e6 / m.wall_s;
        let cpu = m.user_s + m.sys_s;
        println!(
            "syndic ({:?}): {:.2} s wall: {:.0} docs/s, {:.1} MB/s; peak memory {:.0} MB",
            args.engine, m.wall_s, docs_per_sec, mb_per_sec, m.max_rss_mb
        );
        println!(
            "  CPU {:.2} s, {:.2} s of it in the kernel ({:.2} of {} cores busy; {:.0} docs per CPU-second); load average before the run {}",
            cpu,
            m.sys_s,
            cpu / m.wall_s,
            std::thread::available_parallelism().map_or(1, usize::from),
            docs as f64 / cpu.max(1e-9),
            load
        );
        println!(
            "floor (read + lowercase + split + xxh3 per word, {} threads, its own process): {:.0} docs/s, {:.1} MB/s; syndic = {:.2} of floor",
            rayon::current_num_threads(),
            floor_docs_per_sec,
            bytes as f64 / 1e6 / f.wall_s,
            docs_per_sec / floor_docs_per_sec
        );
        let rounds: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
        println!(
            "  fastest of {} rounds each; syndic / floor round by round: {}",
            args.runs,
            rounds.join(", ")
        );
        if args.breakdown {
            floor::breakdown(&corpus)?;
        }
        let t = Instant::now();
        let report = evaluate_files(&corpus, &output)?;
        print_quality(&report);
        println!("(scored in {:.1} s)", t.elapsed().as_secs_f64());
        failures.extend(check(&report, args, docs));
    }
    if failures.is_empty() {
        println!("quality targets met");
        return Ok(());
    }
    for f in &failures {
        eprintln!("QUALITY TARGET MISSED: {f}");
    }
    if args.warn_only {
        eprintln!("(--warn-only: not failing)");
        Ok(())
    } else {
        bail!("{} quality target(s) missed", failures.len())
    }
}

fn check(report: &Report, args: &BenchArgs, docs: u64) -> Vec<String> {
    let mut failures = Vec::new();
    let s = &report.scores;
    if s.precision < args.min_precision {
        failures.push(format!(
            "{docs} docs: pair precision {:.4} < {}",
            s.precision, args.min_precision
        ));
    }
    if s.recall < args.min_recall {
        failures.push(format!(
            "{docs} docs: pair recall {:.4} < {}",
            s.recall, args.min_recall
        ));
    }
    for b in &report.buckets.buckets {
        if b.total > 0 && b.recall() < args.min_recall {
            failures.push(format!(
                "{docs} docs: recall in Jaccard {} {:.4} < {}",
                b.label,
                b.recall(),
                args.min_recall
            ));
        }
    }
    failures
}

fn print_quality(r: &Report) {
    let s = &r.scores;
    println!(
        "pair precision {:.4}  pair recall {:.4}  ARI {:.4}  ({} true pairs, {} predicted, {} correct)",
        s.precision, s.recall, s.ari, s.true_pairs, s.predicted_pairs, s.correct_pairs
    );
    let scope = r.buckets.in_scope();
    println!(
        "recall of version pairs (containment >= 0.7) by true word-5-gram Jaccard: all {:.4} ({}/{})",
        scope.recall(),
        scope.found,
        scope.total
    );
    for b in &r.buckets.buckets {
        println!(
            "  Jaccard {:<10} {:.4} ({}/{})",
            b.label,
            b.recall(),
            b.found,
            b.total
        );
    }
    let o = &r.buckets.out_of_scope;
    println!(
        "  same family, out of scope (Jaccard < 0.4 or containment < 0.7): {:.4} ({}/{})",
        o.recall(),
        o.found,
        o.total
    );
    if !r.false_pairs_by_kind.is_empty() {
        let kinds: Vec<String> = r
            .false_pairs_by_kind
            .iter()
            .take(6)
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        println!("wrongly joined pairs by kind: {}", kinds.join(", "));
        for e in r.false_examples.iter().take(3) {
            println!("  e.g. {e}");
        }
    }
    for e in r.missed_examples.iter().take(3) {
        println!("  missed: {e}");
    }
}
