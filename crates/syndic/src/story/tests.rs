//! Tests of the story grouping as a whole: the hard cases (two events of one kind; one event
//! in other words; a story over several days), versions collapsed first, determinism,
//! bounded memory, summaries and the refinement pass. Every text here is self-written fiction.

use super::*;
use crate::document::parse_timestamp;

fn at(date: &str) -> i64 {
    parse_timestamp(date).expect("a test date")
}

fn doc(id: &str, date: Option<&str>, text: &str) -> Document {
    let d = Document::new(id, text);
    match date {
        Some(date) => d.with_published(at(date)),
        None => d,
    }
}

/// Unrelated reports that give the weights a corpus to learn from.
fn background() -> Vec<Document> {
    [
        "The city library extended its opening hours on weekends after a petition signed by \
         three thousand residents. Librarians said the reading rooms were full every Saturday.",
        "Shares in the regional airline fell sharply after the company cut its profit forecast, \
         blaming fuel prices and a shortage of pilots during the busy summer season.",
        "A new exhibition of medieval maps opened at the national museum, with loans from \
         collections abroad. Curators said the oldest map was drawn on goatskin.",
        "The football club appointed a new coach after a season in which the team narrowly \
         avoided relegation. Supporters welcomed the choice at the training ground.",
        "Farmers in the northern valleys reported an early harvest of apples and pears after a \
         warm spring, and cider makers expect a record year.",
        "The central bank left interest rates unchanged, saying inflation had eased but wages \
         were still rising faster than productivity in most industries.",
    ]
    .iter()
    .enumerate()
    .map(|(i, t)| Document::new(format!("bg{i}"), *t))
    .collect()
}

/// Runs documents through a fresh index (each its own version family); returns each
/// document's story id.
fn stories_of(config: StoryConfig, docs: &[Document]) -> Vec<String> {
    let mut index = StoryIndex::new(config);
    docs.iter()
        .map(|d| index.add(d, &d.id).story.to_string())
        .collect()
}

fn story_map(docs: &[Document], stories: &[String]) -> std::collections::HashMap<String, String> {
    docs.iter()
        .map(|d| d.id.clone())
        .zip(stories.iter().cloned())
        .collect()
}

const QUAKE_A1: &str = "A magnitude 6.8 earthquake struck the mountain province of Veloria \
    before dawn on Sunday, flattening houses in the town of Karsk and killing at least 212 \
    people, the interior ministry said. Rescue teams dug through collapsed schools in Karsk as \
    aftershocks shook the valley. President Amadeo Lunn declared three days of mourning and \
    flew to Karsk by helicopter.";
const QUAKE_A2: &str = "Rescuers in Karsk pulled survivors from the rubble on Monday, a day \
    after the Veloria earthquake left 212 dead. President Amadeo Lunn promised to rebuild every \
    school in Karsk and said the army would deliver tents to families sleeping in the open \
    across Veloria province.";
const QUAKE_B1: &str = "A strong earthquake of magnitude 7.1 hit the coastal region of Ostrava \
    Bay on Tuesday, toppling apartment blocks in the port city of Meridan. Officials said 48 \
    people were killed and hundreds injured. Prime Minister Ilse Varga sent rescue teams and \
    field hospitals to Meridan and asked neighbouring countries for search dogs.";
const QUAKE_B2: &str = "In Meridan, search dogs and rescue teams worked through the night in \
    the ruins of apartment blocks after the Ostrava Bay earthquake. Prime Minister Ilse Varga \
    said the death toll had risen to 48 and that the port would reopen once cranes were \
    inspected.";

#[test]
fn two_earthquakes_years_apart_stay_apart() {
    let mut docs = background();
    docs.extend([
        doc("quake-a1", Some("2019-04-07"), QUAKE_A1),
        doc("quake-a2", Some("2019-04-08"), QUAKE_A2),
        doc("quake-b1", Some("2022-10-11"), QUAKE_B1),
        doc("quake-b2", Some("2022-10-12"), QUAKE_B2),
    ]);
    let s = story_map(&docs, &stories_of(StoryConfig::default(), &docs));
    assert_eq!(s["quake-a2"], "quake-a1");
    assert_eq!(s["quake-b2"], "quake-b1");
    assert_ne!(s["quake-b1"], s["quake-a1"]);
}

#[test]
fn two_earthquakes_stay_apart_on_names_alone() {
    // No dates at all: only names, places and numbers tell the two quakes apart.
    let mut docs = background();
    docs.extend([
        doc("quake-a1", None, QUAKE_A1),
        doc("quake-b1", None, QUAKE_B1),
        doc("quake-a2", None, QUAKE_A2),
        doc("quake-b2", None, QUAKE_B2),
    ]);
    let s = story_map(&docs, &stories_of(StoryConfig::default(), &docs));
    assert_eq!(s["quake-a2"], "quake-a1");
    assert_eq!(s["quake-b2"], "quake-b1");
    assert_ne!(s["quake-b1"], s["quake-a1"]);
}

#[test]
fn two_celebrities_entering_rehab_years_apart_stay_apart() {
    let mut docs = background();
    docs.extend([
        doc(
            "rehab-caldwell-1",
            Some("2009-02-13"),
            "Actress Mira Caldwell has checked into the Sunridge Recovery Center, her \
             spokesman told reporters on Friday. Caldwell, 31, asked fans to respect her \
             privacy while she is treated. The star of the comedy Summer Lanterns was \
             photographed leaving a Hollywood party last week.",
        ),
        doc(
            "rehab-ortolan-1",
            Some("2014-06-02"),
            "Singer Dane Ortolan has entered the Harbor Light clinic for treatment, his manager \
             said on Monday, cancelling the last six dates of his European tour. Ortolan, 27, \
             thanked fans for their support. The clinic in Malibu treats addiction.",
        ),
        doc(
            "rehab-caldwell-2",
            Some("2009-02-14"),
            "Mira Caldwell is in rehab. The actress entered Sunridge Recovery Center on \
             Friday, according to her spokesman, who would not say what she is being treated \
             for. Friends of Caldwell said the Summer Lanterns star had been struggling.",
        ),
        doc(
            "rehab-ortolan-2",
            Some("2014-06-03"),
            "Dane Ortolan's European tour is off: the singer checked into the Harbor Light \
             treatment clinic in Malibu, his manager confirmed. Ortolan had missed two shows \
             in Berlin last month.",
        ),
    ]);
    let s = story_map(&docs, &stories_of(StoryConfig::default(), &docs));
    assert_eq!(s["rehab-caldwell-2"], "rehab-caldwell-1");
    assert_eq!(s["rehab-ortolan-2"], "rehab-ortolan-1");
    assert_ne!(s["rehab-ortolan-1"], s["rehab-caldwell-1"]);
}

#[test]
fn one_event_in_other_words_is_one_story() {
    let mut docs = background();
    docs.extend([
        doc(
            "vote-ledger",
            Some("2026-03-05T21:00:00Z"),
            "Ashford councillors voted 7-2 on Thursday night to approve a 48.6 million budget \
             that raises property tax by 3.2 percent and closes the Elm Street library \
             branch on Mondays. Mayor Grace Okafor said the increase was the smallest in \
             five years.",
        ),
        doc(
            "vote-courier",
            Some("2026-03-06T08:00:00Z"),
            "Property owners in Ashford will pay 3.2 percent more after the council backed \
             Mayor Grace Okafor's 48.6 million spending plan. Two councillors opposed it. \
             Readers at the Elm Street branch will find the doors shut on Mondays from April.",
        ),
        doc(
            "vote-radio",
            Some("2026-03-06T07:00:00Z"),
            "Ashford has a budget. By seven votes to two, the council passed a plan worth 48.6 \
             million; the tax rise is 3.2 percent, and Elm Street library loses its Monday \
             hours, Mayor Okafor confirmed.",
        ),
    ]);
    let s = story_map(&docs, &stories_of(StoryConfig::default(), &docs));
    assert_eq!(s["vote-courier"], "vote-ledger");
    assert_eq!(s["vote-radio"], "vote-ledger");
}

#[test]
fn a_story_over_several_days_stays_one_story() {
    let mut docs = background();
    docs.extend([
        doc(
            "storm-day1",
            Some("2026-03-09T19:00:00Z"),
            "Forecasters issued a red warning as Storm Orla headed for Kestrel Bay, with gusts \
             of up to 140 km/h expected on Wednesday. The harbour master ordered fishing boats \
             into port and schools in Kestrel Bay will close.",
        ),
        doc(
            "storm-day2",
            Some("2026-03-11T11:00:00Z"),
            "Storm Orla made landfall at Kestrel Bay overnight, tearing roofs off seafront \
             houses and cutting power to 38,000 homes. Gusts reached 146 km/h at the harbour, \
             and the coastguard rescued two fishermen.",
        ),
        doc(
            "storm-day3",
            Some("2026-03-12T16:00:00Z"),
            "Kestrel Bay began clearing up after Storm Orla on Thursday. Crews restored power \
             to most of the 38,000 homes, and the council opened a fund for seafront \
             businesses whose roofs were torn off.",
        ),
    ]);
    let s = story_map(&docs, &stories_of(StoryConfig::default(), &docs));
    assert_eq!(s["storm-day2"], "storm-day1");
    assert_eq!(s["storm-day3"], "storm-day1");
}

#[test]
fn versions_join_their_familys_story_and_count_once() {
    let mut index = StoryIndex::new(StoryConfig::default());
    for d in background() {
        index.add(&d, &d.id);
    }
    let original = doc("wire", Some("2019-04-07"), QUAKE_A1).with_source("Northern Wire");
    let copy = doc("copy", Some("2019-04-07"), &format!("(KARSK) - {QUAKE_A1}"))
        .with_source("Valley Courier");
    let a = index.add(&original, "wire");
    let b = index.add(&copy, "wire");
    assert_eq!(a.placement, Placement::New);
    assert_eq!(b.placement, Placement::Version);
    assert_eq!(b.story, a.story);
    let summary = index.summary("wire").expect("open story");
    assert_eq!(
        (summary.documents, summary.versions, summary.sources),
        (2, 1, 2)
    );
}

#[test]
fn too_short_documents_stay_alone() {
    let mut index = StoryIndex::new(StoryConfig::default());
    let paywall = "Subscribe to read more. Already a subscriber? Sign in.";
    let a = index.add(&Document::new("p1", paywall), "p1");
    let b = index.add(&Document::new("p2", paywall), "p2");
    assert_eq!(a.placement, Placement::TooShort);
    assert_eq!(b.placement, Placement::TooShort);
    assert_ne!(a.story, b.story);
    let empty = index.add(&Document::new("e", ""), "e");
    assert_eq!(empty.placement, Placement::TooShort);
}

#[test]
fn the_same_input_gives_the_same_stories() {
    let mut docs = background();
    for (i, text) in [QUAKE_A1, QUAKE_B1, QUAKE_A2, QUAKE_B2].iter().enumerate() {
        docs.push(doc(&format!("q{i}"), None, text));
    }
    let config = StoryConfig {
        sweep_every: 3,
        ..StoryConfig::default()
    };
    let first = stories_of(config.clone(), &docs);
    let second = stories_of(config, &docs);
    assert_eq!(first, second);
}

#[test]
fn idle_stories_close_and_memory_stays_bounded() {
    let config = StoryConfig {
        sweep_every: 8,
        horizon: 5 * DAY,
        window: DAY,
        ..StoryConfig::default()
    };
    let mut index = StoryIndex::new(config);
    let mut closed = 0;
    let mut most_open = 0;
    // 200 days, one event a day with words of its own, each reported twice.
    for day in 0..200i64 {
        let t = at("2026-01-01") + day * DAY;
        let words: Vec<String> = (0..30)
            .map(|i| format!("w{}", (day * 7919 + i * 104_729) % 100_003))
            .collect();
        for copy in 0..2 {
            let text = format!("{} report {copy}.", words.join(" "));
            let d = Document::new(format!("d{day}-{copy}"), text).with_published(t);
            let a = index.add(&d, &d.id);
            if copy == 1 {
                assert_eq!(&*a.story, format!("d{day}-0"), "day {day}");
            }
        }
        closed += index.drain_closed().len();
        most_open = most_open.max(index.open_stories());
    }
    assert!(most_open <= 12, "open stories peaked at {most_open}");
    assert!(closed >= 180, "only {closed} closed");
    let (summaries, refined) = index.finish();
    assert_eq!(summaries.len(), 200 - closed);
    assert!(refined.is_empty());
}

#[test]
fn the_index_does_not_grow_with_the_history() {
    // A long stream of one-day events: once stories close, the index (postings, labels,
    // weights) holds the window only, so its size at day 1,200 is about its size at day 600.
    let config = StoryConfig {
        sweep_every: 8,
        horizon: 3 * DAY,
        window: DAY,
        df_half_life: 64,
        ..StoryConfig::default()
    };
    let mut index = StoryIndex::new(config);
    let mut heap_at = Vec::new();
    for day in 0..1_200i64 {
        let t = at("2026-01-01") + day * DAY;
        let words: Vec<String> = (0..30)
            .map(|i| format!("w{}", (day * 7919 + i * 104_729) % 1_000_003))
            .collect();
        for copy in 0..2 {
            let text = format!("{} report {copy}.", words.join(" "));
            let d = Document::new(format!("d{day}-{copy}"), text).with_published(t);
            index.add(&d, &d.id);
        }
        index.drain_closed();
        if day == 599 || day == 1_199 {
            heap_at.push(index.heap_bytes());
        }
    }
    assert!(
        heap_at[1] < heap_at[0] * 3 / 2,
        "heap grew from {} to {} bytes",
        heap_at[0],
        heap_at[1]
    );
}

#[test]
fn summaries_name_the_story() {
    let mut docs = background();
    docs.extend([
        doc("quake-a1", Some("2019-04-07T06:00:00Z"), QUAKE_A1).with_title("Quake kills 212"),
        doc("quake-a2", Some("2019-04-08T09:00:00Z"), QUAKE_A2),
    ]);
    let mut index = StoryIndex::new(StoryConfig::default());
    for d in &docs {
        index.add(d, &d.id);
    }
    let s = index.summary("quake-a1").expect("open");
    assert_eq!(s.headline, "Quake kills 212");
    assert_eq!(s.documents, 2);
    assert_eq!(s.first_seen, Some(at("2019-04-07T06:00:00Z")));
    assert_eq!(s.last_seen, Some(at("2019-04-08T09:00:00Z")));
    assert!(s.names.iter().any(|n| n == "Karsk"), "{:?}", s.names);
    assert!(
        s.names.iter().any(|n| n.contains("Amadeo Lunn")),
        "{:?}",
        s.names
    );
    assert!(
        s.terms.iter().any(|t| t.starts_with("school")),
        "{:?}",
        s.terms
    );
    assert!(index.summary("quake-a2").is_none(), "not a story id");
}

#[test]
fn refinement_splits_a_story_that_holds_two_events() {
    // A loose online threshold puts both quakes in one story; refinement splits it.
    let config = StoryConfig {
        threshold: 0.01,
        query_features: 1000,
        refine: Some(RefineConfig::default()),
        ..StoryConfig::default()
    };
    let docs: Vec<Document> = [
        ("a1", QUAKE_A1),
        ("b1", QUAKE_B1),
        ("a2", QUAKE_A2),
        ("b2", QUAKE_B2),
        ("a3", QUAKE_A1),
        ("b3", QUAKE_B2),
    ]
    .iter()
    .map(|(id, t)| Document::new(*id, format!("{t} Report {id}.")))
    .collect();
    let mut index = StoryIndex::new(config);
    let online: Vec<String> = docs
        .iter()
        .map(|d| index.add(d, &d.id).story.to_string())
        .collect();
    assert!(online.iter().all(|s| s == "a1"), "{online:?}");
    let (summaries, refined) = index.finish();
    let mut after = online.clone();
    for r in refined {
        after[r.doc as usize] = r.story.to_string();
    }
    assert_eq!(after, ["a1", "b1", "a1", "b1", "a1", "b1"]);
    assert_eq!(summaries.len(), 2);
    assert_eq!(summaries[1].id, "b1");
    assert_eq!(summaries[1].documents, 3);
}

#[test]
fn the_refined_defaults_keep_each_quake_whole_and_apart() {
    // `--refine`: a loose online pass, then the split with its contrast. Each event's reports
    // (in other words, on other days) end in one story, the two events in two.
    let mut docs = background();
    docs.extend([
        doc("a1", Some("2019-04-07T06:00:00Z"), QUAKE_A1),
        doc("b1", Some("2019-05-14T08:00:00Z"), QUAKE_B1),
        doc("a2", Some("2019-04-08T09:00:00Z"), QUAKE_A2),
        doc("b2", Some("2019-05-15T07:00:00Z"), QUAKE_B2),
        doc(
            "a3",
            Some("2019-04-10T12:00:00Z"),
            "Schools in Karsk stayed shut on Wednesday as engineers inspected them after the \
             Veloria earthquake. President Amadeo Lunn visited families in tents and said the 212 \
             dead would be remembered with a memorial in the valley.",
        ),
        doc(
            "b3",
            Some("2019-05-17T10:00:00Z"),
            "Cranes returned to the port of Meridan on Friday, three days after the Ostrava Bay \
             earthquake killed 48 people. Prime Minister Ilse Varga thanked the foreign search \
             teams and said apartment blocks would be rebuilt to a stricter code.",
        ),
    ]);
    let mut index = StoryIndex::new(StoryConfig::refined());
    let mut stories: Vec<String> = docs
        .iter()
        .map(|d| index.add(d, &d.id).story.to_string())
        .collect();
    let (_, refined) = index.finish();
    for r in refined {
        stories[r.doc as usize] = r.story.to_string();
    }
    let s = story_map(&docs, &stories);
    assert_eq!(s["a2"], s["a1"], "{s:?}");
    assert_eq!(s["a3"], s["a1"], "{s:?}");
    assert_eq!(s["b2"], s["b1"], "{s:?}");
    assert_eq!(s["b3"], s["b1"], "{s:?}");
    assert_ne!(s["a1"], s["b1"], "{s:?}");
}

#[test]
fn pair_similarity_orders_same_event_above_same_kind() {
    let same = similarity(&Document::new("a", QUAKE_A1), &Document::new("b", QUAKE_A2));
    let kind = similarity(&Document::new("a", QUAKE_A1), &Document::new("b", QUAKE_B1));
    assert!(same > kind, "same event {same}, same kind {kind}");
    assert!((0.0..=1.0).contains(&same) && (0.0..=1.0).contains(&kind));
}

#[test]
fn config_validation_names_the_setting() {
    assert!(StoryConfig::default().validate().is_ok());
    let bad = StoryConfig {
        threshold: 1.5,
        ..StoryConfig::default()
    };
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("story-threshold")
    );
    let bad = StoryConfig {
        horizon: 0,
        ..StoryConfig::default()
    };
    assert!(bad.validate().unwrap_err().to_string().contains("horizon"));
    for decay in [0.0, 1.5, f32::NAN] {
        let bad = StoryConfig {
            member_decay: decay,
            ..StoryConfig::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("member-decay")
        );
    }
}
