//! The `syndic` command line: parses arguments, runs one subcommand, maps the outcome to an
//! exit status. Each subcommand lives in its own file under `cmd/`.

#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cmd;
mod input;
mod output;
mod progress;

/// mimalloc, tuned (see syndic-alloc): the service and the bulk paths allocate per document on
/// many threads, where it beats the system allocator (measured in docs/serve.md).
#[global_allocator]
static GLOBAL: syndic_alloc::Allocator = syndic_alloc::Allocator;

/// syndic — every version of every news story.
///
/// Finds which documents are versions of the same text (`dedup`), which report the same event
/// (`stories`), and what changed between them (`diff`, `report`); serves a live index (`serve`).
///
/// Exit statuses: 0 success; 1 finished, but some input records were skipped (see stderr);
/// 2 error (bad arguments, unreadable input with --on-error fail, I/O failure).
#[derive(Debug, Parser)]
#[command(name = "syndic", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per process; boxing would only add noise"
)]
enum Command {
    /// Find version families: which documents are versions of the same text.
    Dedup(cmd::dedup::Args),
    /// Group documents into stories: reports of the same real-world event.
    Stories(cmd::stories::Args),
    /// Score story grouping against gold labels (B-cubed, pairwise F1, ARI).
    EvalStories(cmd::eval_stories::Args),
    /// Show what changed between two documents.
    Diff(cmd::diff::Args),
    /// Write a self-contained HTML report of stories and versions.
    Report(cmd::report::Args),
    /// Run the HTTP service over a persistent on-disk index.
    Serve(cmd::serve::Args),
    /// Manage the persistent on-disk index (bulk loading, statistics).
    Index(cmd::index::Args),
}

/// The exit statuses in words, for each subcommand's `--help`.
pub(crate) const EXIT_STATUS_HELP: &str = "Exit statuses:\n  \
    0  success\n  \
    1  finished, but some input records were skipped (each reported on stderr)\n  \
    2  error: bad arguments, a bad record under --on-error fail, an I/O failure";

/// The process exit statuses, named once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// Everything went well.
    Success,
    /// Finished, but some input records were skipped (each reported on stderr).
    Skipped,
    /// Could not finish.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::from(0),
            ExitStatus::Skipped => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

fn main() -> ExitCode {
    syndic_alloc::tune();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dedup(args) => cmd::dedup::run(args),
        Command::Stories(args) => cmd::stories::run(args),
        Command::EvalStories(args) => cmd::eval_stories::run(args),
        Command::Diff(args) => cmd::diff::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Index(args) => cmd::index::run(args),
    };
    match result {
        Ok(status) => status.into(),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitStatus::Success.into();
            }
            eprintln!("syndic: error: {err:#}");
            ExitStatus::Error.into()
        }
    }
}

/// A closed stdout (`syndic dedup … | head`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
