//! Load benchmark of the service: single-document `POST /documents` from many concurrent
//! clients on loopback, bounded in time; prints documents/s, latency percentiles, the server's
//! resident memory and CPU per document, and checks every answer.
//!
//! ```sh
//! # a corpus (news-length, with versions; fields id, text, title, source, published)
//! cargo run -p syndic-bench --release -- generate --docs 1100000 -o bench-data/c.jsonl
//! # build an index of its first 1M documents once (bulk path, versions only; stories are
//! # placed by the first opening), then post the documents after them:
//! cargo bench -p syndic-server --bench load -- --corpus bench-data/c.jsonl --build 1000000 \
//!     --data bench-data/idx1m --seconds 30 --concurrency 8,32
//! # later runs reuse the index (--build is skipped when DIR already holds documents)
//! cargo bench -p syndic-server --bench load -- --corpus bench-data/c.jsonl --skip 1000000 \
//!     --data bench-data/idx1m --seconds 30 --concurrency 8,32
//! # or against a running `syndic serve`: --url http://127.0.0.1:7878 --server-pid PID
//! ```
//!
//! Without `--data` and `--url` the service runs over a fresh index in a temporary directory.
//! Ids are made unique per run (`load-<run>-<n>`), so runs can repeat over the same index.
//! Every answer is checked (status 201, the id sent, a version family of at least one member
//! with its canonical, a story, an arrival number), and after the run a sample of the
//! acknowledged documents is read back with `GET /documents/{id}`. Exits with status 1 when any
//! request failed or any answer was wrong: a fast benchmark of a broken server proves nothing.

use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use syndic::document::{Document, parse_timestamp};
use syndic::store::{LiveIndex, RedbStore, Store};
use syndic::versions::VersionConfig;
use syndic_server::{AppState, ServerConfig, router};

/// The bench measures the service as `syndic serve` runs it: with mimalloc, tuned.
#[global_allocator]
static GLOBAL: syndic_alloc::Allocator = syndic_alloc::Allocator;

struct Options {
    corpus: Option<String>,
    skip: usize,
    docs: usize,
    seconds: f64,
    /// Concurrent clients of each phase, run one after the other against the same server.
    concurrency: Vec<usize>,
    data: Option<String>,
    url: Option<String>,
    adds: bool,
    build: usize,
    server_pid: Option<u32>,
}

fn options() -> Options {
    let mut o = Options {
        corpus: None,
        skip: 0,
        docs: 200_000,
        seconds: 10.0,
        concurrency: vec![64],
        data: None,
        url: None,
        adds: true,
        build: 0,
        server_pid: None,
    };
    let mut skip = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--corpus" => o.corpus = Some(value()),
            "--skip" => skip = Some(value().parse().expect("--skip N")),
            "--docs" => o.docs = value().parse().expect("--docs N"),
            "--seconds" => o.seconds = value().parse().expect("--seconds S"),
            "--concurrency" => {
                o.concurrency = value()
                    .split(',')
                    .map(|n| n.parse().expect("--concurrency N[,N…]"))
                    .collect();
            }
            "--data" => o.data = Some(value()),
            "--url" => o.url = Some(value()),
            "--no-adds" => o.adds = false,
            "--build" => o.build = value().parse().expect("--build N"),
            "--server-pid" => o.server_pid = Some(value().parse().expect("--server-pid PID")),
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    // Documents posted come after those the index was built from, unless told otherwise.
    o.skip = skip.unwrap_or(o.build);
    o
}

/// A corpus line as a document.
fn document(line: &str) -> Document {
    let v: serde_json::Value = serde_json::from_str(line).expect("a corpus line is JSON");
    let field = |k: &str| v[k].as_str().map(str::to_string);
    Document {
        id: field("id").expect("a corpus line has an id"),
        text: field("text").unwrap_or_default(),
        title: field("title"),
        source: field("source"),
        url: None,
        published: v["published"].as_str().and_then(parse_timestamp),
    }
}

/// Loads the first `n` corpus documents into the empty store at `dir` by the bulk path of
/// `syndic index add` (versions only; chunks sketched in parallel, one transaction each).
fn build(dir: &std::path::Path, corpus: &str, n: usize) {
    use rayon::prelude::*;
    let started = Instant::now();
    let store: Arc<dyn Store> = Arc::new(RedbStore::open_dir(dir).unwrap());
    let index = LiveIndex::open_versions_only(store, VersionConfig::default()).unwrap();
    if !index.is_empty() {
        eprintln!(
            "load: {} already holds {} documents; not building",
            dir.display(),
            index.len()
        );
        return;
    }
    let file = std::fs::File::open(corpus).expect("the corpus opens");
    let mut lines = std::io::BufReader::new(file).lines().take(n);
    let mut added = 0;
    loop {
        let chunk: Vec<String> = lines.by_ref().take(4096).map(Result::unwrap).collect();
        if chunk.is_empty() {
            break;
        }
        let prepared: Vec<Vec<_>> = chunk
            .par_iter()
            .map(|l| vec![index.prepare(document(l), 0)])
            .collect();
        let outcomes = index.add(prepared).unwrap();
        added += outcomes.iter().filter(|o| o.is_ok()).count();
    }
    eprintln!(
        "load: built an index of {added} documents in {} in {:.1} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
}

/// Request bodies with their ids: the corpus's documents after `skip` (all their fields), or
/// generated ones, under fresh ids.
fn bodies(o: &Options, run: u64) -> Vec<(String, String)> {
    let docs: Vec<serde_json::Value> = match &o.corpus {
        Some(path) => {
            let file = std::fs::File::open(path).expect("the corpus opens");
            std::io::BufReader::new(file)
                .lines()
                .skip(o.skip)
                .take(o.docs)
                .map(|l| serde_json::from_str::<serde_json::Value>(&l.unwrap()).unwrap())
                .collect()
        }
        None => (0..o.docs.min(20_000))
            .map(|i| serde_json::json!({"text": generated(i)}))
            .collect(),
    };
    docs.into_iter()
        .enumerate()
        .map(|(i, mut v)| {
            let id = format!("load-{run}-{i}");
            v["id"] = id.clone().into();
            (id, v.to_string())
        })
        .collect()
}

/// What is wrong with the answer to a posted document, if anything.
fn check(id: &str, status: u16, body: &[u8]) -> Option<String> {
    if status != 201 {
        return Some(format!(
            "{id}: status {status}: {}",
            String::from_utf8_lossy(body)
        ));
    }
    let v: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Some(format!("{id}: the answer is not JSON: {e}")),
    };
    let text = |k: &str| v[k].as_str().filter(|s| !s.is_empty());
    let canonical = v["canonical"].as_bool();
    let wrong = if v["id"].as_str() != Some(id) {
        "the id differs"
    } else if text("version").is_none() || canonical.is_none() {
        "no version family"
    } else if canonical == Some(true) && text("version") != Some(id) {
        "a canonical member that is not its family's id"
    } else if v["family_size"].as_u64().is_none_or(|n| n < 1) {
        "no family size"
    } else if v["seq"].as_u64().is_none() {
        "no arrival number"
    } else if text("story").is_none() || text("story_placement").is_none() {
        "no story"
    } else {
        return None;
    };
    Some(format!("{id}: {wrong}: {v}"))
}

/// A memory figure of a process (`VmHWM:` peak resident, `VmRSS:` resident now; Linux), as
/// the kernel prints it.
fn memory(pid: &str, field: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    Some(line[field.len()..].trim().to_string())
}

/// A news-length text without a corpus file: ~600 words from a small vocabulary.
fn generated(i: usize) -> String {
    const WORDS: [&str; 16] = [
        "council", "harbour", "budget", "river", "station", "minister", "report", "vote", "school",
        "bridge", "storm", "police", "market", "court", "hospital", "festival",
    ];
    let mut s = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..600)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            format!("{}{}", WORDS[(s % 16) as usize], (s >> 8) % 500)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// CPU seconds used so far by this process's threads, summed by thread name (Linux; empty
/// elsewhere). Under a shared machine's load, wall-clock rates swing with the neighbours; CPU
/// time per document does not.
fn cpu_by_thread() -> std::collections::BTreeMap<String, f64> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        // Fields after the parenthesised name: state is 3rd, utime 14th, stime 15th.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // Clock ticks are 1/100 s on Linux.
        let secs = (ticks(11) + ticks(12)) / 100.0;
        let group = match name.trim() {
            n if n.starts_with("server") => "server",
            n if n.starts_with("client") => "client",
            "syndic-writer" => "writer",
            _ => "other",
        };
        *out.entry(group.to_string()).or_insert(0.0) += secs;
    }
    out
}

/// One load phase: `concurrency` clients posting the next unsent documents until time is up.
struct Phase<'a> {
    url: &'a str,
    client: &'a reqwest::Client,
    bodies: &'a Arc<Vec<(String, String)>>,
    next: &'a Arc<AtomicUsize>,
    failed: &'a Arc<AtomicUsize>,
    seconds: f64,
}

impl Phase<'_> {
    /// Latencies and indexes of the documents answered correctly, and the phase's length.
    async fn run(&self, concurrency: usize) -> (Vec<Duration>, Vec<usize>, f64) {
        let deadline = Duration::from_secs_f64(self.seconds);
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (client, bodies, next, failed) = (
                self.client.clone(),
                Arc::clone(self.bodies),
                Arc::clone(self.next),
                Arc::clone(self.failed),
            );
            let url = format!("{}/documents", self.url);
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                while start.elapsed() < deadline {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((id, body)) = bodies.get(i) else {
                        break;
                    };
                    let sent = Instant::now();
                    let response = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                    let wrong = match response {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            match r.bytes().await {
                                Ok(b) => check(id, status, &b),
                                Err(e) => Some(format!("{id}: reading the answer: {e}")),
                            }
                        }
                        Err(e) => Some(format!("{id}: {e}")),
                    };
                    match wrong {
                        None => mine.push((sent.elapsed(), i)),
                        Some(why) => {
                            if failed.fetch_add(1, Ordering::Relaxed) < 5 {
                                eprintln!("load: wrong answer: {why}");
                            }
                        }
                    }
                }
                mine
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let (latencies, acked) = all.into_iter().unzip();
        (latencies, acked, start.elapsed().as_secs_f64())
    }
}

/// Prints a phase's rate, latency percentiles and (service in this process) CPU per document.
fn report(
    concurrency: usize,
    mut latencies: Vec<Duration>,
    elapsed: f64,
    cpu_before: &std::collections::BTreeMap<String, f64>,
    cpu_after: &std::collections::BTreeMap<String, f64>,
    in_process: bool,
) {
    latencies.sort_unstable();
    let ms = |d: &Duration| d.as_secs_f64() * 1e3;
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, ms)
    };
    println!(
        "load: {concurrency} clients: {} documents in {:.2} s = {:.0} documents/s; latency p50 \
         {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        elapsed,
        latencies.len() as f64 / elapsed,
        pct(0.50),
        pct(0.90),
        pct(0.99),
        latencies.last().map_or(0.0, ms),
    );
    if in_process && !latencies.is_empty() {
        let used = |group: &str| {
            cpu_after.get(group).copied().unwrap_or(0.0)
                - cpu_before.get(group).copied().unwrap_or(0.0)
        };
        let n = latencies.len() as f64;
        let server = used("server") + used("writer");
        println!(
            "load: {concurrency} clients: CPU per document: server {:.3} ms (of which the writer \
             thread {:.3} ms), client {:.3} ms; the server had {:.2} cores on average",
            1e3 * server / n,
            1e3 * used("writer") / n,
            1e3 * used("client") / n,
            server / elapsed
        );
    }
}

fn main() {
    syndic_alloc::tune();
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("server")
        .enable_all()
        .build()
        .unwrap();
    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("client")
        .enable_all()
        .build()
        .unwrap();
    let _dir;
    let mut serving = None;
    // Whose memory to report: this process when it runs the service, else --server-pid.
    let server_pid = match (&o.url, o.server_pid) {
        (None, _) => Some("self".to_string()),
        (Some(_), pid) => pid.map(|p| p.to_string()),
    };
    let url = match &o.url {
        Some(url) => url.clone(),
        None => {
            let dir = match &o.data {
                Some(dir) => std::path::PathBuf::from(dir),
                None => {
                    let dir = tempfile::tempdir().unwrap();
                    let path = dir.path().to_path_buf();
                    _dir = dir;
                    path
                }
            };
            if o.build > 0 {
                let corpus = o.corpus.as_deref().expect("--build needs --corpus");
                build(&dir, corpus, o.build);
            }
            let loading = Instant::now();
            let store: Arc<dyn Store> = Arc::new(RedbStore::open_dir(&dir).unwrap());
            let index = Arc::new(LiveIndex::open(store, VersionConfig::default()).unwrap());
            eprintln!(
                "load: index holds {} documents (opened in {:.2} s); server resident memory \
                 after opening: {}",
                index.len(),
                loading.elapsed().as_secs_f64(),
                memory("self", "VmRSS:").unwrap_or_default()
            );
            let config = ServerConfig {
                adds: o.adds,
                ..ServerConfig::default()
            };
            let (state, writer) = AppState::new(index, config);
            let listener = runtime
                .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
                .unwrap();
            let addr = listener.local_addr().unwrap();
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let server = runtime.spawn(syndic_server::serve(listener, router(state), async {
                let _ = stopped.await;
            }));
            serving = Some((stop, server, writer));
            format!("http://{addr}")
        }
    };
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let bodies = Arc::new(bodies(&o, run));
    eprintln!(
        "load: {} documents ready; phases of {:?} concurrent clients, up to {:.0} s each, \
         against {url}",
        bodies.len(),
        o.concurrency,
        o.seconds
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(o.concurrency.iter().copied().max().unwrap_or(1))
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let mut acknowledged: Vec<usize> = Vec::new();
    for &concurrency in &o.concurrency {
        let phase = Phase {
            url: &url,
            client: &client,
            bodies: &bodies,
            next: &next,
            failed: &failed,
            seconds: o.seconds,
        };
        let cpu_before = cpu_by_thread();
        let (latencies, acked, elapsed) = client_runtime.block_on(phase.run(concurrency));
        let cpu_after = cpu_by_thread();
        acknowledged.extend(acked);
        report(
            concurrency,
            latencies,
            elapsed,
            &cpu_before,
            &cpu_after,
            o.url.is_none(),
        );
    }
    // Read back a sample of the acknowledged documents.
    let sample: Vec<usize> = acknowledged
        .iter()
        .step_by((acknowledged.len() / 200).max(1))
        .copied()
        .collect();
    let unreadable = client_runtime.block_on(async {
        let mut bad = 0;
        for &i in &sample {
            let id = &bodies[i].0;
            let ok = match client.get(format!("{url}/documents/{id}")).send().await {
                Ok(r) if r.status().as_u16() == 200 => r.bytes().await.is_ok_and(|b| {
                    serde_json::from_slice::<serde_json::Value>(&b)
                        .is_ok_and(|v| v["id"].as_str() == Some(id.as_str()))
                }),
                _ => false,
            };
            if !ok {
                eprintln!("load: acknowledged document {id} does not read back");
                bad += 1;
            }
        }
        bad
    });
    let failures = failed.load(Ordering::Relaxed);
    println!(
        "load: {} acknowledged, {failures} failed or wrong; {} of {} sampled read back",
        acknowledged.len(),
        sample.len() - unreadable,
        sample.len(),
    );
    let peak = server_pid.as_deref().and_then(|p| memory(p, "VmHWM:"));
    if let Some((stop, server, writer)) = serving {
        let _ = stop.send(());
        let _ = runtime.block_on(server);
        writer.join();
    }
    if let Some(peak) = peak {
        let whose = if o.url.is_none() {
            "this process (server and client)"
        } else {
            "the server"
        };
        println!("load: peak resident memory of {whose}: {peak}");
    }
    if failures > 0 || unreadable > 0 || acknowledged.is_empty() {
        eprintln!(
            "load: FAILED — {failures} requests failed or were answered wrongly, {unreadable} did not read back"
        );
        std::process::exit(1);
    }
}
