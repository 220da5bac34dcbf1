//! `syndic-bench`: generates labelled corpora and benchmarks `syndic dedup` on them.
use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;
use syndic_bench::corpus::{CorpusSpec, DEFAULT_SEED};

/// Labelled corpus generator and benchmark of syndic.
#[derive(Parser, Debug)]
enum Cli {
    /// Writes a labelled corpus as JSON Lines.
    Generate {
        /// Number of documents.
        #[arg(long)]
        docs: u64,
        /// Seed.
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse() {
        Cli::Generate { docs, seed, output } => {
            let file = std::fs::File::create(&output)
                .with_context(|| format!("creating {}", output.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let t = std::time::Instant::now();
            let stats = CorpusSpec { docs, seed }.write_jsonl(&mut w)?;
            eprintln!("{stats:?} in {:?}", t.elapsed());
        }
    }
    Ok(())
}
