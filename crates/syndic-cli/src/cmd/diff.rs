//! `syndic diff A B`: how two documents relate and what changed between them.
//!
//! A and B are files (read whole as plain text, gzip or zstd detected from the content; the id
//! is the path as given), or — with `--input` — ids of records in those inputs (JSON Lines files,
//! directories, `-`). The output is the verdict with its figures, then the aligned passages of
//! [`syndic::diff::Diff`]: text for people (coloured on a terminal), or `--format json`, one
//! [`syndic::diff::Comparison`] object for programs.
//!
//! Text form, one passage per line, paragraphs separated by a blank line:
//! ```text
//!   shared sentence(s)
//! - only in A
//! + only in B
//! ~ rewritten: the mayor [-said-]{+told reporters+} on Monday
//! ```
//! Colour (red for A, green for B, shared text dimmed, brackets dropped) is used when stdout is
//! a terminal and `NO_COLOR` is unset or empty, or with `--color always`.

use crate::ExitStatus;
use anstyle::{AnsiColor, Style};
use anyhow::{Context, bail};
use std::io::{IsTerminal, Read, Write};
use syndic::Document;
use syndic::diff::{ChangeOp, Comparison, Differ, Extent, Passage, PassageKind};
use syndic::ingest::{Corpus, FieldNames, IngestOptions, Input, OnError};

/// Arguments of `syndic diff`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit statuses:\n  \
    0  success\n  \
    1  finished, but some --input records were skipped (each reported on stderr)\n  \
    2  error: an id not found, an unreadable file, bad arguments")]
pub(crate) struct Args {
    /// Document A: a file, or with --input the id of a record.
    #[arg(value_name = "A")]
    a: String,

    /// Document B: a file, or with --input the id of a record.
    #[arg(value_name = "B")]
    b: String,

    /// Look A and B up as ids in these inputs (JSON Lines files, directories of .txt/.md files,
    /// or `-` for standard input; gzip and zstd detected). Repeat for several inputs. Without
    /// it, A and B are files read whole as plain text.
    #[arg(long = "input", short = 'i', value_name = "INPUT")]
    inputs: Vec<String>,

    /// JSON field holding the document id (with --input).
    #[arg(long, value_name = "NAME", default_value = "id")]
    id_field: String,

    /// JSON field holding the text (with --input).
    #[arg(long, value_name = "NAME", default_value = "text")]
    text_field: String,

    /// Output format: `text` for people, `json` for programs (one object, see the
    /// `syndic::diff::Comparison` docs).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Text)]
    format: Format,

    /// Colour the text output: `auto` when stdout is a terminal and NO_COLOR is unset or
    /// empty, `always`, or `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Show shared passages as a count instead of their text.
    #[arg(long)]
    changes_only: bool,
}

/// `--format` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Verdict and aligned passages for people.
    Text,
    /// One JSON object.
    Json,
}

/// `--color` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ColorChoice {
    /// Colour on a terminal unless NO_COLOR is set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Runs `syndic diff`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitStatus> {
    let (a, b, skipped) = if args.inputs.is_empty() {
        (read_file(&args.a)?, read_file(&args.b)?, 0)
    } else {
        find_ids(&args)?
    };
    let comparison = Differ::new().compare(&a, &b);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            serde_json::to_writer(&mut out, &comparison).context("writing JSON")?;
            writeln!(out)?;
        }
        Format::Text => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            let palette = if color {
                Palette::colored()
            } else {
                Palette::plain()
            };
            render_text(&comparison, &palette, args.changes_only, &mut out)?;
        }
    }
    out.flush()?;
    Ok(if skipped > 0 {
        ExitStatus::Skipped
    } else {
        ExitStatus::Success
    })
}

/// Reads a whole file as one document whose id is the path as given.
fn read_file(path: &str) -> anyhow::Result<Document> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {path}"))?;
    let (mut reader, _) =
        syndic::ingest::decompress(file).with_context(|| format!("reading {path}"))?;
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {path}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{path}: not valid UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(Document::new(path, text))
}

/// Finds documents A and B by id in the `--input`s; stops reading once both are found.
fn find_ids(args: &Args) -> anyhow::Result<(Document, Document, u64)> {
    let inputs: Vec<Input> = args.inputs.iter().map(|i| Input::from_arg(i)).collect();
    let options = IngestOptions {
        fields: FieldNames {
            id: args.id_field.clone(),
            text: args.text_field.clone(),
            ..FieldNames::default()
        },
        on_error: OnError::Skip,
        ..IngestOptions::default()
    };
    let mut corpus = Corpus::open(&inputs, options).context("opening the inputs")?;
    let (mut a, mut b) = (None, None);
    let mut skipped = 0;
    while a.is_none() || b.is_none() {
        let Some(record) = corpus.next() else { break };
        for err in corpus.drain_skipped() {
            eprintln!("syndic: skipped: {err}");
            skipped += 1;
        }
        let doc = record.context("reading the inputs")?.doc;
        if a.is_none() && doc.id == args.a {
            a = Some(doc.clone());
        }
        if b.is_none() && doc.id == args.b {
            b = Some(doc);
        }
    }
    for err in corpus.drain_skipped() {
        eprintln!("syndic: skipped: {err}");
        skipped += 1;
    }
    let names = args.inputs.join(", ");
    match (a, b) {
        (Some(a), Some(b)) => Ok((a, b, skipped)),
        (None, _) => bail!("no document with id `{}` in {names}", args.a),
        (_, None) => bail!("no document with id `{}` in {names}", args.b),
    }
}

/// Styles of the text output; all empty when plain.
struct Palette {
    color: bool,
    header: Style,
    shared: Style,
    only_a: Style,
    only_b: Style,
    rewritten: Style,
    deleted: Style,
    inserted: Style,
}

impl Palette {
    fn plain() -> Palette {
        Palette {
            color: false,
            header: Style::new(),
            shared: Style::new(),
            only_a: Style::new(),
            only_b: Style::new(),
            rewritten: Style::new(),
            deleted: Style::new(),
            inserted: Style::new(),
        }
    }

    fn colored() -> Palette {
        let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
        Palette {
            color: true,
            header: Style::new().bold(),
            shared: Style::new().dimmed(),
            only_a: fg(AnsiColor::Red),
            only_b: fg(AnsiColor::Green),
            rewritten: fg(AnsiColor::Yellow),
            deleted: fg(AnsiColor::Red).strikethrough(),
            inserted: fg(AnsiColor::Green).underline(),
        }
    }
}

/// Writes the text form: the header (ids, sizes, verdict, counts), then the passages.
fn render_text(
    c: &Comparison,
    p: &Palette,
    changes_only: bool,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let (d, v, h) = (&c.diff, &c.verdict, p.header);
    for (side, id, size) in [("A", &c.a, d.a), ("B", &c.b, d.b)] {
        writeln!(
            out,
            "{side}  {id}  ({} paragraphs, {} sentences, {} words)",
            size.paragraphs, size.sentences, size.words
        )?;
    }
    let short = if v.too_short {
        " — too short to judge"
    } else {
        ""
    };
    writeln!(
        out,
        "{h}{}{h:#}{short}: Jaccard {:.4}, containment {:.4}, story similarity {:.4}",
        v.relation.describe(),
        v.jaccard,
        v.containment,
        v.story_similarity
    )?;
    let n = d.counts;
    writeln!(
        out,
        "sentences: {} shared, {} rewritten, {} only in A, {} only in B",
        n.shared, n.rewritten, n.only_a, n.only_b
    )?;
    let mut previous: Option<&Passage> = None;
    // With --changes-only, a run of shared passages becomes one line: (sentences, paragraphs).
    let mut skipped: Option<(usize, usize)> = None;
    for passage in &d.passages {
        if changes_only && passage.kind == PassageKind::Shared {
            let count = passage.b.as_ref().map_or(0, |e| e.end - e.start);
            let (sentences, paragraphs) = skipped.unwrap_or((0, 0));
            let new_paragraph = !previous.is_some_and(|q| same_paragraph(passage, q));
            skipped = Some((sentences + count, paragraphs + usize::from(new_paragraph)));
            previous = Some(passage);
            continue;
        }
        if let Some(run) = skipped.take() {
            write_skipped(out, p, run)?;
        }
        if !previous.is_some_and(|q| same_paragraph(passage, q)) {
            writeln!(out)?;
        }
        previous = Some(passage);
        match passage.kind {
            PassageKind::Shared => {
                let s = p.shared;
                writeln!(out, "{s}  {}{s:#}", text(&passage.b))?;
            }
            PassageKind::OnlyA => {
                let s = p.only_a;
                writeln!(out, "{s}- {}{s:#}", text(&passage.a))?;
            }
            PassageKind::OnlyB => {
                let s = p.only_b;
                writeln!(out, "{s}+ {}{s:#}", text(&passage.b))?;
            }
            PassageKind::Rewritten => {
                let s = p.rewritten;
                write!(out, "{s}~{s:#} ")?;
                for change in &passage.changes {
                    write_change(out, p, change.op, &flat(&change.text))?;
                }
                writeln!(out)?;
            }
        }
    }
    if let Some(run) = skipped {
        write_skipped(out, p, run)?;
    }
    Ok(())
}

/// Whether two passages continue one paragraph on a side both have.
fn same_paragraph(x: &Passage, y: &Passage) -> bool {
    let same = |u: &Option<Extent>, v: &Option<Extent>| matches!((u, v), (Some(u), Some(v)) if u.paragraph == v.paragraph);
    same(&x.a, &y.a) || same(&x.b, &y.b)
}

/// The original text of one side of a passage, on one line.
fn text(extent: &Option<Extent>) -> String {
    extent.as_ref().map_or(String::new(), |e| flat(&e.text))
}

/// The line standing for a run of shared passages under --changes-only.
fn write_skipped(
    out: &mut impl Write,
    p: &Palette,
    (sentences, paragraphs): (usize, usize),
) -> std::io::Result<()> {
    let s = p.shared;
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    writeln!(out)?;
    writeln!(
        out,
        "{s}  … {sentences} shared sentence{} in {paragraphs} paragraph{} …{s:#}",
        plural(sentences),
        plural(paragraphs)
    )
}

/// Writes one piece of a rewritten sentence; the white space after a changed piece goes
/// outside its markers.
fn write_change(
    out: &mut impl Write,
    p: &Palette,
    op: ChangeOp,
    text: &str,
) -> std::io::Result<()> {
    let word = text.trim_end();
    let space = &text[word.len()..];
    match (op, p.color) {
        (ChangeOp::Equal, _) => write!(out, "{text}"),
        (ChangeOp::Delete, false) => write!(out, "[-{word}-]{space}"),
        (ChangeOp::Insert, false) => write!(out, "{{+{word}+}}{space}"),
        (ChangeOp::Delete, true) => write!(out, "{s}{word}{s:#}{space}", s = p.deleted),
        (ChangeOp::Insert, true) => write!(out, "{s}{word}{s:#}{space}", s = p.inserted),
    }
}

/// Text on one line: every run of white space becomes one space, the ends keep one space if
/// they had any (so pieces of a rewritten sentence still join with a space).
fn flat(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && (!out.is_empty() || text.starts_with(char::is_whitespace)) {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_joins_lines_and_keeps_edge_spaces() {
        assert_eq!(flat("a\n  b\tc"), "a b c");
        assert_eq!(flat("said \n"), "said ");
        assert_eq!(flat(" x"), " x");
        assert_eq!(flat(""), "");
    }

    #[test]
    fn plain_rewrites_use_word_diff_markers() {
        let a = Document::new("a", "The mayor said it was a good day for the city.");
        let b = Document::new("b", "The mayor said it was a great day for the city.");
        let c = Differ::new().compare(&a, &b);
        let mut out = Vec::new();
        render_text(&c, &Palette::plain(), false, &mut out).unwrap_or_default();
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.contains("~ The mayor said it was a [-good-] {+great+} day for the city."),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'));
        let mut colored = Vec::new();
        render_text(&c, &Palette::colored(), false, &mut colored).unwrap_or_default();
        assert!(String::from_utf8_lossy(&colored).contains("\u{1b}["));
    }
}
