//! `syndic dedup` (being built; see the issue list).

use crate::ExitStatus;

/// Arguments of `syndic dedup`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `syndic dedup`.
pub(crate) fn run(_args: Args) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`syndic dedup` is not implemented yet")
}
