//! Events kept compactly in memory, for replaying long recordings: a parsed
//! [`Event`] takes 64 bytes plus its call and strings, the same event packed
//! here ~40 bytes. Each event is kept in the wire encoding ([`super::wire`],
//! the one compact encoding of the schema) and decoded back to an equal
//! [`Event`] when it is needed, in well under a microsecond.
//!
//! Only this process reads these bytes: they are no file format.

use std::ops::Range;

use super::wire::{Reader, Wire};
use super::Event;

/// A new chunk starts after this many bytes of packed events, so offsets
/// within a chunk fit in 32 bits.
const CHUNK_BYTES: usize = 64 << 20;

/// A sequence of events, packed. Built with [`PackedBuilder`] or by the
/// trace reader; read back with [`Packed::get`] and [`Packed::range`].
#[derive(Debug, Default)]
pub struct Packed {
    chunks: Vec<Chunk>,
    /// Index of the first event of each chunk.
    starts: Vec<usize>,
    len: usize,
}

/// Events (or other items) packed in one buffer.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    bytes: Vec<u8>,
    /// Where each item's bytes end.
    ends: Vec<u32>,
}

impl Packed {
    pub(crate) fn from_chunks(chunks: impl IntoIterator<Item = Chunk>) -> Self {
        let mut p = Packed::default();
        for c in chunks {
            if c.ends.is_empty() {
                continue;
            }
            p.starts.push(p.len);
            p.len += c.ends.len();
            p.chunks.push(c);
        }
        p
    }

    /// Packs `events`.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut b = PackedBuilder::default();
        for e in events {
            b.push(e);
        }
        b.finish()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`-th event (from 0).
    pub fn get(&self, i: usize) -> Option<Event> {
        if i >= self.len {
            return None;
        }
        let c = self.starts.partition_point(|&s| s <= i) - 1;
        Some(self.chunks[c].event(i - self.starts[c]))
    }

    /// The events in `range` (clamped to the events there are), in order.
    pub fn range(&self, range: Range<usize>) -> impl Iterator<Item = Event> + '_ {
        let end = range.end.min(self.len);
        let start = range.start.min(end);
        let first = self.starts.partition_point(|&s| s <= start).max(1) - 1;
        self.chunks[first.min(self.chunks.len())..]
            .iter()
            .zip(&self.starts[first.min(self.starts.len())..])
            .take_while(move |(_, &s)| s < end)
            .flat_map(move |(c, &s)| {
                let from = start.saturating_sub(s);
                let to = (end - s).min(c.ends.len());
                (from..to).map(move |i| c.event(i))
            })
    }

    /// All the events, in order.
    pub fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.range(0..self.len)
    }

    /// Bytes of memory the packed events hold (their buffers' capacity).
    pub fn heap_bytes(&self) -> usize {
        self.chunks.iter().map(Chunk::heap_bytes).sum::<usize>()
            + self.chunks.capacity() * std::mem::size_of::<Chunk>()
            + self.starts.capacity() * std::mem::size_of::<usize>()
    }
}

impl Chunk {
    fn event(&self, i: usize) -> Event {
        self.read(i)
    }

    /// Items packed in the chunk.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Item `i`, as it was packed.
    pub(crate) fn read<T: Wire>(&self, i: usize) -> T {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends[i] as usize;
        // The bytes are this process's own: a mismatch is a bug.
        T::get(&mut Reader::new(&self.bytes[start..end])).expect("packed by this process")
    }

    /// Bytes of memory the chunk holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * 4
    }
}

/// Packs events one at a time.
#[derive(Debug, Default)]
pub struct PackedBuilder {
    done: Vec<Chunk>,
    current: ChunkBuilder,
}

impl PackedBuilder {
    pub fn push(&mut self, e: &Event) {
        if self.current.bytes.len() >= CHUNK_BYTES {
            let full = std::mem::take(&mut self.current);
            self.done.push(full.finish());
        }
        self.current.push(e);
    }

    pub fn finish(mut self) -> Packed {
        self.done.push(self.current.finish());
        Packed::from_chunks(self.done)
    }
}

/// Packs the events (or other items) of one chunk.
#[derive(Debug, Default)]
pub(crate) struct ChunkBuilder {
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl ChunkBuilder {
    pub(crate) fn push<T: Wire>(&mut self, item: &T) {
        item.put(&mut self.bytes);
        let end = u32::try_from(self.bytes.len()).expect("a chunk stays under 4 GiB");
        self.ends.push(end);
    }

    pub(crate) fn finish(self) -> Chunk {
        let mut bytes = self.bytes;
        bytes.shrink_to_fit();
        let mut ends = self.ends;
        ends.shrink_to_fit();
        Chunk { bytes, ends }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{head_to_head, heat_blocks, send_recv, Script};
    use crate::trace::{EventKind, Op, Outcome, Site, Source, TagSel};

    fn roundtrip(events: &[Event]) {
        let p = Packed::from_events(events);
        assert_eq!(p.len(), events.len());
        let back: Vec<Event> = p.iter().collect();
        assert_eq!(back, events);
        for (i, e) in events.iter().enumerate() {
            assert_eq!(p.get(i).as_ref(), Some(e));
        }
        assert_eq!(p.get(events.len()), None);
    }

    fn every_kind() -> Vec<Event> {
        let mut s = send_recv("done");
        s.events.extend(head_to_head().events);
        let mut c = Script::new("coll", 3);
        c.at(-1.5e-300);
        for op in [
            Op::Barrier,
            Op::Bcast,
            Op::Scatter,
            Op::Gather,
            Op::Reduce,
            Op::Allreduce,
        ] {
            let root = (op != Op::Barrier && op != Op::Allreduce).then_some(2);
            for (r, call) in c.collective(op, root, &[0, 1, 2], 7).iter().enumerate() {
                c.held(r as u32, call);
                c.begin(r as u32, call);
                c.end(r as u32, call);
            }
        }
        for (r, b) in heat_blocks(6, 1, 3, 2).into_iter().enumerate() {
            c.field(r as u32, b);
        }
        c.check(0, "the sum", false);
        c.check(1, "ünïcode ← ok", true);
        c.push(
            2,
            EventKind::Failed {
                message: "boom".into(),
                site: Some(Site {
                    file: "lessons/crash.rs".into(),
                    line: 14,
                }),
            },
        );
        c.push(
            1,
            EventKind::Failed {
                message: String::new(),
                site: None,
            },
        );
        c.finish(0);
        for o in [
            Outcome::Completed,
            Outcome::CheckFailed,
            Outcome::Deadlock,
            Outcome::RankFailed,
            Outcome::Quit,
            Outcome::Interrupted,
        ] {
            c.run_ended(o, "how it ended");
        }
        s.events.extend(c.events);
        s.events
    }

    #[test]
    fn every_kind_of_event_comes_back_equal() {
        roundtrip(&every_kind());
    }

    #[test]
    fn extreme_values_come_back_equal() {
        let mut events = every_kind();
        for (i, e) in events.iter_mut().enumerate() {
            e.rank = [0, 1, u32::MAX][i % 3];
            e.seq = [0, u64::MAX, 1 << 63][i % 3];
            e.t = [f64::NAN, -0.0, f64::INFINITY, 1e-320][i % 4];
            if let EventKind::Begin(c) | EventKind::Held(c) = &mut e.event {
                c.id = u64::MAX;
                c.comm = u32::MAX;
                if let Some(s) = &mut c.send {
                    s.tag = i32::MIN;
                    s.msg.tag = i32::MAX;
                    s.msg.k = u64::MAX;
                }
                if let Some(r) = &mut c.recv {
                    r.source = Source::Rank(u32::MAX);
                    r.tag = TagSel::Tag(-1);
                }
                c.requests = vec![0, u64::MAX, 5];
            }
        }
        let p = Packed::from_events(&events);
        // NaN != NaN: compare the bits of the times, the rest by value.
        for (a, b) in p.iter().zip(&events) {
            assert_eq!(a.t.to_bits(), b.t.to_bits());
            let (mut a, mut b) = (a, b.clone());
            (a.t, b.t) = (0.0, 0.0);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn the_recorded_fixtures_come_back_equal() {
        for name in ["send_recv", "ring", "deadlock"] {
            let path = format!("{}/tests/fixtures/{name}.jsonl", env!("CARGO_MANIFEST_DIR"));
            let trace = crate::trace::read_trace(std::path::Path::new(&path)).unwrap();
            roundtrip(&trace.events);
        }
    }

    #[test]
    fn ranges_cross_chunks() {
        let events = every_kind();
        let mut b = ChunkBuilder::default();
        let mut chunks = Vec::new();
        for (i, e) in events.iter().enumerate() {
            b.push(e);
            if i % 7 == 6 {
                chunks.push(std::mem::take(&mut b).finish());
                chunks.push(Chunk::default()); // empty chunks are skipped
            }
        }
        chunks.push(b.finish());
        let p = Packed::from_chunks(chunks);
        assert_eq!(p.len(), events.len());
        let n = events.len();
        for (a, z) in [
            (0, n),
            (3, 9),
            (6, 7),
            (7, 8),
            (13, 30),
            (n - 1, n),
            (n, n + 5),
            (9, 2),
        ] {
            let got: Vec<Event> = p.range(a..z).collect();
            let want = events.get(a.min(n)..z.min(n).max(a.min(n))).unwrap_or(&[]);
            assert_eq!(got, want, "{a}..{z}");
        }
        assert_eq!(Packed::default().range(0..3).count(), 0);
    }

    #[test]
    fn packed_is_far_smaller_than_parsed() {
        let path = format!("{}/tests/fixtures/ring.jsonl", env!("CARGO_MANIFEST_DIR"));
        let trace = crate::trace::read_trace(std::path::Path::new(&path)).unwrap();
        let p = Packed::from_events(&trace.events);
        let per_event = p.heap_bytes() / trace.events.len();
        assert!(per_event < 60, "{per_event} bytes per event");
    }
}
