//! `syndic report` (being built; see the issue list).

use crate::ExitStatus;

/// Arguments of `syndic report`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `syndic report`.
pub(crate) fn run(_args: Args) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`syndic report` is not implemented yet")
}
