//! The batch driver of `syndic stories`: records in, one [`StoryRecord`] per document and one
//! [`StorySummary`] per story out.
//!
//! The central type is [`StoryBatch`]. The caller reads its corpus (and applies its own bad
//! input policy and filters), hands records over in chunks ([`StoryBatch::add_chunk`]); each
//! chunk is sketched and analysed in parallel on the rayon pool, then added in input order —
//! first to the [`VersionIndex`], whose family decides whether a document is a new voice,
//! then to the [`StoryIndex`]. Assignment is sequential, so the result does not depend on the
//! thread count or the chunk size. [`StoryBatch::finish`] settles the version families'
//! canonical members (and, with [`super::StoryConfig::refine`], the refined stories) and
//! returns the records in input order.
//!
//! Memory holds one chunk of text, the version index, the story index (bounded by the time
//! window), and a few words per document for the output.

use super::cluster::StoryIndex;
use super::summary::{Placement, StoryRecord, StorySummary};
use crate::error::Result;
use crate::ingest::Record;
use crate::versions::{Status, VersionIndex};
use rayon::prelude::*;
use std::sync::Arc;

/// What is kept per document until the end.
#[derive(Clone, Debug)]
struct Placed {
    story: Arc<str>,
    placement: Placement,
    similarity: Option<f32>,
}

/// The result of a batch run.
#[derive(Clone, Debug)]
pub struct StoryRun {
    /// One record per document added, in input order.
    pub records: Vec<StoryRecord>,
    /// One summary per story, in order of creation.
    pub summaries: Vec<StorySummary>,
    /// Version families.
    pub families: u64,
}

/// Versions then stories over a corpus. See the module docs.
#[derive(Debug)]
pub struct StoryBatch {
    versions: VersionIndex,
    stories: StoryIndex,
    placed: Vec<Placed>,
    bytes: u64,
}

impl StoryBatch {
    /// A run over fresh indexes.
    pub fn new(versions: VersionIndex, stories: StoryIndex) -> Self {
        StoryBatch {
            versions,
            stories,
            placed: Vec::new(),
            bytes: 0,
        }
    }

    /// Documents added so far.
    pub fn documents(&self) -> u64 {
        self.placed.len() as u64
    }

    /// Bytes of the records added so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The story index (for its counts).
    pub fn stories(&self) -> &StoryIndex {
        &self.stories
    }

    /// Sketches and analyses `records` in parallel, then adds them in order.
    pub fn add_chunk(&mut self, records: Vec<Record>) -> Result<()> {
        let sketcher = self.versions.sketcher();
        let analyzer = self.stories.analyzer();
        let prepared: Vec<_> = records
            .par_iter()
            .map(|r| {
                let text = &r.doc.text;
                (
                    sketcher.sketch(text),
                    text.chars().count() as u64,
                    analyzer.analyze(&r.doc),
                )
            })
            .collect();
        for (record, (sketch, chars, analysis)) in records.iter().zip(&prepared) {
            let doc = &record.doc;
            let version = self
                .versions
                .add_sketch(&doc.id, doc.published, *chars, sketch)?;
            // Any per-family key will do (the live index uses its family's arrival number):
            // the family's number, as the versions engine gives it after any merge.
            let family = version.family.to_string();
            let source = doc.source.as_deref();
            // A text the versions engine finds too short for *version* identity (under about
            // thirty words) may still name its event; the story index applies its own, lower
            // bar (`min_terms`). Only an empty text is kept alone on the versions' word.
            let a = if version.status != Status::Empty {
                self.stories
                    .add_analysis(&doc.id, source, analysis, &family)
            } else {
                self.stories
                    .add_too_short(&doc.id, source, analysis, &family)
            };
            self.placed.push(Placed {
                story: a.story,
                placement: a.placement,
                similarity: a.similarity,
            });
            self.bytes += record.bytes;
        }
        Ok(())
    }

    /// Ends the run: version families settled, stories closed (and refined, if asked).
    pub fn finish(mut self) -> Result<StoryRun> {
        let versions = self.versions.finish()?;
        let families = versions.iter().filter(|r| r.canonical).count() as u64;
        let (summaries, refined) = self.stories.finish();
        let mut online: Vec<Option<Arc<str>>> = vec![None; self.placed.len()];
        for r in refined {
            if let Some(p) = self.placed.get_mut(r.doc as usize)
                && p.story != r.story
            {
                online[r.doc as usize] = Some(std::mem::replace(&mut p.story, r.story));
            }
        }
        let records = versions
            .into_iter()
            .zip(self.placed)
            .zip(online)
            .map(|((v, p), online)| StoryRecord {
                id: v.id,
                version: v.version,
                story: p.story.to_string(),
                placement: p.placement,
                similarity: p.similarity.map(|s| (f64::from(s) * 1e4).round() / 1e4),
                online_story: online.map(|s| s.to_string()),
            })
            .collect();
        Ok(StoryRun {
            records,
            summaries,
            families,
        })
    }
}
