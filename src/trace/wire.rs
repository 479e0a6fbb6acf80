//! The compact encoding of events on the wire from the ranks to rank 0.
//!
//! Same types as the JSON Lines files, different bytes: JSON cost a rank
//! about half a microsecond per event to write and rank 0 as much again to
//! read, on cores the lesson needs (see BENCHMARKS.md). Here every field is
//! written in declaration order, integers as LEB128 varints (zigzag for
//! signed ones), floats as little-endian bytes, strings and lists with their
//! length first, options and enums with a one-byte tag. Nothing is skipped,
//! so the reader never guesses. Both ends are the same binary, so the
//! encoding has no version of its own; a batch that does not decode is
//! counted as lost, never guessed at.
//!
//! Besides one record per event, a rank writes a few records the reader
//! splits or expands into the same events: a call's `Begin` and `End` as
//! one ([`BegunAndEnded`], [`Started`]), and the compact records of
//! `compact`, written from a call's few values at fixed widths, which are
//! what a watched program's commonest calls cost at full speed.

mod compact;

pub use compact::{Completing, Ended, Started, Transfer};

use super::values::{Raw, Values};
use super::{
    Call, CallEnd, CollectivePart, Event, EventKind, FieldBlock, MsgId, Op, Outcome, ProbePart,
    Received, RecvPart, RmaPart, SendPart, Shift, Site, Source, TagSel, Text,
};

/// Why a batch did not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("undecodable event batch at byte {at}: {what}")]
pub struct WireError {
    pub at: usize,
    pub what: &'static str,
}

/// Appends `event` to `out`.
pub fn encode(event: &Event, out: &mut Vec<u8>) {
    event.put(out);
}

/// Encodes `event` straight into `room` (the free room of a ring): how
/// many bytes it took, or None if it does not fit (`room` then holds a
/// part of it, to be written over). The same bytes as [`encode`], with no
/// buffer between the encoder and the ring and no copy out of it.
pub fn encode_into(event: &Event, room: &mut [u8]) -> Option<usize> {
    let mut room = Room { bytes: room, at: 0 };
    event.put(&mut room);
    (room.at <= room.bytes.len()).then_some(room.at)
}

/// A call begun and ended in one step of the recorder (an isend, an
/// irecv, a nonblocking collective started): its `Begin` (number `seq`)
/// and its `End` (number `seq + 1`), both stamped `t`, as one record on
/// the wire. The reader splits it back into the two events, so nothing
/// after the wire sees a difference; the writer saves the second event's
/// number, stamp and place in the ring.
#[derive(Debug, Clone, Copy)]
pub struct BegunAndEnded<'a> {
    pub rank: u32,
    pub seq: u64,
    pub t: f64,
    pub call: &'a Call,
    pub end: &'a CallEnd,
}

/// Where a [`BegunAndEnded`] record's kind byte would be an event's: past
/// every [`EventKind`]'s.
const BEGUN_AND_ENDED: u8 = 10;

impl Record for BegunAndEnded<'_> {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        put_head(out, self.rank, self.seq, self.t, BEGUN_AND_ENDED);
        self.call.put(out);
        self.end.put(out);
    }
}

/// A record a rank writes besides an event's own, which the reader splits
/// or expands into events: [`BegunAndEnded`] and the compact records.
pub(crate) trait Record {
    fn put(&self, out: &mut impl Sink);
}

/// What every [`Record`] starts with and [`get_record`] reads first: the
/// rank, the number and stamp of its (first) event, then its kind, where
/// an event's own kind byte would be.
#[inline]
fn put_head(out: &mut impl Sink, rank: u32, seq: u64, t: f64, kind: u8) {
    rank.put(out);
    seq.put(out);
    t.put(out);
    out.push(kind);
}

/// Appends `record` to `out`.
#[inline]
pub(crate) fn encode_record(record: &impl Record, out: &mut Vec<u8>) {
    record.put(out);
}

/// [`encode_into`] for `record`.
#[inline]
pub(crate) fn encode_record_into(record: &impl Record, room: &mut [u8]) -> Option<usize> {
    let mut room = Room { bytes: room, at: 0 };
    record.put(&mut room);
    (room.at <= room.bytes.len()).then_some(room.at)
}

/// Where the writers below put their bytes: a growing buffer, or a
/// [`Room`] of fixed size. Named as `Vec`'s own methods, which are the
/// buffer's.
pub(crate) trait Sink {
    fn push(&mut self, byte: u8);
    fn extend_from_slice(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    #[inline]
    fn push(&mut self, byte: u8) {
        Vec::push(self, byte);
    }
    #[inline]
    fn extend_from_slice(&mut self, bytes: &[u8]) {
        Vec::extend_from_slice(self, bytes);
    }
}

/// A fixed stretch of bytes written from the start: what does not fit is
/// counted but not written, and the writer looks at the count once, at
/// the end, rather than at every field.
struct Room<'a> {
    bytes: &'a mut [u8],
    at: usize,
}

impl Sink for Room<'_> {
    #[inline]
    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.at) {
            *slot = byte;
        }
        self.at += 1;
    }
    #[inline]
    fn extend_from_slice(&mut self, bytes: &[u8]) {
        let end = self.at + bytes.len();
        if let Some(slots) = self.bytes.get_mut(self.at..end) {
            slots.copy_from_slice(bytes);
        }
        self.at = end;
    }
}

/// Decodes a whole batch of events written back to back by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Vec<Event>, WireError> {
    decode_with(bytes, || {})
}

/// [`decode`], calling `after_each` after every event: a batch can hold
/// a hundred thousand of them, and a thread that gives way to the lessons
/// hands the core back now and then while it decodes.
pub fn decode_with(bytes: &[u8], mut after_each: impl FnMut()) -> Result<Vec<Event>, WireError> {
    let mut r = Reader::new(bytes);
    // Events average ~36 bytes on the wire (a recorded ring run): room for
    // a few more than that, so the batch is allocated once, not grown.
    let mut events = Vec::with_capacity(bytes.len() / 32);
    while r.at < bytes.len() {
        if get_record(&mut r, &mut events)? {
            after_each();
        }
        after_each();
    }
    Ok(events)
}

/// Reads one record into `events`: an event, or the two of a
/// [`BegunAndEnded`] or a [`Started`] (then true).
#[inline]
fn get_record(r: &mut Reader<'_>, events: &mut Vec<Event>) -> Result<bool, WireError> {
    let rank = Wire::get(r)?;
    let seq: u64 = Wire::get(r)?;
    let t = Wire::get(r)?;
    let (call, end) = match r.bytes.get(r.at) {
        Some(&BEGUN_AND_ENDED) => {
            r.at += 1;
            let call: Box<Call> = Wire::get(r)?;
            (call, Wire::get(r)?)
        }
        Some(&compact::STARTED) => {
            r.at += 1;
            compact::get_started(r, rank)?
        }
        kind => {
            let event = match kind {
                Some(&compact::COMPLETING) => {
                    r.at += 1;
                    compact::get_completing(r)?
                }
                Some(&compact::ENDED) => {
                    r.at += 1;
                    compact::get_ended(r)?
                }
                _ => Wire::get(r)?,
            };
            events.push(Event {
                rank,
                seq,
                t,
                event,
            });
            return Ok(false);
        }
    };
    let Some(next) = seq.checked_add(1) else {
        return r.fail("event number out of range");
    };
    let begin = EventKind::Begin(call);
    events.push(Event {
        rank,
        seq,
        t,
        event: begin,
    });
    events.push(Event {
        rank,
        seq: next,
        t,
        event: EventKind::End(end),
    });
    Ok(true)
}

/// Reads back what [`Wire::put`] wrote, one field after another.
///
/// The small readers here and the `get`s below are `#[inline]`: without it
/// each field was a call across codegen units, and decoding an event took
/// 76-90 ns instead of 47-56 (`cargo bench --bench ingest`, BENCHMARKS.md).
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    fn fail<T>(&self, what: &'static str) -> Result<T, WireError> {
        Err(WireError { at: self.at, what })
    }

    #[inline]
    fn byte(&mut self) -> Result<u8, WireError> {
        let Some(&b) = self.bytes.get(self.at) else {
            return self.fail("ends mid-event");
        };
        self.at += 1;
        Ok(b)
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if self.bytes.len() - self.at < n {
            return self.fail("ends mid-field");
        }
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    #[inline]
    fn varint(&mut self) -> Result<u64, WireError> {
        // Most fields are one byte (ranks, tags, small counts): read those
        // without the loop.
        if let Some(&b) = self.bytes.get(self.at) {
            if b < 0x80 {
                self.at += 1;
                return Ok(u64::from(b));
            }
        }
        self.varint_long()
    }

    // Out of line, so that the one-byte case above stays small enough to
    // inline into every field's reader.
    #[inline(never)]
    fn varint_long(&mut self) -> Result<u64, WireError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        self.fail("varint too long")
    }

    /// A length or count, refused when it could not fit in what is left
    /// (so a corrupt length cannot ask for gigabytes).
    #[inline]
    fn len(&mut self) -> Result<usize, WireError> {
        let n = self.varint()?;
        if n > (self.bytes.len() - self.at) as u64 {
            return self.fail("length beyond the batch");
        }
        Ok(n as usize)
    }
}

// The one-byte case inline into every field's writer (most fields are
// small: ranks, tags, counts, lengths), the loop out of line; the writers
// below are `#[inline]` for the same reason as the readers: out of line,
// every field was a call, and encoding an event cost twice as much.
#[inline]
fn put_varint(out: &mut impl Sink, v: u64) {
    if v < 0x80 {
        out.push(v as u8);
    } else {
        put_varint_long(out, v);
    }
}

// Two and three bytes (call ids, event numbers, message counts in a run
// of thousands) written without the loop.
#[inline(never)]
fn put_varint_long(out: &mut impl Sink, mut v: u64) {
    if v < 1 << 14 {
        out.push(v as u8 | 0x80);
        out.push((v >> 7) as u8);
        return;
    }
    if v < 1 << 21 {
        out.push(v as u8 | 0x80);
        out.push((v >> 7) as u8 | 0x80);
        out.push((v >> 14) as u8);
        return;
    }
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// One wire field: how it is written and read back. Also what the replay's
/// packed events and the model's packed timeline are made of.
pub(crate) trait Wire: Sized {
    fn put(&self, out: &mut impl Sink);
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError>;
}

impl Wire for u64 {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        put_varint(out, *self);
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        r.varint()
    }
}

impl Wire for u32 {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        put_varint(out, u64::from(*self));
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let v = r.varint()?;
        u32::try_from(v).or_else(|_| r.fail("u32 out of range"))
    }
}

impl Wire for i32 {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        // Zigzag, so MPI's negative constants stay one or two bytes.
        put_varint(out, u64::from(((*self << 1) ^ (*self >> 31)) as u32));
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let z = u32::get(r)?;
        Ok(((z >> 1) as i32) ^ -((z & 1) as i32))
    }
}

impl Wire for f64 {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let b = r.take(8)?;
        Ok(f64::from_le_bytes(b.try_into().expect("took 8 bytes")))
    }
}

impl Wire for f32 {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let b = r.take(4)?;
        Ok(f32::from_le_bytes(b.try_into().expect("took 4 bytes")))
    }
}

impl Wire for bool {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        out.push(u8::from(*self));
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => r.fail("bad bool"),
        }
    }
}

#[inline]
fn put_str(out: &mut impl Sink, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// A length-prefixed string's bytes, borrowed from the batch, and where
/// they start.
fn get_str_bytes<'b>(r: &mut Reader<'b>) -> Result<(usize, &'b [u8]), WireError> {
    let n = r.len()?;
    let at = r.at;
    Ok((at, r.take(n)?))
}

/// `bytes`, read at `at`, as UTF-8.
fn utf8(at: usize, bytes: &[u8]) -> Result<&str, WireError> {
    std::str::from_utf8(bytes).map_err(|_| WireError {
        at,
        what: "string not UTF-8",
    })
}

/// A length-prefixed UTF-8 string, borrowed from the batch.
fn get_str<'b>(r: &mut Reader<'b>) -> Result<&'b str, WireError> {
    let (at, bytes) = get_str_bytes(r)?;
    utf8(at, bytes)
}

impl Wire for String {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        put_str(out, self);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        get_str(r).map(str::to_owned)
    }
}

impl Wire for Text {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        put_str(out, self);
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        // Most names are the one read a moment ago: found by their bytes.
        let (at, bytes) = get_str_bytes(r)?;
        match super::intern::recent(bytes) {
            Some(name) => Ok(name),
            None => utf8(at, bytes).map(super::intern::name),
        }
    }
}

/// A preview: its text (tag 0, as read from a recording), or its raw
/// values (tag 1: the kind, the count, the bytes of the values shown), as
/// a rank takes them.
impl Wire for Values {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        match self {
            Values::Text(text) => {
                out.push(0);
                put_str(out, text);
            }
            Values::Raw(raw) => {
                out.push(1);
                out.push(raw.kind() as u8);
                put_varint(out, raw.total());
                put_varint(out, raw.held().len() as u64);
                out.extend_from_slice(raw.held());
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.byte()? {
            0 => get_str(r).map(Values::from),
            1 => {
                let kind = r.byte()?;
                let total = r.varint()?;
                let held = r.len()?;
                let held = r.take(held)?;
                match Raw::from_parts(kind, total, held) {
                    Some(raw) => Ok(Values::from(raw)),
                    None => r.fail("bad values"),
                }
            }
            _ => r.fail("bad values tag"),
        }
    }
}

impl<T: Wire> Wire for Option<T> {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.put(out);
            }
        }
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.byte()? {
            0 => Ok(None),
            1 => Ok(Some(T::get(r)?)),
            _ => r.fail("bad option tag"),
        }
    }
}

impl<T: Wire> Wire for Box<T> {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        (**self).put(out);
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        T::get(r).map(Box::new)
    }
}

impl<T: Wire> Wire for Vec<T> {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        put_varint(out, self.len() as u64);
        self.iter().for_each(|v| v.put(out));
    }
    #[inline]
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        // Every element takes at least one byte, so `len` bounds the count.
        let n = r.len()?;
        (0..n).map(|_| T::get(r)).collect()
    }
}

/// Structs: their fields in declaration order.
macro_rules! wire_struct {
    ($($ty:ident { $($field:ident),* $(,)? })*) => {$(
        impl Wire for $ty {
            #[inline]
            fn put(&self, out: &mut impl Sink) {
                $(self.$field.put(out);)*
            }
            #[inline]
            fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
                Ok($ty { $($field: Wire::get(r)?),* })
            }
        }
    )*};
}

wire_struct! {
    Event { rank, seq, t, event }
    Call { id, op, comm, send, recv, collective, requests, site, name, shift, probe, rma }
    RmaPart { target, disp, count, datatype, bytes, values }
    CallEnd { id, op, received, completed, done, name, values, polls, bytes }
    Shift { source, dest }
    ProbePart { source, tag }
    Received { call, source, tag, bytes, msg }
    SendPart { dest, tag, count, datatype, bytes, msg, values }
    RecvPart { source, tag, count, datatype }
    CollectivePart { root, instance, count, datatype, bytes, members, values, reduce }
    MsgId { from, to, tag, comm, k }
    Site { file, line }
    FieldBlock { name, iteration, grid_rows, grid_cols, row0, col0, rows, cols, values }
}

/// Fieldless enums: their variants numbered in declaration order.
macro_rules! wire_unit_enum {
    ($($ty:ident [$($variant:ident),* $(,)?])*) => {$(
        impl Wire for $ty {
            #[inline]
            fn put(&self, out: &mut impl Sink) {
                out.push(*self as u8);
            }
            fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
                const ALL: &[$ty] = &[$($ty::$variant),*];
                let i = r.byte()? as usize;
                ALL.get(i).copied().map_or_else(|| r.fail(concat!("bad ", stringify!($ty))), Ok)
            }
        }
    )*};
}

wire_unit_enum! {
    Op [Send, Recv, Sendrecv, Isend, Irecv, Wait, Waitall, Test, Barrier, Bcast, Scatter,
        Gather, Reduce, Allreduce, Ssend, Probe, Iprobe, CommSplit, CommDup, Allgather, Alltoall, Scan, Scatterv, Gatherv, Testall, Mprobe, Improbe, Mrecv, Imrecv,
        Waitany, Waitsome, Testany, Testsome, ReduceScatter, ReduceScatterBlock, Exscan,
        Allgatherv, Alltoallv, Ibarrier, Ibcast, Iscatter, Iscatterv, Igather, Igatherv,
        Iallgather, Iallgatherv, Ialltoall, Ialltoallv, Ireduce, Iallreduce, IreduceScatter,
        IreduceScatterBlock, Iscan, Iexscan, CommCreate, CartCreate, CartShift,
        IntercommCreate, Other, WinCreate, Put, Get, Fence, WinFree]
    Outcome [Completed, CheckFailed, Deadlock, RankFailed, Quit, Interrupted]
}

// "Any" or one value: encoded as an `Option`, `Any` being `None`.
impl Wire for Source {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        match *self {
            Source::Any => None,
            Source::Rank(r) => Some(r),
        }
        .put(out)
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(Option::get(r)?.map_or(Source::Any, Source::Rank))
    }
}

impl Wire for TagSel {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        match *self {
            TagSel::Any => None,
            TagSel::Tag(t) => Some(t),
        }
        .put(out)
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(Option::get(r)?.map_or(TagSel::Any, TagSel::Tag))
    }
}

impl Wire for EventKind {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        match self {
            EventKind::Held(c) => {
                out.push(0);
                c.put(out);
            }
            EventKind::Begin(c) => {
                out.push(1);
                c.put(out);
            }
            EventKind::End(e) => {
                out.push(2);
                e.put(out);
            }
            EventKind::Matched { call, msg } => {
                out.push(3);
                call.put(out);
                msg.put(out);
            }
            EventKind::Say { text } => {
                out.push(4);
                text.put(out);
            }
            EventKind::Check { what, passed } => {
                out.push(5);
                what.put(out);
                passed.put(out);
            }
            EventKind::Field(f) => {
                out.push(6);
                f.put(out);
            }
            EventKind::Finished { events, throttled } => {
                out.push(7);
                events.put(out);
                throttled.put(out);
            }
            EventKind::Failed { message, site } => {
                out.push(8);
                message.put(out);
                site.put(out);
            }
            EventKind::RunEnded { outcome, detail } => {
                out.push(9);
                outcome.put(out);
                detail.put(out);
            }
        }
    }

    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match r.byte()? {
            0 => EventKind::Held(Wire::get(r)?),
            1 => EventKind::Begin(Wire::get(r)?),
            2 => EventKind::End(Wire::get(r)?),
            3 => EventKind::Matched {
                call: Wire::get(r)?,
                msg: Wire::get(r)?,
            },
            4 => EventKind::Say {
                text: Wire::get(r)?,
            },
            5 => EventKind::Check {
                what: Wire::get(r)?,
                passed: Wire::get(r)?,
            },
            6 => EventKind::Field(Wire::get(r)?),
            7 => EventKind::Finished {
                events: Wire::get(r)?,
                throttled: Wire::get(r)?,
            },
            8 => EventKind::Failed {
                message: Wire::get(r)?,
                site: Wire::get(r)?,
            },
            9 => EventKind::RunEnded {
                outcome: Wire::get(r)?,
                detail: Wire::get(r)?,
            },
            _ => return r.fail("bad event kind"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::read_trace;
    use std::path::Path;

    fn recorded(name: &str) -> Vec<Event> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        read_trace(&path).expect("fixture reads").events
    }

    #[test]
    fn recorded_runs_survive_the_wire_unchanged() {
        for name in ["send_recv.jsonl", "ring.jsonl", "deadlock.jsonl"] {
            let events = recorded(name);
            let mut bytes = Vec::new();
            events.iter().for_each(|e| encode(e, &mut bytes));
            assert_eq!(decode(&bytes).unwrap(), events, "{name}");
            let json = serde_json::to_vec(&events).unwrap().len();
            assert!(
                bytes.len() * 2 < json,
                "{name}: {} vs {json} bytes",
                bytes.len()
            );
        }
    }

    /// A call with every part, at edge values.
    fn edge_call(site: Site, msg: MsgId) -> Call {
        Call {
            id: 7,
            op: Op::Allreduce,
            comm: 1,
            send: Some(SendPart {
                dest: 1,
                tag: -1,
                count: 0,
                datatype: "f64".into(),
                bytes: 0,
                msg,
                values: Some("[0.0, 1.0 … 9.0]".into()),
            }),
            recv: Some(RecvPart {
                source: Source::Any,
                tag: TagSel::Tag(i32::MAX),
                count: 2,
                datatype: "".into(),
            }),
            collective: Some(CollectivePart {
                root: None,
                instance: 2,
                count: 1,
                datatype: "i32".into(),
                bytes: 4,
                members: 5,
                values: None,
                reduce: Some("sum".into()),
            }),
            requests: vec![1, 2, 3],
            name: None,
            shift: None,
            rma: None,
            site: site.clone(),
            probe: Some(ProbePart {
                source: Source::Rank(u32::MAX),
                tag: TagSel::Any,
            }),
        }
    }

    /// An event of every kind, at edge values.
    fn every_kind(call: Call, site: Site, msg: MsgId) -> Vec<EventKind> {
        vec![
            EventKind::Held(Box::new(call.clone())),
            EventKind::Begin(Box::new(call)),
            EventKind::End(CallEnd {
                id: 1,
                op: Op::Test,
                received: vec![Received {
                    call: 1,
                    source: 2,
                    tag: 0,
                    bytes: 8,
                    msg: None,
                }],
                completed: Some(false),
                done: Vec::new(),
                name: None,
                values: Some("\"héllo\"".into()),
                polls: u64::MAX,
                bytes: u64::MAX,
            }),
            EventKind::Matched { call: 0, msg },
            EventKind::Say {
                text: "hi\n".into(),
            },
            EventKind::Check {
                what: "sum".into(),
                passed: true,
            },
            EventKind::Field(FieldBlock {
                name: "u".into(),
                iteration: 3,
                grid_rows: 4,
                grid_cols: 4,
                row0: 0,
                col0: 2,
                rows: 1,
                cols: 2,
                values: vec![0.5, f32::MIN],
            }),
            EventKind::Finished {
                events: 9,
                throttled: 2,
            },
            EventKind::Failed {
                message: "boom".into(),
                site: Some(site),
            },
            EventKind::RunEnded {
                outcome: Outcome::Interrupted,
                detail: String::new(),
            },
        ]
    }

    #[test]
    fn every_kind_and_edge_value_round_trips() {
        let site = Site {
            file: "lessons/ü.rs".into(),
            line: u32::MAX,
        };
        let msg = MsgId {
            from: 0,
            to: u32::MAX,
            tag: i32::MIN,
            comm: 3,
            k: u64::MAX,
        };
        let call = edge_call(site.clone(), msg);
        let kinds = every_kind(call, site, msg);
        let events: Vec<Event> = kinds
            .into_iter()
            .enumerate()
            .map(|(i, event)| Event {
                rank: i as u32,
                seq: i as u64,
                t: -1.5 * i as f64,
                event,
            })
            .collect();
        let mut bytes = Vec::new();
        events.iter().for_each(|e| encode(e, &mut bytes));
        assert_eq!(decode(&bytes).unwrap(), events);
    }

    #[test]
    fn an_event_encoded_into_a_room_is_the_same_bytes_and_one_too_small_refuses_it() {
        for e in recorded("ring.jsonl") {
            let mut bytes = Vec::new();
            encode(&e, &mut bytes);
            let mut room = vec![0xff; bytes.len() + 3];
            assert_eq!(encode_into(&e, &mut room), Some(bytes.len()));
            assert_eq!(room[..bytes.len()], bytes[..]);
            let mut short = vec![0; bytes.len() - 1];
            assert_eq!(encode_into(&e, &mut short), None, "{e:?}");
        }
    }

    /// An isend's `Begin` and `End` from a recorded run, as a pair.
    fn recorded_pair() -> (Event, Event) {
        let events = recorded("ring.jsonl");
        let at = events
            .windows(2)
            .position(|w| match (&w[0].event, &w[1].event) {
                (EventKind::Begin(c), EventKind::End(e)) => c.id == e.id && c.send.is_some(),
                _ => false,
            })
            .expect("a send begun and ended in a row");
        let (mut begin, mut end) = (events[at].clone(), events[at + 1].clone());
        begin.seq = 300;
        end.seq = 301;
        end.t = begin.t;
        (begin, end)
    }

    fn pair_of<'a>(begin: &'a Event, end: &'a Event) -> BegunAndEnded<'a> {
        let (EventKind::Begin(call), EventKind::End(ended)) = (&begin.event, &end.event) else {
            panic!("a begin and an end");
        };
        BegunAndEnded {
            rank: begin.rank,
            seq: begin.seq,
            t: begin.t,
            call,
            end: ended,
        }
    }

    #[test]
    fn a_call_begun_and_ended_in_one_record_reads_back_as_its_two_events() {
        let (begin, end) = recorded_pair();
        let edge = edge_call(call_site(), edge_msg());
        let edge_begin = Event {
            rank: u32::MAX,
            seq: u64::MAX - 1,
            t: -0.0,
            event: EventKind::Begin(Box::new(edge)),
        };
        let edge_end = Event {
            seq: u64::MAX,
            event: every_kind(edge_call(call_site(), edge_msg()), call_site(), edge_msg())
                .swap_remove(2),
            ..edge_begin.clone()
        };
        let say = Event {
            rank: 1,
            seq: 302,
            t: 1.0,
            event: EventKind::Say { text: "x".into() },
        };
        let mut bytes = Vec::new();
        encode(&say, &mut bytes);
        encode_record(&pair_of(&begin, &end), &mut bytes);
        encode_record(&pair_of(&edge_begin, &edge_end), &mut bytes);
        encode(&say, &mut bytes);
        let mut calls = 0;
        let decoded = decode_with(&bytes, || calls += 1).unwrap();
        let expected = vec![say.clone(), begin, end, edge_begin, edge_end, say];
        assert_eq!(decoded, expected);
        assert_eq!(calls, expected.len());
    }

    #[test]
    fn a_pair_is_smaller_than_its_two_events_and_a_room_too_small_refuses_it() {
        let (begin, end) = recorded_pair();
        let pair = pair_of(&begin, &end);
        let mut bytes = Vec::new();
        encode_record(&pair, &mut bytes);
        let mut apart = Vec::new();
        encode(&begin, &mut apart);
        encode(&end, &mut apart);
        assert!(
            bytes.len() < apart.len(),
            "{} vs {}",
            bytes.len(),
            apart.len()
        );
        let mut room = vec![0xff; bytes.len() + 3];
        assert_eq!(encode_record_into(&pair, &mut room), Some(bytes.len()));
        assert_eq!(room[..bytes.len()], bytes[..]);
        let mut short = vec![0; bytes.len() - 1];
        assert_eq!(encode_record_into(&pair, &mut short), None);
    }

    #[test]
    fn a_cut_pair_or_one_numbered_past_the_last_number_is_an_error() {
        let (mut begin, end) = recorded_pair();
        let mut bytes = Vec::new();
        encode_record(&pair_of(&begin, &end), &mut bytes);
        for cut in 1..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        begin.seq = u64::MAX;
        let mut last = Vec::new();
        encode_record(&pair_of(&begin, &end), &mut last);
        assert_eq!(decode(&last).unwrap_err().what, "event number out of range");
    }

    fn call_site() -> Site {
        Site {
            file: "halo.c".into(),
            line: 9,
        }
    }

    fn edge_msg() -> MsgId {
        MsgId {
            from: 1,
            to: 0,
            tag: -7,
            comm: 2,
            k: 1 << 40,
        }
    }

    #[test]
    fn varints_of_every_length_round_trip() {
        let values = (0..64).flat_map(|shift| {
            let v = 1u64 << shift;
            [v - 1, v, v + 1]
        });
        for v in values.chain([u64::MAX]) {
            let mut bytes = Vec::new();
            v.put(&mut bytes);
            assert_eq!(u64::get(&mut Reader::new(&bytes)), Ok(v));
            let mut room = [0u8; 10];
            let n = encode_varint_into(v, &mut room);
            assert_eq!(room[..n], bytes[..], "{v}");
        }
    }

    /// `v` written into a [`Room`]: how many bytes it took.
    fn encode_varint_into(v: u64, bytes: &mut [u8]) -> usize {
        let mut room = Room { bytes, at: 0 };
        v.put(&mut room);
        room.at
    }

    #[test]
    fn the_decoder_calls_back_once_after_every_event() {
        let events = recorded("ring.jsonl");
        let mut bytes = Vec::new();
        events.iter().for_each(|e| encode(e, &mut bytes));
        let mut calls = 0;
        let decoded = decode_with(&bytes, || calls += 1).unwrap();
        assert_eq!(decoded, events);
        assert_eq!(calls, events.len());
    }

    #[test]
    fn a_cut_or_corrupt_batch_is_an_error_not_a_panic() {
        let events = recorded("ring.jsonl");
        let mut bytes = Vec::new();
        events[..20].iter().for_each(|e| encode(e, &mut bytes));
        for cut in 1..bytes.len() {
            let _ = decode(&bytes[..cut]);
        }
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        let mut huge = Vec::new();
        Event {
            rank: 0,
            seq: 0,
            t: 0.0,
            event: EventKind::Say { text: "x".into() },
        }
        .put(&mut huge);
        // The string's length byte claims far more than follows.
        let len_at = huge.len() - 2;
        huge[len_at] = 0x7f;
        assert_eq!(decode(&huge).unwrap_err().what, "length beyond the batch");
    }
}
