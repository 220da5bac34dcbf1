//! One module per subcommand; each has `Args` and `run`.

pub(crate) mod dedup;
pub(crate) mod diff;
pub(crate) mod eval_stories;
pub(crate) mod index;
pub(crate) mod report;
pub(crate) mod serve;
pub(crate) mod stories;
