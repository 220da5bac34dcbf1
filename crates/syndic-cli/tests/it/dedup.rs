//! `syndic dedup` end to end: the real binary on the self-written fixtures in
//! `tests/fixtures/dedup/` (a harbour story in three versions, a school story and its copy, a
//! council story sharing only stock phrases with it, identical short boilerplate, an empty
//! document; a directory form; a file of bad records).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dedup")
}

/// What one run printed.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `syndic dedup ARGS` in the fixtures directory, feeding `stdin`.
fn dedup(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_syndic"))
        .arg("dedup")
        .args(args)
        .current_dir(fixtures())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the syndic binary starts");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        std::thread::spawn(move || pipe.write_all(&input));
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Replaces the timings of the summary line, which change from run to run.
fn stable(stderr: &str) -> String {
    let mut out = String::new();
    for line in stderr.lines() {
        match line.find(" skipped in ") {
            Some(at) => {
                out.push_str(&line[..at]);
                out.push_str(" skipped in [TIME]");
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

fn records(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}

fn news() -> Vec<u8> {
    std::fs::read(fixtures().join("news.jsonl")).unwrap()
}

#[test]
fn jsonl_output_is_pinned() {
    let run = dedup(&["news.jsonl"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("dedup_news_stdout", run.stdout);
    insta::assert_snapshot!("dedup_news_stderr", stable(&run.stderr));

    // One line per input document, in input order.
    let ids: Vec<String> = records(&run.stdout)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let input: Vec<String> = String::from_utf8(news())
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, input);
}

/// The bundled example corpus (`examples/corpus/`), as the README runs it.
#[test]
fn example_corpus_is_pinned() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/corpus/news.jsonl");
    let run = dedup(&[path.to_str().unwrap()], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("dedup_example_corpus", run.stdout);
}

/// The README's first command: the example corpus as a table for people.
#[test]
fn example_corpus_table_is_pinned() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/corpus/news.jsonl");
    let run = dedup(&[path.to_str().unwrap(), "--format", "table"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("family harbor-fire-wire — 6 versions\n")
    );
    insta::assert_snapshot!("dedup_example_corpus_table", run.stdout);
    let both = dedup(
        &[
            path.to_str().unwrap(),
            "--format",
            "table",
            "--drop-duplicates",
        ],
        None,
    );
    assert_eq!(both.code, 2, "{}", both.stderr);
}

#[test]
fn directory_input_is_pinned() {
    let run = dedup(&["dir"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("dedup_dir_stdout", run.stdout);
}

#[test]
fn stdin_gzip_and_zstd_give_the_same_answer_as_the_plain_file() {
    let plain = dedup(&["news.jsonl"], None);
    let stdin = dedup(&["-"], Some(&news()));
    assert_eq!(stdin.code, 0, "{}", stdin.stderr);
    assert_eq!(stdin.stdout, plain.stdout);

    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&news()).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::encode_all(&news()[..], 3).unwrap();
    // Names that say nothing of the compression: it is found from the content.
    let gz_path = dir.path().join("news.data");
    let zst_path = dir.path().join("news.jsonl");
    std::fs::write(&gz_path, &gz).unwrap();
    std::fs::write(&zst_path, &zst).unwrap();
    for path in [&gz_path, &zst_path] {
        let run = dedup(&[path.to_str().unwrap()], None);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stdout, plain.stdout, "{}", path.display());
    }
    let run = dedup(&["-"], Some(&zst));
    assert_eq!(run.stdout, plain.stdout);
}

#[test]
fn drop_duplicates_writes_the_original_lines_of_canonical_members() {
    let run = dedup(&["--drop-duplicates", "news.jsonl"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("dedup_news_drop_duplicates", run.stdout);

    let input = String::from_utf8(news()).unwrap();
    let canonical: Vec<String> = records(&dedup(&["news.jsonl"], None).stdout)
        .iter()
        .filter(|r| r["canonical"] == true)
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<&str> = input
        .lines()
        .filter(|l| {
            let id = serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].clone();
            canonical.iter().any(|c| id == c.as_str())
        })
        .collect();
    // Byte for byte the input lines, every field kept, in input order.
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), expected);

    let from_stdin = dedup(&["--drop-duplicates", "-"], Some(&news()));
    assert_eq!(from_stdin.stdout, run.stdout);
}

#[test]
fn drop_duplicates_of_text_files_writes_id_and_text() {
    let run = dedup(&["--drop-duplicates", "dir"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines = records(&run.stdout);
    let ids: Vec<&str> = lines.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["empty.txt", "school.txt", "wire/harbor-copy.md"]);
    let copy = std::fs::read_to_string(fixtures().join("dir/wire/harbor-copy.md")).unwrap();
    assert_eq!(lines[2]["text"], copy.as_str());
}

#[test]
fn skipped_records_are_listed_counted_and_exit_1() {
    let run = dedup(&["bad.jsonl"], None);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("dedup_bad_stderr", stable(&run.stderr));
    let ids: Vec<String> = records(&run.stdout)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["harbor-1", "school-1"]);
}

#[test]
fn fail_policy_stops_with_the_file_and_line_and_exit_2() {
    let run = dedup(&["--on-error", "fail", "bad.jsonl"], None);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "syndic: error: bad.jsonl line 2: invalid JSON at column 44: EOF while parsing a string\n"
    );
}

#[test]
fn oversized_records_follow_max_doc_bytes() {
    let run = dedup(&["--max-doc-bytes", "1000", "news.jsonl"], None);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "syndic: skipped news.jsonl line 2: record of 1007 bytes is larger than the limit of 1000 bytes"
        ),
        "{}",
        run.stderr
    );
    assert!(dedup(&["--max-doc-bytes", "lots", "news.jsonl"], None).code == 2);
}

#[test]
fn output_file_threads_and_memory_modes_agree() {
    let plain = dedup(&["news.jsonl"], None);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let run = dedup(
        &[
            "-o",
            out.to_str().unwrap(),
            "--threads",
            "1",
            "--in-memory",
            "-q",
            "news.jsonl",
        ],
        None,
    );
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "", "")
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), plain.stdout);
    let four = dedup(&["--threads", "4", "news.jsonl"], None);
    assert_eq!(four.stdout, plain.stdout);
}

#[test]
fn settings_change_the_answer_and_bad_settings_exit_2() {
    // A strict threshold separates the rewritten edition from the original.
    let strict = records(&dedup(&["--threshold", "0.9", "news.jsonl"], None).stdout);
    let update = strict.iter().find(|r| r["id"] == "harbor-update").unwrap();
    assert_eq!(update["canonical"], true);
    let chars = dedup(
        &["--char-shingles", "--shingle-size", "7", "news.jsonl"],
        None,
    );
    assert_eq!(chars.code, 0, "{}", chars.stderr);

    let bad = dedup(&["--threshold", "0", "news.jsonl"], None);
    assert_eq!(bad.code, 2);
    assert_eq!(
        bad.stderr,
        "syndic: error: invalid setting `threshold`: must be in (0, 1]\n"
    );
    let missing = dedup(&["no-such-file.jsonl"], None);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("cannot open input no-such-file.jsonl"),
        "{}",
        missing.stderr
    );
}

#[test]
fn help_documents_defaults_and_exit_statuses() {
    let run = dedup(&["--help"], None);
    assert_eq!(run.code, 0);
    for needle in [
        "[default: 0.35]",
        "[default: 0.7]",
        "[default: 5]",
        "[default: 128]",
        "[default: skip]",
        "[default: 64MiB]",
        "--drop-duplicates",
        "--in-memory",
        "Exit statuses:",
        "1  finished, but some input records were skipped",
    ] {
        assert!(run.stdout.contains(needle), "--help lacks {needle}");
    }
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // Enough output that it cannot all sit in the pipe buffer.
    let mut input = Vec::new();
    for i in 0..3000 {
        writeln!(
            input,
            "{{\"id\":\"d{i}\",\"text\":\"document number {i} of the pipe test\"}}"
        )
        .unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_syndic"))
        .args(["dedup", "-q", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("{\"id\":\"d0\""), "{first}");
    drop(stdout);
    let status = child.wait().unwrap();
    writer.join().unwrap().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));
}
