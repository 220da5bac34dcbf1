//! `syndic serve`: the HTTP service over the persistent index in a data directory.
//!
//! Opens (or creates) `DIR/syndic.redb` (and its text log `DIR/syndic.texts`), loads the band
//! table, binds the address and serves the API of [`syndic_server::router`] until SIGTERM or
//! Ctrl-C; then it stops accepting, finishes the
//! requests in flight — every write acknowledged is committed — and exits 0. The bound address
//! is printed on stderr (`syndic: listening on http://127.0.0.1:7878`), which also tells the
//! port chosen for `--listen 127.0.0.1:0`.

use crate::ExitStatus;
use crate::cmd::index::open_index;
use crate::input::parse_size;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use syndic::versions::VersionConfig;
use syndic_server::{AppState, ServerConfig, router};

/// Arguments of `syndic serve`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "Exit statuses:\n  \
    0  stopped by SIGTERM or Ctrl-C after finishing the requests in flight\n  \
    2  error: the store cannot be opened, the address cannot be bound")]
pub(crate) struct Args {
    /// The data directory (created if missing); the store is DIR/syndic.redb and, beside it,
    /// DIR/syndic.texts (the texts bulk-loaded by `syndic index add`).
    #[arg(long, value_name = "DIR")]
    data: PathBuf,

    /// Address to listen on. The default binds the loopback interface only; use 0.0.0.0:PORT to
    /// accept other hosts (and set --token-file), port 0 for any free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7878")]
    listen: SocketAddr,

    /// File holding a bearer token: write endpoints (POST /documents, DELETE /documents/{id})
    /// then need `Authorization: Bearer <token>`. Without it, writes are open.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,

    /// Largest request body; larger requests get 413. A number of bytes or with a suffix (K,
    /// M, G, KiB, MiB, GiB).
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    max_body_bytes: usize,

    /// Largest document (one JSON record); larger documents get 413.
    #[arg(long, value_name = "SIZE", default_value = "4MiB", value_parser = parse_size)]
    max_doc_bytes: usize,

    /// Do not compute what each added document adds against its closest version (`adds`),
    /// which costs a diff per added version.
    #[arg(long)]
    no_adds: bool,

    /// Runtime worker threads; 0 means one per core.
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
}

/// Runs `syndic serve`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitStatus> {
    let token = match &args.token_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the token file {}", path.display()))?;
            let token = text.trim().to_string();
            anyhow::ensure!(
                !token.is_empty(),
                "the token file {} is empty",
                path.display()
            );
            Some(token)
        }
        None => None,
    };
    let start = Instant::now();
    let index = Arc::new(open_index(&args.data, VersionConfig::default(), true)?);
    eprintln!(
        "syndic: loaded {} documents from {} in {:.2} s",
        index.len(),
        args.data.display(),
        start.elapsed().as_secs_f64()
    );
    let config = ServerConfig {
        max_body_bytes: args.max_body_bytes,
        max_doc_bytes: args.max_doc_bytes,
        token,
        adds: !args.no_adds,
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if args.threads > 0 {
        runtime.worker_threads(args.threads);
    }
    let runtime = runtime
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (state, writer) = AppState::new(Arc::clone(&index), config);
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("binding {}", args.listen))?;
        let addr = listener.local_addr().context("reading the bound address")?;
        eprintln!("syndic: listening on http://{addr}");
        syndic_server::serve(listener, router(state), syndic_server::shutdown_signal())
            .await
            .context("serving")
    });
    // The router and its state are gone: the writer finishes what is queued and ends.
    writer.join();
    served?;
    eprintln!(
        "syndic: stopped; the index in {} holds {} documents",
        args.data.display(),
        index.len()
    );
    Ok(ExitStatus::Success)
}
