//! The floor: this machine's raw speed at reading a corpus file, lowercasing, splitting it into
//! words and hashing each word with xxh3 — the least work any word-shingle deduplicator does.
//!
//! The central function is [`measure`]. It treats each JSON line as plain bytes (no JSON
//! parsing, ASCII lowercasing, any byte ≥ 0x80 counts as a letter), reads the next 8 MiB block
//! while the current one is hashed on every rayon thread, and sums the hashes so the work cannot
//! be optimised away. That makes it a strict floor: syndic must also parse JSON, normalise
//! Unicode, shingle, sign, index, verify and write, so "syndic / floor" says how much of the
//! machine's raw text speed the whole pipeline keeps.
//!
//! [`breakdown`] times the engine's first stages alone in this process, to show where time goes.

use anyhow::Context;
use rayon::prelude::*;
use std::io::Read;
use std::path::Path;
use std::time::Instant;
use syndic::ingest::{Corpus, IngestOptions, Input};
use syndic::versions::{Sketcher, VersionConfig};
use xxhash_rust::xxh3::xxh3_64;

/// What the floor measured.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Floor {
    pub(crate) docs: u64,
    pub(crate) bytes: u64,
    pub(crate) words: u64,
    pub(crate) secs: f64,
}

impl Floor {
    pub(crate) fn docs_per_sec(&self) -> f64 {
        self.docs as f64 / self.secs
    }

    pub(crate) fn mb_per_sec(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.secs
    }
}

const BLOCK: usize = 8 << 20;

/// Fills `buf` with up to `BLOCK` bytes ending at a line end: the tail carried over from the
/// last block (in `carry`) first, then what the file gives. The tail after the block's last
/// line end is carried to the next one.
fn next_block(
    file: &mut std::fs::File,
    carry: &mut Vec<u8>,
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    buf.clear();
    buf.extend_from_slice(carry);
    carry.clear();
    let start = buf.len();
    buf.resize(start + BLOCK, 0);
    let mut filled = start;
    while filled < buf.len() {
        let n = file.read(&mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    buf.truncate(filled);
    if filled == start + BLOCK
        && let Some(end) = memchr_last_newline(buf)
    {
        carry.extend_from_slice(&buf[end + 1..]);
        buf.truncate(end + 1);
    }
    Ok(())
}

fn memchr_last_newline(buf: &[u8]) -> Option<usize> {
    buf.iter().rposition(|&b| b == b'\n')
}

/// (lines, words, hash sum) of a slice of whole lines.
fn hash_words(bytes: &[u8]) -> (u64, u64, u64) {
    let mut lines = 0;
    let mut words = 0;
    let mut sum = 0u64;
    let mut word = [0u8; 64];
    let mut len = 0;
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b >= 0x80 {
            if len < word.len() {
                word[len] = b.to_ascii_lowercase();
                len += 1;
            }
            continue;
        }
        if len > 0 {
            sum = sum.wrapping_add(xxh3_64(&word[..len]));
            words += 1;
            len = 0;
        }
        lines += u64::from(b == b'\n');
    }
    if len > 0 {
        sum = sum.wrapping_add(xxh3_64(&word[..len]));
        words += 1;
    }
    (lines, words, sum)
}

/// Splits a block of whole lines into about `parts` pieces of whole lines.
fn split_lines(block: &[u8], parts: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(parts);
    let step = block.len() / parts.max(1) + 1;
    let mut start = 0;
    while start < block.len() {
        let mut end = (start + step).min(block.len());
        while end < block.len() && block[end - 1] != b'\n' {
            end += 1;
        }
        out.push(&block[start..end]);
        start = end;
    }
    out
}

fn process(block: &[u8]) -> (u64, u64, u64) {
    split_lines(block, rayon::current_num_threads() * 4)
        .par_iter()
        .map(|s| hash_words(s))
        .reduce(
            || (0, 0, 0),
            |a, b| (a.0 + b.0, a.1 + b.1, a.2.wrapping_add(b.2)),
        )
}

/// Measures the floor on a file. See the module docs.
pub(crate) fn measure(path: &Path) -> anyhow::Result<Floor> {
    let start = Instant::now();
    let mut file =
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    // Two buffers, one filled while the other is hashed, then swapped: the memory is
    // touched once, as any reader of a large file would do it.
    let (mut carry, mut current, mut next) = (Vec::new(), Vec::new(), Vec::new());
    next_block(&mut file, &mut carry, &mut current)
        .with_context(|| format!("reading {}", path.display()))?;
    let (mut docs, mut words, mut sum, mut bytes) = (0u64, 0u64, 0u64, 0u64);
    while !current.is_empty() {
        let (read, counts) = rayon::join(
            || next_block(&mut file, &mut carry, &mut next),
            || process(&current),
        );
        bytes += current.len() as u64;
        docs += counts.0;
        words += counts.1;
        sum = sum.wrapping_add(counts.2);
        read.with_context(|| format!("reading {}", path.display()))?;
        std::mem::swap(&mut current, &mut next);
    }
    let secs = start.elapsed().as_secs_f64();
    // The checksum is printed nowhere; using it keeps the hashing from being optimised out.
    std::hint::black_box(sum);
    Ok(Floor {
        docs,
        bytes,
        words,
        secs,
    })
}

/// Times the engine's first stages alone: ingest (read + parse JSON, the driver's reader
/// thread), then ingest + sketch (normalise, shingle, sign, band keys) on every thread.
pub(crate) fn breakdown(path: &Path) -> anyhow::Result<()> {
    let open = || Corpus::open(&[Input::Path(path.to_path_buf())], IngestOptions::default());
    let t = Instant::now();
    let mut docs = 0u64;
    let mut text = 0u64;
    for r in open()? {
        let r = r?;
        docs += 1;
        text += r.doc.text.len() as u64;
    }
    let read = t.elapsed().as_secs_f64();
    println!(
        "  stage: ingest (read + parse JSON, 1 thread): {read:.2} s, {:.0} docs/s",
        docs as f64 / read
    );
    let sketcher = Sketcher::new(&VersionConfig::default());
    let t = Instant::now();
    let mut corpus = open()?;
    let mut shingles = 0u64;
    loop {
        let chunk: Vec<_> = corpus.by_ref().take(2048).collect::<Result<_, _>>()?;
        if chunk.is_empty() {
            break;
        }
        shingles += chunk
            .par_iter()
            .map(|r| sketcher.sketch(&r.doc.text).shingles.len() as u64)
            .sum::<u64>();
    }
    let sketch = t.elapsed().as_secs_f64();
    println!(
        "  stage: ingest then sketch (normalise, shingle, sign, band keys; {} threads): {sketch:.2} s, {:.0} docs/s ({:.0} shingles/doc, {:.0} text bytes/doc)",
        rayon::current_num_threads(),
        docs as f64 / sketch,
        shingles as f64 / docs.max(1) as f64,
        text as f64 / docs.max(1) as f64
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_words() {
        let (lines, words, _) =
            hash_words(b"{\"text\":\"Hello, World\"}\n{\"text\":\"caf\xc3\xa9 ok\"}\n");
        assert_eq!(lines, 2);
        // text, hello, world, text, café, ok
        assert_eq!(words, 6);
        let (_, _, a) = hash_words(b"Hello\n");
        let (_, _, b) = hash_words(b"hello\n");
        assert_eq!(a, b);
    }

    #[test]
    fn splitting_keeps_whole_lines() {
        let block = b"aaa\nbb\ncccc\nd\n";
        let parts = split_lines(block, 3);
        assert_eq!(parts.concat(), block.to_vec());
        assert!(parts.iter().all(|p| p.ends_with(b"\n")));
    }
}
