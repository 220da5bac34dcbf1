//! Router-level tests: every endpoint, every error, without a port.

use crate::corpus::{Gen, Harness, batch, examples, json};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use syndic_server::ServerConfig;

fn ndjson(docs: &[syndic::Document]) -> String {
    docs.iter().map(|d| json(d) + "\n").collect()
}

#[tokio::test]
async fn a_document_and_its_copy_form_a_family_with_what_the_copy_adds() {
    let h = Harness::memory(ServerConfig::default());
    let docs = examples();
    let original = &docs[0];
    let (status, first) = h.add(original).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["id"], original.id.as_str());
    assert_eq!(first["version"], original.id.as_str());
    assert_eq!(first["canonical"], true);
    assert_eq!(first["seq"], 0);
    assert!(first.get("adds").is_none());

    let mut copy = syndic::Document::new(
        "copy",
        format!(
            "{}\n\nUPDATE: The pier reopened on Friday afternoon.",
            original.text
        ),
    );
    copy.published = original.published.map(|p| p + 3600);
    let (status, second) = h.add(&copy).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["version"], original.id.as_str());
    assert_eq!(second["closest"], original.id.as_str());
    assert_eq!(second["family_size"], 2);
    assert_eq!(second["canonical"], false);
    assert_eq!(second["adds"]["against"], original.id.as_str());
    assert_eq!(second["adds"]["added"], 1);
    assert_eq!(second["adds"]["dropped"], 0);
    assert!(
        second["adds"]["added_text"][0]
            .as_str()
            .unwrap()
            .starts_with("UPDATE")
    );

    let (status, view) = h.get("/documents/copy").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["text"], copy.text.as_str());
    assert_eq!(view["version"], original.id.as_str());
    assert!(view["received"].as_str().unwrap().ends_with('Z'));

    let (status, family) = h.get("/versions/copy").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(family["version"], original.id.as_str());
    assert_eq!(family["members"].as_array().unwrap().len(), 2);
    let (_, limited) = h.get("/versions/copy?limit=1").await;
    assert_eq!(limited["truncated"], true);

    let probe = serde_json::json!({"text": original.text}).to_string();
    let (status, m) = h.post("/match", "application/json", probe).await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["version"], original.id.as_str());
    assert_eq!(m["family_size"], 2);
    let (_, health) = h.get("/health").await;
    assert_eq!(health["documents"], 2, "matching stored nothing");
}

#[tokio::test]
async fn answers_equal_batch_dedup_over_the_same_documents() {
    let h = Harness::redb(ServerConfig::default());
    let mut docs = examples();
    docs.extend(Gen::new(3).corpus("g", 150));
    // Half one by one, half in NDJSON batches.
    let (single, batched) = docs.split_at(docs.len() / 2);
    let mut at_arrival = Vec::new();
    for d in single {
        let (status, answer) = h.add(d).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        at_arrival.push(answer);
    }
    for chunk in batched.chunks(17) {
        let (status, kind, body) = h
            .send(
                Request::post("/documents")
                    .header(header::CONTENT_TYPE, "application/x-ndjson")
                    .body(Body::from(ndjson(chunk)))
                    .unwrap(),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(kind, "application/x-ndjson");
        let lines: Vec<Value> = body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), chunk.len());
        at_arrival.extend(lines);
    }
    // Each answer at arrival is batch over the prefix; every document now is batch over all.
    for i in [0, 5, 30, 77, docs.len() - 1] {
        let expected = &batch(&docs[..=i])[i];
        let got: syndic::versions::VersionRecord =
            serde_json::from_value(at_arrival[i].clone()).unwrap();
        assert_eq!(&got, expected, "answer at arrival of {}", docs[i].id);
    }
    let expected = batch(&docs);
    assert!(expected.iter().any(|r| r.family_size >= 3));
    for (d, e) in docs.iter().zip(&expected) {
        let (status, view) = h.get(&format!("/documents/{}", d.id)).await;
        assert_eq!(status, StatusCode::OK);
        let got: syndic::versions::VersionRecord = serde_json::from_value(view).unwrap();
        assert_eq!(&got, e);
    }
}

#[tokio::test]
#[expect(clippy::type_complexity, reason = "a table of test rows")]
async fn bad_requests_get_4xx_naming_the_field() {
    let h = Harness::memory(ServerConfig {
        max_body_bytes: 4096,
        max_doc_bytes: 1024,
        ..ServerConfig::default()
    });
    let ok = r#"{"id":"a","text":"one two three"}"#;
    assert_eq!(
        h.post("/documents", "application/json", ok).await.0,
        StatusCode::CREATED
    );
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str, Option<&str>, Option<u64>)> = vec![
        (
            "bad json",
            "application/json",
            b"{\"id\":".to_vec(),
            400,
            "bad_json",
            None,
            Some(1),
        ),
        (
            "missing text",
            "application/json",
            br#"{"id":"b"}"#.to_vec(),
            400,
            "missing_field",
            Some("text"),
            None,
        ),
        (
            "missing id",
            "application/json",
            br#"{"text":"x"}"#.to_vec(),
            400,
            "missing_field",
            Some("id"),
            None,
        ),
        (
            "text not a string",
            "application/json",
            br#"{"id":"b","text":[1]}"#.to_vec(),
            400,
            "invalid_field",
            Some("text"),
            None,
        ),
        (
            "bad date",
            "application/json",
            br#"{"id":"b","text":"x","published":"later"}"#.to_vec(),
            400,
            "invalid_field",
            Some("published"),
            None,
        ),
        (
            "bad utf-8",
            "application/json",
            b"{\"id\":\"b\",\"text\":\"\xfe\"}".to_vec(),
            400,
            "bad_utf8",
            None,
            Some(1),
        ),
        (
            "empty",
            "application/json",
            Vec::new(),
            400,
            "empty_body",
            None,
            None,
        ),
        (
            "duplicate id",
            "application/json",
            ok.as_bytes().to_vec(),
            409,
            "duplicate_id",
            Some("id"),
            None,
        ),
        (
            "repeated in batch",
            "application/x-ndjson",
            b"{\"id\":\"c\",\"text\":\"x\"}\n{\"id\":\"c\",\"text\":\"y\"}\n".to_vec(),
            409,
            "duplicate_id",
            Some("id"),
            Some(2),
        ),
        (
            "bad line in batch",
            "application/x-ndjson",
            b"{\"id\":\"d\",\"text\":\"x\"}\n{\"id\":\"e\"}\n".to_vec(),
            400,
            "missing_field",
            Some("text"),
            Some(2),
        ),
        (
            "document too large",
            "application/json",
            format!(r#"{{"id":"f","text":"{}"}}"#, "x".repeat(2000)).into_bytes(),
            413,
            "too_large",
            Some("text"),
            None,
        ),
        (
            "body too large",
            "application/x-ndjson",
            vec![b' '; 5000],
            413,
            "too_large",
            Some("body"),
            None,
        ),
        (
            "wrong media type",
            "text/csv",
            b"id,text".to_vec(),
            415,
            "unsupported_media_type",
            Some("content-type"),
            None,
        ),
    ];
    for (name, kind, body, status, code, field, line) in cases {
        let (got, e) = h.post("/documents", kind, body).await;
        assert_eq!(got.as_u16(), status, "{name}: {e}");
        assert_eq!(e["code"], code, "{name}: {e}");
        assert_eq!(e["field"].as_str(), field, "{name}: {e}");
        assert_eq!(e["line"].as_u64(), line, "{name}: {e}");
        assert!(!e["error"].as_str().unwrap().is_empty());
    }
    // A refused batch keeps nothing of itself.
    assert_eq!(h.get("/documents/d").await.0, StatusCode::NOT_FOUND);
    let (_, health) = h.get("/health").await;
    assert_eq!(health["documents"], 1);
    let (status, e) = h.get("/documents/nope").await;
    assert_eq!(
        (status, e["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, e) = h.get("/no/such/route").await;
    assert_eq!(
        (status, e["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_route"))
    );
    let (status, _, body) = h
        .send(Request::put("/documents").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    let (status, e) = h.post("/match", "application/json", r#"{"id":"x"}"#).await;
    assert_eq!(
        (status, e["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("text"))
    );
}

#[tokio::test]
async fn a_token_guards_writes_only() {
    let h = Harness::memory(ServerConfig {
        token: Some("s3cret".into()),
        ..ServerConfig::default()
    });
    let doc = r#"{"id":"a","text":"one two three four five six seven eight nine ten"}"#;
    let post = |auth: Option<&str>| {
        let mut r = Request::post("/documents").header(header::CONTENT_TYPE, "application/json");
        if let Some(a) = auth {
            r = r.header(header::AUTHORIZATION, a);
        }
        r.body(Body::from(doc)).unwrap()
    };
    let response = h.app.clone();
    let (status, _, body) = h.send(post(None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.contains("\"field\":\"authorization\""));
    let raw = tower::ServiceExt::oneshot(response, post(None))
        .await
        .unwrap();
    assert!(raw.headers().contains_key(header::WWW_AUTHENTICATE));
    assert_eq!(
        h.send(post(Some("Bearer wrong"))).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.send(post(Some("s3cret"))).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.send(post(Some("Bearer s3cret"))).await.0,
        StatusCode::CREATED
    );
    // Reads and matching need no token.
    assert_eq!(h.get("/documents/a").await.0, StatusCode::OK);
    assert_eq!(h.get("/health").await.0, StatusCode::OK);
    assert_eq!(
        h.post("/match", "application/json", doc).await.0,
        StatusCode::OK
    );
    let delete = |auth: Option<&str>| {
        let mut r = Request::delete("/documents/a");
        if let Some(a) = auth {
            r = r.header(header::AUTHORIZATION, a);
        }
        r.body(Body::empty()).unwrap()
    };
    assert_eq!(h.send(delete(None)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        h.send(delete(Some("Bearer s3cret"))).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn deleting_a_canonical_moves_the_family_to_the_next_best() {
    let h = Harness::memory(ServerConfig::default());
    let docs = Gen::new(11).corpus("d", 120);
    for d in &docs {
        assert_eq!(h.add(d).await.0, StatusCode::CREATED);
    }
    let records = batch(&docs);
    let big = records
        .iter()
        .find(|r| r.canonical && r.family_size >= 3)
        .expect("a family of three");
    let (status, _, deleted) = h
        .send(
            Request::delete(format!("/documents/{}", big.id))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    let remaining: Vec<_> = docs.iter().filter(|d| d.id != big.id).cloned().collect();
    let expected = batch(&remaining);
    for (d, e) in remaining.iter().zip(&expected) {
        let (_, view) = h.get(&format!("/documents/{}", d.id)).await;
        let got: syndic::versions::VersionRecord = serde_json::from_value(view).unwrap();
        assert_eq!(&got, e);
    }
    assert_eq!(
        h.get(&format!("/documents/{}", big.id)).await.0,
        StatusCode::NOT_FOUND
    );
    let again = h
        .send(
            Request::delete(format!("/documents/{}", big.id))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn health_and_metrics_report_the_index() {
    let h = Harness::memory(ServerConfig::default());
    for d in examples().iter().take(3) {
        h.add(d).await;
    }
    let (status, health) = h.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["documents"], 3);
    let (status, kind, text) = h
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/plain"));
    for name in [
        "syndic_http_requests_total",
        "syndic_http_request_seconds_bucket",
        "syndic_documents_added_total",
        "syndic_commit_seconds",
        "syndic_documents",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    assert!(text.contains(r#"route="/documents""#), "{text}");
}

#[tokio::test]
async fn stories_group_the_reports_of_one_event_as_batch_does() {
    let h = Harness::redb(ServerConfig::default());
    let docs = examples();
    let mut answers = Vec::new();
    for d in &docs {
        let (status, answer) = h.add(d).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        answers.push(answer);
    }
    // What batch `syndic stories` answers for the same documents in the same order.
    let mut versions = syndic::versions::VersionIndex::new(Default::default());
    let mut stories = syndic::story::StoryIndex::new(Default::default());
    for (d, answer) in docs.iter().zip(&answers) {
        let family = versions.try_add(d).unwrap().family;
        let expected = stories.add(d, versions.id(family));
        assert_eq!(answer["story"], &*expected.story, "{}", d.id);
        let (_, view) = h.get(&format!("/documents/{}", d.id)).await;
        assert_eq!(view["story"], &*expected.story);
    }
    let fire = answers[0]["story"].as_str().unwrap().to_string();
    let (status, story) = h.get(&format!("/stories/{fire}")).await;
    assert_eq!(status, StatusCode::OK, "{story}");
    assert_eq!(story["open"], true);
    let members = story["members"].as_array().unwrap();
    assert!(members.len() >= 3, "{story}");
    assert_eq!(story["documents"].as_u64(), Some(members.len() as u64));
    let (_, limited) = h.get(&format!("/stories/{fire}?limit=1")).await;
    assert_eq!(limited["truncated"], true);

    let (status, list) = h.get("/stories?limit=3").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let list = list["stories"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    let latest = list[0]["last_seen"].as_str().unwrap().to_string();
    let (_, since) = h.get(&format!("/stories?since={latest}")).await;
    for s in since["stories"].as_array().unwrap() {
        assert!(s["last_seen"].as_str().unwrap() >= latest.as_str(), "{s}");
    }
    let (status, e) = h.get("/stories?since=last-week").await;
    assert_eq!(
        (status, e["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("since"))
    );
    let (status, e) = h.get("/stories/no-such-story").await;
    assert_eq!(
        (status, e["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}
