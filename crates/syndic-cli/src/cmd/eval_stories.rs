//! `syndic eval-stories`: groups a labelled corpus into stories and scores the grouping
//! against its gold labels — B-cubed precision, recall and F1, pairwise F1, ARI, and the
//! numbers of gold and predicted stories ([`syndic::story::Evaluation`]).
//!
//! The corpus is JSON Lines whose records carry a gold story label (`--gold-field`); `--where
//! FIELD=VALUE` keeps only the records whose field has that value (a split), and only those
//! are grouped, so a split is scored as if it were the whole input. With `--refine` both the
//! online grouping (each document's story on arrival) and the refined one are scored, from
//! one run.

use crate::ExitStatus;
use crate::cmd::stories::{GroupingArgs, group};
use crate::input::InputArgs;
use crate::progress::Reporter;
use anyhow::{Context, bail};
use syndic::story::Evaluation;

/// Arguments of `syndic eval-stories`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = crate::EXIT_STATUS_HELP)]
pub(crate) struct Args {
    #[command(flatten)]
    input: InputArgs,

    #[command(flatten)]
    grouping: GroupingArgs,

    /// JSON field holding each record's gold story label (a string or a number).
    #[arg(long, value_name = "NAME", default_value = "story")]
    gold_field: String,

    /// Keep only records whose FIELD equals VALUE (as a string), e.g. `split=dev`. May be
    /// given several times; all must hold.
    #[arg(long = "where", value_name = "FIELD=VALUE", value_parser = parse_where)]
    filters: Vec<(String, String)>,

    /// Output format: `text` for people, `json` for programs.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// No progress line on stderr.
    #[arg(short, long)]
    quiet: bool,
}

/// `--format` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Aligned lines of figures.
    Text,
    /// One JSON object.
    Json,
}

fn parse_where(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(f, v)| (f.to_string(), v.to_string()))
        .filter(|(f, _)| !f.is_empty())
        .ok_or_else(|| format!("`{text}` is not FIELD=VALUE"))
}

/// A JSON value as a label: strings as they are, other scalars in their JSON form.
fn label(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Runs `syndic eval-stories`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitStatus> {
    let config = args.grouping.config()?;
    let refine = config.refine.is_some();
    let mut corpus = args.input.open(true)?;
    let reporter = Reporter::new(args.quiet);
    let mut gold: Vec<String> = Vec::new();
    let (run, stats) = group(&mut corpus, config, &reporter, |record| {
        let Some(raw) = record.raw.as_deref() else {
            bail!(
                "{}: eval-stories needs JSON Lines input with a `{}` field",
                record.location,
                args.gold_field
            );
        };
        let value: serde_json::Value =
            serde_json::from_str(raw).with_context(|| format!("{}", record.location))?;
        for (field, want) in &args.filters {
            if value.get(field).and_then(label).as_deref() != Some(want.as_str()) {
                return Ok(false);
            }
        }
        let Some(g) = value.get(&args.gold_field).and_then(label) else {
            bail!(
                "{}: no gold label in field `{}`",
                record.location,
                args.gold_field
            );
        };
        gold.push(g);
        Ok(true)
    })?;
    reporter.finish(
        &format!(
            "{} documents grouped in {:.2} s",
            stats.documents,
            stats.elapsed.as_secs_f64()
        ),
        stats.skipped,
    );
    anyhow::ensure!(
        !run.records.is_empty(),
        "no record to evaluate (check --where and the inputs)"
    );

    let online: Vec<&str> = run
        .records
        .iter()
        .map(|r| r.online_story.as_deref().unwrap_or(&r.story))
        .collect();
    let mut rows = vec![("online", Evaluation::of(&online, &gold))];
    if refine {
        let refined: Vec<&str> = run.records.iter().map(|r| r.story.as_str()).collect();
        rows.push(("refined", Evaluation::of(&refined, &gold)));
    }
    match args.format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = rows
                .iter()
                .map(|(name, e)| Ok(((*name).to_string(), serde_json::to_value(e)?)))
                .collect::<anyhow::Result<_>>()?;
            println!("{}", serde_json::Value::Object(map));
        }
        Format::Text => {
            let e = &rows[0].1;
            println!(
                "documents {}  gold stories {}",
                e.documents, e.gold_clusters
            );
            println!(
                "{:<8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
                "", "B3-P", "B3-R", "B3-F1", "pair-F1", "ARI", "stories"
            );
            for (name, e) in &rows {
                println!(
                    "{:<8} {:>9.4} {:>9.4} {:>9.4} {:>9.4} {:>9.4} {:>9}",
                    name,
                    e.bcubed_precision,
                    e.bcubed_recall,
                    e.bcubed_f1,
                    e.pairwise_f1,
                    e.ari,
                    e.predicted_clusters
                );
            }
        }
    }
    Ok(if stats.skipped > 0 {
        ExitStatus::Skipped
    } else {
        ExitStatus::Success
    })
}
