//! `syndic stories` (being built; see the issue list).

use crate::ExitStatus;

/// Arguments of `syndic stories`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `syndic stories`.
pub(crate) fn run(_args: Args) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`syndic stories` is not implemented yet")
}
