//! `syndic dedup`: which documents are versions of the same text.
//!
//! Reads the inputs through [`crate::input::InputArgs`], runs them through
//! [`syndic::engine::BatchDriver`] and writes one [`syndic::versions::VersionRecord`] per
//! document as JSON Lines, in input order (its JSON form is documented on that type). With
//! `--drop-duplicates` it writes instead the original records of each family's canonical member:
//! a deduplicated corpus. The canonical member is only final once the whole corpus has been
//! read, so the original records are copied, as read, to an anonymous temporary file (next to
//! the shingle sets, in `$TMPDIR`) and copied back out at the end — memory never holds the
//! texts, and standard input works like a file.

use crate::ExitStatus;
use crate::input::InputArgs;
use crate::output::Output;
use crate::progress::Reporter;
use anyhow::Context;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};
use std::path::PathBuf;
use syndic::engine::{BatchDriver, Summary};
use syndic::shingle::{DEFAULT_SEED, ShingleKind};
use syndic::verify::VersionRule;
use syndic::versions::{Finished, Status, VersionConfig, VersionIndex, VersionRecord};

/// Arguments of `syndic dedup`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = crate::EXIT_STATUS_HELP)]
pub(crate) struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// Write the output to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Write the original records of each family's canonical member only (a deduplicated
    /// corpus), in input order: the JSON line as read, with all its fields, or
    /// {"id":…,"text":…} for text files. Without it, one result line per input document.
    #[arg(long, conflicts_with = "format")]
    drop_duplicates: bool,

    /// Output format: `jsonl`, one JSON object per input document (for programs), or `table`,
    /// the families with their members, similarity and containment (for people).
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,

    /// Lowest word-shingle Jaccard similarity of two versions. Real reprints with another
    /// dateline, caption or footer measure 0.45 and up; lower values catch heavier edits but
    /// add LSH bands (memory) and candidates to verify (time).
    #[arg(long, value_name = "J", default_value_t = 0.35)]
    threshold: f64,

    /// Lowest share of the shorter text's shingles found in the longer one. Keeps texts that
    /// share only stock phrases apart; lower values merge more loosely related texts.
    #[arg(long, value_name = "C", default_value_t = 0.7)]
    containment: f64,

    /// Shingle length: words per shingle (or characters, with --char-shingles). Shorter
    /// shingles make unrelated texts look more alike; longer ones make each edit cost more.
    #[arg(long, value_name = "N", default_value_t = 5)]
    shingle_size: usize,

    /// Use character n-grams instead of word n-grams (for OCR-noisy text, where one misread
    /// letter would break every word shingle it falls in). Off by default.
    #[arg(long)]
    char_shingles: bool,

    /// MinHash signature length. More sharpens candidate selection and costs signing time and
    /// index memory linearly.
    #[arg(long, value_name = "N", default_value_t = 128)]
    num_perm: usize,

    /// Seed of every hash. The same seed and settings give the same output.
    #[arg(long, value_name = "SEED", default_value_t = DEFAULT_SEED)]
    seed: u64,

    /// Worker threads for sketching; 0 means one per core. The output does not depend on it.
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,

    /// Keep every document's shingle set in memory instead of a temporary file in $TMPDIR.
    /// Faster on small corpora; memory then grows with the text, not only the documents.
    #[arg(long)]
    in_memory: bool,

    /// No progress line and no summary on stderr (skipped records are still reported).
    #[arg(short, long)]
    quiet: bool,
}

/// How `syndic dedup` writes its results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// One JSON object per input document, in input order.
    Jsonl,
    /// Families with more than one member first (largest first), then a count of the rest.
    Table,
}

impl Args {
    fn config(&self) -> VersionConfig {
        let shingle = if self.char_shingles {
            ShingleKind::Chars(self.shingle_size)
        } else {
            ShingleKind::Words(self.shingle_size)
        };
        VersionConfig {
            shingle,
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

/// Runs `syndic dedup`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitStatus> {
    let mut builder = VersionIndex::builder(args.config());
    let temp = std::env::temp_dir();
    if !args.in_memory {
        builder = builder.spill_to(&temp);
    }
    let index = builder.build()?;
    let pool = crate::input::worker_pool(args.threads)?;
    let mut corpus = args.input.open(args.drop_duplicates)?;
    // Behind a lock only because both the record callback (while reading) and the writing
    // step (after) reach it; nothing contends for it.
    let originals = std::sync::Mutex::new(if args.drop_duplicates {
        let file = tempfile::tempfile_in(&temp)
            .with_context(|| format!("creating a temporary file in {}", temp.display()))?;
        Some(BufWriter::with_capacity(1 << 20, file))
    } else {
        None
    });
    let reporter = Reporter::new(args.quiet);

    let mut driver = BatchDriver::new()
        .on_progress(|p| reporter.progress(p))
        .on_skip(|e| reporter.skipped(e));
    if args.drop_duplicates {
        driver = driver.on_record(|record| {
            let line = record.original_json();
            let mut spill = originals
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let spill = spill
                .as_mut()
                .expect("the copy is made when --drop-duplicates is set");
            spill
                .write_all(line.as_bytes())
                .and_then(|()| spill.write_all(b"\n"))
                .map_err(|e| syndic::Error::io("copying input records to a temporary file", e))
        });
    }
    let write = |finished: &Finished<'_>, summary: Summary| -> anyhow::Result<Summary> {
        let mut out = Output::create(args.output.as_deref())?;
        let originals = originals
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match originals {
            None if args.format == Format::Table => {
                out.raw_line(table(&finished.records()).as_bytes())?;
            }
            None => finished.write_jsonl(|block| out.raw_line(block))?,
            Some(spill) => {
                let mut file = spill
                    .into_inner()
                    .map_err(std::io::IntoInnerError::into_error)
                    .context("writing the temporary copy of the input records")?;
                file.rewind()
                    .context("reading the temporary copy of the input records")?;
                let mut reader = BufReader::with_capacity(1 << 20, file);
                let mut line = Vec::new();
                for d in 0..finished.len() {
                    line.clear();
                    let n = reader
                        .read_until(b'\n', &mut line)
                        .context("reading the temporary copy of the input records")?;
                    anyhow::ensure!(
                        n > 0,
                        "the temporary copy of the input records is incomplete"
                    );
                    if finished.record(d).canonical {
                        out.raw_line(&line)?;
                    }
                }
            }
        }
        out.finish()?;
        Ok(summary)
    };
    let summary = pool.install(|| driver.run_then(&mut corpus, index, write))??;

    reporter.finish(&summary_line(&summary), summary.skipped);
    Ok(if summary.skipped > 0 {
        ExitStatus::Skipped
    } else {
        ExitStatus::Success
    })
}

/// The human-readable form of the results: every family with more than one member (largest
/// first, then by first appearance), its canonical member first, then one line on the rest.
fn table(records: &[VersionRecord]) -> String {
    use std::collections::HashMap;
    use std::fmt::Write as _;
    let mut families: Vec<(&str, Vec<&VersionRecord>)> = Vec::new();
    let mut slot: HashMap<&str, usize> = HashMap::new();
    for r in records {
        let i = *slot.entry(r.version.as_str()).or_insert_with(|| {
            families.push((r.version.as_str(), Vec::new()));
            families.len() - 1
        });
        families[i].1.push(r);
    }
    families.sort_by_key(|(_, members)| std::cmp::Reverse(members.len()));
    let width = records.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    let mut text = String::new();
    let (mut alone, mut short, mut empty) = (0, 0, 0);
    for (version, members) in &families {
        if members.len() < 2 {
            match members[0].status {
                Status::Ok => alone += 1,
                Status::TooShort => short += 1,
                Status::Empty => empty += 1,
            }
            continue;
        }
        let _ = writeln!(text, "family {version} — {} versions", members.len());
        let mut ordered = members.clone();
        ordered.sort_by_key(|r| !r.canonical);
        for r in ordered {
            if r.canonical {
                let _ = writeln!(text, "  {:<width$}  canonical", r.id);
            } else {
                let _ = writeln!(
                    text,
                    "  {:<width$}  similarity {:.2}  containment {:.2}",
                    r.id, r.similarity, r.containment
                );
            }
        }
        text.push('\n');
    }
    let _ = writeln!(
        text,
        "{alone} documents have no other version; {short} too short to judge; {empty} empty."
    );
    text
}

/// `102 documents, 62 families, 40 duplicates, 1 skipped in 0.15 s (680 docs/s, 0.5 MB/s)`
fn summary_line(s: &Summary) -> String {
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {}, {}, {} skipped in {:.2} s ({:.0} docs/s, {:.1} MB/s)",
        plural(s.documents, "document", "documents"),
        plural(s.families, "family", "families"),
        plural(s.duplicates, "duplicate", "duplicates"),
        s.skipped,
        s.elapsed.as_secs_f64(),
        s.docs_per_sec(),
        s.mb_per_sec()
    )
}
