//! Parallel writers and readers against one router.

use crate::corpus::{Gen, Harness, batch};
use axum::http::StatusCode;
use std::collections::HashMap;
use syndic_server::ServerConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_writers_and_readers_agree_with_batch_in_commit_order() {
    let h = std::sync::Arc::new(Harness::redb(ServerConfig::default()));
    let writers = 6;
    let per_writer = 40;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let h = std::sync::Arc::clone(&h);
        tasks.push(tokio::spawn(async move {
            let docs = Gen::new(100 + w).corpus(&format!("w{w}-"), per_writer);
            let mut acked = Vec::new();
            for d in docs {
                let (status, answer) = h.add(&d).await;
                assert_eq!(status, StatusCode::CREATED, "{answer}");
                acked.push((answer["seq"].as_u64().unwrap(), d));
            }
            acked
        }));
    }
    // Readers poll while writers write: every answer is well-formed and counts never go down.
    let reader = {
        let h = std::sync::Arc::clone(&h);
        tokio::spawn(async move {
            let mut last = 0;
            for _ in 0..200 {
                let (status, health) = h.get("/health").await;
                assert_eq!(status, StatusCode::OK);
                let n = health["documents"].as_u64().unwrap();
                assert!(n >= last);
                last = n;
                if n > 0 {
                    let (status, _) = h.get("/documents/w0-00000").await;
                    assert!(status == StatusCode::OK || status == StatusCode::NOT_FOUND);
                }
                tokio::task::yield_now().await;
            }
        })
    };
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    reader.await.unwrap();
    assert_eq!(all.len(), (writers as usize) * per_writer);
    // Arrival numbers are distinct; ordered by them, the documents give batch's answers.
    all.sort_by_key(|(seq, _)| *seq);
    let seqs: Vec<u64> = all.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, (0..all.len() as u64).collect::<Vec<_>>());
    let docs: Vec<_> = all.into_iter().map(|(_, d)| d).collect();
    let expected: HashMap<String, syndic::versions::VersionRecord> = batch(&docs)
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    for d in &docs {
        let (_, view) = h.get(&format!("/documents/{}", d.id)).await;
        let got: syndic::versions::VersionRecord = serde_json::from_value(view).unwrap();
        assert_eq!(&got, &expected[&d.id]);
    }
}
