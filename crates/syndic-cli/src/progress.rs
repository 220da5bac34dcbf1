//! What a long run tells the user on stderr: a progress line, each skipped record, a summary.
//!
//! The central type is [`Reporter`]. Data goes to stdout; everything here goes to stderr. The
//! progress spinner is drawn only when stderr is a terminal and `--quiet` is not given, so piped
//! or redirected runs stay clean; skipped records are always reported (`--quiet` does not hide
//! that input was lost), and the summary is printed unless `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;
use syndic::engine::Progress;

/// Reports a run's progress, skipped records and summary on stderr. `Sync`: share it between
/// the driver's callbacks by reference.
#[derive(Debug)]
pub(crate) struct Reporter {
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Reporter {
    /// A reporter; draws a spinner only on a terminal and when not `quiet`.
    pub(crate) fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {human_pos} documents  {msg}  {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Reporter { bar, quiet }
    }

    /// Updates the progress line.
    pub(crate) fn progress(&self, p: &Progress) {
        if let Some(bar) = &self.bar {
            bar.set_position(p.documents);
            let secs = p.elapsed.as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "{:.0} docs/s  {:.1} MB/s  {} skipped",
                p.documents as f64 / secs,
                p.bytes as f64 / 1e6 / secs,
                p.skipped
            ));
        }
    }

    /// Reports one skipped record.
    pub(crate) fn skipped(&self, error: &syndic::Error) {
        self.eprint(&format!("syndic: skipped {error}"));
    }

    /// Prints a line on stderr without tearing the progress line.
    pub(crate) fn eprint(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Clears the progress line and prints `summary` (unless quiet), then a note when records
    /// were skipped.
    pub(crate) fn finish(&self, summary: &str, skipped: u64) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if !self.quiet {
            eprintln!("syndic: {summary}");
        }
        if skipped > 0 {
            eprintln!(
                "syndic: {skipped} bad record{} skipped (listed above); exit status 1",
                if skipped == 1 { " was" } else { "s were" }
            );
        }
    }
}
