//! The syndic HTTP service: a JSON API over a [`LiveIndex`] and its on-disk store.
//!
//! The central function is [`router`]: it builds the whole API as an axum [`Router`] over an
//! [`AppState`], so tests drive it without a port (`tower::ServiceExt::oneshot`) and
//! `syndic serve` binds it to a socket ([`serve`]). The routes are listed once, in [`Route`];
//! `openapi.json` in this crate describes each (a test checks both lists agree).
//!
//! ## Writes: one writer, group commit
//! Handlers parse and sketch documents on the runtime's threads, then hand them to a single
//! writer thread ([`writer`]). The writer takes every request waiting, places their documents in
//! arrival order and commits them in one store transaction (one fsync), then answers each
//! request. A `201` therefore means the document is on disk: it survives `kill -9`. Reads
//! (`GET`) use store snapshots and never wait for the writer.
//!
//! ## Errors
//! Every failure is an [`ApiError`]: a status and a JSON body naming what is wrong and, where
//! it applies, the request field and NDJSON line (`{"error":"…","code":"missing_field",
//! "field":"text","line":2}`).
#![forbid(unsafe_code)]

mod error;
mod parse;
mod routes;
pub mod writer;

pub use error::ApiError;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use syndic::store::{LiveIndex, Store};

/// The live index as the service holds it: over any store behind a trait object.
pub type Index = LiveIndex<Arc<dyn Store>>;

/// Default largest request body: 64 MiB (an NDJSON batch of some ten thousand articles).
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 << 20;
/// Default largest document (one JSON record): 4 MiB, a thousand times a news article.
pub const DEFAULT_MAX_DOC_BYTES: usize = 4 << 20;
/// Default cap on the members listed by `GET /versions/{id}`.
pub const DEFAULT_MEMBER_LIMIT: usize = 1000;

/// Settings of the service.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Largest request body in bytes; larger requests get `413`.
    pub max_body_bytes: usize,
    /// Largest document (one JSON record) in bytes; larger documents get `413`.
    pub max_doc_bytes: usize,
    /// Bearer token required by write endpoints (`POST /documents`, `DELETE /documents/{id}`);
    /// `None` leaves them open.
    pub token: Option<String>,
    /// Compute what each added document adds against its closest version (`adds`).
    pub adds: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_doc_bytes: DEFAULT_MAX_DOC_BYTES,
            token: None,
            adds: true,
        }
    }
}

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    index: Arc<Index>,
    writer: writer::WriterHandle,
    config: ServerConfig,
    metrics: PrometheusHandle,
    started: Instant,
}

impl AppState {
    /// The state of a service over `index`, with its writer thread. Keep the returned
    /// [`writer::WriterThread`] and join it after the server stops, so the last writes finish.
    pub fn new(index: Arc<Index>, config: ServerConfig) -> (AppState, writer::WriterThread) {
        let (writer, thread) = writer::spawn(Arc::clone(&index));
        let state = AppState(Arc::new(Inner {
            index,
            writer,
            config,
            metrics: metrics_handle(),
            started: Instant::now(),
        }));
        (state, thread)
    }

    /// The live index.
    pub fn index(&self) -> &Arc<Index> {
        &self.0.index
    }

    /// The settings.
    pub fn config(&self) -> &ServerConfig {
        &self.0.config
    }
}

/// The process-wide Prometheus recorder (installed once; every router in the process shares it).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.000_5, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
                ])
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (an embedding program's); then ours
            // renders only what it records itself, which is nothing — say so in /metrics.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// One route of the API: a method and a path. [`router`] is built from [`Route::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST /documents`: add one document (JSON) or a batch (NDJSON).
    AddDocuments,
    /// `GET /documents/{id}`: a document and its current family.
    GetDocument,
    /// `DELETE /documents/{id}`: delete a document; later ones are re-placed.
    DeleteDocument,
    /// `GET /versions/{id}`: the version family of a document.
    GetVersions,
    /// `GET /stories/{id}`: a story.
    GetStory,
    /// `GET /stories`: latest stories with counts.
    ListStories,
    /// `POST /match`: the family and story a text would join, without storing it.
    Match,
    /// `GET /health`: liveness and counts.
    Health,
    /// `GET /metrics`: Prometheus text format.
    Metrics,
}

impl Route {
    /// Every route, in the order of the API description.
    pub const ALL: [Route; 9] = [
        Route::AddDocuments,
        Route::GetDocument,
        Route::DeleteDocument,
        Route::GetVersions,
        Route::GetStory,
        Route::ListStories,
        Route::Match,
        Route::Health,
        Route::Metrics,
    ];

    /// The HTTP method.
    pub fn method(self) -> &'static str {
        match self {
            Route::AddDocuments | Route::Match => "POST",
            Route::DeleteDocument => "DELETE",
            _ => "GET",
        }
    }

    /// The path pattern, as axum and OpenAPI spell it.
    pub fn path(self) -> &'static str {
        match self {
            Route::AddDocuments => "/documents",
            Route::GetDocument | Route::DeleteDocument => "/documents/{id}",
            Route::GetVersions => "/versions/{id}",
            Route::GetStory => "/stories/{id}",
            Route::ListStories => "/stories",
            Route::Match => "/match",
            Route::Health => "/health",
            Route::Metrics => "/metrics",
        }
    }

    /// Whether the route changes the index (and so needs the bearer token when one is set).
    pub fn writes(self) -> bool {
        matches!(self, Route::AddDocuments | Route::DeleteDocument)
    }
}

/// The whole API over `state`.
pub fn router(state: AppState) -> Router {
    let limit = state.config().max_body_bytes;
    let mut app = Router::new();
    let mut paths: Vec<&str> = Route::ALL.iter().map(|r| r.path()).collect();
    paths.dedup();
    for path in paths {
        let methods = Route::ALL
            .iter()
            .filter(|r| r.path() == path)
            .fold(axum::routing::MethodRouter::new(), |m, &r| {
                m.merge(routes::method_router(r))
            });
        app = app.route(path, methods.fallback(routes::method_not_allowed));
    }
    app.fallback(routes::no_route)
        .layer(axum::middleware::from_fn(routes::observe))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Completes on SIGTERM or Ctrl-C (SIGINT).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
