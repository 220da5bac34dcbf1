//! `syndic diff` end to end: the real binary on the bundled example corpus
//! (`examples/corpus/news.jsonl`, self-written) and on two small self-written files. Text and
//! JSON outputs are pinned as snapshots.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/corpus")
}

/// What one run printed.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `syndic diff ARGS` in `dir` with NO_COLOR unset (stdout is a pipe, so `auto` is plain).
fn diff_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_syndic"))
        .arg("diff")
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("the syndic binary starts");
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 errors"),
    }
}

fn diff(args: &[&str]) -> Run {
    diff_in(&corpus_dir(), args)
}

#[test]
fn later_edition_text() {
    let run = diff(&[
        "--input",
        "news.jsonl",
        "harbor-fire-wire",
        "harbor-fire-wire-update",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains('\u{1b}'), "no colour when piped");
    // The UPDATE paragraph is added, the cause paragraph replaced.
    assert!(
        run.stdout
            .contains("\n+ UPDATE, 6:40 p.m.: Pier 4 reopened")
    );
    assert!(
        run.stdout
            .contains("\n- The cause of the fire was not immediately known.")
    );
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn corrected_edition_changes_only() {
    let run = diff(&[
        "-i",
        "news.jsonl",
        "ashford-budget-ledger",
        "ashford-budget-ledger-corrected",
        "--changes-only",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("[-1.1-] {+1.4+}"));
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn caption_copy_json() {
    let run = diff(&[
        "--input",
        "news.jsonl",
        "harbor-fire-wire",
        "harbor-fire-courier",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 1, "one JSON object on one line");
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_eq!(value["verdict"]["relation"], "same_version");
    let added: Vec<&str> = value["diff"]["passages"]
        .as_array()
        .expect("passages")
        .iter()
        .filter(|p| p["kind"] == "only_b")
        .filter_map(|p| p["b"]["text"].as_str())
        .collect();
    assert_eq!(
        added,
        [
            "Firefighters train hoses on the burning Halvorsen Marine Supply warehouse at Pier 4 on Tuesday morning.",
            "Photo: Mara Lindqvist / Valley Courier"
        ]
    );
    insta::assert_json_snapshot!(value);
}

#[test]
fn verdicts_on_the_example_corpus() {
    // (A, B, expected relation): versions, two outlets on one event, a hard negative (two
    // different warehouse fires), and identical boilerplate too short to judge.
    let rows = [
        ("harbor-fire-wire", "harbor-fire-gazette", "same_version"),
        ("harbor-fire-wire", "harbor-fire-bulletin", "same_story"),
        ("harbor-fire-wire", "millbrook-fire-wire", "unrelated"),
        ("courier-paywall", "gazette-paywall", "unrelated"),
    ];
    let mut lines = String::new();
    for (a, b, expected) in rows {
        let run = diff(&["-i", "news.jsonl", a, b, "--format", "json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
        let verdict = &value["verdict"];
        assert_eq!(verdict["relation"], expected, "{a} vs {b}: {verdict}");
        lines.push_str(&format!("{a} vs {b}: {verdict}\n"));
    }
    insta::assert_snapshot!(lines);
}

#[test]
fn two_files_text_and_colour() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("first.txt"),
        "The ferry to Gull Island will run twice a day from Monday, the operator said.\n\n\
         Tickets cost four dollars. Children under five travel free.\n\n\
         The operator added a second boat after complaints about crowding on summer weekends, \
         when islanders said they waited hours at the pier.\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("second.txt"),
        "The ferry to Gull Island will run three times a day from Monday, the operator said.\n\n\
         Tickets cost four dollars. Children under five travel free.\n\n\
         The operator added a second boat after complaints about crowding on summer weekends, \
         when islanders said they waited hours at the pier.\n\n\
         The timetable is posted at the harbor gate.\n",
    )
    .expect("write");
    let run = diff_in(dir.path(), &["first.txt", "second.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("\nsame version: "), "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);

    let colored = diff_in(
        dir.path(),
        &["first.txt", "second.txt", "--color", "always"],
    );
    assert!(
        colored.stdout.contains("\u{1b}[32m+ The timetable"),
        "{}",
        colored.stdout
    );
    let never = diff_in(dir.path(), &["first.txt", "second.txt", "--color", "never"]);
    assert_eq!(never.stdout, run.stdout);
}

#[test]
fn an_unknown_id_or_file_is_an_error() {
    let run = diff(&["-i", "news.jsonl", "harbor-fire-wire", "no-such-id"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("no document with id `no-such-id` in news.jsonl"),
        "{}",
        run.stderr
    );
    let run = diff(&["missing-a.txt", "missing-b.txt"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("opening missing-a.txt"),
        "{}",
        run.stderr
    );
}
