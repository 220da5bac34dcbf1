//! `syndic report INPUT... -o report.html`: one self-contained HTML file of a corpus's stories,
//! their version families, and what each version changed against its family's canonical member.
//!
//! The page is built from three embedded assets (`src/report/`: `template.html`, `report.css`,
//! `report.js`, vanilla JavaScript) and one JSON document holding the data, inside
//! `<script type="application/json">`. Nothing is loaded from the network: a Content Security
//! Policy (`default-src 'none'`, scripts and styles only with the page's nonce) forbids it, and
//! the script builds the DOM on demand from the data with `textContent` — document text is
//! never parsed as HTML. In the embedded JSON every `<` is written `\u003c`, so no text can
//! close the script element. Above 4 MB of JSON (`--compress auto`) the data is embedded
//! gzip-compressed and base64-encoded instead, and inflated by the browser's
//! `DecompressionStream`: about 4x smaller.
//!
//! **Scale.** The data is compact (arrays, not objects; sources interned), the story list is
//! paginated and a story's charts, families and diffs are built only when it is opened. Diffs
//! are computed here, once, for each non-canonical member against its canonical only, in the
//! `--changes-only` form (shared passages as counts) and truncated: each passage to
//! `--passage-chars`, each diff to `--diff-chars`, equal runs inside rewritten sentences to
//! their ends. Texts are spilled to a temporary file while the corpus is read, so memory holds
//! the documents' metadata, not their text.
//!
//! ## Data (JSON form, version 1)
//! ```json
//! {"v":1,"title":"…","generated":"2026-03-04T10:00:00Z","inputs":["news.jsonl"],
//!  "counts":{"documents":31,"families":22,"stories":22,"sources":9,"diffs":9,"skipped":0},
//!  "story_grouping":"…",
//!  "sources":["Northern Wire","Valley Courier"],
//!  "docs":[["harbor-fire-wire","Fire destroys …",0,1772523600,375,1.0,1.0,0,null], …],
//!  "families":[[0,[0,3,5],"PORT ELLIS, March 3 …"], …],
//!  "stories":[[0,1772523600,1772563800,[0,4,7],["Port Ellis","Halvorsen Marine Supply"]], …]}
//! ```
//! A doc row is `[id, title|null, source index|-1, published (epoch s)|null, words,
//! similarity, containment, family, diff|null]` (similarity and containment to the family's
//! canonical). A family is `[canonical doc, member docs by time, opening of the canonical]`
//! (the opening only for families of two or more); a story `[headline, first seen|null, last
//! seen|null, families, names]`, stories sorted by size, where the headline is the number of
//! the doc whose title it is, or a text (the opening sentence of an untitled document), and
//! names are its top three names (stories of two or more documents only).
//! A diff is `{"n":[shared,rewritten,only_a,only_b],"p":[[kind,payload],…],"t":true?}` from the
//! canonical (A) to the member (B): kind 0 shared (payload: sentence count), 1 rewritten
//! (payload: `[[op,text],…]`, op 0 equal, 1 deleted, 2 inserted), 2 only in the canonical
//! (text, cut to a third of `--passage-chars`; consecutive passages merged with ` ¶ `), 3 only
//! in the member (text); `t` marks a truncated diff.

use crate::ExitStatus;
use crate::input::InputArgs;
use crate::progress::Reporter;
use anyhow::Context;
use base64::Engine;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use syndic::Document;
use syndic::diff::{ChangeOp, Diff, Differ, PassageKind};
use syndic::document::Timestamp;
use syndic::engine::BatchDriver;
use syndic::story::{Analysis, Analyzer, StoryConfig, StoryIndex, StorySummary};
use syndic::versions::{VersionConfig, VersionIndex, VersionRecord};

const TEMPLATE: &str = include_str!("../report/template.html");
const CSS: &str = include_str!("../report/report.css");
const JS: &str = include_str!("../report/report.js");

/// How stories are formed, as the report states it.
const STORY_GROUPING: &str = "reports of one event, grouped by the stories engine in input \
    order (names, rare terms and time; a version family always stays in one story)";

/// Documents analysed in parallel per step of the story pass.
const STORY_CHUNK: usize = 2048;

/// Arguments of `syndic report`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = crate::EXIT_STATUS_HELP)]
pub(crate) struct Args {
    #[command(flatten)]
    input: InputArgs,

    /// Write the report to FILE.
    #[arg(short, long, value_name = "FILE", default_value = "report.html")]
    output: PathBuf,

    /// Title at the top of the page.
    #[arg(long, value_name = "TEXT", default_value = "syndic report")]
    title: String,

    /// Longest text kept of one added or rewritten passage in a diff (characters; a third of
    /// it for text only in the canonical); longer ones are cut with "…". Larger values make
    /// the file grow with the amount of changed text.
    #[arg(long, value_name = "N", default_value_t = 600)]
    passage_chars: usize,

    /// Longest diff kept per document (characters of text); the rest is marked as cut, and
    /// `syndic diff` shows it whole.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    diff_chars: usize,

    /// Characters of the canonical text shown as the opening of each family of two or more.
    /// 0 for none.
    #[arg(long, value_name = "N", default_value_t = 280)]
    excerpt_chars: usize,

    /// Embed the data gzip-compressed (base64; the page inflates it with the browser's own
    /// DecompressionStream): `auto` when the data exceeds 4 MB, `always`, or `never`. About
    /// 4x smaller; needs a browser from 2023 or later (Chrome 80, Firefox 113, Safari 16.4).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = Compress::Auto)]
    compress: Compress,

    /// No progress line and no summary on stderr (skipped records are still reported).
    #[arg(short, long)]
    quiet: bool,
}

/// `--compress` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Compress {
    /// Compress when the data exceeds 4 MB.
    Auto,
    /// Always compress.
    Always,
    /// Never compress: plain JSON.
    Never,
}

/// What the report keeps of one document while the corpus is read.
struct DocMeta {
    id: String,
    title: Option<String>,
    source: Option<String>,
    published: Option<Timestamp>,
    words: u32,
    /// Byte offset and length of its text in the spill file.
    text: (u64, u32),
}

/// Runs `syndic report`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitStatus> {
    let start = Instant::now();
    let temp = std::env::temp_dir();
    let index = VersionIndex::builder(VersionConfig::default())
        .spill_to(&temp)
        .build()?;
    let mut corpus = args.input.open(false)?;
    let reporter = Reporter::new(args.quiet);
    let spill_file = tempfile::tempfile_in(&temp)
        .with_context(|| format!("creating a temporary file in {}", temp.display()))?;
    let mut spill = BufWriter::with_capacity(1 << 20, spill_file);
    let mut written = 0u64;
    let mut metas: Vec<DocMeta> = Vec::new();
    let outcome = BatchDriver::new()
        .on_progress(|p| reporter.progress(p))
        .on_skip(|e| reporter.skipped(e))
        .on_record(|record| {
            let doc = &record.doc;
            let len = u32::try_from(doc.text.len()).map_err(|_| {
                syndic::Error::input(record.location.clone(), "text longer than 4 GiB")
            })?;
            spill
                .write_all(doc.text.as_bytes())
                .map_err(|e| syndic::Error::io("copying texts to a temporary file", e))?;
            metas.push(DocMeta {
                id: doc.id.clone(),
                title: doc.title.clone(),
                source: doc.source.clone(),
                published: doc.published,
                words: u32::try_from(doc.text.split_whitespace().count()).unwrap_or(u32::MAX),
                text: (written, len),
            });
            written += u64::from(len);
            Ok(())
        })
        .run(&mut corpus, index)?;
    let texts = Texts {
        file: spill
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)
            .context("writing the temporary copy of the texts")?,
    };
    anyhow::ensure!(
        metas.len() == outcome.records.len()
            && metas
                .iter()
                .zip(&outcome.records)
                .all(|(m, r)| m.id == r.id),
        "internal error: records and documents out of step"
    );

    let limits = Limits {
        passage: args.passage_chars.max(20),
        diff: args.diff_chars.max(100),
    };
    let mut phases = Phases {
        versions: start.elapsed().as_secs_f64(),
        ..Phases::default()
    };
    let mut data = build(
        &args,
        &metas,
        &outcome.records,
        &texts,
        &limits,
        &mut phases,
    )?;
    data.counts.skipped = outcome.summary.skipped;
    let writing = Instant::now();
    let bytes = write_html(&args, &data)?;
    phases.write = writing.elapsed().as_secs_f64();

    let summary = outcome.summary;
    reporter.finish(
        &format!(
            "{}: {} documents, {} families, {} stories, {} diffs, {} in {:.2} s (reading and \
             versions {:.1} s, diffs {:.1} s, stories {:.1} s, writing {:.1} s)",
            args.output.display(),
            data.docs.len(),
            data.families.len(),
            data.stories.len(),
            data.counts.diffs,
            human_size(bytes),
            start.elapsed().as_secs_f64(),
            phases.versions,
            phases.diffs,
            phases.stories,
            phases.write
        ),
        summary.skipped,
    );
    Ok(if summary.skipped > 0 {
        ExitStatus::Skipped
    } else {
        ExitStatus::Success
    })
}

/// `812 KB`, `41.3 MB`.
fn human_size(bytes: u64) -> String {
    if bytes < 1_000_000 {
        format!("{} KB", bytes.div_ceil(1000))
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// Seconds spent in each phase, for the summary line.
#[derive(Default)]
struct Phases {
    versions: f64,
    diffs: f64,
    stories: f64,
    write: f64,
}

/// Truncation limits of the embedded diffs, in characters.
struct Limits {
    passage: usize,
    diff: usize,
}

/// The texts spilled while reading, read back by offset from any thread.
struct Texts {
    file: File,
}

impl Texts {
    fn get(&self, (offset, len): (u64, u32)) -> anyhow::Result<String> {
        let mut buf = vec![0u8; len as usize];
        read_at(&self.file, &mut buf, offset).context("reading the temporary copy of the texts")?;
        // The bytes were written from a `String`, so they are UTF-8; lossy only as a guard.
        Ok(String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into()))
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_read(buf, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

/// The embedded data; see the module docs for its JSON form.
#[derive(Serialize)]
struct Data<'a> {
    v: u32,
    title: &'a str,
    generated: String,
    inputs: &'a [String],
    counts: Counts,
    story_grouping: &'a str,
    sources: Vec<&'a str>,
    docs: Vec<DocRow<'a>>,
    families: Vec<FamilyRow>,
    stories: Vec<StoryRow>,
}

#[derive(Serialize)]
struct Counts {
    documents: usize,
    families: usize,
    stories: usize,
    sources: usize,
    diffs: usize,
    skipped: u64,
}

/// `[id, title, source, published, words, similarity, containment, family, diff]`.
#[derive(Serialize)]
struct DocRow<'a>(
    &'a str,
    Option<&'a str>,
    i64,
    Option<Timestamp>,
    u32,
    f64,
    f64,
    u32,
    Option<CompactDiff>,
);

/// `[canonical, members, opening]`.
#[derive(Serialize)]
struct FamilyRow(u32, Vec<u32>, String);

/// `[headline, first, last, families, names]`.
#[derive(Serialize)]
struct StoryRow(
    Headline,
    Option<Timestamp>,
    Option<Timestamp>,
    Vec<u32>,
    Vec<String>,
);

/// A story's headline: the number of the document whose title it is, or its own text.
#[derive(Serialize)]
#[serde(untagged)]
enum Headline {
    Title(u32),
    Text(String),
}

/// A diff in the report's compact form (see the module docs).
#[derive(Serialize)]
struct CompactDiff {
    n: [usize; 4],
    p: Vec<(u8, Payload)>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    t: bool,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Payload {
    Count(usize),
    Text(String),
    Changes(Vec<(u8, String)>),
}

/// Builds the report data: families from the version records, stories from the families,
/// and the diff of every non-canonical member against its canonical (in parallel).
fn build<'a>(
    args: &'a Args,
    metas: &'a [DocMeta],
    records: &[VersionRecord],
    texts: &Texts,
    limits: &Limits,
    phases: &mut Phases,
) -> anyhow::Result<Data<'a>> {
    // Families, numbered in order of first appearance.
    let position: HashMap<&str, u32> = metas
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i as u32))
        .collect();
    let mut family_of_canonical: HashMap<u32, u32> = HashMap::new();
    let mut families: Vec<(u32, Vec<u32>)> = Vec::new();
    let mut doc_family = vec![0u32; metas.len()];
    for (i, r) in records.iter().enumerate() {
        let canonical = *position
            .get(r.version.as_str())
            .with_context(|| format!("internal error: unknown canonical `{}`", r.version))?;
        let next = families.len() as u32;
        let f = *family_of_canonical.entry(canonical).or_insert(next);
        if f == next {
            families.push((canonical, Vec::new()));
        }
        families[f as usize].1.push(i as u32);
        doc_family[i] = f;
    }
    let time = |d: u32| metas[d as usize].published;
    for (_, members) in &mut families {
        members.sort_by_key(|&d| (time(d).unwrap_or(i64::MAX), d));
    }

    // Sources, interned by first appearance.
    let mut source_index: HashMap<&str, i64> = HashMap::new();
    let mut sources: Vec<&str> = Vec::new();
    for m in metas {
        if let Some(s) = m.source.as_deref()
            && !source_index.contains_key(s)
        {
            source_index.insert(s, sources.len() as i64);
            sources.push(s);
        }
    }

    // Diffs of non-canonical members against their canonical.
    let timer = Instant::now();
    let differ = Differ::new();
    let pairs: Vec<(u32, u32)> = families
        .iter()
        .flat_map(|(c, members)| members.iter().filter(|&&m| m != *c).map(|&m| (*c, m)))
        .collect();
    let mut diffs: HashMap<u32, CompactDiff> = pairs
        .par_iter()
        .map(|&(c, m)| -> anyhow::Result<(u32, CompactDiff)> {
            let a = texts.get(metas[c as usize].text)?;
            let b = texts.get(metas[m as usize].text)?;
            Ok((m, compact(&differ.diff(&a, &b), limits)))
        })
        .collect::<anyhow::Result<_>>()?;
    let diff_count = diffs.len();
    phases.diffs = timer.elapsed().as_secs_f64();

    let family_rows: Vec<FamilyRow> = families
        .iter()
        .map(|(c, members)| -> anyhow::Result<FamilyRow> {
            // Singletons have no diff to read the opening against: their title is enough.
            let opening = if args.excerpt_chars == 0 || members.len() < 2 {
                String::new()
            } else {
                cut(&texts.get(metas[*c as usize].text)?, args.excerpt_chars)
            };
            Ok(FamilyRow(*c, members.clone(), opening))
        })
        .collect::<anyhow::Result<_>>()?;

    let timer = Instant::now();
    let stories = group_stories(&families, &doc_family, metas, &position, texts)?;
    phases.stories = timer.elapsed().as_secs_f64();

    let docs = metas
        .iter()
        .zip(records)
        .enumerate()
        .map(|(i, (m, r))| {
            DocRow(
                &m.id,
                m.title.as_deref(),
                m.source
                    .as_deref()
                    .and_then(|s| source_index.get(s).copied())
                    .unwrap_or(-1),
                m.published,
                m.words,
                r.similarity,
                r.containment,
                doc_family[i],
                diffs.remove(&(i as u32)),
            )
        })
        .collect();

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Ok(Data {
        v: 1,
        title: &args.title,
        generated: syndic::document::format_timestamp(now),
        inputs: &args.input.inputs,
        counts: Counts {
            documents: metas.len(),
            families: families.len(),
            stories: stories.len(),
            sources: sources.len(),
            diffs: diff_count,
            skipped: 0,
        },
        story_grouping: STORY_GROUPING,
        sources,
        docs,
        families: family_rows,
        stories,
    })
}

/// Groups families into stories with the stories engine ([`StoryIndex`]), largest story
/// first (then earliest).
///
/// Documents are added in input order, each with its final version family (its canonical
/// member's id), so the grouping is the one `syndic stories` makes; texts are read back from
/// the spill file and analysed in parallel a chunk at a time, then assigned in order — the
/// same answer whatever the thread count. A family belongs to the story of its first member
/// (the engine puts every later member there too, as a version).
fn group_stories(
    families: &[(u32, Vec<u32>)],
    doc_family: &[u32],
    metas: &[DocMeta],
    position: &HashMap<&str, u32>,
    texts: &Texts,
) -> anyhow::Result<Vec<StoryRow>> {
    let config = StoryConfig::default();
    // A second analyzer with the index's settings analyses the next chunk while the index
    // assigns the current one (the analysis is pure, so the answer is the same).
    let analyzer = Analyzer::new(config.analyzer.clone());
    let mut index = StoryIndex::new(config);
    let mut doc_story: Vec<Arc<str>> = Vec::with_capacity(metas.len());
    let analyze = |chunk: &[u32]| -> anyhow::Result<Vec<Analysis>> {
        chunk
            .par_iter()
            .map(|&d| {
                let m = &metas[d as usize];
                let doc = Document {
                    id: m.id.clone(),
                    text: texts.get(m.text)?,
                    title: m.title.clone(),
                    source: m.source.clone(),
                    url: None,
                    published: m.published,
                };
                Ok(analyzer.analyze(&doc))
            })
            .collect()
    };
    let mut assign = |chunk: &[u32], analyses: Vec<Analysis>| {
        for (&d, analysis) in chunk.iter().zip(&analyses) {
            let m = &metas[d as usize];
            let canonical = families[doc_family[d as usize] as usize].0;
            let family = &metas[canonical as usize].id;
            let assigned = index.add_analysis(&m.id, m.source.as_deref(), analysis, family);
            doc_story.push(assigned.story);
        }
    };
    let all: Vec<u32> = (0..metas.len() as u32).collect();
    let chunks: Vec<&[u32]> = all.chunks(STORY_CHUNK).collect();
    let mut ready: Option<(&[u32], Vec<Analysis>)> = None;
    for &chunk in &chunks {
        let (analysed, ()) = rayon::join(
            || analyze(chunk),
            || {
                if let Some((previous, analyses)) = ready.take() {
                    assign(previous, analyses);
                }
            },
        );
        ready = Some((chunk, analysed?));
    }
    if let Some((previous, analyses)) = ready.take() {
        assign(previous, analyses);
    }
    let (summaries, refined) = index.finish();
    // Empty with the default settings (no refinement pass); applied should that change.
    for r in refined {
        if let Some(slot) = doc_story.get_mut(r.doc as usize) {
            *slot = r.story;
        }
    }
    let summaries: HashMap<String, StorySummary> =
        summaries.into_iter().map(|s| (s.id.clone(), s)).collect();

    // Families by story, in order of first appearance.
    let mut order: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<(&str, Vec<u32>)> = Vec::new();
    for (f, (_, members)) in families.iter().enumerate() {
        let first = members.iter().copied().min().unwrap_or(0);
        let story: &str = &doc_story[first as usize];
        let at = *order.entry(story).or_insert_with(|| {
            groups.push((story, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push(f as u32);
    }

    let mut stories = Vec::with_capacity(groups.len());
    for (id, group) in groups {
        let documents: usize = group.iter().map(|&f| families[f as usize].1.len()).sum();
        let summary = summaries.get(id);
        // The headline is the story's first document's title when it has one: refer to it.
        let first_doc = position.get(id).copied();
        let headline = match (summary, first_doc) {
            (Some(s), Some(d))
                if metas[d as usize].title.as_deref().map(str::trim)
                    == Some(s.headline.as_str()) =>
            {
                Headline::Title(d)
            }
            (Some(s), _) => Headline::Text(cut(&s.headline, 200)),
            (None, Some(d)) => match &metas[d as usize].title {
                Some(t) if !t.trim().is_empty() => Headline::Title(d),
                _ => Headline::Text(first_sentence(&texts.get(metas[d as usize].text)?)),
            },
            (None, None) => Headline::Text(id.to_string()),
        };
        let times = group
            .iter()
            .flat_map(|&f| families[f as usize].1.iter())
            .filter_map(|&d| metas[d as usize].published);
        let first = summary.and_then(|s| s.first_seen).or(times.clone().min());
        let last = summary.and_then(|s| s.last_seen).or(times.max());
        // Names only for stories of several documents: they tell such stories apart.
        let names = match summary {
            Some(s) if documents > 1 => s.names.iter().take(3).cloned().collect(),
            _ => Vec::new(),
        };
        stories.push((documents, StoryRow(headline, first, last, group, names)));
    }
    stories.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.1.unwrap_or(i64::MAX).cmp(&b.1.1.unwrap_or(i64::MAX)))
            .then(a.1.3.cmp(&b.1.3))
    });
    Ok(stories.into_iter().map(|(_, s)| s).collect())
}

/// The first sentence (or line) of a text, at most 140 characters.
fn first_sentence(text: &str) -> String {
    let text = text.trim();
    let end = text
        .find(". ")
        .map(|i| i + 1)
        .into_iter()
        .chain(text.find('\n'))
        .min()
        .unwrap_or(text.len());
    cut(&text[..end], 140)
}

/// At most `max` characters of `text` on one line, with "…" when cut (at a word boundary when
/// one is near).
fn cut(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((at, next)) => {
            let head = &flat[..at];
            let head = match head.rfind(' ') {
                Some(space) if next != ' ' && space >= at / 2 => &head[..space],
                _ => head,
            };
            format!("{}…", head.trim_end())
        }
        None => flat,
    }
}

/// Keeps the first and last `keep` characters of an equal run, joined by " … ".
fn squeeze(text: &str, keep: usize) -> String {
    let chars = text.chars().count();
    if chars <= 2 * keep + 3 {
        return text.to_string();
    }
    let head: String = text.chars().take(keep).collect();
    let tail: String = text.chars().skip(chars - keep).collect();
    format!("{head} … {tail}")
}

/// The report's compact, truncated form of a diff: shared passages merged into counts.
fn compact(diff: &Diff, limits: &Limits) -> CompactDiff {
    let c = diff.counts;
    let mut out = CompactDiff {
        n: [c.shared, c.rewritten, c.only_a, c.only_b],
        p: Vec::new(),
        t: false,
    };
    let mut budget = limits.diff;
    for passage in &diff.passages {
        let sentences =
            |e: &Option<syndic::diff::Extent>| e.as_ref().map_or(0, |e| e.end - e.start);
        if passage.kind == PassageKind::Shared {
            let n = sentences(&passage.b);
            match out.p.last_mut() {
                Some((0, Payload::Count(count))) => *count += n,
                _ => out.p.push((0, Payload::Count(n))),
            }
            continue;
        }
        if budget < limits.passage.min(40) {
            out.t = true;
            break;
        }
        // Text only in the canonical is shown shorter than added text (it can be read in the
        // canonical), and a run of such passages — a trimmed copy's dropped tail — is merged.
        if passage.kind == PassageKind::OnlyA
            && let Some((2, Payload::Text(previous))) = out.p.last_mut()
        {
            let room = (limits.passage / 3).saturating_sub(previous.chars().count());
            if !previous.ends_with('…') {
                let more = cut(&extent_text(&passage.a), room.max(1));
                budget = budget.saturating_sub(more.chars().count() + 3);
                previous.push_str(" ¶ ");
                previous.push_str(&more);
            }
            continue;
        }
        let mut take = |text: &str, max: usize| {
            let piece = cut(text, max.min(budget));
            budget = budget.saturating_sub(piece.chars().count());
            piece
        };
        let entry = match passage.kind {
            PassageKind::OnlyA => (
                2,
                Payload::Text(take(&extent_text(&passage.a), limits.passage / 3)),
            ),
            PassageKind::OnlyB => (
                3,
                Payload::Text(take(&extent_text(&passage.b), limits.passage)),
            ),
            _ => {
                // Pieces lose their edge spaces (the page joins them with one space: every
                // piece boundary is white space in the text).
                let changes = passage
                    .changes
                    .iter()
                    .map(|ch| match ch.op {
                        ChangeOp::Equal => (0, take(&squeeze(&ch.text, 40), limits.passage)),
                        ChangeOp::Delete => (1, take(&ch.text, limits.passage)),
                        ChangeOp::Insert => (2, take(&ch.text, limits.passage)),
                    })
                    .filter(|(_, text)| !text.is_empty())
                    .collect();
                (1, Payload::Changes(changes))
            }
        };
        out.p.push(entry);
    }
    out
}

fn extent_text(e: &Option<syndic::diff::Extent>) -> String {
    e.as_ref().map_or(String::new(), |e| e.text.clone())
}

/// Writes the page and returns its size in bytes.
fn write_html(args: &Args, data: &Data<'_>) -> anyhow::Result<u64> {
    let path = &args.output;
    let name = path.display().to_string();
    let json = serde_json::to_vec(data).context("serialising the report data")?;
    let compress = match args.compress {
        Compress::Always => true,
        Compress::Never => false,
        Compress::Auto => json.len() > COMPRESS_ABOVE,
    };
    let (encoding, payload) = if compress {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&json).context("compressing the report data")?;
        let packed = gz.finish().context("compressing the report data")?;
        (
            "gzip+base64",
            base64::engine::general_purpose::STANDARD
                .encode(packed)
                .into_bytes(),
        )
    } else {
        ("json", json)
    };
    let file = File::create(path).with_context(|| format!("creating {name}"))?;
    let mut out = CountingWriter {
        inner: BufWriter::with_capacity(1 << 20, file),
        bytes: 0,
    };
    let nonce = format!("{:016x}", nonce_for(&data.generated, data.title));
    let title = escape_html(&args.title);
    render_template(TEMPLATE, &mut out, |name, out| match name {
        "TITLE" => out.write_all(title.as_bytes()),
        "NONCE" => out.write_all(nonce.as_bytes()),
        "CSS" => out.write_all(CSS.as_bytes()),
        "JS" => out.write_all(JS.as_bytes()),
        "ENCODING" => out.write_all(encoding.as_bytes()),
        "DATA" => ScriptSafe { inner: out }.write_all(&payload),
        _ => Ok(()),
    })
    .with_context(|| format!("writing {name}"))?;
    out.inner
        .flush()
        .with_context(|| format!("writing {name}"))?;
    Ok(out.bytes)
}

/// Data larger than this (bytes of JSON) is compressed under `--compress auto`.
const COMPRESS_ABOVE: usize = 4_000_000;

/// A per-report nonce for the Content Security Policy: not secret (the file is static), it
/// only has to differ from anything a document could contain, which the escaping already
/// guarantees; it is derived rather than random so the same input gives the same file.
fn nonce_for(generated: &str, title: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in generated.bytes().chain(title.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Copies `template` to `out`, calling `fill` for each `{{NAME}}` placeholder. One pass, so
/// text written by `fill` is never scanned for placeholders.
fn render_template<W: Write>(
    template: &str,
    out: &mut W,
    mut fill: impl FnMut(&str, &mut W) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}") else {
            break;
        };
        out.write_all(&rest.as_bytes()[..open])?;
        fill(&rest[open + 2..open + close], out)?;
        rest = &rest[open + close + 2..];
    }
    out.write_all(rest.as_bytes())
}

/// Escapes text for HTML element content and attribute values.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes JSON so that it is safe inside `<script>`: every `<` becomes `\u003c` (it can only
/// occur inside JSON strings, where the escape means the same), so no `</script>` or `<!--`
/// can appear.
struct ScriptSafe<W> {
    inner: W,
}

impl<W: Write> Write for ScriptSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while let Some(at) = rest.iter().position(|&b| b == b'<') {
            self.inner.write_all(&rest[..at])?;
            self.inner.write_all(b"\\u003c")?;
            rest = &rest[at + 1..];
        }
        self.inner.write_all(rest)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Counts the bytes written through it.
struct CountingWriter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_safe_json_cannot_close_the_script() {
        let mut out = Vec::new();
        serde_json::to_writer(
            ScriptSafe { inner: &mut out },
            &["</script><script>alert(1)</script>", "<!-- x"],
        )
        .unwrap_or_default();
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains('<'), "{text}");
        let back: Vec<String> = serde_json::from_slice(&out).unwrap_or_default();
        assert_eq!(back, ["</script><script>alert(1)</script>", "<!-- x"]);
    }

    #[test]
    fn html_escaping_and_template_filling() {
        assert_eq!(
            escape_html("<b>\"A&B\"</b>'"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;&#39;"
        );
        let mut out = Vec::new();
        render_template("a{{X}}b{{Y}}c{{", &mut out, |name, out| {
            out.write_all(if name == "X" { b"{{Y}}" } else { b"2" })
        })
        .unwrap_or_default();
        assert_eq!(String::from_utf8_lossy(&out), "a{{Y}}b2c{{");
    }

    #[test]
    fn a_dropped_tail_is_one_short_entry() {
        let a = "Kept opening sentence here.\n\nFirst dropped paragraph.\n\nSecond dropped one.";
        let b = "Kept opening sentence here.";
        let diff = Differ::new().diff(a, b);
        let c = compact(
            &diff,
            &Limits {
                passage: 600,
                diff: 2000,
            },
        );
        let json = serde_json::to_string(&c).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"n":[1,0,2,0],"p":[[0,1],[2,"First dropped paragraph. ¶ Second dropped one."]]}"#
        );
    }

    #[test]
    fn cutting_and_squeezing_keep_text_short() {
        assert_eq!(cut("one  two\nthree", 100), "one two three");
        assert_eq!(cut("one two three", 7), "one two…");
        assert_eq!(cut("one two three", 9), "one two…");
        assert_eq!(squeeze("short", 40), "short");
        let long = "x".repeat(200);
        assert_eq!(squeeze(&long, 5), "xxxxx … xxxxx");
        assert_eq!(
            first_sentence("Headline here. Body text."),
            "Headline here."
        );
        assert_eq!(first_sentence("Title line\nBody."), "Title line");
    }

    #[test]
    fn compact_diffs_merge_shared_runs_and_respect_the_budget() {
        let a = "One shared sentence here.\n\nTwo shared sentence here.\n\nDropped sentence.";
        let b = "One shared sentence here.\n\nTwo shared sentence here.\n\nAdded sentence that is long.";
        let diff = Differ::new().diff(a, b);
        let c = compact(
            &diff,
            &Limits {
                passage: 600,
                diff: 3000,
            },
        );
        let json = serde_json::to_string(&c).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"n":[2,0,1,1],"p":[[0,2],[2,"Dropped sentence."],[3,"Added sentence that is long."]]}"#
        );
        let small = compact(
            &diff,
            &Limits {
                passage: 30,
                diff: 30,
            },
        );
        let json = serde_json::to_string(&small).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"n":[2,0,1,1],"p":[[0,2],[2,"Dropped…"]],"t":true}"#
        );
    }
}
