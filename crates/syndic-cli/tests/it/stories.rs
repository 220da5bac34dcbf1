//! `syndic stories` and `syndic eval-stories` end to end: the real binary on the bundled
//! example corpus (`examples/corpus/`, self-written) and on the fixtures in
//! `tests/fixtures/stories/` (the example corpus with its story labels and a split field; a
//! file of bad records).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stories")
}

/// What one run printed.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `syndic ARGS` in `dir`.
fn syndic(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_syndic"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("the syndic binary runs");
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}

/// Document id → story id, from `syndic stories` output.
fn story_of(records: &[serde_json::Value]) -> HashMap<String, String> {
    records
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["story"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_document_once_with_its_version_and_story() {
    let run = syndic(&root(), &["stories", "examples/corpus/news.jsonl"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let records = lines(&run.stdout);
    let input = std::fs::read_to_string(root().join("examples/corpus/news.jsonl")).unwrap();
    let ids: Vec<String> = lines(&input)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let out_ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(out_ids, ids, "one line per input document, in input order");
    for r in &records {
        for field in ["id", "version", "story", "placement"] {
            assert!(r[field].is_string(), "{field} missing in {r}");
        }
    }
    insta::assert_snapshot!("stories_news_stdout", run.stdout);
}

#[test]
fn the_example_corpus_hard_cases() {
    let run = syndic(&root(), &["stories", "examples/corpus/news.jsonl"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let s = story_of(&lines(&run.stdout));
    // One story whatever the wording: the harbour fire's own-words reports join the wire's.
    for id in [
        "harbor-fire-bulletin",
        "harbor-fire-radio",
        "harbor-fire-courier",
    ] {
        assert_eq!(s[id], s["harbor-fire-wire"], "{id}");
    }
    // A story over several days: warning, landfall, clean-up.
    for id in [
        "storm-landfall-wire",
        "storm-cleanup",
        "storm-cleanup-radio",
    ] {
        assert_eq!(s[id], s["storm-warning"], "{id}");
    }
    // Two events of one kind stay apart: two warehouse fires, two budget votes.
    assert_ne!(s["millbrook-fire-wire"], s["harbor-fire-wire"]);
    assert_ne!(s["glenhaven-budget-record"], s["ashford-budget-ledger"]);
    // Versions share their family's story.
    assert_eq!(
        s["ashford-budget-ledger-corrected"],
        s["ashford-budget-ledger"]
    );
    // Identical paywall notices from two outlets are not one story.
    assert_ne!(s["courier-paywall"], s["gazette-paywall"]);
}

#[test]
fn summary_writes_one_line_per_story() {
    let run = syndic(
        &root(),
        &["stories", "--summary", "examples/corpus/news.jsonl"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stories = lines(&run.stdout);
    let per_doc = lines(&syndic(&root(), &["stories", "examples/corpus/news.jsonl"]).stdout);
    let distinct: std::collections::BTreeSet<&str> = per_doc
        .iter()
        .map(|r| r["story"].as_str().unwrap())
        .collect();
    assert_eq!(stories.len(), distinct.len());
    let total: u64 = stories
        .iter()
        .map(|s| s["documents"].as_u64().unwrap())
        .sum();
    assert_eq!(total, per_doc.len() as u64);
    let fire = stories
        .iter()
        .find(|s| s["id"] == "harbor-fire-wire")
        .expect("the harbour fire story");
    assert_eq!(fire["first_seen"], "2026-03-03T07:40:00Z");
    assert!(fire["names"].to_string().contains("Port Ellis"), "{fire}");
    insta::assert_snapshot!("stories_news_summary", run.stdout);
}

#[test]
fn bad_records_are_reported_and_the_rest_grouped() {
    let run = syndic(&fixtures(), &["stories", "bad.jsonl"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let records = lines(&run.stdout);
    let ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ok-1", "ok-2"]);
    assert_eq!(records[1]["story"], "ok-1");
    assert_eq!(
        run.stderr.matches("syndic: skipped").count(),
        3,
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("bad.jsonl line 2"), "{}", run.stderr);

    let run = syndic(&fixtures(), &["stories", "--on-error", "fail", "bad.jsonl"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn same_input_same_output_whatever_the_threads() {
    let one = syndic(
        &root(),
        &["stories", "--threads", "1", "examples/corpus/news.jsonl"],
    );
    let two = syndic(
        &root(),
        &["stories", "--threads", "2", "examples/corpus/news.jsonl"],
    );
    assert_eq!(one.code, 0);
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn refine_keeps_every_document_and_marks_moves() {
    let run = syndic(
        &root(),
        &["stories", "--refine", "examples/corpus/news.jsonl"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let records = lines(&run.stdout);
    assert_eq!(records.len(), 31);
    for r in &records {
        if let Some(online) = r.get("online_story") {
            assert_ne!(
                online, &r["story"],
                "online_story only when it differs: {r}"
            );
        }
    }
}

#[test]
fn eval_stories_scores_a_split_against_its_labels() {
    let run = syndic(
        &fixtures(),
        &[
            "eval-stories",
            "labelled.jsonl",
            "--gold-field",
            "story_label",
            "--where",
            "split=a",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let online = &v["online"];
    assert_eq!(online["documents"], 16, "only split a is grouped");
    for field in [
        "bcubed_precision",
        "bcubed_recall",
        "bcubed_f1",
        "pairwise_f1",
        "ari",
    ] {
        let x = online[field].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&x) || field == "ari", "{field} = {x}");
    }
    assert!(online["bcubed_f1"].as_f64().unwrap() > 0.8, "{online}");
    assert!(v.get("refined").is_none());

    let run = syndic(
        &fixtures(),
        &[
            "eval-stories",
            "labelled.jsonl",
            "--gold-field",
            "story_label",
            "--refine",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("online") && run.stdout.contains("refined"));
    assert!(run.stdout.contains("documents 31"), "{}", run.stdout);
}

#[test]
fn eval_stories_needs_a_gold_label() {
    let run = syndic(
        &fixtures(),
        &["eval-stories", "labelled.jsonl", "--gold-field", "nope"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no gold label in field `nope`"),
        "{}",
        run.stderr
    );
}
