//! The call slices of an export, put in time order in bounded memory.
//!
//! Slices arrive rank by rank as calls finish; the Chrome file lists them
//! by start time, ties in rank order and then in each rank's own order
//! (what a stable sort of all slices, rank after rank, gives). They are
//! kept in memory up to [`RUN_BYTES`]; past that, each full buffer is
//! sorted and written to a temporary file (a *run*), and the runs are
//! merged at the end: memory holds one buffer and one slice per run.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// Bytes of slices held in memory before a run is written.
pub const RUN_BYTES: usize = 4 << 20;

/// One slice: its start (microseconds), rank, place among the rank's
/// slices, and its JSON text.
#[derive(Debug)]
pub struct Slice {
    pub ts: f64,
    pub rank: u32,
    pub index: u64,
    pub json: Vec<u8>,
}

impl Slice {
    fn order(&self, other: &Slice) -> Ordering {
        self.ts
            .total_cmp(&other.ts)
            .then(self.rank.cmp(&other.rank))
            .then(self.index.cmp(&other.index))
    }
}

/// Slices in any order in, slices in file order out.
pub struct SortedSlices {
    buffer: Vec<Slice>,
    bytes: usize,
    limit: usize,
    runs: Vec<File>,
}

impl SortedSlices {
    /// Holds up to `limit` bytes of slices in memory.
    pub fn new(limit: usize) -> Self {
        SortedSlices {
            buffer: Vec::new(),
            bytes: 0,
            limit,
            runs: Vec::new(),
        }
    }

    pub fn push(&mut self, slice: Slice) -> std::io::Result<()> {
        self.bytes += slice.json.len() + std::mem::size_of::<Slice>();
        self.buffer.push(slice);
        if self.bytes >= self.limit {
            self.write_run()?;
        }
        Ok(())
    }

    /// How many runs went to temporary files.
    #[cfg(test)]
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    fn write_run(&mut self) -> std::io::Result<()> {
        let mut file = anonymous_file()?;
        let mut out = BufWriter::with_capacity(1 << 16, &mut file);
        self.buffer.sort_by(Slice::order);
        for s in self.buffer.drain(..) {
            write_slice(&mut out, &s)?;
        }
        out.flush()?;
        drop(out);
        file.seek(SeekFrom::Start(0))?;
        self.runs.push(file);
        self.bytes = 0;
        Ok(())
    }

    /// Hands every slice to `each`, in file order.
    pub fn drain(
        mut self,
        mut each: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        if self.runs.is_empty() {
            self.buffer.sort_by(Slice::order);
            return self.buffer.iter().try_for_each(|s| each(&s.json));
        }
        self.write_run()?;
        let mut readers: Vec<BufReader<File>> = self
            .runs
            .drain(..)
            .map(|f| BufReader::with_capacity(1 << 16, f))
            .collect();
        let mut heads = BinaryHeap::new();
        for (run, r) in readers.iter_mut().enumerate() {
            if let Some(slice) = read_slice(r)? {
                heads.push(Head { slice, run });
            }
        }
        while let Some(Head { slice, run }) = heads.pop() {
            each(&slice.json)?;
            if let Some(next) = read_slice(&mut readers[run])? {
                heads.push(Head { slice: next, run });
            }
        }
        Ok(())
    }
}

/// The next slice of a run, for the merge: the heap's greatest is the
/// earliest slice.
struct Head {
    slice: Slice,
    run: usize,
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        other.slice.order(&self.slice)
    }
}

/// A new file in the temporary directory, removed from it at once: it
/// lives as long as its handle, and nothing is left behind whatever
/// happens to the export.
pub(super) fn anonymous_file() -> std::io::Result<File> {
    static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("mpi-tutor-export-{}-{n}", std::process::id());
    let path = std::env::temp_dir().join(name);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}

fn write_slice(out: &mut impl Write, s: &Slice) -> std::io::Result<()> {
    out.write_all(&s.ts.to_bits().to_le_bytes())?;
    out.write_all(&s.rank.to_le_bytes())?;
    out.write_all(&s.index.to_le_bytes())?;
    out.write_all(&(s.json.len() as u64).to_le_bytes())?;
    out.write_all(&s.json)
}

fn read_slice(r: &mut impl Read) -> std::io::Result<Option<Slice>> {
    let mut ts = [0u8; 8];
    match r.read_exact(&mut ts) {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        other => other?,
    }
    let mut rank = [0u8; 4];
    let mut index = [0u8; 8];
    let mut len = [0u8; 8];
    r.read_exact(&mut rank)?;
    r.read_exact(&mut index)?;
    r.read_exact(&mut len)?;
    let mut json = vec![0u8; u64::from_le_bytes(len) as usize];
    r.read_exact(&mut json)?;
    Ok(Some(Slice {
        ts: f64::from_bits(u64::from_le_bytes(ts)),
        rank: u32::from_le_bytes(rank),
        index: u64::from_le_bytes(index),
        json,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slices() -> Vec<Slice> {
        // Three ranks, each in its own time order, with ties across ranks.
        let mut v = Vec::new();
        for i in 0..300u64 {
            let rank = (i % 3) as u32;
            let ts = (i / 6) as f64;
            let json = format!("{{\"r\":{rank},\"i\":{i}}}").into_bytes();
            v.push(Slice {
                ts,
                rank,
                index: i,
                json,
            });
        }
        v
    }

    fn sorted_with(limit: usize) -> (Vec<Vec<u8>>, usize) {
        let mut s = SortedSlices::new(limit);
        for slice in slices() {
            s.push(slice).unwrap();
        }
        let runs = s.runs();
        let mut out = Vec::new();
        s.drain(|j| {
            out.push(j.to_vec());
            Ok(())
        })
        .unwrap();
        (out, runs)
    }

    #[test]
    fn runs_on_disk_merge_to_the_order_of_a_stable_sort() {
        let mut expected = slices();
        expected.sort_by(|a, b| a.ts.total_cmp(&b.ts).then(a.rank.cmp(&b.rank)));
        let expected: Vec<Vec<u8>> = expected.into_iter().map(|s| s.json).collect();
        let (in_memory, runs) = sorted_with(usize::MAX);
        assert_eq!(runs, 0);
        assert_eq!(in_memory, expected);
        let (spilled, runs) = sorted_with(1000);
        assert!(runs > 10, "{runs}");
        assert_eq!(spilled, expected);
    }
}
