//! The shingle sets a batch [`VersionIndex`](crate::versions::VersionIndex) keeps for
//! verification, packed to about 2.3 bytes a shingle, in memory or in a spill file.
//!
//! [`Overlap::of`] compares two sets on the top [`Overlap::key_bits`] bits of their hashes (24
//! to 32, more for larger sets), so those bits are all a set needs to keep. Sorted, they are
//! stored in Elias–Fano form: each value's low 16 bits as a `u16`, and its remaining "high"
//! bits (about log₂ n of them) as a bitmap in which the `i`-th value sets bit `high + i` — a
//! unary code of the gaps between high parts, under two bits a value. A news text of 530
//! shingles takes 1,196 bytes, against 2,120 as 32-bit keys and 4,240 as whole hashes: less
//! memory touched (or less written to the spill file) per document, and less read back per
//! verified candidate.
//!
//! The central type is [`SetStore`]. Sets join it a chunk at a time ([`SetStore::push_chunk`]),
//! packed on every thread into one buffer that is appended in one piece, so the serial part of
//! adding a chunk stays a copy. [`SetStore::read`] unpacks a set into hashes carrying the kept
//! bits (zeros below), which [`Overlap::of`] counts exactly as it counts the whole set.

use crate::error::{Error, Result};
use crate::verify::Overlap;
use rayon::prelude::*;
use std::collections::VecDeque;

/// Bytes of a packed set of `n` values: the low halves, then the bitmap in whole 64-bit words.
fn packed_len(n: usize) -> usize {
    2 * n + 8 * bitmap_words(n)
}

/// The bits above the low 16 that a set of `n` keeps of each hash.
fn high_bits(n: usize) -> u32 {
    Overlap::key_bits(n) - 16
}

/// 64-bit words of the bitmap of `n` values: value `i` sets bit `high + i`, and `high` is
/// below `2^high_bits(n)`.
fn bitmap_words(n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    (n + (1usize << high_bits(n))).div_ceil(64)
}

/// Packs a sorted set into `out`, which is [`packed_len`] bytes long and zeroed (the bitmap's
/// bits are only set; [`pack_chunk`] hands over freshly zeroed room).
///
/// Two passes: the low halves (a loop the compiler turns into vector code), then the bitmap's
/// bits set one by one in the zeroed bitmap. One pass building each bitmap word in a register
/// took 1.45 ns a value, these two 1.25 (a standalone copy over 2,000 news-sized sets).
fn pack_into(set: &[u64], out: &mut [u8]) {
    let n = set.len();
    let shift = 64 - Overlap::key_bits(n);
    let (lows, bitmap) = out.split_at_mut(2 * n);
    for (low, &h) in lows.chunks_exact_mut(2).zip(set) {
        low.copy_from_slice(&((h >> shift) as u16).to_le_bytes());
    }
    debug_assert!(bitmap.iter().all(|&b| b == 0), "the bitmap is zeroed");
    let high_shift = shift + 16;
    for (i, &h) in set.iter().enumerate() {
        // Value `i` sets bit `high + i`, below the bitmap's length by its construction.
        let bit = (h >> high_shift) as usize + i;
        if let Some(byte) = bitmap.get_mut(bit / 8) {
            *byte |= 1 << (bit % 8);
        }
    }
}

/// Unpacks a set of `n` values packed by [`pack_into`] into `out`: hashes with the kept bits.
fn unpack(bytes: &[u8], n: usize, out: &mut Vec<u64>) -> Result<()> {
    out.clear();
    let corrupt = || Error::Store("corrupt shingle set in the set store".into());
    if bytes.len() != packed_len(n) {
        return Err(corrupt());
    }
    out.reserve(n);
    let shift = 64 - Overlap::key_bits(n);
    let (lows, bitmap) = bytes.split_at(2 * n);
    let mut lows = lows.chunks_exact(2);
    let mut i = 0u64;
    for (w, word) in bitmap.chunks_exact(8).enumerate() {
        let mut word = u64::from_le_bytes(word.try_into().expect("8-byte chunk"));
        while word != 0 {
            let bit = (w * 64) as u64 + u64::from(word.trailing_zeros());
            let low = lows.next().ok_or_else(corrupt)?;
            let low = u64::from(u16::from_le_bytes([low[0], low[1]]));
            out.push((((bit - i) << 16) | low) << shift);
            i += 1;
            word &= word - 1;
        }
    }
    if out.len() != n {
        return Err(corrupt());
    }
    Ok(())
}

/// Packs `sets` onto the end of `buf`, one after the other, on every thread.
fn pack_chunk(sets: &[&[u64]], buf: &mut Vec<u8>) {
    let total: usize = sets.iter().map(|s| packed_len(s.len())).sum();
    let from = buf.len();
    buf.resize(from + total, 0);
    let mut parts = Vec::with_capacity(sets.len());
    let mut rest = &mut buf[from..];
    for set in sets {
        let (part, tail) = rest.split_at_mut(packed_len(set.len()));
        parts.push(part);
        rest = tail;
    }
    parts
        .into_par_iter()
        .zip(sets.par_iter())
        .with_min_len(64)
        .for_each(|(part, set)| pack_into(set, part));
}

/// Bytes of the newest packed sets a spilling [`SetStore`] keeps in memory after writing them
/// (the fewest newest chunks holding at least this much). Versions of a text tend to arrive
/// close together, so most candidates verified are recent documents: at 100k bench documents
/// 39,067 of 46,709 sets read back were at most 1,024 documents older than the chunk reading
/// them, and 45,357 at most 4,096. 2 MiB holds the sets of about 1,700 news texts, whatever
/// the chunk size: as fast as 5 MiB at 100k documents, and 13 MB less memory (10 runs each).
/// (64 bytes in tests, so that a few small sets fill it.)
const RECENT_BYTES: usize = if cfg!(test) { 64 } else { 2 << 20 };

/// Bytes per block of an in-memory [`SetStore`] (4 MiB; 256 in tests, so that their small
/// corpora fill many blocks and hold chunks larger than one).
const ARENA_BLOCK: usize = if cfg!(test) { 256 } else { 4 << 20 };

/// Packed shingle sets of every indexed document, in memory or spilled to a temporary file.
/// See the module docs.
#[derive(Debug)]
pub(crate) struct SetStore {
    /// Each set's position (see [`Place`]) and its length.
    offsets: Vec<(u64, u32)>,
    place: Place,
}

/// Where a [`SetStore`] keeps its packed sets.
#[derive(Debug)]
enum Place {
    /// In memory; a set's position is its block (high 32 bits) and start in it (low 32 bits).
    Memory {
        /// Blocks of at least [`ARENA_BLOCK`] bytes, each chunk's sets within one block: the
        /// arena grows a block at a time, where one vector would double and copy everything,
        /// touching three times the memory it keeps.
        arena: Vec<Vec<u8>>,
    },
    /// In a temporary file; a set's position is its offset in the file.
    ///
    /// A chunk is packed into `recent` and written to the file at the next flush, straight
    /// from there: the batch index flushes while its next chunk joins the band tables, so the
    /// writing (a copy into the kernel's page cache, 2–5% of a run's CPU) overlaps that work
    /// instead of coming between the chunks, and no buffered writer copies each chunk once
    /// more on the way.
    #[cfg(unix)]
    Disk {
        file: std::fs::File,
        /// Bytes pushed: where the next chunk goes in the file.
        written: u64,
        /// Bytes in the file (every chunk pushed before the last flush).
        flushed: u64,
        /// The newest chunks (see [`RECENT_BYTES`]) and every chunk not yet in the file,
        /// packed, with their position in the file: read from here, without a system call.
        recent: VecDeque<(u64, Vec<u8>)>,
        /// The buffer of the chunk last dropped from `recent`, for the next chunk.
        spare: Vec<u8>,
    },
}

impl SetStore {
    /// A store keeping sets in memory.
    pub(crate) fn memory() -> SetStore {
        SetStore {
            offsets: Vec::new(),
            place: Place::Memory { arena: Vec::new() },
        }
    }

    /// A store keeping sets in an anonymous temporary file in `dir`.
    #[cfg(unix)]
    pub(crate) fn spill_in(dir: &std::path::Path) -> Result<SetStore> {
        let file = tempfile::tempfile_in(dir)
            .map_err(|e| Error::io(format!("creating spill file in {}", dir.display()), e))?;
        Ok(SetStore {
            offsets: Vec::new(),
            place: Place::Disk {
                file,
                written: 0,
                flushed: 0,
                recent: VecDeque::new(),
                spare: Vec::new(),
            },
        })
    }

    /// Number of sets pushed.
    pub(crate) fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Makes room for `additional` more sets' offsets.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.offsets.reserve(additional);
    }

    /// Appends sorted sets, in order: packed on every thread, then stored in one piece.
    pub(crate) fn push_chunk(&mut self, sets: &[&[u64]]) -> Result<()> {
        let lens = sets
            .iter()
            .map(|s| u32::try_from(s.len()))
            .collect::<std::result::Result<Vec<u32>, _>>()
            .map_err(|_| Error::Store("shingle set larger than 4G entries".into()))?;
        // Where the chunk's first set goes; the others follow it.
        let mut at = match &mut self.place {
            Place::Memory { arena } => {
                let total: usize = sets.iter().map(|s| packed_len(s.len())).sum();
                let fits = arena
                    .last()
                    .is_some_and(|b| b.capacity() - b.len() >= total);
                if !fits {
                    arena.push(Vec::with_capacity(total.max(ARENA_BLOCK)));
                }
                let b = arena.len() - 1;
                let start = ((b as u64) << 32) | arena[b].len() as u64;
                pack_chunk(sets, &mut arena[b]);
                start
            }
            #[cfg(unix)]
            Place::Disk {
                written,
                flushed,
                recent,
                spare,
                ..
            } => {
                let mut packed = std::mem::take(spare);
                packed.clear();
                pack_chunk(sets, &mut packed);
                let start = *written;
                *written += packed.len() as u64;
                recent.push_back((start, packed));
                // The oldest chunk goes, once in the file, when the newer ones hold enough;
                // its buffer is the next chunk's.
                let mut kept: usize = recent.iter().map(|(_, b)| b.len()).sum();
                while let Some((at, oldest)) = recent.front()
                    && at + oldest.len() as u64 <= *flushed
                    && kept - oldest.len() >= RECENT_BYTES
                {
                    kept -= oldest.len();
                    if let Some((_, buffer)) = recent.pop_front() {
                        *spare = buffer;
                    }
                }
                start
            }
        };
        for len in lens {
            self.offsets.push((at, len));
            at += packed_len(len as usize) as u64;
        }
        Ok(())
    }

    /// Writes the chunks pushed since the last flush to the spill file, so that they can
    /// leave memory (a set is readable either way). Touches nothing [`SetStore::read`] needs
    /// while it writes, so a caller can flush on one thread and work on another.
    pub(crate) fn flush(&mut self) -> Result<()> {
        match &mut self.place {
            Place::Memory { .. } => Ok(()),
            #[cfg(unix)]
            Place::Disk {
                file,
                written,
                flushed,
                recent,
                ..
            } => {
                use std::os::unix::fs::FileExt;
                for (at, chunk) in recent.iter().filter(|(at, _)| *at >= *flushed) {
                    file.write_all_at(chunk, *at)
                        .map_err(|e| Error::io("writing shingle spill file", e))?;
                }
                *flushed = *written;
                Ok(())
            }
        }
    }

    /// Where set `slot` is among the recent chunks a spilling store keeps in memory: the chunk
    /// and the set's range in it.
    #[cfg(unix)]
    fn kept(&self, slot: usize) -> Option<(&[u8], std::ops::Range<usize>)> {
        let Place::Disk { recent, .. } = &self.place else {
            return None;
        };
        let (start, n) = self.offsets[slot];
        let len = packed_len(n as usize) as u64;
        recent
            .iter()
            .find(|(at, chunk)| start >= *at && start + len <= at + chunk.len() as u64)
            .map(|(at, chunk)| {
                let from = (start - at) as usize;
                (&chunk[..], from..from + len as usize)
            })
    }

    /// Reads any set pushed so far, from any thread: its hashes with the bits
    /// [`Overlap::of`] compares (zeros below). `bytes` is scratch space.
    pub(crate) fn read(&self, slot: usize, out: &mut Vec<u64>, bytes: &mut Vec<u8>) -> Result<()> {
        let (start, n) = self.offsets[slot];
        let n = n as usize;
        match &self.place {
            Place::Memory { arena } => {
                let (block, at) = ((start >> 32) as usize, (start as u32) as usize);
                unpack(&arena[block][at..at + packed_len(n)], n, out)
            }
            #[cfg(unix)]
            Place::Disk { file, flushed, .. } => {
                use std::os::unix::fs::FileExt;
                if let Some((chunk, range)) = self.kept(slot) {
                    return unpack(&chunk[range], n, out);
                }
                // Not kept in memory, so in the file: chunks leave memory only once written.
                if start + packed_len(n) as u64 > *flushed {
                    return Err(Error::Store(
                        "shingle set missing from the spill file".into(),
                    ));
                }
                bytes.clear();
                bytes.resize(packed_len(n), 0);
                file.read_exact_at(bytes, start)
                    .map_err(|e| Error::io("reading shingle spill file", e))?;
                unpack(bytes, n, out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorted pseudo-random hashes: `n` of them, from seed `s`.
    fn hashes(n: usize, s: u64) -> Vec<u64> {
        let mut v: Vec<u64> = (0..n as u64)
            .map(|k| {
                (k + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ s.wrapping_mul(0xD1B5_4A32_D192_ED03)
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The hashes a set reads back as: its top `key_bits` bits, zeros below.
    fn kept(set: &[u64]) -> Vec<u64> {
        let shift = 64 - Overlap::key_bits(set.len());
        set.iter().map(|&h| (h >> shift) << shift).collect()
    }

    #[test]
    fn packs_and_unpacks_every_size() {
        for n in [0, 1, 2, 7, 255, 256, 257, 530, 4096, 70_000] {
            let set = hashes(n, n as u64);
            let mut buf = vec![0; packed_len(set.len())];
            pack_into(&set, &mut buf);
            let mut out = vec![1, 2, 3];
            unpack(&buf, set.len(), &mut out).unwrap();
            assert_eq!(out, kept(&set), "n = {n}");
        }
        // News length: under 2.3 bytes a shingle.
        assert_eq!(packed_len(530), 1196);
    }

    #[test]
    fn extreme_and_repeated_keys_round_trip() {
        let set = vec![0, 0, 1, u64::MAX - 1, u64::MAX, u64::MAX];
        let mut buf = vec![0; packed_len(set.len())];
        pack_into(&set, &mut buf);
        let mut out = Vec::new();
        unpack(&buf, set.len(), &mut out).unwrap();
        assert_eq!(out, kept(&set));
    }

    #[test]
    fn corrupt_bytes_are_an_error() {
        let set = hashes(300, 1);
        let mut buf = vec![0; packed_len(set.len())];
        pack_into(&set, &mut buf);
        let mut out = Vec::new();
        assert!(unpack(&buf[..buf.len() - 1], set.len(), &mut out).is_err());
        assert!(unpack(&buf, set.len() + 1, &mut out).is_err());
        let mut extra = buf.clone();
        *extra.last_mut().unwrap() |= 0x80;
        assert!(unpack(&extra, set.len(), &mut out).is_err());
    }

    /// Overlaps counted on read-back sets equal those counted on the whole sets.
    #[test]
    fn read_back_sets_overlap_as_whole_ones() {
        let a = hashes(530, 7);
        let mut b: Vec<u64> = a[100..].to_vec();
        b.extend(hashes(200, 8));
        b.sort_unstable();
        for (x, y) in [(&a, &b), (&b, &a)] {
            let mut buf = vec![0; packed_len(y.len())];
            pack_into(y, &mut buf);
            let mut out = Vec::new();
            unpack(&buf, y.len(), &mut out).unwrap();
            assert_eq!(Overlap::of(x, &out), Overlap::of(x, y));
        }
    }

    /// Chunks of sets of every size around the (test) block size read back as pushed — their
    /// kept bits — from memory and from a spill file alike.
    #[test]
    fn stored_sets_read_back_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let sizes = [10, 0, 63, 1, 64, 65, 200, 5, 30, 30, 3, 700];
        let sets: Vec<Vec<u64>> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| hashes(n, i as u64))
            .collect();
        let refs: Vec<&[u64]> = sets.iter().map(Vec::as_slice).collect();
        for mut store in [SetStore::memory(), SetStore::spill_in(dir.path()).unwrap()] {
            // Chunks of one, two and more sets, each flushed before the next is pushed (as
            // the index does): more chunks than a spill keeps in memory, so the first ones are
            // read from the file, and the last one before it is written.
            store.push_chunk(&refs[..3]).unwrap();
            store.flush().unwrap();
            store.push_chunk(&refs[3..4]).unwrap();
            for pair in refs[4..].chunks(2) {
                store.flush().unwrap();
                store.push_chunk(pair).unwrap();
            }
            assert_eq!(store.len(), sets.len());
            let (mut out, mut bytes) = (Vec::new(), Vec::new());
            for (slot, set) in sets.iter().enumerate() {
                store.read(slot, &mut out, &mut bytes).unwrap();
                assert_eq!(out, kept(set), "set {slot}");
            }
        }
    }

    /// A spilled chunk stays in memory until it is written, however many follow it; once
    /// written, it leaves when newer ones hold the bytes kept, and is read from the file.
    #[test]
    fn a_spilled_set_stays_in_memory_until_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SetStore::spill_in(dir.path()).unwrap();
        // One set a chunk; all but the first hold the bytes kept in memory.
        let chunks = RECENT_BYTES.div_ceil(packed_len(40)) + 1;
        let sets: Vec<Vec<u64>> = (0..chunks as u64).map(|s| hashes(40, s)).collect();
        for set in &sets {
            store.push_chunk(&[set]).unwrap();
        }
        let (mut out, mut bytes) = (Vec::new(), Vec::new());
        assert!(
            store.kept(0).is_some(),
            "not written yet, so still in memory"
        );
        store.flush().unwrap();
        store.push_chunk(&[&hashes(40, 99)]).unwrap();
        assert!(
            store.kept(0).is_none(),
            "written, and newer chunks hold enough"
        );
        for (slot, set) in sets.iter().enumerate() {
            store.read(slot, &mut out, &mut bytes).unwrap();
            assert_eq!(out, kept(set), "set {slot}");
        }
    }
}
