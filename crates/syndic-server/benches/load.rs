//! Load benchmark of the service: single-document `POST /documents` from many concurrent
//! clients on loopback, bounded in time; prints documents/s and latency percentiles.
//!
//! ```sh
//! # a corpus (news-length, with versions) and an index already holding part of it
//! cargo run -p syndic-bench --release -- generate --docs 120000 -o bench-data/c.jsonl
//! cargo build --release -p syndic-cli
//! head -n 100000 bench-data/c.jsonl | target/release/syndic index add - --data bench-data/idx
//! # then: the service in this process over that index, fed the documents after the first 100k
//! cargo bench -p syndic-server --bench load -- --corpus bench-data/c.jsonl --skip 100000 \
//!     --data bench-data/idx --seconds 20 --concurrency 64
//! # or against a running `syndic serve`: --url http://127.0.0.1:7878 instead of --data
//! ```
//!
//! Without `--data` and `--url` the service runs over a fresh index in a temporary directory.
//! Ids are made unique per run (`load-<run>-<n>`), so runs can repeat over the same index.
//! Exits with status 1 when any request failed: a fast benchmark of a broken server proves
//! nothing.

use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use syndic::store::{LiveIndex, RedbStore, Store};
use syndic::versions::VersionConfig;
use syndic_server::{AppState, ServerConfig, router};

struct Options {
    corpus: Option<String>,
    skip: usize,
    docs: usize,
    seconds: f64,
    concurrency: usize,
    data: Option<String>,
    url: Option<String>,
    adds: bool,
}

fn options() -> Options {
    let mut o = Options {
        corpus: None,
        skip: 0,
        docs: 200_000,
        seconds: 10.0,
        concurrency: 64,
        data: None,
        url: None,
        adds: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--corpus" => o.corpus = Some(value()),
            "--skip" => o.skip = value().parse().expect("--skip N"),
            "--docs" => o.docs = value().parse().expect("--docs N"),
            "--seconds" => o.seconds = value().parse().expect("--seconds S"),
            "--concurrency" => o.concurrency = value().parse().expect("--concurrency N"),
            "--data" => o.data = Some(value()),
            "--url" => o.url = Some(value()),
            "--no-adds" => o.adds = false,
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

/// Request bodies: the corpus's documents after `skip` (or generated ones), with fresh ids.
fn bodies(o: &Options, run: u64) -> Vec<String> {
    let texts: Vec<(String, Option<String>)> = match &o.corpus {
        Some(path) => {
            let file = std::fs::File::open(path).expect("the corpus opens");
            std::io::BufReader::new(file)
                .lines()
                .skip(o.skip)
                .take(o.docs)
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(&l.unwrap()).unwrap();
                    let text = v["text"].as_str().unwrap_or_default().to_string();
                    (text, v["published"].as_str().map(str::to_string))
                })
                .collect()
        }
        None => (0..o.docs.min(20_000))
            .map(|i| (generated(i), None))
            .collect(),
    };
    texts
        .into_iter()
        .enumerate()
        .map(|(i, (text, published))| {
            let mut v = serde_json::json!({"id": format!("load-{run}-{i}"), "text": text});
            if let Some(p) = published {
                v["published"] = p.into();
            }
            v.to_string()
        })
        .collect()
}

/// The process's peak resident set (`VmHWM` on Linux), as the kernel prints it.
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line["VmHWM:".len()..].trim().to_string())
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

fn main() {
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
    let url = match &o.url {
        Some(url) => url.clone(),
        None => {
            let store = match &o.data {
                Some(dir) => RedbStore::open_dir(std::path::Path::new(dir)).unwrap(),
                None => {
                    let dir = tempfile::tempdir().unwrap();
                    let store = RedbStore::open_dir(dir.path()).unwrap();
                    _dir = dir;
                    store
                }
            };
            let loading = Instant::now();
            let store: Arc<dyn Store> = Arc::new(store);
            let index = Arc::new(LiveIndex::open(store, VersionConfig::default()).unwrap());
            eprintln!(
                "load: index holds {} documents (loaded in {:.2} s)",
                index.len(),
                loading.elapsed().as_secs_f64()
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
        "load: {} documents ready, {} concurrent clients, up to {:.0} s, against {url}",
        bodies.len(),
        o.concurrency,
        o.seconds
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(o.concurrency)
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let deadline = Duration::from_secs_f64(o.seconds);
    let cpu_before = cpu_by_thread();
    let start = Instant::now();
    let latencies: Vec<Duration> = client_runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..o.concurrency {
            let (client, bodies, next, failed) = (
                client.clone(),
                Arc::clone(&bodies),
                Arc::clone(&next),
                Arc::clone(&failed),
            );
            let url = format!("{url}/documents");
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                while start.elapsed() < deadline {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else { break };
                    let sent = Instant::now();
                    let response = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                    let ok = match response {
                        Ok(r) => r.status().as_u16() == 201 && r.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    if ok {
                        mine.push(sent.elapsed());
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                mine
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    let elapsed = start.elapsed().as_secs_f64();
    let cpu_after = cpu_by_thread();
    let mut sorted = latencies;
    sorted.sort_unstable();
    let pct = |p: f64| {
        sorted
            .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    let failures = failed.load(Ordering::Relaxed);
    println!(
        "load: {} documents in {:.2} s = {:.0} documents/s; latency p50 {:.2} ms, p90 {:.2} ms, \
         p99 {:.2} ms, max {:.2} ms; {} failed",
        sorted.len(),
        elapsed,
        sorted.len() as f64 / elapsed,
        pct(0.50),
        pct(0.90),
        pct(0.99),
        sorted.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        failures
    );
    if let Some((stop, server, writer)) = serving {
        let _ = stop.send(());
        let _ = runtime.block_on(server);
        writer.join();
    }
    let used = |group: &str| {
        cpu_after.get(group).copied().unwrap_or(0.0) - cpu_before.get(group).copied().unwrap_or(0.0)
    };
    if !sorted.is_empty() && o.url.is_none() {
        let n = sorted.len() as f64;
        let server = used("server") + used("writer");
        println!(
            "load: CPU per document: server {:.3} ms (of which the writer thread {:.3} ms), \
             client {:.3} ms; the server had {:.2} cores on average",
            1e3 * server / n,
            1e3 * used("writer") / n,
            1e3 * used("client") / n,
            server / elapsed
        );
    }
    if let Some(peak) = peak_memory() {
        println!("load: peak resident memory of this process (server and client): {peak}");
    }
    if failures > 0 || sorted.is_empty() {
        eprintln!("load: FAILED — {failures} requests failed");
        std::process::exit(1);
    }
}
