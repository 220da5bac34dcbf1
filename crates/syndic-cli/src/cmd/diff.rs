//! `syndic diff` (being built; see the issue list).

use crate::ExitStatus;

/// Arguments of `syndic diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `syndic diff`.
pub(crate) fn run(_args: Args) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`syndic diff` is not implemented yet")
}
