//! The API description lists exactly the router's routes.

use crate::corpus::Harness;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;
use syndic_server::{Route, ServerConfig};

fn spec() -> Value {
    serde_json::from_str(include_str!("../../openapi.json")).expect("openapi.json is JSON")
}

fn spec_routes(spec: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "delete", "patch"] {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn every_route_is_described_and_every_description_is_routed() {
    let routed: BTreeSet<(String, String)> = Route::ALL
        .iter()
        .map(|r| (r.method().to_string(), r.path().to_string()))
        .collect();
    assert_eq!(routed, spec_routes(&spec()));
}

#[test]
fn write_routes_declare_the_bearer_scheme() {
    let spec = spec();
    for r in Route::ALL {
        let op = &spec["paths"][r.path()][r.method().to_lowercase()];
        let declares = op["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x.get("bearer").is_some()));
        assert_eq!(declares, r.writes(), "{} {}", r.method(), r.path());
    }
}

#[test]
fn every_schema_reference_resolves() {
    let spec = spec();
    let text = spec.to_string();
    for piece in text.split("\"$ref\":\"#/components/").skip(1) {
        let path = &piece[..piece.find('"').unwrap()];
        let mut node = &spec["components"];
        for part in path.split('/') {
            node = &node[part];
        }
        assert!(!node.is_null(), "dangling $ref {path}");
    }
}

#[tokio::test]
async fn every_described_route_is_served_by_the_router() {
    let h = Harness::memory(ServerConfig::default());
    for (method, path) in spec_routes(&spec()) {
        let uri = path.replace("{id}", "some-id");
        let request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(&uri)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let (status, _, body) = h.send(request).await;
        // Resource errors are fine; "no such route" or "wrong method" are not.
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}: {body}"
        );
        assert!(!body.contains("\"no_route\""), "{method} {uri}: {body}");
    }
}
