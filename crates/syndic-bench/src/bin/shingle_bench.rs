//! `shingle_bench CORPUS.jsonl [--docs N] [--rounds R]`: the speed of word shingling alone
//! ([`Shingler::shingle_into`] with the default 5-word shingles) on one core.
//!
//! It reads the `text` field of the first `N` lines of a JSON Lines corpus (default 20,000) into
//! memory, then shingles all of them `R` times (default 7) with one reused [`Scratch`], and
//! prints the fastest round as nanoseconds per text byte, MB/s and documents per second. Before
//! timing it checks every text's word count against the normaliser's words (the general path),
//! and every round must give the same shingles, so a fast-but-wrong change cannot pass as a
//! speed-up.
//!
//! Run it with `cargo run --release -p syndic-bench --bin shingle_bench -- CORPUS.jsonl`
//! (e.g. a corpus written by `syndic-bench generate`).

use anyhow::{Context, bail};
use std::io::BufRead;
use std::time::Instant;
use syndic::normalize::Normalizer;
use syndic::shingle::{Scratch, ShingleKind, ShingleSet, Shingler, words};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut path, mut docs, mut rounds) = (None, 20_000usize, 7usize);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> anyhow::Result<usize> {
            let v = args
                .next()
                .with_context(|| format!("{name} needs a value"))?;
            v.parse()
                .with_context(|| format!("{name} {v}: not a number"))
        };
        match arg.as_str() {
            "--docs" => docs = value("--docs")?,
            "--rounds" => rounds = value("--rounds")?.max(1),
            _ if path.is_none() => path = Some(arg),
            _ => bail!("unexpected argument {arg}"),
        }
    }
    let path = path.context("usage: shingle_bench CORPUS.jsonl [--docs N] [--rounds R]")?;
    let file = std::fs::File::open(&path).with_context(|| format!("opening {path}"))?;
    let mut texts = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().take(docs).enumerate() {
        let line = line.with_context(|| format!("reading {path} line {}", i + 1))?;
        let record: serde_json::Value = serde_json::from_str(&line)
            .with_context(|| format!("{path} line {}: not JSON", i + 1))?;
        let text = record["text"]
            .as_str()
            .with_context(|| format!("{path} line {}: no string field `text`", i + 1))?;
        texts.push(text.to_owned());
    }
    let bytes: usize = texts.iter().map(String::len).sum();

    let shingler = Shingler::new(ShingleKind::default());
    let normalizer = Normalizer::new();
    let mut set = ShingleSet::default();
    let mut scratch = Scratch::default();
    for (i, text) in texts.iter().enumerate() {
        shingler.shingle_into(text, &mut set, &mut scratch);
        let expected = words(&normalizer.normalize(text)).count();
        if set.words != expected {
            bail!(
                "text {i}: {} words shingled, the normaliser finds {expected}",
                set.words
            );
        }
    }

    let mut best = f64::INFINITY;
    let mut first = None;
    for _ in 0..rounds {
        let (mut count, mut checksum) = (0usize, 0u64);
        let start = Instant::now();
        for text in &texts {
            shingler.shingle_into(text, &mut set, &mut scratch);
            count += set.hashes.len();
            checksum = set
                .hashes
                .iter()
                .fold(checksum, |s, &h| s.rotate_left(5) ^ h);
        }
        best = best.min(start.elapsed().as_secs_f64());
        if *first.get_or_insert((count, checksum)) != (count, checksum) {
            bail!("two rounds gave different shingles");
        }
    }
    let (count, _) = first.unwrap_or_default();
    println!(
        "shingle_into, {} texts, {:.1} MB, {} shingles: fastest of {rounds} rounds {:.3} s = {:.2} ns/byte, {:.0} MB/s, {:.0} docs/s (one core)",
        texts.len(),
        bytes as f64 / 1e6,
        count,
        best,
        best * 1e9 / bytes.max(1) as f64,
        bytes as f64 / 1e6 / best,
        texts.len() as f64 / best
    );
    Ok(())
}
