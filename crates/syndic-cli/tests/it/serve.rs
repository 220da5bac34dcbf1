//! `syndic serve` and `syndic index` end to end: the real binary on 127.0.0.1 — a curl-style
//! round trip, answers equal to `syndic dedup`, SIGKILL during ingest, SIGTERM with a write in
//! flight, the bearer token.

use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use syndic::Document;
use syndic::versions::{VersionConfig, VersionIndex, VersionRecord};

fn syndic() -> Command {
    Command::new(env!("CARGO_BIN_EXE_syndic"))
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/corpus/news.jsonl")
}

/// A running `syndic serve`.
struct Server {
    child: Child,
    url: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `syndic serve --data DIR --listen 127.0.0.1:0 EXTRA…` and waits for its address.
    fn start(data: &Path, extra: &[&str]) -> Server {
        let mut child = syndic()
            .args(["serve", "--data"])
            .arg(data)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the syndic binary starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let pipe = child.stderr.take().unwrap();
        let log = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("listening on ") {
                    let _ = tx.send(line[at + "listening on ".len()..].trim().to_string());
                }
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no address printed: {}", stderr.lock().unwrap()));
        Server { child, url, stderr }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Sends SIGTERM and waits for the exit status.
    fn terminate(mut self) -> (i32, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let code = self.child.wait().unwrap().code().unwrap_or(-1);
        std::thread::sleep(Duration::from_millis(50));
        let log = self.stderr.lock().unwrap().clone();
        (code, log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

fn post_json(c: &Client, url: &str, body: String) -> (StatusCode, Value) {
    let r = c
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .unwrap();
    let status = r.status();
    (status, r.json().unwrap_or(Value::Null))
}

fn get(c: &Client, url: &str) -> (StatusCode, Value) {
    let r = c.get(url).send().unwrap();
    let status = r.status();
    (status, r.json().unwrap_or(Value::Null))
}

fn doc_json(d: &Document) -> String {
    let mut v = serde_json::json!({"id": d.id, "text": d.text});
    if let Some(p) = d.published {
        v["published"] = p.into();
    }
    v.to_string()
}

fn batch(docs: &[Document]) -> Vec<VersionRecord> {
    let mut index = VersionIndex::new(VersionConfig::default());
    for d in docs {
        index.try_add(d).unwrap();
    }
    index.finish().unwrap()
}

/// Self-written news-like documents with versions (xorshift; no extra crate).
fn generated(seed: u64, prefix: &str, n: usize) -> Vec<Document> {
    const WORDS: [&str; 32] = [
        "council", "harbour", "mayor", "budget", "river", "station", "minister", "report", "vote",
        "school", "bridge", "storm", "police", "market", "court", "hospital", "festival", "union",
        "strike", "railway", "museum", "election", "airport", "farmers", "prices", "water", "road",
        "library", "teachers", "ferry", "island", "square",
    ];
    let mut s = seed | 1;
    let mut below = |n: usize| {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        (s.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    };
    let sentence = |below: &mut dyn FnMut(usize) -> usize| {
        let n = 10 + below(8);
        let words: Vec<String> = (0..n)
            .map(|_| format!("{}{}", WORDS[below(WORDS.len())], below(40)))
            .collect();
        format!("{}.", words.join(" "))
    };
    let mut originals: Vec<Vec<String>> = Vec::new();
    (0..n)
        .map(|i| {
            let kind = below(5);
            let text = if originals.is_empty() || kind < 3 {
                let len = 6 + below(8);
                let t: Vec<String> = (0..len).map(|_| sentence(&mut below)).collect();
                originals.push(t.clone());
                t.join(" ")
            } else {
                let mut t = originals[below(originals.len())].clone();
                if kind == 3 {
                    format!("(WIRE) - {} All rights reserved.", t.join(" "))
                } else {
                    let at = below(t.len());
                    t[at] = sentence(&mut below);
                    t.join(" ")
                }
            };
            let mut d = Document::new(format!("{prefix}{i:05}"), text);
            if below(2) == 0 {
                d.published = Some(1_770_000_000 + 60 * below(10_000) as i64);
            }
            d
        })
        .collect()
}

#[test]
fn round_trip_and_a_clean_stop() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    assert!(server.url.starts_with("http://127.0.0.1:"));
    let c = client();
    let (status, health) = get(&c, &server.url("/health"));
    assert_eq!(
        (status, health["documents"].as_u64()),
        (StatusCode::OK, Some(0))
    );
    let text = "The harbour authority said on Monday that the northern pier will close for \
        repairs for six weeks from the first of May, after divers found cracks in three of its \
        supporting columns. Ferries to the islands will leave from the southern quay instead.";
    let (status, a) = post_json(
        &c,
        &server.url("/documents"),
        serde_json::json!({"id": "a", "text": text, "published": "2026-05-01"}).to_string(),
    );
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let copy = format!("(PORT TOWN) - {text} Copyright Example Wire.");
    let (status, b) = post_json(
        &c,
        &server.url("/documents"),
        serde_json::json!({"id": "b", "text": copy}).to_string(),
    );
    assert_eq!(status, StatusCode::CREATED, "{b}");
    assert_eq!(b["version"], "a");
    assert_eq!(b["adds"]["against"], "a");
    let (status, view) = get(&c, &server.url("/documents/b"));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["published"], Value::Null);
    assert_eq!(view["version"], "a");
    let (code, log) = server.terminate();
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("stopped; the index"), "{log}");

    // Restarted, it answers exactly as before.
    let server = Server::start(dir.path(), &[]);
    assert_eq!(get(&c, &server.url("/documents/b")).1, view);
    let (status, e) = post_json(
        &c,
        &server.url("/documents"),
        serde_json::json!({"id": "a", "text": "again"}).to_string(),
    );
    assert_eq!(
        (status, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("duplicate_id"))
    );
}

#[test]
fn bulk_loaded_index_answers_as_syndic_dedup_and_stories_do() {
    let dir = tempfile::tempdir().unwrap();
    // Chunks of 4 documents: each is sketched while the one before it is placed and written.
    let out = syndic()
        .args(["index", "add", "--quiet", "--chunk-size", "4", "--data"])
        .arg(dir.path())
        .arg(examples())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats = syndic()
        .args(["index", "stats", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
    let dedup = syndic().arg("dedup").arg(examples()).output().unwrap();
    assert!(dedup.status.success());
    let expected: Vec<Value> = String::from_utf8(dedup.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(stats["documents"].as_u64(), Some(expected.len() as u64));
    assert_eq!(stats["format"], syndic::store::FORMAT_VERSION);
    let families = expected.iter().filter(|r| r["canonical"] == true).count();
    assert_eq!(stats["families"].as_u64(), Some(families as u64));

    let stories = syndic().arg("stories").arg(examples()).output().unwrap();
    assert!(stories.status.success());
    let stories: Vec<Value> = String::from_utf8(stories.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(stories.len(), expected.len());

    let server = Server::start(dir.path(), &[]);
    let c = client();
    for (record, story) in expected.iter().zip(&stories) {
        let id = record["id"].as_str().unwrap();
        let (status, view) = get(&c, &server.url(&format!("/documents/{id}")));
        assert_eq!(status, StatusCode::OK);
        for (key, value) in record.as_object().unwrap() {
            assert_eq!(&view[key], value, "{id}: field {key}");
        }
        assert_eq!(story["id"], id);
        assert_eq!(view["story"], story["story"], "{id}: story");
        assert_eq!(
            view["story_placement"], story["placement"],
            "{id}: placement"
        );
    }
    // A story lists the documents `syndic stories` put in it.
    let first = stories[0]["story"].as_str().unwrap();
    let (_, view) = get(&c, &server.url(&format!("/stories/{first}")));
    let members: Vec<&str> = stories
        .iter()
        .filter(|s| s["story"] == first)
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    let listed: Vec<&str> = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(listed, members);
}

/// Bad records in a bulk load are reported with their line and counted (exit status 1) while
/// every good one is added, whether they fall inside a chunk or fill one alone; under
/// `--on-error fail` the load stops with exit status 2 and names the line.
#[test]
fn bulk_load_reports_bad_records_and_adds_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let mut lines: Vec<String> = generated(7, "g", 9).iter().map(doc_json).collect();
    lines.insert(2, "{\"id\":\"no-text\"}".into());
    lines.insert(6, "not json".into());
    lines.insert(7, "{\"id\":\"mistyped\",\"text\":5}".into());
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    for chunk in ["1", "3", "64"] {
        let data = dir.path().join(format!("data-{chunk}"));
        let out = syndic()
            .args(["index", "add", "--quiet", "--chunk-size", chunk, "--data"])
            .arg(&data)
            .arg(&input)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "chunks of {chunk}: {stderr}");
        for line in [3, 7, 8] {
            assert!(
                stderr.contains(&format!("in.jsonl line {line}:")),
                "chunks of {chunk}: line {line} not reported: {stderr}"
            );
        }
        let stats = syndic()
            .args(["index", "stats", "--data"])
            .arg(&data)
            .output()
            .unwrap();
        let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
        assert_eq!(stats["documents"].as_u64(), Some(9), "chunks of {chunk}");
    }
    let out = syndic()
        .args(["index", "add", "--quiet", "--on-error", "fail", "--data"])
        .arg(dir.path().join("data-fail"))
        .arg(&input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("in.jsonl line 3:"), "{stderr}");
}

#[test]
fn acknowledged_documents_survive_sigkill_during_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let writers = 4;
    let per_writer = 500;
    let docs: Vec<Vec<Document>> = (0..writers)
        .map(|w| generated(7 + w as u64, &format!("w{w}-"), per_writer))
        .collect();
    let acked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let url = server.url("/documents");
    let handles: Vec<_> = docs
        .iter()
        .cloned()
        .map(|mine| {
            let (acked, stop, url) = (Arc::clone(&acked), Arc::clone(&stop), url.clone());
            std::thread::spawn(move || {
                let c = client();
                let mut answers: Vec<(String, Value)> = Vec::new();
                for d in mine {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let sent = c
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(doc_json(&d))
                        .send();
                    match sent {
                        Ok(r) if r.status() == StatusCode::CREATED => {
                            answers.push((d.id.clone(), r.json().unwrap()));
                            acked.fetch_add(1, Ordering::SeqCst);
                        }
                        // The server died under us: this one was never acknowledged.
                        _ => break,
                    }
                }
                answers
            })
        })
        .collect();
    let start = Instant::now();
    while acked.load(Ordering::SeqCst) < 300 && start.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut server = server;
    server.child.kill().unwrap(); // SIGKILL on unix
    server.child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    let acknowledged: Vec<(String, Value)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    drop(server);
    assert!(
        acknowledged.len() >= 300,
        "only {} acknowledged",
        acknowledged.len()
    );

    let restarted = Instant::now();
    let server = Server::start(dir.path(), &[]);
    let c = client();
    eprintln!(
        "crash test: {} documents acknowledged before SIGKILL; restart answered after {:.2} s",
        acknowledged.len(),
        restarted.elapsed().as_secs_f64()
    );
    // Every acknowledged document is there, with the arrival number it was given.
    for (id, answer) in &acknowledged {
        let (status, view) = get(&c, &server.url(&format!("/documents/{id}")));
        assert_eq!(status, StatusCode::OK, "acknowledged {id} lost");
        assert_eq!(view["seq"], answer["seq"], "{id}");
    }
    // Everything stored (acknowledged or not) answers as batch over the same order.
    let mut stored: Vec<(u64, Document, Value)> = Vec::new();
    for d in docs.iter().flatten() {
        let (status, view) = get(&c, &server.url(&format!("/documents/{}", d.id)));
        if status == StatusCode::OK {
            stored.push((view["seq"].as_u64().unwrap(), d.clone(), view));
        }
    }
    stored.sort_by_key(|(seq, ..)| *seq);
    let order: Vec<Document> = stored.iter().map(|(_, d, _)| d.clone()).collect();
    let expected = batch(&order);
    for ((_, d, view), e) in stored.iter().zip(&expected) {
        let got: VersionRecord = serde_json::from_value(view.clone()).unwrap();
        assert_eq!(&got, e, "{}", d.id);
    }
    // The answer given at arrival is the batch answer over the prefix.
    let by_id: std::collections::HashMap<&str, &Value> = acknowledged
        .iter()
        .map(|(id, a)| (id.as_str(), a))
        .collect();
    for i in (0..order.len()).step_by(97) {
        if let Some(answer) = by_id.get(order[i].id.as_str()) {
            let got: VersionRecord = serde_json::from_value((*answer).clone()).unwrap();
            assert_eq!(got, batch(&order[..=i])[i], "{}", order[i].id);
        }
    }
    // And it goes on.
    let more = generated(99, "after-", 1).remove(0);
    let (status, _) = post_json(&c, &server.url("/documents"), doc_json(&more));
    assert_eq!(status, StatusCode::CREATED);
}

#[test]
fn sigterm_finishes_the_write_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let docs = generated(5, "t-", 3000);
    let body: String = docs.iter().map(|d| doc_json(d) + "\n").collect();
    let url = server.url("/documents");
    let request = std::thread::spawn(move || {
        client()
            .post(&url)
            .header("content-type", "application/x-ndjson")
            .body(body)
            .send()
            .map(|r| (r.status(), r.text().unwrap_or_default()))
    });
    std::thread::sleep(Duration::from_millis(150));
    let (code, log) = server.terminate();
    let (status, answers) = request
        .join()
        .unwrap()
        .expect("the request in flight is answered");
    assert_eq!(status, StatusCode::CREATED, "{log}");
    assert_eq!(answers.lines().count(), docs.len());
    assert_eq!(code, 0, "{log}");
    let server = Server::start(dir.path(), &[]);
    let (_, health) = get(&client(), &server.url("/health"));
    assert_eq!(health["documents"].as_u64(), Some(docs.len() as u64));
}

#[test]
fn a_token_file_guards_writes() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "  t0ken\n").unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &["--token-file", token.to_str().unwrap()]);
    let c = client();
    let body = r#"{"id":"a","text":"one two three four five six seven eight nine ten"}"#;
    let r = c.post(server.url("/documents")).body(body).send().unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .post(server.url("/documents"))
        .bearer_auth("t0ken")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(get(&c, &server.url("/documents/a")).0, StatusCode::OK);

    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let out = syndic()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("other"))
        .arg("--token-file")
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is empty"));
}
