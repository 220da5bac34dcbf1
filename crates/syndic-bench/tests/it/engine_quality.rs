//! The engine's quality on a small generated corpus, end to end through the batch driver —
//! the bench's figures in miniature, fast enough for every `cargo test`.
//!
//! The thresholds sit a little below the targets (precision ≥ 0.99, recall ≥ 0.98):
//! 2,000 documents hold only about a hundred pairs in the lowest Jaccard bucket, so one pair
//! moves that bucket's recall by a percent. The bench asserts the targets themselves at 10k+.

use syndic::engine::BatchDriver;
use syndic::ingest::{Corpus, IngestOptions, OnError};
use syndic::versions::{VersionConfig, VersionIndex};
use syndic_bench::corpus::{CorpusSpec, Kind};
use syndic_bench::evaluate::evaluate_docs;

#[test]
fn engine_finds_versions_and_keeps_hard_negatives_apart() {
    let spec = CorpusSpec {
        docs: 2_000,
        seed: 11,
    };
    let docs = spec.documents();
    let mut jsonl = Vec::new();
    spec.write_jsonl(&mut jsonl).unwrap();
    let options = IngestOptions {
        on_error: OnError::Fail,
        ..IngestOptions::default()
    };
    let mut corpus = Corpus::from_reader("generated.jsonl", std::io::Cursor::new(jsonl), options);
    let outcome = BatchDriver::new()
        .run(&mut corpus, VersionIndex::new(VersionConfig::default()))
        .unwrap();
    assert_eq!(outcome.records.len(), docs.len());
    for (r, d) in outcome.records.iter().zip(&docs) {
        assert_eq!(r.id, d.id, "records come back in input order");
    }
    let predicted: Vec<&str> = outcome.records.iter().map(|r| r.version.as_str()).collect();
    let report = evaluate_docs(&docs, &predicted);
    let s = report.scores;
    let scope = report.buckets.in_scope();
    let summary = format!(
        "precision {:.4}, recall {:.4}, ARI {:.4}, in-scope recall {:.4} ({}/{}), buckets {:?}, false pairs {:?}, missed {:?}",
        s.precision,
        s.recall,
        s.ari,
        scope.recall(),
        scope.found,
        scope.total,
        report.buckets.buckets,
        report.false_pairs_by_kind,
        report.missed_examples
    );
    eprintln!("{summary}");
    assert!(scope.total > 1_000, "{summary}");
    assert!(s.precision >= 0.99, "{summary}");
    assert!(s.recall >= 0.95, "{summary}");
    assert!(scope.recall() >= 0.96, "{summary}");
    assert!(s.ari >= 0.95, "{summary}");
    // Hard negatives share stock phrases with each other, never a family.
    assert!(
        !report
            .false_pairs_by_kind
            .iter()
            .any(|(k, n)| k == "negative+negative" && *n > 2),
        "{summary}"
    );
    // Boilerplate pages are identical across outlets but too short to be joined.
    let boilerplate: Vec<&str> = docs
        .iter()
        .zip(&predicted)
        .filter(|(d, _)| d.kind == Kind::Boilerplate)
        .map(|(_, p)| *p)
        .collect();
    let distinct: std::collections::HashSet<&&str> = boilerplate.iter().collect();
    assert_eq!(distinct.len(), boilerplate.len(), "{summary}");
}
