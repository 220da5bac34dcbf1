//! The writer thread: group commit of add requests.
//!
//! The central type is [`WriterHandle`]: handlers [`submit`](WriterHandle::submit) a group of
//! prepared documents and await its outcome. One thread takes every request waiting (up to
//! [`MAX_ROUND_DOCS`] documents), gives them to [`LiveIndex::add`](syndic::store::LiveIndex::add)
//! as one transaction — one fsync for the whole round — and answers each. Under load, rounds
//! grow by themselves, which is what keeps the fsync cost per document small; when idle, a
//! request is committed alone at once (no timer, no added latency).
//!
//! Shutdown: when every handle is dropped the channel closes, the thread finishes the requests
//! already queued and ends; [`WriterThread::join`] waits for that.

use crate::Index;
use std::sync::Arc;
use std::time::Instant;
use syndic::store::Prepared;
use syndic::store::live::GroupOutcome;
use tokio::sync::{mpsc, oneshot};

/// Most documents committed in one round. Bounds a round's latency and memory.
pub const MAX_ROUND_DOCS: usize = 4096;
/// Requests that may wait for the writer before `submit` waits too (back-pressure).
pub const QUEUE_DEPTH: usize = 8192;

struct Job {
    group: Vec<Prepared>,
    reply: oneshot::Sender<Result<GroupOutcome, String>>,
}

/// Sends groups of documents to the writer thread.
#[derive(Clone, Debug)]
pub struct WriterHandle {
    tx: mpsc::Sender<Job>,
}

/// The writer thread; join it after the last handle is dropped.
#[derive(Debug)]
pub struct WriterThread(std::thread::JoinHandle<()>);

impl WriterThread {
    /// Waits until every queued request is committed and the thread has ended.
    pub fn join(self) {
        let _ = self.0.join();
    }
}

/// The writer is gone or the store failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteFailed(pub String);

impl WriterHandle {
    /// Adds one group (all accepted or all refused) and waits until it is durable.
    pub async fn submit(&self, group: Vec<Prepared>) -> Result<GroupOutcome, WriteFailed> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job { group, reply })
            .await
            .map_err(|_| WriteFailed("the writer has stopped".into()))?;
        match answer.await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(e)) => Err(WriteFailed(e)),
            Err(_) => Err(WriteFailed("the writer stopped before answering".into())),
        }
    }
}

/// Starts the writer thread over `index`.
pub fn spawn(index: Arc<Index>) -> (WriterHandle, WriterThread) {
    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
    let thread = std::thread::Builder::new()
        .name("syndic-writer".into())
        .spawn(move || run(&index, rx))
        .map(WriterThread)
        .unwrap_or_else(|e| {
            // Without a thread there is no writer: every submit fails with 503, reads still work.
            eprintln!("syndic: cannot start the writer thread: {e}");
            WriterThread(std::thread::spawn(|| {}))
        });
    (WriterHandle { tx }, thread)
}

fn run(index: &Index, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.blocking_recv() {
        let mut jobs = vec![first];
        let mut docs = jobs[0].group.len();
        while docs < MAX_ROUND_DOCS {
            match rx.try_recv() {
                Ok(job) => {
                    docs += job.group.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let start = Instant::now();
        let (groups, replies): (Vec<_>, Vec<_>) =
            jobs.into_iter().map(|j| (j.group, j.reply)).unzip();
        let outcome = index.add(groups);
        metrics::histogram!("syndic_commit_seconds").record(start.elapsed().as_secs_f64());
        metrics::histogram!("syndic_commit_documents").record(docs as f64);
        match outcome {
            Ok(outcomes) => {
                let added: usize = outcomes
                    .iter()
                    .map(|o| o.as_ref().map_or(0, Vec::len))
                    .sum();
                metrics::counter!("syndic_documents_added_total").increment(added as u64);
                metrics::gauge!("syndic_documents").set(index.len() as f64);
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                metrics::counter!("syndic_commit_failures_total").increment(1);
                let message = format!("the store failed; nothing of this request was kept: {e}");
                for reply in replies {
                    let _ = reply.send(Err(message.clone()));
                }
            }
        }
    }
}
