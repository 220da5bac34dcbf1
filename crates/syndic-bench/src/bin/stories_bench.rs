//! `stories_bench [--docs N] [--measure M] [--days D] [--set field=value]...`: the speed and memory of story
//! assignment on one core, with a long history already grouped.
//!
//! It generates a deterministic stream of news-like documents (self-written synthetic words:
//! events of fifty kinds, each with its own people, place, numbers and rare words, reported
//! several times over a few days, a fifth of the reports wire copies of an earlier one),
//! spread evenly over `D` days, and feeds them to one [`StoryIndex`] on the current thread:
//!
//! 1. the first `N` documents (default 1,000,000), printing the index's memory as it goes —
//!    it levels off once stories start closing (the horizon), instead of growing with the
//!    history;
//! 2. the next `M` documents (default 100,000), timed: analysis and assignment separately,
//!    then the two together, as documents per second on one core;
//! 3. a check of the result: B-cubed F1 of the measured documents against the generator's
//!    events, asserted above 0.9, so a fast-but-wrong change cannot pass as a speed-up.
//!
//! Run it with `cargo run --release -p syndic-bench --bin stories_bench`.

use anyhow::{Context, bail};
use std::time::Instant;
use syndic::Document;
use syndic::story::{Analysis, Evaluation, StoryConfig, StoryIndex};
use syndic_bench::rng::Rng;

/// Syllables of the synthetic words (self-written; no natural-language text).
const ONSETS: &[&str] = &[
    "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "gr", "kr",
    "st", "tr",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ou", "ea"];
const CODAS: &[&str] = &["", "", "n", "r", "s", "l", "k", "m", "nd", "st"];

fn word(rng: &mut Rng, syllables: usize) -> String {
    let mut w = String::new();
    for _ in 0..syllables {
        w.push_str(rng.choose(ONSETS));
        w.push_str(rng.choose(VOWELS));
        w.push_str(rng.choose(CODAS));
    }
    w
}

fn capitalised(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The generator's word lists.
struct Lexicon {
    common: Vec<String>,
    rare: Vec<String>,
    kinds: Vec<Vec<String>>,
    first: Vec<String>,
    last: Vec<String>,
    places: Vec<String>,
}

impl Lexicon {
    fn new(rng: &mut Rng) -> Self {
        let mut list = |n: usize, syl: (usize, usize)| -> Vec<String> {
            (0..n)
                .map(|_| {
                    let syllables = rng.range(syl.0, syl.1 + 1);
                    word(rng, syllables)
                })
                .collect()
        };
        let common = list(3_000, (1, 2));
        let rare = list(200_000, (2, 4));
        let kinds = (0..50).map(|_| list(30, (2, 3))).collect();
        let first = list(3_000, (2, 2)).iter().map(|w| capitalised(w)).collect();
        let last = list(60_000, (2, 3))
            .iter()
            .map(|w| capitalised(w))
            .collect();
        let places = list(30_000, (2, 3))
            .iter()
            .map(|w| capitalised(w))
            .collect();
        Lexicon {
            common,
            rare,
            kinds,
            first,
            last,
            places,
        }
    }
}

/// One real-world event of the stream.
struct Event {
    kind: usize,
    people: [String; 2],
    place: String,
    numbers: [u32; 2],
    rare: Vec<String>,
}

fn event(rng: &mut Rng, lex: &Lexicon) -> Event {
    let person = |rng: &mut Rng| {
        let first = rng.pick(&lex.first).clone();
        format!("{first} {}", lex.last[zipf(rng, lex.last.len())])
    };
    let people = [person(rng), person(rng)];
    Event {
        kind: rng.below(lex.kinds.len()),
        people,
        place: lex.places[zipf(rng, lex.places.len())].clone(),
        numbers: [rng.range(2, 500) as u32, rng.range(2, 90) as u32],
        rare: (0..10).map(|_| rng.pick(&lex.rare).clone()).collect(),
    }
}

/// A Zipf-like index in `0..n` (small indices much more likely).
fn zipf(rng: &mut Rng, n: usize) -> usize {
    let u = rng.unit().max(1e-12);
    ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
}

/// One report of `e`, in words of its own.
fn report(rng: &mut Rng, lex: &Lexicon, e: &Event) -> (String, String) {
    let kind = &lex.kinds[e.kind];
    let title = format!(
        "{} {} in {} as {} {}",
        capitalised(rng.pick::<String>(kind)),
        rng.pick(kind),
        e.place,
        e.people[0].split(' ').nth(1).unwrap_or(""),
        rng.pick(&lex.common)
    );
    let mut text = String::new();
    let sentences = rng.range(10, 16);
    for s in 0..sentences {
        let mut words: Vec<String> = Vec::new();
        let n = rng.range(12, 22);
        for i in 0..n {
            let r = rng.unit();
            let w = if i == 0 {
                capitalised(rng.pick::<String>(&lex.common))
            } else if r < 0.08 {
                e.people[rng.below(2)].clone()
            } else if r < 0.13 {
                e.place.clone()
            } else if r < 0.25 {
                rng.pick(kind).clone()
            } else if r < 0.33 {
                rng.pick(&e.rare).clone()
            } else if r < 0.36 {
                e.numbers[rng.below(2)].to_string()
            } else if r < 0.40 {
                rng.pick(&lex.rare).clone()
            } else {
                lex.common[zipf(rng, lex.common.len())].clone()
            };
            words.push(w);
        }
        text.push_str(&words.join(" "));
        text.push_str(if s % 4 == 3 { ".\n\n" } else { ". " });
    }
    (title, text)
}

/// A generated document with its truth.
struct Generated {
    doc: Document,
    family: String,
    event: u64,
}

/// The stream: events start evenly over the days, each reported 1–15 times over up to four
/// days; a fifth of the reports are wire copies of an earlier report of the same event.
struct Stream {
    rng: Rng,
    lex: Lexicon,
    seconds_per_doc: f64,
    next_doc: u64,
    next_event: u64,
    /// Pending reports: (time, event number, index into `events`).
    pending: std::collections::BinaryHeap<std::cmp::Reverse<(i64, u64, u64)>>,
    events: std::collections::HashMap<u64, InFlight>,
}

/// An event with reports still to come: its earlier original reports (family, title, text)
/// and how many reports remain.
struct InFlight {
    event: Event,
    originals: Vec<(String, String, String)>,
    remaining: u32,
}

const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

impl Stream {
    fn new(seed: u64, docs_per_day: f64) -> Self {
        let mut rng = Rng::new(seed);
        let lex = Lexicon::new(&mut rng);
        Stream {
            rng,
            lex,
            seconds_per_doc: 86_400.0 / docs_per_day,
            next_doc: 0,
            next_event: 0,
            pending: std::collections::BinaryHeap::new(),
            events: std::collections::HashMap::new(),
        }
    }

    fn next(&mut self) -> Generated {
        let now = START + (self.next_doc as f64 * self.seconds_per_doc) as i64;
        // Keep enough events in flight that reports are due around now.
        while self
            .pending
            .peek()
            .is_none_or(|std::cmp::Reverse((t, _, _))| *t > now)
        {
            let id = self.next_event;
            self.next_event += 1;
            let e = event(&mut self.rng, &self.lex);
            let reports = 1 + (self.rng.unit().powi(2) * 14.0) as u32;
            for r in 0..reports {
                let delay = if r == 0 {
                    0
                } else {
                    (self.rng.unit() * 4.0 * 86_400.0) as i64
                };
                self.pending
                    .push(std::cmp::Reverse((now + delay, id, u64::from(r))));
            }
            self.events.insert(
                id,
                InFlight {
                    event: e,
                    originals: Vec::new(),
                    remaining: reports,
                },
            );
        }
        let std::cmp::Reverse((t, id, _)) = self.pending.pop().expect("an event is in flight");
        let doc_id = format!("d{}", self.next_doc);
        self.next_doc += 1;
        let entry = self.events.get_mut(&id).expect("a known event");
        let (title, text, family) = if !entry.originals.is_empty() && self.rng.chance(0.2) {
            let (family, title, text) = self.rng.pick(&entry.originals).clone();
            (title, format!("({}) - {text}", entry.event.place), family)
        } else {
            let (title, text) = report(&mut self.rng, &self.lex, &entry.event);
            entry
                .originals
                .push((doc_id.clone(), title.clone(), text.clone()));
            (title, text, doc_id.clone())
        };
        entry.remaining -= 1;
        if entry.remaining == 0 {
            self.events.remove(&id);
        }
        Generated {
            doc: Document::new(doc_id, text)
                .with_title(title)
                .with_published(t.max(START)),
            family,
            event: id,
        }
    }
}

/// Resident and peak resident memory of this process, in MB (Linux; zero elsewhere).
fn memory_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU seconds (user + system) this process has used: the measure of work on a machine
/// shared with other jobs, where wall time also counts waiting for a core.
fn cpu_secs() -> f64 {
    #[cfg(unix)]
    {
        use nix::sys::resource::{UsageWho, getrusage};
        let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
        getrusage(UsageWho::RUSAGE_SELF)
            .map(|u| secs(u.user_time()) + secs(u.system_time()))
            .unwrap_or(0.0)
    }
    #[cfg(not(unix))]
    {
        0.0
    }
}

fn arg(args: &[String], name: &str, default: u64) -> anyhow::Result<u64> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .context("a number after the flag")?
            .replace('_', "")
            .parse()
            .with_context(|| name.to_string()),
    }
}

/// The default configuration with each `--set field=value` applied (a [`StoryConfig`] field
/// name as serialised, a JSON value): to see what a setting costs or buys.
fn configured(args: &[String]) -> anyhow::Result<StoryConfig> {
    let mut json = serde_json::to_value(StoryConfig::default())?;
    for pair in args.windows(2).filter(|w| w[0] == "--set").map(|w| &w[1]) {
        let (field, value) = pair.split_once('=').context("--set field=value")?;
        let slot = json
            .get_mut(field)
            .with_context(|| format!("no setting {field}"))?;
        *slot = serde_json::from_str(value).with_context(|| format!("the value of {field}"))?;
        println!("setting {field} = {value}");
    }
    Ok(serde_json::from_value(json)?)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let history = arg(&args, "--docs", 1_000_000)?;
    let measure = arg(&args, "--measure", 100_000)?;
    let days = arg(&args, "--days", 200)?;
    let docs_per_day = (history + measure) as f64 / days.max(1) as f64;
    let mut stream = Stream::new(0x5EED_5702, docs_per_day);
    let config = configured(&args)?;
    println!(
        "stories_bench: {history} documents of history, {measure} measured, {days} days \
         ({docs_per_day:.0} documents a day), horizon {} days, one thread",
        config.horizon / 86_400
    );
    let mut index = StoryIndex::new(config);

    // 1. History.
    let start = Instant::now();
    let report_every = (history / 8).max(1);
    for n in 1..=history {
        let g = stream.next();
        index.add(&g.doc, &g.family);
        if n % 4096 == 0 {
            index.drain_closed();
        }
        if n % report_every == 0 {
            let (rss, _) = memory_mb();
            println!(
                "  {n:>9} documents: {:>7} open stories, index {:>6.1} MB, process RSS {:>6.1} MB, {:.0} docs/s so far",
                index.open_stories(),
                index.heap_bytes() as f64 / 1e6,
                rss,
                n as f64 / start.elapsed().as_secs_f64()
            );
        }
    }

    // 2. Measured: generate first (not timed), then analyse, then assign.
    let batch: Vec<Generated> = (0..measure).map(|_| stream.next()).collect();
    let words: usize = batch
        .iter()
        .map(|g| g.doc.text.split_whitespace().count())
        .sum();
    let analyzer = index.analyzer();
    let (t, cpu) = (Instant::now(), cpu_secs());
    let analyses: Vec<Analysis> = batch.iter().map(|g| analyzer.analyze(&g.doc)).collect();
    let (analyse_secs, analyse_cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - cpu);
    let (t, cpu) = (Instant::now(), cpu_secs());
    let mut predicted = Vec::with_capacity(batch.len());
    for (g, a) in batch.iter().zip(&analyses) {
        let s = index.add_analysis(&g.doc.id, None, a, &g.family);
        predicted.push(s.story);
    }
    let (assign_secs, assign_cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - cpu);
    let n = measure as f64;
    let (rss, peak) = memory_mb();
    println!(
        "measured {measure} documents ({:.0} words each) with {history} already grouped:",
        words as f64 / n
    );
    let rate = |wall: f64, cpu: f64| {
        format!(
            "{:>8.0} docs/s wall ({:.1} µs/doc), {:>8.0} docs/s per CPU-second",
            n / wall,
            wall * 1e6 / n,
            n / cpu.max(1e-9)
        )
    };
    println!("  analysis   {}", rate(analyse_secs, analyse_cpu));
    println!("  assignment {}", rate(assign_secs, assign_cpu));
    println!(
        "  together   {} (one thread)",
        rate(analyse_secs + assign_secs, analyse_cpu + assign_cpu)
    );
    println!(
        "  memory: index {:.1} MB ({} open stories), process RSS {:.1} MB, peak RSS {:.1} MB",
        index.heap_bytes() as f64 / 1e6,
        index.open_stories(),
        rss,
        peak
    );

    // 3. Check.
    let gold: Vec<u64> = batch.iter().map(|g| g.event).collect();
    let e = Evaluation::of(&predicted, &gold);
    println!(
        "  quality on the measured documents: B-cubed P {:.3} R {:.3} F1 {:.3}, {} stories for {} events",
        e.bcubed_precision, e.bcubed_recall, e.bcubed_f1, e.predicted_clusters, e.gold_clusters
    );
    if e.bcubed_f1 < 0.9 {
        bail!(
            "B-cubed F1 {:.3} is below 0.9: the grouping is wrong",
            e.bcubed_f1
        );
    }
    Ok(())
}
