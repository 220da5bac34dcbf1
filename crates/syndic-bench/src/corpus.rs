//! The labelled corpus generator: news-like documents whose version families are known.
//!
//! The central type is [`CorpusSpec`] (how many documents, which seed); [`CorpusSpec::block`]
//! makes one block of documents and [`CorpusSpec::write_jsonl`] streams the whole corpus to a
//! writer, generating blocks in parallel but writing them in order, so the file is the same
//! byte for byte whatever the thread count, and memory stays at a few blocks for any size.
//!
//! ## What a corpus holds
//! Each block of [`BLOCK_DOCS`] documents is a shuffled mix of
//! * **version families** (kind `original` plus 1–7 versions): one wire story and the copies
//!   other outlets made of it, each with a random subset of the edits real republishing makes —
//!   another dateline style (`NEW YORK (Wire) --` vs `(NEW YORK) —`), curly vs straight quotes,
//!   `--` vs `—`, a headline and date line on top, a photo caption and credit in the body, a
//!   copyright footer, paragraphs rewritten (word substitutions, sentence reordering, or a
//!   paragraph written anew), and trimming to the first paragraphs. Strengths are drawn so that
//!   every version measures word-5-gram Jaccard ≥ 0.4 and containment ≥ 0.7 against its
//!   original (checked on the exact shingle sets, see [`crate::truth`]); versions are labelled
//!   `copy`, `cosmetic`, `wrapped`, `trimmed`, `rewritten` or `mixed`.
//! * **hard negatives** (kind `negative`): groups of 2–4 different stories on the same topic,
//!   place, people and outlet that share the stock phrases — a "contributed to this report"
//!   line, the standard disclaimer paragraph, the same copyright footer and one background
//!   paragraph. Each is its own family: they are not versions.
//! * **singletons** (kind `singleton`), some with the same footers and disclaimer.
//! * **boilerplate pages** (kind `boilerplate`): a few words of site chrome, identical across
//!   outlets, each its own family — too short to say anything about a shared story.
//!
//! ## Trade-off
//! Text is written from self-written templates ([`crate::vocab`]); it reads like news but its
//! statistics are simpler than real news (fewer distinct words). Families never cross a block,
//! so a family's members sit within [`BLOCK_DOCS`] lines of each other — like a news stream,
//! where versions of a story arrive within hours, not months.

use crate::rng::Rng;
use crate::truth::{PairTruth, SHINGLE_WORDS, shingles};
use crate::vocab::{self, Topic};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::io::Write;

/// Documents per block. Part of the corpus definition: changing it changes every corpus.
pub const BLOCK_DOCS: usize = 2_000;

/// What a generated document is, as labelled in the corpus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The first publication of a story that has versions.
    Original,
    /// A verbatim copy by another outlet.
    Copy,
    /// Dateline, quote and dash style changed only.
    Cosmetic,
    /// Headline and date on top, a photo caption, a footer (plus cosmetic changes).
    Wrapped,
    /// Cut to its first paragraphs.
    Trimmed,
    /// Some paragraphs rewritten.
    Rewritten,
    /// Wrapped, trimmed and rewritten together.
    Mixed,
    /// A different story on the same topic sharing stock phrases: not a version.
    Negative,
    /// A story with no version.
    Singleton,
    /// A few words of site chrome.
    Boilerplate,
}

impl Kind {
    /// Every kind, in label order.
    pub const ALL: [Kind; 10] = [
        Kind::Original,
        Kind::Copy,
        Kind::Cosmetic,
        Kind::Wrapped,
        Kind::Trimmed,
        Kind::Rewritten,
        Kind::Mixed,
        Kind::Negative,
        Kind::Singleton,
        Kind::Boilerplate,
    ];

    /// The label written in the corpus.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Original => "original",
            Kind::Copy => "copy",
            Kind::Cosmetic => "cosmetic",
            Kind::Wrapped => "wrapped",
            Kind::Trimmed => "trimmed",
            Kind::Rewritten => "rewritten",
            Kind::Mixed => "mixed",
            Kind::Negative => "negative",
            Kind::Singleton => "singleton",
            Kind::Boilerplate => "boilerplate",
        }
    }
}

/// One corpus line: the fields syndic reads plus the labels `family` and `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabelledDoc {
    /// Unique id (`d` and the line number from 0, zero-padded).
    pub id: String,
    /// Body text.
    pub text: String,
    /// Headline.
    pub title: String,
    /// Outlet.
    pub source: String,
    /// Publication time (RFC 3339), absent for about 5% of documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// True version family: documents with the same label are versions of one text.
    pub family: String,
    /// How the document was made.
    pub kind: Kind,
}

/// Which corpus to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CorpusSpec {
    /// Number of documents.
    pub docs: u64,
    /// Seed: the same (docs, seed) always gives the same corpus.
    pub seed: u64,
}

/// Default seed of the benchmark corpora.
pub const DEFAULT_SEED: u64 = 20_260_301;

/// Totals of a written corpus.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CorpusStats {
    /// Documents written.
    pub docs: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Bytes of document text (UTF-8).
    pub text_bytes: u64,
}

impl CorpusSpec {
    /// A spec with the default seed.
    pub fn new(docs: u64) -> Self {
        CorpusSpec {
            docs,
            seed: DEFAULT_SEED,
        }
    }

    /// Number of blocks.
    pub fn blocks(&self) -> u64 {
        self.docs.div_ceil(BLOCK_DOCS as u64)
    }

    /// The documents of block `b`, in corpus order, ids numbered from the block's first line.
    pub fn block(&self, b: u64) -> Vec<LabelledDoc> {
        let first = b * BLOCK_DOCS as u64;
        let count = (self.docs.saturating_sub(first)).min(BLOCK_DOCS as u64) as usize;
        generate_block(self.seed, b, first, count)
    }

    /// Every document in corpus order (for small corpora and tests).
    pub fn documents(&self) -> Vec<LabelledDoc> {
        (0..self.blocks())
            .into_par_iter()
            .flat_map_iter(|b| self.block(b))
            .collect()
    }

    /// Streams the corpus as JSON Lines, generating several blocks at once in parallel.
    pub fn write_jsonl<W: Write>(&self, out: &mut W) -> std::io::Result<CorpusStats> {
        let mut stats = CorpusStats::default();
        let window = (rayon::current_num_threads() * 2).max(2) as u64;
        let mut next = 0;
        while next < self.blocks() {
            let end = (next + window).min(self.blocks());
            let lines: Vec<(Vec<u8>, u64, u64)> = (next..end)
                .into_par_iter()
                .map(|b| {
                    let docs = self.block(b);
                    let mut buf = Vec::with_capacity(docs.len() * 4_000);
                    let mut text = 0;
                    for d in &docs {
                        text += d.text.len() as u64;
                        // Serialising a plain struct to a Vec cannot fail.
                        serde_json::to_writer(&mut buf, d).map_err(std::io::Error::other)?;
                        buf.push(b'\n');
                    }
                    Ok((buf, docs.len() as u64, text))
                })
                .collect::<std::io::Result<_>>()?;
            for (buf, n, text) in lines {
                out.write_all(&buf)?;
                stats.docs += n;
                stats.bytes += buf.len() as u64;
                stats.text_bytes += text;
            }
            next = end;
        }
        out.flush()?;
        Ok(stats)
    }
}

/// A person of a story's cast.
#[derive(Clone, Debug)]
struct Person {
    first: &'static str,
    last: &'static str,
    role: String,
}

/// What one story is about: beat, place, organisations, people.
#[derive(Clone, Debug)]
struct Story {
    topic: &'static Topic,
    place: String,
    areas: Vec<&'static str>,
    orgs: Vec<String>,
    cast: Vec<Person>,
    main_thing: usize,
    outlet: &'static str,
    wire: &'static str,
}

impl Story {
    fn new(rng: &mut Rng) -> Story {
        let topic = rng.pick(vocab::TOPICS);
        let place = format!(
            "{}{}",
            rng.pick(vocab::PLACE_HEADS),
            rng.pick(vocab::PLACE_TAILS)
        );
        let areas = (0..3).map(|_| *rng.pick(vocab::AREAS)).collect();
        let orgs = (0..2)
            .map(|_| format!("{place} {}", rng.pick(topic.orgs)))
            .collect();
        let cast = (0..rng.range(3, 5))
            .map(|i| {
                let role = if i < 2 {
                    (*rng.pick(topic.roles)).to_string()
                } else {
                    format!(
                        "a {} from {}",
                        one_of_group(rng, topic),
                        rng.pick(vocab::AREAS)
                    )
                };
                Person {
                    first: rng.choose(vocab::FIRST_NAMES),
                    last: rng.choose(vocab::LAST_NAMES),
                    role,
                }
            })
            .collect();
        Story {
            topic,
            main_thing: rng.below(topic.things.len()),
            place,
            areas,
            orgs,
            cast,
            outlet: rng.choose(vocab::OUTLETS),
            wire: rng.choose(vocab::WIRES),
        }
    }
}

/// A singular member of a topic group ("residents" → "resident"), for cast roles.
fn one_of_group(rng: &mut Rng, topic: &Topic) -> String {
    let g = *rng.pick(topic.groups);
    let g = g.strip_prefix("the ").unwrap_or(g);
    let word = g.rsplit(' ').next().unwrap_or(g);
    let single = word
        .strip_suffix("ies")
        .map(|s| format!("{s}y"))
        .or_else(|| word.strip_suffix('s').map(str::to_string))
        .unwrap_or_else(|| word.to_string());
    let head = &g[..g.len() - word.len()];
    format!("{head}{single}")
}

/// Writes sentences for one story; remembers who has been introduced.
struct Writer<'a> {
    story: &'a Story,
    rng: Rng,
    introduced: Vec<bool>,
}

impl<'a> Writer<'a> {
    fn new(story: &'a Story, rng: Rng) -> Self {
        Writer {
            story,
            rng,
            introduced: vec![false; story.cast.len()],
        }
    }

    fn thing(&mut self) -> (&'static str, &'static str) {
        let things = self.story.topic.things;
        if self.rng.chance(0.5) {
            things[self.story.main_thing]
        } else {
            *self.rng.pick(things)
        }
    }

    fn who(&mut self) -> String {
        let n = self.story.cast.len();
        let i = if self.rng.chance(0.6) {
            self.rng.below(2.min(n))
        } else {
            self.rng.below(n)
        };
        let p = &self.story.cast[i];
        if self.introduced[i] {
            p.last.to_string()
        } else {
            self.introduced[i] = true;
            format!("{} {}, {},", p.first, p.last, p.role)
        }
    }

    fn slot(&mut self, name: &str) -> String {
        let topic = self.story.topic;
        let rng = &mut self.rng;
        match name {
            "place" => self.story.place.clone(),
            "area" => (*rng.pick(&self.story.areas)).to_string(),
            "org" => rng.pick(&self.story.orgs).clone(),
            "who" => self.who(),
            "thing" => self.thing().0.to_string(),
            "things" => self.thing().1.to_string(),
            "act" => rng.pick(topic.acts).0.to_string(),
            "acted" => rng.pick(topic.acts).1.to_string(),
            "group" => (*rng.pick(topic.groups)).to_string(),
            "event" => (*rng.pick(topic.events)).to_string(),
            "adj" => (*rng.pick(vocab::ADJECTIVES)).to_string(),
            "adv" => (*rng.pick(vocab::ADVERBS)).to_string(),
            "time" => (*rng.pick(vocab::TIMES)).to_string(),
            "weekday" => (*rng.pick(vocab::WEEKDAYS)).to_string(),
            "month" => (*rng.pick(vocab::MONTHS)).to_string(),
            "ordinal" => (*rng.pick(vocab::ORDINALS)).to_string(),
            "n" => (*rng.pick(vocab::NUMBER_WORDS)).to_string(),
            "dom" => rng.range(1, 28).to_string(),
            "year" => rng.range(2004, 2025).to_string(),
            "score" => {
                let yes = rng.range(4, 9);
                format!("{yes}-{}", rng.range(0, yes - 1))
            }
            "count" => with_commas(rng.range(40, 60_000) as u64),
            "pct" => format!("{} percent", rng.range(2, 68)),
            "money" => money(rng),
            "reason" => {
                let t = *rng.pick(vocab::REASONS);
                self.fill(t)
            }
            "tail" => {
                let t = *rng.pick(vocab::TAILS);
                self.fill(t)
            }
            "quote" => {
                let t = *rng.pick(vocab::QUOTES);
                self.fill(t)
            }
            other => format!("{{{other}}}"),
        }
    }

    /// Expands every `{slot}` of a template.
    fn fill(&mut self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() * 2);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                out.push_str(&rest[open..]);
                return out;
            };
            let value = self.slot(&rest[open + 1..open + close]);
            out.push_str(&value);
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out
    }

    fn sentence(&mut self) -> String {
        let t = *self.rng.pick(vocab::SENTENCES);
        tidy(&self.fill(t))
    }

    fn paragraph(&mut self) -> Vec<String> {
        let n = match self.rng.below(10) {
            0..=2 => 1,
            3..=7 => 2,
            _ => 3,
        };
        (0..n).map(|_| self.sentence()).collect()
    }

    fn headline(&mut self) -> String {
        let t = *self.rng.pick(self.story.topic.headlines);
        capitalize(&tidy_title(&self.fill(t)))
    }

    fn caption(&mut self) -> String {
        let photographer = format!(
            "{} {}",
            self.rng.pick(vocab::FIRST_NAMES),
            self.rng.pick(vocab::LAST_NAMES)
        );
        let body = self.fill("{group} walk past the {adj} {thing} in {area} on {weekday}.");
        let credit = self.rng.pick(&["Photo", "Photograph", "Image"]);
        format!(
            "{} ({credit}: {photographer}/{})",
            capitalize(&body),
            self.rng.pick(vocab::OUTLETS)
        )
    }

    /// An article of about `words` words.
    fn article(&mut self, words: usize) -> Article {
        let mut paragraphs = Vec::new();
        let mut count = 0;
        while count < words {
            let p = self.paragraph();
            count += p.iter().map(|s| s.split(' ').count()).sum::<usize>();
            paragraphs.push(p);
        }
        Article {
            paragraphs,
            ..Article::default()
        }
    }
}

/// Capitalises the first letter, fixes the punctuation a first-mention appositive leaves.
fn tidy(s: &str) -> String {
    let s = s.replace(",.", ".").replace(",,", ",").replace(",:", ":");
    capitalize(&s)
}

fn tidy_title(s: &str) -> String {
    s.replace(',', "")
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn with_commas(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn money(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!("${}", with_commas(rng.range(20, 990) as u64 * 1_000)),
        1 => format!("${}.{} million", rng.range(1, 480), rng.below(10)),
        _ => format!("${}.{} billion", rng.range(1, 9), rng.below(10)),
    }
}

/// How the dateline is written.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Dateline {
    /// `SPRINGVALE (Wire) -- `
    #[default]
    Wire,
    /// `(SPRINGVALE) — `
    Paren,
    /// No dateline.
    None,
}

/// An article as structure, rendered to text with a [`Style`].
#[derive(Clone, Debug, Default)]
struct Article {
    paragraphs: Vec<Vec<String>>,
    /// "X in Y contributed to this report."
    contributed: Option<String>,
    disclaimer: bool,
    /// Outlet named in the copyright footer.
    footer: Option<&'static str>,
    /// Headline and date line on top.
    top: Option<(String, String)>,
    /// A photo caption after paragraph `.0`.
    caption: Option<(usize, String)>,
}

/// Typography of a rendering.
#[derive(Clone, Copy, Debug, Default)]
struct Style {
    dateline: Dateline,
    curly: bool,
    em_dash: bool,
}

impl Article {
    fn render(&self, story: &Story, style: Style) -> String {
        let mut out = String::with_capacity(4_096);
        if let Some((title, date)) = &self.top {
            out.push_str(title);
            out.push('\n');
            out.push_str(date);
            out.push_str("\n\n");
        }
        let city = story.place.to_uppercase();
        for (i, p) in self.paragraphs.iter().enumerate() {
            if i > 0 {
                out.push_str("\n\n");
            }
            if i == 0 {
                match style.dateline {
                    Dateline::Wire => {
                        out.push_str(&format!("{city} ({}) -- ", story.wire));
                    }
                    Dateline::Paren => out.push_str(&format!("({city}) -- ")),
                    Dateline::None => {}
                }
            }
            out.push_str(&p.join(" "));
            if let Some((after, caption)) = &self.caption
                && *after == i
                && i + 1 < self.paragraphs.len()
            {
                out.push_str("\n\n");
                out.push_str(caption);
            }
        }
        if let Some(c) = &self.contributed {
            out.push_str("\n\n");
            out.push_str(c);
        }
        if self.disclaimer {
            out.push_str("\n\n");
            out.push_str(vocab::DISCLAIMER);
        }
        if let Some(outlet) = self.footer {
            out.push_str(&format!(
                "\n\nCopyright 2026 {outlet}. All rights reserved. This material may not be \
                 published, broadcast, rewritten or redistributed without permission."
            ));
        }
        typography(&out, style)
    }
}

/// Applies quote and dash style to straight-quoted, `--`-dashed text.
fn typography(text: &str, style: Style) -> String {
    if !style.curly && !style.em_dash {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut prev = ' ';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if style.curly => {
                let open = prev.is_whitespace() || prev == '(';
                out.push(if open { '\u{201C}' } else { '\u{201D}' });
            }
            '\'' if style.curly => {
                let open = prev.is_whitespace() || prev == '(';
                out.push(if open { '\u{2018}' } else { '\u{2019}' });
            }
            '-' if style.em_dash && chars.peek() == Some(&'-') => {
                chars.next();
                out.push('\u{2014}');
            }
            c => out.push(c),
        }
        prev = c;
    }
    out
}

/// Replaces words by synonyms with probability `p`, keeping capitalisation.
fn substitute(sentence: &str, p: f64, rng: &mut Rng) -> String {
    sentence
        .split(' ')
        .map(|token| {
            let core: String = token.chars().filter(|c| c.is_alphanumeric()).collect();
            let lower = core.to_lowercase();
            match vocab::SYNONYMS.iter().find(|(w, _)| *w == lower) {
                Some((_, syn)) if rng.chance(p) => {
                    let syn = if core.starts_with(char::is_uppercase) {
                        capitalize(syn)
                    } else {
                        (*syn).to_string()
                    };
                    token.replacen(core.as_str(), &syn, 1)
                }
                _ => token.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Rewrites paragraph `i` of `article` the way an editor would.
fn rewrite_paragraph(article: &mut Article, i: usize, writer: &mut Writer<'_>) {
    let rng = &mut writer.rng;
    match rng.below(3) {
        0 => article.paragraphs[i] = writer.paragraph(),
        _ => {
            let p = 0.45 + 0.4 * rng.unit();
            let mut sentences: Vec<String> = article.paragraphs[i]
                .iter()
                .map(|s| substitute(s, p, rng))
                .collect();
            if sentences.len() > 1 {
                sentences.reverse();
            }
            article.paragraphs[i] = sentences;
        }
    }
}

fn timestamp(secs: i64) -> String {
    // Days from civil (Howard Hinnant's algorithm), to avoid a date crate in the generator.
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

fn date_line(secs: i64) -> String {
    let t = timestamp(secs);
    let month: usize = t[5..7].parse().unwrap_or(1);
    let day: u32 = t[8..10].parse().unwrap_or(1);
    let hour: u32 = t[11..13].parse().unwrap_or(0);
    let minute = &t[14..16];
    let (h12, ampm) = match hour {
        0 => (12, "a.m."),
        1..=11 => (hour, "a.m."),
        12 => (12, "p.m."),
        _ => (hour - 12, "p.m."),
    };
    format!(
        "{} {day}, {} {h12}:{minute} {ampm} ET",
        vocab::MONTHS[month - 1],
        &t[..4]
    )
}

/// 2026-01-01T00:00:00Z.
const EPOCH_2026: i64 = 1_767_225_600;

/// One document before ids are assigned.
struct Draft {
    text: String,
    title: String,
    source: String,
    published: Option<i64>,
    family: String,
    kind: Kind,
}

/// Words of a news-length article: uniform 230–830 (about 3.5 KB on average).
fn news_words(rng: &mut Rng) -> usize {
    rng.range(230, 830)
}

fn generate_block(seed: u64, block: u64, first: u64, count: usize) -> Vec<LabelledDoc> {
    let mut rng = Rng::derive(seed, block);
    let base = EPOCH_2026 + block as i64 * 3 * 3_600;
    let mut drafts: Vec<Draft> = Vec::with_capacity(count + 8);
    let mut entity = 0u32;
    while drafts.len() < count {
        let room = count - drafts.len();
        let family = format!("f{block}-{entity}");
        entity += 1;
        let t0 = base + rng.below(3 * 3_600) as i64;
        let mut erng = Rng::new(rng.next_u64());
        let roll = rng.unit();
        if roll < 0.005 {
            drafts.push(Draft {
                text: (*erng.pick(vocab::BOILERPLATE_PAGES)).to_string(),
                title: String::new(),
                source: (*erng.pick(vocab::OUTLETS)).to_string(),
                published: Some(t0),
                family,
                kind: Kind::Boilerplate,
            });
        } else if roll < 0.36 && room >= 2 {
            let size = (2 + geometric(&mut erng, 0.45)).min(8).min(room);
            version_family(&mut erng, &family, t0, size, &mut drafts);
        } else if roll < 0.56 && room >= 2 {
            let size = erng.range(2, 4).min(room);
            negative_group(&mut erng, &family, t0, size, &mut drafts);
        } else {
            drafts.push(singleton(&mut erng, family, t0));
        }
    }
    rng.shuffle(&mut drafts);
    drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| LabelledDoc {
            id: format!("d{:08}", first + i as u64),
            text: d.text,
            title: d.title,
            source: d.source,
            published: (d.published).map(timestamp),
            family: d.family,
            kind: d.kind,
        })
        .collect()
}

/// Number of failures before the first success, capped at 6.
fn geometric(rng: &mut Rng, p: f64) -> usize {
    let mut k = 0;
    while k < 6 && !rng.chance(p) {
        k += 1;
    }
    k
}

fn maybe_date(rng: &mut Rng, t: i64) -> Option<i64> {
    if rng.chance(0.05) { None } else { Some(t) }
}

fn random_extras(article: &mut Article, story: &Story, rng: &mut Rng) {
    if rng.chance(0.3) {
        article.contributed = Some(contributed_line(rng));
    }
    article.disclaimer = rng.chance(0.15);
    if rng.chance(0.35) {
        article.footer = Some(story.outlet);
    }
}

fn contributed_line(rng: &mut Rng) -> String {
    format!(
        "{} {} in {}{} contributed to this report.",
        rng.pick(vocab::FIRST_NAMES),
        rng.pick(vocab::LAST_NAMES),
        rng.pick(vocab::PLACE_HEADS),
        rng.pick(vocab::PLACE_TAILS)
    )
}

fn singleton(rng: &mut Rng, family: String, t0: i64) -> Draft {
    let story = Story::new(rng);
    let mut w = Writer::new(&story, Rng::new(rng.next_u64()));
    let words = news_words(rng);
    let mut article = w.article(words);
    random_extras(&mut article, &story, rng);
    let style = Style {
        dateline: *rng.pick(&[Dateline::Wire, Dateline::Paren, Dateline::None]),
        curly: rng.chance(0.5),
        em_dash: rng.chance(0.5),
    };
    Draft {
        text: article.render(&story, style),
        title: w.headline(),
        source: story.outlet.to_string(),
        published: maybe_date(rng, t0),
        family,
        kind: Kind::Singleton,
    }
}

fn negative_group(rng: &mut Rng, family: &str, t0: i64, size: usize, out: &mut Vec<Draft>) {
    let story = Story::new(rng);
    let mut shared = Writer::new(&story, Rng::new(rng.next_u64()));
    let background = shared.paragraph();
    let contributed = contributed_line(rng);
    for k in 0..size {
        let mut w = Writer::new(&story, Rng::new(rng.next_u64()));
        let words = rng.range(150, 800);
        let mut article = w.article(words);
        let at = rng
            .range(1, article.paragraphs.len().max(1))
            .min(article.paragraphs.len());
        article.paragraphs.insert(at, background.clone());
        article.contributed = Some(contributed.clone());
        article.disclaimer = true;
        article.footer = Some(story.outlet);
        let style = Style {
            dateline: Dateline::Wire,
            curly: false,
            em_dash: false,
        };
        out.push(Draft {
            text: article.render(&story, style),
            title: w.headline(),
            source: story.outlet.to_string(),
            published: {
                let t = t0 + rng.below(48 * 3_600) as i64;
                maybe_date(rng, t)
            },
            family: format!("{family}.{k}"),
            kind: Kind::Negative,
        });
    }
}

fn version_family(rng: &mut Rng, family: &str, t0: i64, size: usize, out: &mut Vec<Draft>) {
    let story = Story::new(rng);
    let mut w = Writer::new(&story, Rng::new(rng.next_u64()));
    let words = news_words(rng);
    let mut original = w.article(words);
    random_extras(&mut original, &story, rng);
    let title = w.headline();
    let base_style = Style {
        dateline: Dateline::Wire,
        curly: false,
        em_dash: false,
    };
    let original_text = original.render(&story, base_style);
    let original_set = shingles(&original_text, SHINGLE_WORDS);
    out.push(Draft {
        text: original_text,
        title: title.clone(),
        source: story.outlet.to_string(),
        published: maybe_date(rng, t0),
        family: family.to_string(),
        kind: Kind::Original,
    });
    for _ in 1..size {
        let (text, kind) = make_version(rng, &story, &original, &original_set, &mut w);
        let retitle = rng.chance(0.4);
        out.push(Draft {
            text,
            title: if retitle { w.headline() } else { title.clone() },
            source: (*rng.pick(vocab::OUTLETS)).to_string(),
            published: {
                let t = t0 + rng.range(600, 36 * 3_600) as i64;
                maybe_date(rng, t)
            },
            family: family.to_string(),
            kind,
        });
    }
}

/// One version of `original`: edits drawn at random, kept only when the version measures
/// Jaccard ≥ 0.4 and containment ≥ 0.7 against the original (else drawn again; after a few
/// failures a cosmetic copy).
fn make_version(
    rng: &mut Rng,
    story: &Story,
    original: &Article,
    original_set: &[u64],
    w: &mut Writer<'_>,
) -> (String, Kind) {
    let kinds = [
        (Kind::Copy, 0.07),
        (Kind::Cosmetic, 0.13),
        (Kind::Wrapped, 0.16),
        (Kind::Trimmed, 0.24),
        (Kind::Rewritten, 0.2),
        (Kind::Mixed, 0.2),
    ];
    let mut roll = rng.unit();
    let mut kind = Kind::Mixed;
    for (k, p) in kinds {
        if roll < p {
            kind = k;
            break;
        }
        roll -= p;
    }
    for _ in 0..12 {
        let text = edit(rng, story, original, kind, w);
        let t = PairTruth::of(&shingles(&text, SHINGLE_WORDS), original_set);
        if t.jaccard >= 0.4 && t.containment >= 0.7 {
            return (text, kind);
        }
    }
    (
        edit(rng, story, original, Kind::Cosmetic, w),
        Kind::Cosmetic,
    )
}

fn edit(
    rng: &mut Rng,
    story: &Story,
    original: &Article,
    kind: Kind,
    w: &mut Writer<'_>,
) -> String {
    let mut a = original.clone();
    let cosmetic = Style {
        dateline: *rng.pick(&[Dateline::Wire, Dateline::Paren, Dateline::None]),
        curly: rng.chance(0.6),
        em_dash: rng.chance(0.6),
    };
    let plain = Style {
        dateline: Dateline::Wire,
        curly: false,
        em_dash: false,
    };
    let wrap = |a: &mut Article, rng: &mut Rng, w: &mut Writer<'_>| {
        if rng.chance(0.7) {
            let t = w.headline();
            a.top = Some((t, date_line(EPOCH_2026 + rng.below(365 * 86_400) as i64)));
        }
        if rng.chance(0.7) && a.paragraphs.len() > 2 {
            a.caption = Some((rng.range(0, a.paragraphs.len() - 2), w.caption()));
        }
        if rng.chance(0.7) {
            a.footer = Some(*rng.pick(vocab::OUTLETS));
        }
    };
    let rewrite = |a: &mut Article, share: f64, rng: &mut Rng, w: &mut Writer<'_>| {
        let n = a.paragraphs.len();
        let count = ((n as f64 * share).round() as usize).clamp(1, n);
        let mut idx: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut idx);
        for &i in &idx[..count] {
            rewrite_paragraph(a, i, w);
        }
    };
    let trim = |a: &mut Article, keep: f64| {
        let n = a.paragraphs.len();
        let k = ((n as f64 * keep).ceil() as usize).clamp(1, n);
        if k < n {
            a.paragraphs.truncate(k);
            a.contributed = None;
            a.disclaimer = false;
        }
    };
    match kind {
        Kind::Copy => return a.render(story, plain),
        Kind::Cosmetic => {}
        Kind::Wrapped => wrap(&mut a, rng, w),
        Kind::Trimmed => trim(&mut a, 0.38 + 0.5 * rng.unit()),
        Kind::Rewritten => rewrite(&mut a, 0.08 + 0.25 * rng.unit(), rng, w),
        _ => {
            wrap(&mut a, rng, w);
            rewrite(&mut a, 0.2 * rng.unit(), rng, w);
            trim(&mut a, 0.4 + 0.5 * rng.unit());
        }
    }
    a.render(story, cosmetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_spec_same_corpus_and_ids_are_line_numbers() {
        let spec = CorpusSpec { docs: 300, seed: 7 };
        let a = spec.documents();
        let b = spec.documents();
        assert_eq!(a, b);
        assert_eq!(a.len(), 300);
        for (i, d) in a.iter().enumerate() {
            assert_eq!(d.id, format!("d{i:08}"));
        }
        let other = CorpusSpec { docs: 300, seed: 8 }.documents();
        assert_ne!(a[0].text, other[0].text);
    }

    #[test]
    fn versions_are_in_range_and_negatives_are_not_versions() {
        let docs = CorpusSpec {
            docs: 2_000,
            seed: 3,
        }
        .documents();
        let mut originals = std::collections::HashMap::new();
        for d in &docs {
            if d.kind == Kind::Original {
                originals.insert(d.family.clone(), shingles(&d.text, SHINGLE_WORDS));
            }
        }
        let mut versions = 0;
        for d in &docs {
            if matches!(
                d.kind,
                Kind::Original | Kind::Negative | Kind::Singleton | Kind::Boilerplate
            ) {
                continue;
            }
            let t = PairTruth::of(&shingles(&d.text, SHINGLE_WORDS), &originals[&d.family]);
            assert!(t.jaccard >= 0.4 && t.containment >= 0.7, "{}: {t:?}", d.id);
            versions += 1;
        }
        assert!(versions > 300, "{versions}");
        // Hard negatives of one group share stock phrases but are far from versions.
        let negs: Vec<&LabelledDoc> = docs.iter().filter(|d| d.kind == Kind::Negative).collect();
        assert!(negs.len() > 100);
        let mut max_c: f64 = 0.0;
        for pair in negs.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if a.family.split('.').next() == b.family.split('.').next() {
                let t = PairTruth::of_texts(&a.text, &b.text);
                assert!(t.containment < 0.7, "{} {}: {t:?}", a.id, b.id);
                max_c = max_c.max(t.containment);
            }
        }
        // Stock phrases alone do share shingles.
        assert!(max_c > 0.0);
    }

    #[test]
    fn news_length_and_typography() {
        let docs = CorpusSpec {
            docs: 1_000,
            seed: 1,
        }
        .documents();
        let news: Vec<&LabelledDoc> = docs
            .iter()
            .filter(|d| d.kind != Kind::Boilerplate)
            .collect();
        let avg = news.iter().map(|d| d.text.len()).sum::<usize>() / news.len();
        assert!((2_800..4_200).contains(&avg), "average {avg} bytes");
        assert!(
            docs.iter()
                .all(|d| !d.text.contains(['{', '}']) && !d.title.contains(['{', '}'])),
            "every template slot is filled"
        );
        assert!(docs.iter().any(|d| d.text.contains('\u{201C}')));
        assert!(docs.iter().any(|d| d.text.contains('\u{2014}')));
        assert!(docs.iter().any(|d| d.text.contains(" -- ")));
        assert!(docs.iter().any(|d| d.text.contains("All rights reserved.")));
        assert!(
            docs.iter()
                .any(|d| d.text.contains("contributed to this report."))
        );
    }

    #[test]
    fn unrelated_documents_share_almost_no_shingles() {
        let docs = CorpusSpec { docs: 400, seed: 5 }.documents();
        let singles: Vec<Vec<u64>> = docs
            .iter()
            .filter(|d| d.kind == Kind::Singleton)
            .take(60)
            .map(|d| shingles(&d.text, SHINGLE_WORDS))
            .collect();
        let mut worst: f64 = 0.0;
        let mut sum = 0.0;
        let mut pairs = 0.0;
        for i in 0..singles.len() {
            for j in i + 1..singles.len() {
                let t = PairTruth::of(&singles[i], &singles[j]);
                worst = worst.max(t.jaccard);
                sum += t.jaccard;
                pairs += 1.0;
            }
        }
        assert!(sum / pairs < 0.01, "mean {}", sum / pairs);
        assert!(worst < 0.1, "worst {worst}");
    }

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(timestamp(EPOCH_2026), "2026-01-01T00:00:00Z");
        assert_eq!(
            timestamp(EPOCH_2026 + 59 * 86_400 + 3_661),
            "2026-03-01T01:01:01Z"
        );
        assert_eq!(
            date_line(EPOCH_2026 + 13 * 3_600 + 5 * 60),
            "January 1, 2026 1:05 p.m. ET"
        );
    }

    #[test]
    fn typography_styles() {
        let s = Style {
            dateline: Dateline::Wire,
            curly: true,
            em_dash: true,
        };
        assert_eq!(
            typography("\"We won,\" she said -- it's over.", s),
            "\u{201C}We won,\u{201D} she said \u{2014} it\u{2019}s over."
        );
    }
}
