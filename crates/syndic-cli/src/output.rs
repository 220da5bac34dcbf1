//! Where a command's data goes: stdout or `-o FILE`, as JSON Lines.
//!
//! The central type is [`Output`]. Values are serialised into a buffer first and then written,
//! so a write error reaches `main` as the `std::io::Error` it is (a closed pipe — `syndic dedup
//! … | head` — is then recognised and exits 0).

use anyhow::Context;
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// A buffered JSON Lines writer to stdout or a file.
pub(crate) struct Output {
    out: BufWriter<Box<dyn Write>>,
    name: String,
    line: Vec<u8>,
}

impl Output {
    /// Writes to `path`, or stdout when it is `None` or `-`.
    pub(crate) fn create(path: Option<&Path>) -> anyhow::Result<Output> {
        let (out, name): (Box<dyn Write>, String) = match path {
            Some(p) if p != Path::new("-") => {
                let file = File::create(p).with_context(|| format!("creating {}", p.display()))?;
                (Box::new(file), p.display().to_string())
            }
            _ => (
                Box::new(std::io::stdout().lock()),
                "standard output".to_string(),
            ),
        };
        Ok(Output {
            out: BufWriter::with_capacity(256 * 1024, out),
            name,
            line: Vec::new(),
        })
    }

    /// Writes one value as a line of JSON.
    pub(crate) fn json_line(&mut self, value: &impl Serialize) -> anyhow::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, value).context("serialising a record")?;
        self.line.push(b'\n');
        self.out
            .write_all(&self.line)
            .with_context(|| format!("writing to {}", self.name))
    }

    /// Writes bytes that already form a line (ending in `\n`).
    pub(crate) fn raw_line(&mut self, line: &[u8]) -> anyhow::Result<()> {
        self.out
            .write_all(line)
            .with_context(|| format!("writing to {}", self.name))
    }

    /// Flushes everything written.
    pub(crate) fn finish(mut self) -> anyhow::Result<()> {
        self.out
            .flush()
            .with_context(|| format!("writing to {}", self.name))
    }
}
