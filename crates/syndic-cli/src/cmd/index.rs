//! `syndic index` (being built; see the issue list).

use crate::ExitStatus;

/// Arguments of `syndic index`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `syndic index`.
pub(crate) fn run(_args: Args) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`syndic index` is not implemented yet")
}
