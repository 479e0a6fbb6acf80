//! Events kept compactly in memory, for replaying long recordings: a parsed
//! [`Event`] takes 288 bytes plus its strings, the same event packed here
//! ~30 bytes. Each event is encoded to bytes (variable-length integers,
//! strings stored once per chunk and named by number) and decoded back to
//! an equal [`Event`] when it is needed, in well under a microsecond.
//!
//! Only this process reads these bytes: they are no file format, and the
//! encoding may change with any release.

use std::collections::HashMap;
use std::ops::Range;

use super::{
    Call, CallEnd, CollectivePart, Event, EventKind, FieldBlock, MsgId, Op, Outcome, Received,
    RecvPart, SendPart, Site, Source, TagSel,
};

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

/// Events packed in one buffer, with the strings they use.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    bytes: Vec<u8>,
    /// Where each event's bytes end.
    ends: Vec<u32>,
    strings: Vec<Box<str>>,
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
        self.read(i, |d| d.event())
    }

    /// Items packed in the chunk.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Reads item `i` with `f` (which reads what the packing wrote).
    pub(crate) fn read<T>(&self, i: usize, f: impl FnOnce(&mut Dec) -> T) -> T {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends[i] as usize;
        f(&mut Dec {
            b: &self.bytes[start..end],
            pos: 0,
            strings: &self.strings,
        })
    }

    /// Bytes of memory the chunk holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.bytes.capacity()
            + self.ends.capacity() * 4
            + self.strings.capacity() * std::mem::size_of::<Box<str>>()
            + self.strings.iter().map(|s| s.len()).sum::<usize>()
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
    strings: HashMap<Box<str>, u32>,
}

impl ChunkBuilder {
    pub(crate) fn push(&mut self, e: &Event) {
        self.push_with(|enc| enc.event(e));
    }

    /// Packs one item, written by `f`.
    pub(crate) fn push_with(&mut self, f: impl FnOnce(&mut Enc)) {
        f(&mut Enc {
            out: &mut self.bytes,
            strings: &mut self.strings,
        });
        let end = u32::try_from(self.bytes.len()).expect("a chunk stays under 4 GiB");
        self.ends.push(end);
    }

    pub(crate) fn finish(self) -> Chunk {
        let mut strings = vec![Box::<str>::default(); self.strings.len()];
        for (s, i) in self.strings {
            strings[i as usize] = s;
        }
        let mut bytes = self.bytes;
        bytes.shrink_to_fit();
        let mut ends = self.ends;
        ends.shrink_to_fit();
        Chunk {
            bytes,
            ends,
            strings,
        }
    }
}

/// Writes an item's fields (see [`Dec`]).
pub(crate) struct Enc<'a> {
    out: &'a mut Vec<u8>,
    strings: &'a mut HashMap<Box<str>, u32>,
}

impl Enc<'_> {
    pub(crate) fn u(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.out.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.out.push(v as u8);
    }

    fn i(&mut self, v: i32) {
        self.u(u64::from(((v << 1) ^ (v >> 31)) as u32));
    }

    pub(crate) fn byte(&mut self, b: u8) {
        self.out.push(b);
    }

    pub(crate) fn f64(&mut self, v: f64) {
        self.out.extend_from_slice(&v.to_bits().to_le_bytes());
    }

    fn s(&mut self, s: &str) {
        let next = self.strings.len() as u32;
        let i = match self.strings.get(s) {
            Some(&i) => i,
            None => {
                self.strings.insert(s.into(), next);
                next
            }
        };
        self.u(u64::from(i));
    }

    fn event(&mut self, e: &Event) {
        let Event {
            rank,
            seq,
            t,
            event,
        } = e;
        self.u(u64::from(*rank));
        self.u(*seq);
        self.f64(*t);
        match event {
            EventKind::Held(c) => {
                self.byte(0);
                self.call(c);
            }
            EventKind::Begin(c) => {
                self.byte(1);
                self.call(c);
            }
            EventKind::End(end) => {
                self.byte(2);
                self.call_end(end);
            }
            EventKind::Matched { call, msg } => {
                self.byte(3);
                self.u(*call);
                self.msg(msg);
            }
            EventKind::Say { text } => {
                self.byte(4);
                self.s(text);
            }
            EventKind::Check { what, passed } => {
                self.byte(5);
                self.s(what);
                self.byte(u8::from(*passed));
            }
            EventKind::Field(f) => {
                self.byte(6);
                self.field(f);
            }
            EventKind::Finished { events } => {
                self.byte(7);
                self.u(*events);
            }
            EventKind::Failed { message, site } => {
                self.byte(8);
                self.s(message);
                self.byte(u8::from(site.is_some()));
                if let Some(site) = site {
                    self.site(site);
                }
            }
            EventKind::RunEnded { outcome, detail } => {
                self.byte(9);
                self.byte(outcome_code(*outcome));
                self.s(detail);
            }
        }
    }

    pub(crate) fn call(&mut self, c: &Call) {
        let Call {
            id,
            op,
            comm,
            send,
            recv,
            collective,
            requests,
            site,
        } = c;
        self.u(*id);
        self.byte(op_code(*op));
        self.u(u64::from(*comm));
        let parts = u8::from(send.is_some())
            | u8::from(recv.is_some()) << 1
            | u8::from(collective.is_some()) << 2;
        self.byte(parts);
        if let Some(SendPart {
            dest,
            tag,
            count,
            datatype,
            bytes,
            msg,
        }) = send
        {
            self.u(u64::from(*dest));
            self.i(*tag);
            self.u(*count);
            self.s(datatype);
            self.u(*bytes);
            self.msg(msg);
        }
        if let Some(RecvPart {
            source,
            tag,
            count,
            datatype,
        }) = recv
        {
            match source {
                Source::Any => self.u(0),
                Source::Rank(r) => self.u(u64::from(*r) + 1),
            }
            match tag {
                TagSel::Any => self.byte(0),
                TagSel::Tag(t) => {
                    self.byte(1);
                    self.i(*t);
                }
            }
            self.u(*count);
            self.s(datatype);
        }
        if let Some(CollectivePart {
            root,
            instance,
            count,
            datatype,
            bytes,
            members,
        }) = collective
        {
            match root {
                None => self.u(0),
                Some(r) => self.u(u64::from(*r) + 1),
            }
            self.u(*instance);
            self.u(*count);
            self.s(datatype);
            self.u(*bytes);
            self.u(u64::from(*members));
        }
        self.u(requests.len() as u64);
        for r in requests {
            self.u(*r);
        }
        self.site(site);
    }

    fn call_end(&mut self, end: &CallEnd) {
        let CallEnd {
            id,
            op,
            received,
            completed,
        } = end;
        self.u(*id);
        self.byte(op_code(*op));
        self.received(received);
        self.byte(match completed {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        });
    }

    pub(crate) fn received(&mut self, received: &[Received]) {
        self.u(received.len() as u64);
        for Received {
            call,
            source,
            tag,
            bytes,
            msg,
        } in received
        {
            self.u(*call);
            self.u(u64::from(*source));
            self.i(*tag);
            self.u(*bytes);
            self.byte(u8::from(msg.is_some()));
            if let Some(m) = msg {
                self.msg(m);
            }
        }
    }

    fn msg(&mut self, m: &MsgId) {
        let MsgId {
            from,
            to,
            tag,
            comm,
            k,
        } = m;
        self.u(u64::from(*from));
        self.u(u64::from(*to));
        self.i(*tag);
        self.u(u64::from(*comm));
        self.u(*k);
    }

    fn site(&mut self, s: &Site) {
        let Site { file, line } = s;
        self.s(file);
        self.u(u64::from(*line));
    }

    fn field(&mut self, f: &FieldBlock) {
        let FieldBlock {
            name,
            iteration,
            grid_rows,
            grid_cols,
            row0,
            col0,
            rows,
            cols,
            values,
        } = f;
        self.s(name);
        self.u(*iteration);
        for v in [grid_rows, grid_cols, row0, col0, rows, cols] {
            self.u(u64::from(*v));
        }
        self.u(values.len() as u64);
        for v in values {
            self.out.extend_from_slice(&v.to_bits().to_le_bytes());
        }
    }
}

/// Reads back what [`Enc`] wrote. The bytes are this process's own, so a
/// mismatch is a bug: it panics rather than returning an error.
pub(crate) struct Dec<'a> {
    b: &'a [u8],
    pos: usize,
    strings: &'a [Box<str>],
}

impl Dec<'_> {
    pub(crate) fn u(&mut self) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.b[self.pos];
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return v;
            }
            shift += 7;
        }
    }

    pub(crate) fn u32(&mut self) -> u32 {
        self.u() as u32
    }

    fn i(&mut self) -> i32 {
        let z = self.u() as u32;
        ((z >> 1) as i32) ^ -((z & 1) as i32)
    }

    pub(crate) fn byte(&mut self) -> u8 {
        let b = self.b[self.pos];
        self.pos += 1;
        b
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let a = self.b[self.pos..self.pos + N].try_into().expect("N bytes");
        self.pos += N;
        a
    }

    pub(crate) fn f64(&mut self) -> f64 {
        f64::from_bits(u64::from_le_bytes(self.bytes()))
    }

    fn s(&mut self) -> String {
        let i = self.u() as usize;
        self.strings[i].to_string()
    }

    fn event(&mut self) -> Event {
        let rank = self.u32();
        let seq = self.u();
        let t = self.f64();
        let event = match self.byte() {
            0 => EventKind::Held(self.call()),
            1 => EventKind::Begin(self.call()),
            2 => EventKind::End(self.call_end()),
            3 => EventKind::Matched {
                call: self.u(),
                msg: self.msg(),
            },
            4 => EventKind::Say { text: self.s() },
            5 => EventKind::Check {
                what: self.s(),
                passed: self.byte() != 0,
            },
            6 => EventKind::Field(self.field()),
            7 => EventKind::Finished { events: self.u() },
            8 => EventKind::Failed {
                message: self.s(),
                site: (self.byte() != 0).then(|| self.site()),
            },
            9 => EventKind::RunEnded {
                outcome: outcome_from(self.byte()),
                detail: self.s(),
            },
            k => panic!("packed event of unknown kind {k}"),
        };
        Event {
            rank,
            seq,
            t,
            event,
        }
    }

    pub(crate) fn call(&mut self) -> Call {
        let id = self.u();
        let op = op_from(self.byte());
        let comm = self.u32();
        let parts = self.byte();
        let send = (parts & 1 != 0).then(|| SendPart {
            dest: self.u32(),
            tag: self.i(),
            count: self.u(),
            datatype: self.s(),
            bytes: self.u(),
            msg: self.msg(),
        });
        let recv = (parts & 2 != 0).then(|| RecvPart {
            source: match self.u() {
                0 => Source::Any,
                r => Source::Rank((r - 1) as u32),
            },
            tag: match self.byte() {
                0 => TagSel::Any,
                _ => TagSel::Tag(self.i()),
            },
            count: self.u(),
            datatype: self.s(),
        });
        let collective = (parts & 4 != 0).then(|| CollectivePart {
            root: match self.u() {
                0 => None,
                r => Some((r - 1) as u32),
            },
            instance: self.u(),
            count: self.u(),
            datatype: self.s(),
            bytes: self.u(),
            members: self.u32(),
        });
        let n = self.u() as usize;
        let requests = (0..n).map(|_| self.u()).collect();
        Call {
            id,
            op,
            comm,
            send,
            recv,
            collective,
            requests,
            site: self.site(),
        }
    }

    fn call_end(&mut self) -> CallEnd {
        let id = self.u();
        let op = op_from(self.byte());
        let received = self.received();
        let completed = match self.byte() {
            0 => None,
            1 => Some(false),
            _ => Some(true),
        };
        CallEnd {
            id,
            op,
            received,
            completed,
        }
    }

    pub(crate) fn received(&mut self) -> Vec<Received> {
        let n = self.u() as usize;
        (0..n)
            .map(|_| Received {
                call: self.u(),
                source: self.u32(),
                tag: self.i(),
                bytes: self.u(),
                msg: (self.byte() != 0).then(|| self.msg()),
            })
            .collect()
    }

    fn msg(&mut self) -> MsgId {
        MsgId {
            from: self.u32(),
            to: self.u32(),
            tag: self.i(),
            comm: self.u32(),
            k: self.u(),
        }
    }

    fn site(&mut self) -> Site {
        Site {
            file: self.s(),
            line: self.u32(),
        }
    }

    fn field(&mut self) -> FieldBlock {
        let name = self.s();
        let iteration = self.u();
        let [grid_rows, grid_cols, row0, col0, rows, cols] = [(); 6].map(|_| self.u32());
        let n = self.u() as usize;
        let values = (0..n)
            .map(|_| f32::from_bits(u32::from_le_bytes(self.bytes())))
            .collect();
        FieldBlock {
            name,
            iteration,
            grid_rows,
            grid_cols,
            row0,
            col0,
            rows,
            cols,
            values,
        }
    }
}

fn op_code(op: Op) -> u8 {
    match op {
        Op::Send => 0,
        Op::Recv => 1,
        Op::Sendrecv => 2,
        Op::Isend => 3,
        Op::Irecv => 4,
        Op::Wait => 5,
        Op::Waitall => 6,
        Op::Test => 7,
        Op::Barrier => 8,
        Op::Bcast => 9,
        Op::Scatter => 10,
        Op::Gather => 11,
        Op::Reduce => 12,
        Op::Allreduce => 13,
    }
}

fn op_from(code: u8) -> Op {
    match code {
        0 => Op::Send,
        1 => Op::Recv,
        2 => Op::Sendrecv,
        3 => Op::Isend,
        4 => Op::Irecv,
        5 => Op::Wait,
        6 => Op::Waitall,
        7 => Op::Test,
        8 => Op::Barrier,
        9 => Op::Bcast,
        10 => Op::Scatter,
        11 => Op::Gather,
        12 => Op::Reduce,
        13 => Op::Allreduce,
        c => panic!("packed op of unknown code {c}"),
    }
}

fn outcome_code(o: Outcome) -> u8 {
    match o {
        Outcome::Completed => 0,
        Outcome::CheckFailed => 1,
        Outcome::Deadlock => 2,
        Outcome::RankFailed => 3,
        Outcome::Quit => 4,
        Outcome::Interrupted => 5,
    }
}

fn outcome_from(code: u8) -> Outcome {
    match code {
        0 => Outcome::Completed,
        1 => Outcome::CheckFailed,
        2 => Outcome::Deadlock,
        3 => Outcome::RankFailed,
        4 => Outcome::Quit,
        5 => Outcome::Interrupted,
        c => panic!("packed outcome of unknown code {c}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{head_to_head, heat_blocks, send_recv, Script};

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
