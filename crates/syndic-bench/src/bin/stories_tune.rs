//! `stories_tune FILE [KEY=V1,V2,...]...`: runs the story grouping over a labelled JSON Lines
//! corpus (ECB+ style: fields `id`, `text`, gold `story`, `split`) for every combination of the
//! given settings, and prints B-cubed F1 and friends per split. This is how the default
//! [`StoryConfig`] was chosen on the ECB+ train split (see `docs/stories.md`); the dev figures
//! it prints beside are for reporting, never for choosing.
//!
//! Settings: `threshold`, `lead_weight`, `name_boost`, `entity_boost`, `prior_docs`,
//! `lead_lines`, `lead_words`, `max_terms`, `window_days`, `min_terms`, `norm_drift`,
//! `query_features`, `index_features`, `index_min_scale`, `max_postings`, `max_candidates`, `refine` (the refinement ratio; 0 = off), `refine_contrast` (after `refine`) and
//! `versions` (0 = every document its own version family, an ablation). Unset settings keep
//! their defaults. Example, the two rows of `docs/stories.md`:
//!
//! ```text
//! cargo run --release -p syndic-bench --bin stories_tune -- \
//!     ../shared/data/ecbplus/ecbplus-train-dev.jsonl threshold=0.18,0.22,0.25
//! ```

use anyhow::{Context, bail};
use std::io::BufRead;
use syndic::Document;
use syndic::story::{Evaluation, StoryConfig, StoryIndex};
use syndic::versions::{VersionConfig, VersionIndex};

struct Labelled {
    doc: Document,
    story: String,
    split: String,
}

fn read(path: &str) -> anyhow::Result<Vec<Labelled>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {path}"))?;
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {path}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&line).with_context(|| format!("{path} line {}", n + 1))?;
        let field = |name: &str| v.get(name).and_then(|x| x.as_str()).map(str::to_string);
        let doc = Document {
            id: field("id").context("missing id")?,
            text: field("text").context("missing text")?,
            title: field("title"),
            source: field("source"),
            url: field("url"),
            published: field("published").and_then(|p| syndic::document::parse_timestamp(&p)),
        };
        out.push(Labelled {
            doc,
            story: field("story").context("missing story")?,
            split: field("split").unwrap_or_default(),
        });
    }
    Ok(out)
}

fn set(config: &mut StoryConfig, key: &str, value: f64) -> anyhow::Result<()> {
    match key {
        "threshold" => config.threshold = value as f32,
        "lead_weight" => config.lead_weight = value as f32,
        "name_boost" => config.name_boost = value as f32,
        "entity_boost" => config.entity_boost = value as f32,
        "prior_docs" => config.prior_docs = value as f32,
        "lead_words" => config.analyzer.lead_words = value as usize,
        "lead_lines" => config.analyzer.lead_lines = value as usize,
        "max_terms" => config.max_terms = value as usize,
        "window_days" => config.window = (value * 86_400.0) as i64,
        "min_terms" => config.min_terms = value as usize,
        "refine" => {
            config.refine = (value > 0.0).then(|| syndic::story::RefineConfig {
                ratio: value as f32,
                ..Default::default()
            });
        }
        "refine_contrast" => {
            if let Some(refine) = config.refine.as_mut() {
                refine.contrast = value as f32;
            }
        }
        "norm_drift" => config.norm_drift = value,
        "index_min_scale" => config.index_min_scale = value as f32,
        "index_features" => config.index_features = value as usize,
        "max_postings" => config.max_postings = value as usize,
        "member_decay" => config.member_decay = value as f32,
        "query_features" => config.query_features = value as usize,
        "max_candidates" => config.max_candidates = value as usize,
        other => bail!("unknown setting {other}"),
    }
    Ok(())
}

fn run(docs: &[&Labelled], config: &StoryConfig, use_versions: bool) -> Evaluation {
    let mut versions = VersionIndex::new(VersionConfig::default());
    let mut stories = StoryIndex::new(config.clone());
    let mut predicted = Vec::with_capacity(docs.len());
    for d in docs {
        let version = versions.add(&d.doc);
        let family = if use_versions {
            versions.id(version.family).to_string()
        } else {
            d.doc.id.clone()
        };
        let analysis = stories.analyzer().analyze(&d.doc);
        let source = d.doc.source.as_deref();
        // As `syndic stories` does (see `StoryBatch`): only an empty text is kept alone on
        // the versions engine's word.
        let a = if version.status != syndic::versions::Status::Empty {
            stories.add_analysis(&d.doc.id, source, &analysis, &family)
        } else {
            stories.add_too_short(&d.doc.id, source, &analysis, &family)
        };
        predicted.push(a.story);
    }
    let (_, refined) = stories.finish();
    for r in refined {
        predicted[r.doc as usize] = r.story;
    }
    let gold: Vec<&str> = docs.iter().map(|d| d.story.as_str()).collect();
    Evaluation::of(&predicted, &gold)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .context("usage: stories_tune FILE [KEY=V1,V2,...]...")?;
    let corpus = read(&path)?;
    let mut grid: Vec<(String, Vec<f64>)> = Vec::new();
    for a in args {
        let (k, v) = a.split_once('=').context("settings are KEY=V1,V2,...")?;
        let values = v
            .split(',')
            .map(str::parse)
            .collect::<Result<Vec<f64>, _>>()
            .with_context(|| format!("values of {k}"))?;
        grid.push((k.to_string(), values));
    }
    let mut splits: Vec<&str> = corpus.iter().map(|d| d.split.as_str()).collect();
    splits.sort_unstable();
    splits.dedup();
    let mut combo = vec![0usize; grid.len()];
    loop {
        let mut config = StoryConfig::default();
        let mut use_versions = true;
        let mut name = Vec::new();
        for ((k, values), &i) in grid.iter().zip(&combo) {
            if k == "versions" {
                use_versions = values[i] != 0.0;
            } else {
                set(&mut config, k, values[i])?;
            }
            name.push(format!("{k}={}", values[i]));
        }
        let mut line = name.join(" ");
        for split in &splits {
            let docs: Vec<&Labelled> = corpus.iter().filter(|d| d.split == *split).collect();
            let e = run(&docs, &config, use_versions);
            line.push_str(&format!(
                " | {split} P={:.3} R={:.3} F={:.3} pF={:.3} ARI={:.3} n={}/{}",
                e.bcubed_precision,
                e.bcubed_recall,
                e.bcubed_f1,
                e.pairwise_f1,
                e.ari,
                e.predicted_clusters,
                e.gold_clusters
            ));
        }
        println!("{line}");
        // Next combination.
        let mut i = 0;
        loop {
            if i == grid.len() {
                return Ok(());
            }
            combo[i] += 1;
            if combo[i] < grid[i].1.len() {
                break;
            }
            combo[i] = 0;
            i += 1;
        }
    }
}
