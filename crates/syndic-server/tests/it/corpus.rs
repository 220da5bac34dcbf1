//! Test documents and a harness that drives the router without a port.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use std::sync::Arc;
use syndic::Document;
use syndic::store::{LiveIndex, MemoryStore, RedbStore, Store};
use syndic::versions::{VersionConfig, VersionIndex, VersionRecord};
use syndic_server::{AppState, ServerConfig, router};
use tower::ServiceExt;

/// The bundled example corpus (self-written), as documents in file order.
pub fn examples() -> Vec<Document> {
    let text = include_str!("../../../../examples/corpus/news.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let mut d = Document::new(v["id"].as_str().unwrap(), v["text"].as_str().unwrap());
            d.published = v["published"]
                .as_str()
                .and_then(syndic::document::parse_timestamp);
            d.title = v["title"].as_str().map(str::to_string);
            d
        })
        .collect()
}

/// The JSON body of a document.
pub fn json(d: &Document) -> String {
    let mut v = serde_json::json!({"id": d.id, "text": d.text});
    if let Some(p) = d.published {
        v["published"] = p.into();
    }
    if let Some(t) = &d.title {
        v["title"] = t.clone().into();
    }
    v.to_string()
}

/// A deterministic generator of news-like documents with versions (xorshift; no extra crate).
pub struct Gen(u64);

const WORDS: [&str; 40] = [
    "council", "harbour", "mayor", "budget", "river", "station", "minister", "report", "vote",
    "school", "bridge", "storm", "police", "market", "court", "hospital", "festival", "union",
    "strike", "railway", "museum", "election", "airport", "farmers", "prices", "water", "road",
    "library", "teachers", "workers", "energy", "park", "village", "coast", "tower", "garden",
    "ferry", "island", "factory", "square",
];

impl Gen {
    pub fn new(seed: u64) -> Self {
        Gen(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn sentence(&mut self) -> String {
        let n = 10 + self.below(8);
        let words: Vec<String> = (0..n)
            .map(|_| format!("{}{}", WORDS[self.below(WORDS.len())], self.below(50)))
            .collect();
        format!("{}.", words.join(" "))
    }
    /// `n` documents: originals and versions of earlier ones (dateline, rewrite, trim).
    pub fn corpus(&mut self, prefix: &str, n: usize) -> Vec<Document> {
        let mut originals: Vec<Vec<String>> = Vec::new();
        (0..n)
            .map(|i| {
                let kind = self.below(6);
                let text = if originals.is_empty() || kind < 3 {
                    let len = 6 + self.below(8);
                    let t: Vec<String> = (0..len).map(|_| self.sentence()).collect();
                    originals.push(t.clone());
                    t.join(" ")
                } else {
                    let mut t = originals[self.below(originals.len())].clone();
                    match kind {
                        3 => format!("(WIRE) - {} All rights reserved.", t.join(" ")),
                        4 => {
                            let at = self.below(t.len());
                            t[at] = self.sentence();
                            t.join(" ")
                        }
                        _ => {
                            t.truncate((t.len() * 3).div_ceil(4));
                            t.join(" ")
                        }
                    }
                };
                let mut d = Document::new(format!("{prefix}{i:05}"), text);
                if self.below(2) == 0 {
                    d.published = Some(1_770_000_000 + 60 * self.below(10_000) as i64);
                }
                d
            })
            .collect()
    }
}

/// What batch `syndic dedup` answers for these documents in this order.
pub fn batch(docs: &[Document]) -> Vec<VersionRecord> {
    let mut index = VersionIndex::new(VersionConfig::default());
    for d in docs {
        index.try_add(d).unwrap();
    }
    index.finish().unwrap()
}

/// A service under test: its router (no port), state and writer.
pub struct Harness {
    pub app: axum::Router,
    pub _state: AppState,
    /// Dropping it detaches the thread, which ends once the router and state are dropped.
    _writer: syndic_server::writer::WriterThread,
    _dir: Option<tempfile::TempDir>,
}

impl Harness {
    pub fn memory(config: ServerConfig) -> Self {
        Harness::over(Arc::new(MemoryStore::new()), config, None)
    }

    pub fn redb(config: ServerConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbStore::open_dir(dir.path()).unwrap();
        Harness::over(Arc::new(store), config, Some(dir))
    }

    fn over(store: Arc<dyn Store>, config: ServerConfig, dir: Option<tempfile::TempDir>) -> Self {
        let index = Arc::new(LiveIndex::open(store, VersionConfig::default()).unwrap());
        let (state, writer) = AppState::new(index, config);
        Harness {
            app: router(state.clone()),
            _state: state,
            _writer: writer,
            _dir: dir,
        }
    }

    /// Sends a request; returns the status, the content type and the body as text.
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, String, String) {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let kind = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, kind, String::from_utf8(bytes.to_vec()).unwrap())
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (status, _, body) = self
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        (
            status,
            serde_json::from_str(&body).unwrap_or(Value::String(body)),
        )
    }

    pub async fn post(&self, path: &str, kind: &str, body: impl Into<Body>) -> (StatusCode, Value) {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, kind)
            .body(body.into())
            .unwrap();
        let (status, _, body) = self.send(request).await;
        (
            status,
            serde_json::from_str(&body).unwrap_or(Value::String(body)),
        )
    }

    pub async fn add(&self, d: &Document) -> (StatusCode, Value) {
        self.post("/documents", "application/json", json(d)).await
    }
}
