//! Corpus input arguments shared by every subcommand that reads documents (`dedup`, `stories`,
//! `report`, `index add`).
//!
//! The central type is [`InputArgs`]: flatten it into a subcommand's `Args` with
//! `#[command(flatten)] input: InputArgs`, then call [`InputArgs::open`] to get a
//! [`syndic::ingest::Corpus`] — an iterator of records with the bad-input policy applied. Its
//! skipped records are reported by [`crate::progress::Reporter`] (or by draining
//! `Corpus::drain_skipped` yourself); a run that skipped records exits with
//! [`crate::ExitStatus::Skipped`].
//!
//! ```ignore
//! #[derive(Debug, clap::Args)]
//! pub(crate) struct Args {
//!     #[command(flatten)]
//!     input: crate::input::InputArgs,
//! }
//! let mut corpus = args.input.open(false)?;
//! for record in &mut corpus {
//!     let record = record?; // an error here is fatal (--on-error fail, or an I/O failure)
//! }
//! ```

use anyhow::Context;
use syndic::ingest::{Corpus, FieldNames, IngestOptions, Input, OnError};

/// Where documents come from and how bad records are handled.
#[derive(Clone, Debug, clap::Args)]
pub(crate) struct InputArgs {
    /// Inputs, read in order: JSON Lines files, directories (every .txt/.md file below, sorted;
    /// id = path relative to the directory, e.g. `a/b.txt`), single .txt/.md files (id = the
    /// path as given), or `-` for JSON Lines on standard input. gzip and zstd are detected
    /// from the content, whatever the file name.
    #[arg(value_name = "INPUT", required = true)]
    pub(crate) inputs: Vec<String>,

    /// What to do with a record that cannot be used (invalid UTF-8 or JSON, a missing or
    /// mistyped field, a duplicate id, a record over --max-doc-bytes, a truncated compressed
    /// file): `skip` reports each on stderr with its file and line, counts it, and ends with
    /// exit status 1; `fail` stops at the first with exit status 2.
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = OnErrorArg::Skip)]
    pub(crate) on_error: OnErrorArg,

    /// JSON field holding the document id (a string or an integer; must be unique).
    #[arg(long, value_name = "NAME", default_value = "id")]
    pub(crate) id_field: String,

    /// JSON field holding the text (a string; may be empty).
    #[arg(long, value_name = "NAME", default_value = "text")]
    pub(crate) text_field: String,

    /// JSON field holding the headline (optional in each record).
    #[arg(long, value_name = "NAME", default_value = "title")]
    pub(crate) title_field: String,

    /// JSON field holding the outlet name (optional in each record).
    #[arg(long, value_name = "NAME", default_value = "source")]
    pub(crate) source_field: String,

    /// JSON field holding the address (optional in each record).
    #[arg(long, value_name = "NAME", default_value = "url")]
    pub(crate) url_field: String,

    /// JSON field holding the publication time: RFC 3339 (2026-03-01T09:30:00Z), a date
    /// (2026-03-01, midnight UTC) or epoch seconds (optional in each record).
    #[arg(long, value_name = "NAME", default_value = "published")]
    pub(crate) published_field: String,

    /// Largest record, after decompression: a JSON line or a whole text file. Larger records
    /// are bad input (see --on-error), read past without being held in memory. A number of
    /// bytes, or with a suffix: K, M, G (powers of 1000) or KiB, MiB, GiB.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub(crate) max_doc_bytes: usize,
}

/// `--on-error` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OnErrorArg {
    /// Report, count and skip bad records; exit status 1 at the end.
    Skip,
    /// Stop at the first bad record; exit status 2.
    Fail,
}

impl InputArgs {
    /// The ingest options these arguments ask for; `keep_raw` keeps JSON lines verbatim.
    pub(crate) fn options(&self, keep_raw: bool) -> IngestOptions {
        IngestOptions {
            fields: FieldNames {
                id: self.id_field.clone(),
                text: self.text_field.clone(),
                title: self.title_field.clone(),
                source: self.source_field.clone(),
                url: self.url_field.clone(),
                published: self.published_field.clone(),
            },
            on_error: match self.on_error {
                OnErrorArg::Skip => OnError::Skip,
                OnErrorArg::Fail => OnError::Fail,
            },
            max_doc_bytes: self.max_doc_bytes,
            keep_raw,
        }
    }

    /// The inputs, as the library names them.
    pub(crate) fn inputs(&self) -> Vec<Input> {
        self.inputs.iter().map(|a| Input::from_arg(a)).collect()
    }

    /// Opens the corpus (fails at once on a path that does not exist, or `-` given twice).
    pub(crate) fn open(&self, keep_raw: bool) -> anyhow::Result<Corpus> {
        let inputs = self.inputs();
        if inputs.iter().filter(|i| **i == Input::Stdin).count() > 1 {
            anyhow::bail!("`-` (standard input) can be given only once");
        }
        Corpus::open(&inputs, self.options(keep_raw)).context("opening the inputs")
    }
}

/// The rayon pool a batch command runs on: `threads` workers (0: one per core).
pub(crate) fn worker_pool(threads: usize) -> anyhow::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("starting the worker threads")
}

/// Parses a size: `1000`, `64K`, `64KB`, `64KiB`, `64M`, `64MB`, `64MiB`, `1G`, `1GB`, `1GiB`
/// (case-insensitive).
pub(crate) fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 1000, 64KiB, 64MiB, 1G)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit `{other}` (use K, M, G, KiB, MiB or GiB)"
            ));
        }
    };
    let bytes = n
        .checked_mul(factor)
        .and_then(|b| usize::try_from(b).ok())
        .ok_or_else(|| format!("`{text}` is too large"))?;
    if bytes == 0 {
        return Err("the size must be at least 1 byte".into());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("64 mb"), Ok(64_000_000));
        assert_eq!(parse_size("2K"), Ok(2000));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("MiB").is_err());
    }
}
