//! Story analysis: a document's words, names and multi-word entities, counted, with the lead
//! marked — everything story similarity needs, and no corpus statistics.
//!
//! The central type is [`Analyzer`]; [`Analyzer::analyze`] turns a [`Document`] into an
//! [`Analysis`]. It is pure and `Sync`: analyse on any thread, assign in order.
//!
//! What it extracts:
//! - **Terms**: every word outside the stop list ([`super::stopwords`]), lowercased and stemmed
//!   with the Snowball English stemmer ("earthquakes" → `earthquak`); numbers are terms too
//!   ("23 pirates"), except four-digit years, which say more about the past a text recalls than
//!   about its event (dates are read separately, by [`super::time`]).
//! - **Names**: capitalised words that are names in *this* document. A capital letter in the
//!   middle of a sentence is evidence; one at the start of a sentence, in a headline written in
//!   Title Case or in an all-capitals line is not, so such a word is a name only if the same
//!   document also capitalises it mid-sentence at least as often as it writes it in lowercase
//!   ("Police said …" is not a name when the text also says "the police"). Acronyms of two to
//!   six capitals are names. Names are lowercased but not stemmed (`reid`, `nba`).
//! - **Entities**: runs of two or more names, joined through `of`, `de`, `van`, … ("Gulf of
//!   Aden", "Betty Ford Center"). A comma, quote, bracket, dash or sentence end breaks a run.
//! - **Lead**: the title and the first [`AnalyzerConfig::lead_lines`] lines of the body (at
//!   most [`AnalyzerConfig::lead_words`] words). News is written as an inverted pyramid: the lead says which event a report is
//!   about, the rest adds background that different events of one kind share.
//!
//! Trade-off: the name evidence is the document's own, not the corpus's. That keeps analysis
//! pure (parallel, no state to persist, the same answer on replay) at the price of missing a
//! name that only ever opens sentences, which costs little: names recur mid-sentence in news.

use super::keys::{FeatureKey, FeatureKind, KeyMap};
use super::stopwords::{is_abbreviation, is_calendar_word, is_stop_word};
use super::time::{self, DocTime, TimeSource};
use crate::Document;
use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};

/// Settings of the analyzer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalyzerConfig {
    /// Lines of the body (non-empty, newline-separated: a headline line, a dateline, a first
    /// paragraph) that form the lead, with the title. Default 2.
    pub lead_lines: usize,
    /// Most words of the body in the lead, whatever its lines. Default 60: about two
    /// sentences, so a text without line breaks still has a lead of a sensible size.
    pub lead_words: usize,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            lead_lines: 2,
            lead_words: 60,
        }
    }
}

/// One feature of a document, counted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    /// Its key (the kind is part of it).
    pub key: FeatureKey,
    /// Occurrences in the title and body.
    pub count: u32,
    /// Occurrences in the lead (title and first sentences).
    pub lead: u32,
    /// How it reads: the word as first written, lowercased (`earthquakes`) for a term, the
    /// name as first written (`Reid`, `Gulf of Aden`) for names and entities.
    pub label: Box<str>,
}

/// What [`Analyzer::analyze`] extracts from one document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Distinct features, sorted by key.
    pub features: Vec<Feature>,
    /// When the document was published: its `published` field, else a date near the top of
    /// its text (a dateline), else unknown.
    pub time: Option<DocTime>,
    /// Its headline: the title, else the first sentence of the text (at most 200 characters).
    pub headline: String,
    /// Words read (title and body).
    pub words: u32,
    /// Distinct content words of the body alone (the title not counted): how much text
    /// there is to judge ([`crate::story::StoryConfig::min_terms`]).
    pub body_terms: u32,
}

/// Turns documents into [`Analysis`]es. See the module docs.
pub struct Analyzer {
    stemmer: Stemmer,
    config: AnalyzerConfig,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new(AnalyzerConfig::default())
    }
}

/// Words whose stems one thread remembers before starting afresh.
const STEM_CACHE: usize = 1 << 18;

/// Words joining the parts of a multi-word name when written in lowercase ("Gulf of Aden").
const CONNECTORS: &[&str] = &[
    "al", "bin", "da", "das", "de", "del", "der", "di", "dos", "du", "el", "la", "le", "of", "van",
    "von",
];

const CAP: u8 = 1; // first character uppercase
const ALLCAP: u8 = 2; // two or more letters, all uppercase
const INITIAL: u8 = 4; // opens a sentence (or a quotation)
const BREAK: u8 = 8; // a comma, quote, bracket or dash comes before it
const ALPHA: u8 = 16; // contains a letter
const DIGITS: u8 = 32; // only digits

/// One word as scanned.
#[derive(Clone, Copy, Debug)]
struct Token {
    /// Range of its lowercase form in the scratch arena.
    lower: (u32, u32),
    /// Which source (0 title, 1 body) and the byte range of its surface form there.
    source: u8,
    surface: (u32, u32),
    sentence: u32,
    /// Non-empty line of its source it is on, from 0.
    line: u32,
    flags: u8,
}

/// Per-sentence counts, for telling headlines (Title Case, all capitals) from prose.
#[derive(Clone, Copy, Debug, Default)]
struct Sentence {
    words: u32,
    capitalised: u32,
}

/// The scanner's state across the title and the body.
#[derive(Debug, Default)]
struct Scan {
    lower: String,
    tokens: Vec<Token>,
    sentences: Vec<Sentence>,
    pending_break: bool,
    pending_initial: bool,
    /// Non-empty lines completed in the current source.
    line: u32,
    /// Whether the current line has a word yet.
    line_has_words: bool,
}

impl Scan {
    fn end_sentence(&mut self) {
        if self.sentences.last().is_some_and(|s| s.words > 0) {
            self.sentences.push(Sentence::default());
        }
        self.pending_initial = true;
        self.pending_break = true;
    }
}

impl Analyzer {
    /// An analyzer with the given settings.
    pub fn new(config: AnalyzerConfig) -> Self {
        Analyzer {
            stemmer: Stemmer::create(Algorithm::English),
            config,
        }
    }

    /// Its settings.
    pub fn config(&self) -> &AnalyzerConfig {
        &self.config
    }

    /// The term key of a lowercase word: its Snowball stem's key. Stems are remembered per
    /// thread (the same word always has the same stem, so the cache changes nothing but
    /// time); the cache is emptied when it reaches [`STEM_CACHE`] words.
    fn stem_key(&self, word: &str) -> FeatureKey {
        thread_local! {
            static STEMS: std::cell::RefCell<KeyMap<u64, FeatureKey>> =
                std::cell::RefCell::new(KeyMap::default());
        }
        let hash = xxhash_rust::xxh3::xxh3_64(word.as_bytes());
        STEMS.with(|cache| {
            if let Some(&key) = cache.borrow().get(&hash) {
                return key;
            }
            let key = FeatureKey::new(FeatureKind::Term, &self.stemmer.stem(word));
            let mut cache = cache.borrow_mut();
            if cache.len() >= STEM_CACHE {
                cache.clear();
            }
            cache.insert(hash, key);
            key
        })
    }

    /// Analyses one document. See the module docs.
    pub fn analyze(&self, doc: &Document) -> Analysis {
        let title = doc.title.as_deref().unwrap_or("");
        let sources = [title, doc.text.as_str()];
        let mut scan = Scan {
            sentences: vec![Sentence::default()],
            pending_initial: true,
            ..Scan::default()
        };
        scan_source(&mut scan, title, 0);
        scan.end_sentence();
        scan_source(&mut scan, &doc.text, 1);
        let first_body = scan
            .tokens
            .iter()
            .position(|t| t.source == 1)
            .unwrap_or(scan.tokens.len());
        let lead_end = scan.tokens[first_body..]
            .iter()
            .take(self.config.lead_words)
            .position(|t| t.line as usize >= self.config.lead_lines)
            .map_or_else(
                || (first_body + self.config.lead_words).min(scan.tokens.len()),
                |n| first_body + n,
            );
        let in_lead = |i: usize| i < lead_end;

        let names = find_names(&scan);
        let mut features: KeyMap<FeatureKey, Feature> = KeyMap::default();
        let mut add = |key: FeatureKey, lead: bool, label: &dyn Fn() -> String| {
            let f = features.entry(key).or_insert_with(|| Feature {
                key,
                count: 0,
                lead: 0,
                label: label().into_boxed_str(),
            });
            f.count += 1;
            f.lead += u32::from(lead);
        };
        let surface = |t: &Token| {
            let (a, b) = t.surface;
            &sources[t.source as usize][a as usize..b as usize]
        };
        let lower = |t: &Token| &scan.lower[t.lower.0 as usize..t.lower.1 as usize];

        // Terms.
        let mut body_terms: KeyMap<FeatureKey, ()> = KeyMap::default();
        for (i, t) in scan.tokens.iter().enumerate() {
            let word = lower(t);
            if word.chars().count() < 2 || is_stop_word(word) {
                continue;
            }
            if t.flags & DIGITS != 0 && is_year(word) {
                continue;
            }
            let lead = in_lead(i);
            let key = if t.flags & ALPHA != 0 {
                self.stem_key(word)
            } else {
                FeatureKey::new(FeatureKind::Term, word)
            };
            add(key, lead, &|| word.to_string());
            if t.source == 1 {
                body_terms.insert(key, ());
            }
        }
        // Names and entities.
        for run in &names {
            let tokens = &scan.tokens[run.clone()];
            let lead = in_lead(run.start);
            let mut name_words = 0;
            for t in tokens {
                let word = lower(t);
                if t.flags & CAP == 0 {
                    continue; // a connector
                }
                name_words += 1;
                add(FeatureKey::new(FeatureKind::Name, word), lead, &|| {
                    surface(t).to_string()
                });
            }
            if name_words >= 2 {
                let key_text = join(tokens.iter().map(lower));
                add(
                    FeatureKey::new(FeatureKind::Entity, &key_text),
                    lead,
                    &|| join(tokens.iter().map(surface)),
                );
            }
        }

        let mut features: Vec<Feature> = features.into_values().collect();
        features.sort_unstable_by_key(|f| f.key);
        let time = doc
            .published
            .map(|at| DocTime {
                at,
                source: TimeSource::Published,
            })
            .or_else(|| {
                time::find_dateline(title, &doc.text).map(|at| DocTime {
                    at,
                    source: TimeSource::Text,
                })
            });
        Analysis {
            features,
            time,
            headline: headline(title, &doc.text),
            words: u32::try_from(scan.tokens.len()).unwrap_or(u32::MAX),
            body_terms: u32::try_from(body_terms.len()).unwrap_or(u32::MAX),
        }
    }
}

/// Scans one source (title or body) into tokens and sentences.
fn scan_source(scan: &mut Scan, text: &str, source: u8) {
    scan.line = 0;
    scan.line_has_words = false;
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_alphanumeric() {
            let mut end = start + c.len_utf8();
            // Extend over letters and digits, and over ' ’ . & between two of them.
            while let Some(&(i, n)) = chars.peek() {
                if n.is_alphanumeric() {
                    chars.next();
                    end = i + n.len_utf8();
                    continue;
                }
                if matches!(n, '\'' | '\u{2019}' | '.' | '&') {
                    let after = text[i + n.len_utf8()..].chars().next();
                    if after.is_some_and(char::is_alphanumeric) {
                        chars.next();
                        end = i + n.len_utf8();
                        continue;
                    }
                }
                break;
            }
            push_word(scan, text, source, start, end);
            // A hyphen between two words joins them without a break ("Jean-Pierre").
            if let Some(&(i, '-')) = chars.peek()
                && text[i + 1..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric)
            {
                chars.next();
            }
            continue;
        }
        if c.is_whitespace() && c != '\n' {
            continue;
        }
        match c {
            '.' => {
                let abbreviation = scan.tokens.last().is_some_and(|t| {
                    let word = &scan.lower[t.lower.0 as usize..t.lower.1 as usize];
                    t.surface.1 as usize == start
                        && t.source == source
                        && (word.chars().count() == 1 || is_abbreviation(word))
                });
                if abbreviation {
                    scan.pending_break = true;
                } else {
                    scan.end_sentence();
                }
            }
            '\n' => {
                if scan.line_has_words {
                    scan.line += 1;
                    scan.line_has_words = false;
                }
                scan.end_sentence();
            }
            '!' | '?' | ';' | ':' | '|' | '\u{2022}' => scan.end_sentence(),
            '"' | '\u{201C}' | '\u{201D}' | '(' | '[' | '{' | '\u{2018}' | '\u{00AB}' => {
                scan.pending_break = true;
                scan.pending_initial = true;
            }
            _ => scan.pending_break = true,
        }
    }
}

/// Appends one word: its lowercase form (curly apostrophe folded, possessive `'s` dropped) to
/// the arena, its flags, and its sentence's counts.
fn push_word(scan: &mut Scan, text: &str, source: u8, start: usize, mut end: usize) {
    let word = &text[start..end];
    for suffix in ["'s", "\u{2019}s", "'S", "\u{2019}S"] {
        if word.len() > suffix.len() && word.ends_with(suffix) {
            end -= suffix.len();
            break;
        }
    }
    let word = &text[start..end];
    let from = scan.lower.len();
    if word.is_ascii() {
        // The common case, byte by byte (the same result as the general path below).
        scan.lower.push_str(word);
        scan.lower[from..].make_ascii_lowercase();
    } else {
        for ch in word.chars() {
            if ch == '\u{2019}' {
                scan.lower.push('\'');
            } else {
                scan.lower.extend(ch.to_lowercase());
            }
        }
    }
    let mut flags = 0;
    let first = word.chars().next().unwrap_or(' ');
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    if first.is_uppercase() {
        flags |= CAP;
    }
    if letters >= 2 && word.chars().all(|c| !c.is_lowercase()) && first.is_uppercase() {
        flags |= ALLCAP;
    }
    if letters > 0 {
        flags |= ALPHA;
    } else if word.chars().all(|c| c.is_ascii_digit()) {
        flags |= DIGITS;
    }
    if scan.pending_initial {
        flags |= INITIAL;
    }
    if scan.pending_break {
        flags |= BREAK;
    }
    scan.pending_initial = false;
    scan.pending_break = false;
    let sentence = scan.sentences.len() - 1;
    let s = &mut scan.sentences[sentence];
    if letters > 0 {
        s.words += 1;
        if flags & CAP != 0 {
            s.capitalised += 1;
        }
    }
    scan.tokens.push(Token {
        lower: (to_u32(from), to_u32(scan.lower.len())),
        source,
        surface: (to_u32(start), to_u32(end)),
        sentence: to_u32(sentence),
        line: scan.line,
        flags,
    });
    scan.line_has_words = true;
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Whether a sentence is written as a headline: three words or more, at least 60% of them
/// capitalised (Title Case or all capitals). Its capitals are no evidence of names.
fn is_headline(s: &Sentence) -> bool {
    s.words >= 3 && s.capitalised * 5 >= s.words * 3
}

/// The runs of name tokens (with the connectors inside them), as token index ranges.
fn find_names(scan: &Scan) -> Vec<std::ops::Range<usize>> {
    let lower = |t: &Token| &scan.lower[t.lower.0 as usize..t.lower.1 as usize];
    // Evidence: how often each word is capitalised mid-sentence in prose, and how often it
    // is written in lowercase.
    let mut evidence: KeyMap<u64, (u32, u32)> = KeyMap::default();
    for t in &scan.tokens {
        if t.flags & ALPHA == 0 {
            continue;
        }
        let key = word_key(lower(t));
        if t.flags & CAP != 0 {
            let headline = is_headline(&scan.sentences[t.sentence as usize]);
            if t.flags & INITIAL == 0 && !headline {
                evidence.entry(key).or_default().0 += 1;
            }
        } else if t.flags & ALLCAP == 0 && t.lower.0 != t.lower.1 {
            evidence.entry(key).or_default().1 += 1;
        }
    }
    let is_name = |t: &Token| -> bool {
        if t.flags & CAP == 0 || t.flags & ALPHA == 0 {
            return false;
        }
        let word = lower(t);
        if word.chars().count() < 2
            || is_stop_word(word)
            || is_calendar_word(word)
            || is_abbreviation(word)
        {
            return false;
        }
        let headline = is_headline(&scan.sentences[t.sentence as usize]);
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        if t.flags & ALLCAP != 0 && !headline && (2..=6).contains(&letters) {
            return true; // an acronym
        }
        let (cap, low) = evidence.get(&word_key(word)).copied().unwrap_or_default();
        if t.flags & INITIAL == 0 && !headline {
            cap >= low
        } else {
            cap >= 1 && cap >= low
        }
    };
    let names: Vec<bool> = scan.tokens.iter().map(is_name).collect();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < scan.tokens.len() {
        if !names[i] {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1; // exclusive end of the run's last name
        let mut j = i + 1;
        while j < scan.tokens.len() {
            let t = &scan.tokens[j];
            if t.flags & BREAK != 0 || t.sentence != scan.tokens[start].sentence {
                break;
            }
            if names[j] {
                end = j + 1;
                j += 1;
            } else if t.flags & CAP == 0 && CONNECTORS.contains(&lower(t)) {
                j += 1;
            } else {
                break;
            }
        }
        runs.push(start..end);
        i = end;
    }
    runs
}

fn word_key(word: &str) -> u64 {
    FeatureKey::new(FeatureKind::Name, word).0
}

fn join<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for w in words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

fn is_year(word: &str) -> bool {
    word.len() == 4
        && word
            .parse::<u16>()
            .is_ok_and(|y| (1900..=2099).contains(&y))
}

/// The title, else the text's first sentence (up to the first line end or full stop followed
/// by a space), trimmed to 200 characters.
fn headline(title: &str, text: &str) -> String {
    let source = if title.trim().is_empty() { text } else { title };
    let source = source.trim_start();
    let mut end = source.find('\n').unwrap_or(source.len());
    if title.trim().is_empty()
        && let Some(stop) = source[..end].find(". ")
    {
        end = stop + 1;
    }
    let line = source[..end].trim();
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", line[..cut].trim_end()),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(a: &Analysis, kind: FeatureKind) -> Vec<String> {
        let mut out: Vec<String> = a
            .features
            .iter()
            .filter(|f| f.key.kind() == kind)
            .map(|f| f.label.to_string())
            .collect();
        out.sort();
        out
    }

    fn analyze(text: &str) -> Analysis {
        Analyzer::default().analyze(&Document::new("d", text))
    }

    #[test]
    fn names_need_evidence_outside_sentence_starts() {
        let a = analyze(
            "Police said the fire at Halvorsen Marine Supply started early. The police \
             closed the road. Firefighters from Port Ellis arrived quickly. Halvorsen staff \
             were safe.",
        );
        let names = labels(&a, FeatureKind::Name);
        assert!(names.contains(&"Halvorsen".to_string()), "{names:?}");
        assert!(names.contains(&"Ellis".to_string()), "{names:?}");
        assert!(!names.contains(&"Police".to_string()), "{names:?}");
        assert!(!names.contains(&"Firefighters".to_string()), "{names:?}");
        let entities = labels(&a, FeatureKind::Entity);
        assert_eq!(entities, ["Halvorsen Marine Supply", "Port Ellis"]);
    }

    #[test]
    fn entities_join_through_connectors_and_break_at_commas() {
        let a = analyze(
            "The navy patrolled the Gulf of Aden near Yemen, Somalia and Oman on patrol. \
             Ships from the Gulf of Aden returned.",
        );
        let entities = labels(&a, FeatureKind::Entity);
        assert_eq!(entities, ["Gulf of Aden"]);
        let names = labels(&a, FeatureKind::Name);
        assert!(names.contains(&"Yemen".to_string()) && names.contains(&"Somalia".to_string()));
    }

    #[test]
    fn acronyms_are_names_and_title_case_is_not_evidence() {
        let a = analyze(
            "Storm Warning Issued For The Coast Tonight\nThe NBA said the game in the \
             arena was moved. Coast guards stood by on the coast.",
        );
        let names = labels(&a, FeatureKind::Name);
        assert!(names.contains(&"NBA".to_string()), "{names:?}");
        assert!(!names.contains(&"Storm".to_string()), "{names:?}");
        assert!(!names.contains(&"Coast".to_string()), "{names:?}");
    }

    #[test]
    fn terms_are_stemmed_counted_and_skip_stop_words_and_years() {
        let a = analyze("Earthquakes shook the city in 2013. The earthquake killed 23 people.");
        let term = |w: &str| {
            a.features
                .iter()
                .find(|f| f.key == FeatureKey::new(FeatureKind::Term, w))
                .map(|f| f.count)
        };
        assert_eq!(term("earthquak"), Some(2));
        assert_eq!(term("23"), Some(1));
        assert_eq!(term("2013"), None);
        assert_eq!(term("the"), None);
        let label = a
            .features
            .iter()
            .find(|f| f.key == FeatureKey::new(FeatureKind::Term, "earthquak"))
            .map(|f| f.label.to_string());
        assert_eq!(label.as_deref(), Some("earthquakes"));
    }

    #[test]
    fn possessives_and_curly_apostrophes_fold() {
        let a =
            analyze("The judge heard Reid\u{2019}s lawyer. Later Reid's friends and Reid spoke.");
        let reid = a
            .features
            .iter()
            .find(|f| f.key == FeatureKey::new(FeatureKind::Name, "reid"))
            .map(|f| f.count);
        assert_eq!(reid, Some(3));
    }

    #[test]
    fn the_lead_is_the_title_and_first_lines() {
        let doc = Document::new(
            "d",
            "May 3, 2013\nFirst sentence names the volcano Etna here. Second sentence has \
             lava flows in it.\nThird sentence talks about tourism instead.",
        )
        .with_title("Etna erupts");
        let a = Analyzer::default().analyze(&doc);
        let lead = |w: &str| {
            a.features
                .iter()
                .find(|f| f.key == FeatureKey::new(FeatureKind::Term, w))
                .map(|f| f.lead)
        };
        assert_eq!(lead("erupt"), Some(1));
        assert_eq!(lead("lava"), Some(1));
        assert_eq!(lead("tourism"), Some(0));
        assert_eq!(a.headline, "Etna erupts");
    }

    #[test]
    fn headline_falls_back_to_the_first_sentence() {
        let a = analyze("A ferry ran aground near the pier. Nobody was hurt.");
        assert_eq!(a.headline, "A ferry ran aground near the pier.");
        let a = analyze("Ferry aground at Gull Island\nNobody was hurt.");
        assert_eq!(a.headline, "Ferry aground at Gull Island");
    }

    #[test]
    fn analysis_reads_the_dateline_when_there_is_no_published_field() {
        let a = analyze("Ferry aground\nMay 03, 2013\nA ferry ran aground.");
        let t = a.time.expect("a dateline");
        assert_eq!(t.source, TimeSource::Text);
        assert_eq!(
            crate::document::format_timestamp(t.at),
            "2013-05-03T00:00:00Z"
        );
        let doc = Document::new("d", "May 03, 2013: a ferry ran aground.").with_published(86_400);
        let t = Analyzer::default().analyze(&doc).time.expect("published");
        assert_eq!((t.at, t.source), (86_400, TimeSource::Published));
    }

    #[test]
    fn empty_and_odd_texts_do_not_panic() {
        for text in [
            "",
            " ",
            "...",
            "\u{2019}s",
            "A.",
            "--- | ---",
            "x-",
            "-x",
            "Ünïcödé Wörds",
        ] {
            let a = analyze(text);
            assert!(a.features.iter().all(|f| f.count >= 1));
        }
    }
}
