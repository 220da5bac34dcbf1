//! The bundled example corpus (`examples/corpus`) against its hand-made labels: every labelled
//! version family is found, nothing else is merged.

use std::collections::HashMap;
use syndic::Document;
use syndic::document::parse_timestamp;
use syndic::versions::{Status, VersionConfig, VersionIndex};

fn corpus_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/corpus")
}

fn load() -> (Vec<Document>, serde_json::Value) {
    let dir = corpus_dir();
    let text = std::fs::read_to_string(dir.join("news.jsonl")).unwrap();
    let docs = text
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let s = |k: &str| v[k].as_str().map(str::to_string);
            Document {
                id: s("id").unwrap(),
                text: s("text").unwrap(),
                title: s("title"),
                source: s("source"),
                url: s("url"),
                published: s("published").and_then(|p| parse_timestamp(&p)),
            }
        })
        .collect();
    let labels = std::fs::read_to_string(dir.join("labels.json")).unwrap();
    (docs, serde_json::from_str(&labels).unwrap())
}

#[test]
fn example_corpus_versions_match_labels() {
    let (docs, labels) = load();
    let mut index = VersionIndex::new(VersionConfig::default());
    index.add_batch(&docs).unwrap();
    let records = index.finish().unwrap();
    assert_eq!(records.len(), docs.len());

    let gold: HashMap<&str, &str> = labels["versions"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
        .collect();
    for a in &records {
        for b in &records {
            if a.id >= b.id {
                continue;
            }
            let same_gold = gold[a.id.as_str()] == gold[b.id.as_str()];
            let same_pred = a.version == b.version;
            assert_eq!(
                same_pred, same_gold,
                "{} / {}: predicted same family {same_pred}, labelled {same_gold}",
                a.id, b.id
            );
        }
    }
    // Each family's canonical member is its earliest published one.
    let published: HashMap<&str, i64> = docs
        .iter()
        .map(|d| (d.id.as_str(), d.published.unwrap()))
        .collect();
    for r in &records {
        assert!(
            published[r.version.as_str()] <= published[r.id.as_str()],
            "{r:?}"
        );
    }
    // The boilerplate-only pages are reported as too short, not merged.
    for id in labels["boilerplate"].as_array().unwrap() {
        let r = records
            .iter()
            .find(|r| r.id == id.as_str().unwrap())
            .unwrap();
        assert_eq!(r.status, Status::TooShort, "{r:?}");
    }
}
