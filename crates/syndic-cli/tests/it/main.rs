//! Integration tests of the `syndic` binary: one test binary, one module per subcommand.

mod dedup;
mod diff;
mod report;
mod serve;
mod stories;
