//! `syndic serve` (being built; see the issue list).

use crate::ExitStatus;

/// Arguments of `syndic serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `syndic serve`.
pub(crate) fn run(_args: Args) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`syndic serve` is not implemented yet")
}
