//! Compact records of a watched program's commonest calls at full speed,
//! written from the handful of values such a call has, numbers at fixed
//! widths, with no `Call` built first: this is what keeps the hooks cheap
//! (BENCHMARKS.md, "watch: a C program"). The reader turns each back into
//! the events the general records would carry.
//!
//! - [`Started`]: a point-to-point call that only started its operation
//!   (an isend, an irecv), its `Begin` and `End` in one record, like
//!   [`BegunAndEnded`](super::BegunAndEnded).
//! - [`Completing`]: the `Begin` of a call that completes requests (a
//!   wait, a waitall), which names the calls that started them.
//! - [`Ended`]: the `End` of a call that says no more than what it
//!   received (a wait, a waitall, a receive, most calls).

use super::{put_head, put_str, Reader, Record, Sink, Wire, WireError};
use crate::trace::{
    Call, CallEnd, EventKind, MsgId, Op, Received, RecvPart, SendPart, Site, Source, TagSel, Text,
    Values,
};

/// Where the records' kind byte would be an event's (past
/// `BEGUN_AND_ENDED`).
pub(super) const STARTED: u8 = 11;
pub(super) const COMPLETING: u8 = 12;
pub(super) const ENDED: u8 = 13;

/// A call `id` of `op` on communicator `comm`, at `site`, that started
/// `transfer` and returned: event `seq` (its `Begin`) and `seq + 1` (its
/// `End`) of rank `rank`, both stamped `t`.
#[derive(Debug, Clone, Copy)]
pub struct Started<'a> {
    pub rank: u32,
    pub seq: u64,
    pub t: f64,
    pub id: u64,
    pub op: Op,
    pub comm: u32,
    pub site: &'a Site,
    pub transfer: Transfer<'a>,
}

/// What a [`Started`] call started.
#[derive(Debug, Clone, Copy)]
pub enum Transfer<'a> {
    /// Message `k` of its channel (this rank to `dest`, `tag`, the call's
    /// communicator), with a preview of its values.
    Send {
        dest: u32,
        tag: i32,
        count: u64,
        datatype: &'a str,
        bytes: u64,
        k: u64,
        values: Option<&'a Values>,
    },
    /// A receive of what `source` and `tag` accept.
    Recv {
        source: Source,
        tag: TagSel,
        count: u64,
        datatype: &'a str,
    },
    /// Nothing: the peer was nobody (`MPI_PROC_NULL`).
    Nobody,
}

/// The flags byte: which transfer, and which of its fields are present.
const SEND: u8 = 1;
const ANY_SOURCE: u8 = 2;
const ANY_TAG: u8 = 4;
const VALUES: u8 = 8;
const NOBODY: u8 = 16;

/// The fixed-width numbers after the op and the flags: the communicator,
/// the call's id, the peer, the tag, the count, the bytes, the message's
/// number and the site's line.
const NUMBERS: usize = 4 + 8 + 4 + 4 + 8 + 8 + 8 + 4;

impl Record for Started<'_> {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        put_head(out, self.rank, self.seq, self.t, STARTED);
        let (flags, peer, tag, count, bytes, k, datatype, values) = match self.transfer {
            Transfer::Send {
                dest,
                tag,
                count,
                datatype,
                bytes,
                k,
                values,
            } => {
                let flags = SEND | if values.is_some() { VALUES } else { 0 };
                (flags, dest, tag, count, bytes, k, datatype, values)
            }
            Transfer::Recv {
                source,
                tag,
                count,
                datatype,
            } => {
                let (any_source, peer) = match source {
                    Source::Any => (ANY_SOURCE, 0),
                    Source::Rank(rank) => (0, rank),
                };
                let (any_tag, tag) = match tag {
                    TagSel::Any => (ANY_TAG, 0),
                    TagSel::Tag(tag) => (0, tag),
                };
                (any_source | any_tag, peer, tag, count, 0, 0, datatype, None)
            }
            Transfer::Nobody => (NOBODY, 0, 0, 0, 0, 0, "", None),
        };
        let mut numbers = [0u8; NUMBERS];
        numbers[0..4].copy_from_slice(&self.comm.to_le_bytes());
        numbers[4..12].copy_from_slice(&self.id.to_le_bytes());
        numbers[12..16].copy_from_slice(&peer.to_le_bytes());
        numbers[16..20].copy_from_slice(&tag.to_le_bytes());
        numbers[20..28].copy_from_slice(&count.to_le_bytes());
        numbers[28..36].copy_from_slice(&bytes.to_le_bytes());
        numbers[36..44].copy_from_slice(&k.to_le_bytes());
        numbers[44..48].copy_from_slice(&self.site.line.to_le_bytes());
        out.push(self.op as u8);
        out.push(flags);
        out.extend_from_slice(&numbers);
        put_str(out, datatype);
        put_str(out, &self.site.file);
        if let Some(values) = values {
            values.put(out);
        }
    }
}

/// Reads a [`Started`] record of rank `rank`, past its kind byte, as the
/// `Call` its `Begin` carries and its `End`.
pub(super) fn get_started(
    r: &mut Reader<'_>,
    rank: u32,
) -> Result<(Box<Call>, CallEnd), WireError> {
    let op = Op::get(r)?;
    let flags = r.byte()?;
    let numbers = r.take(NUMBERS)?;
    let (comm, id) = (u32_at(numbers, 0), u64_at(numbers, 4));
    let (peer, tag) = (u32_at(numbers, 12), u32_at(numbers, 16) as i32);
    let (count, bytes) = (u64_at(numbers, 20), u64_at(numbers, 28));
    let (k, line) = (u64_at(numbers, 36), u32_at(numbers, 44));
    let datatype = Text::get(r)?;
    let file = Text::get(r)?;
    let values = match flags & VALUES {
        0 => None,
        _ => Some(Values::get(r)?),
    };
    let mut call = Call::bare(id, op, comm, Site { file, line });
    match flags & (NOBODY | SEND) {
        SEND => {
            call.send = Some(SendPart {
                dest: peer,
                tag,
                count,
                datatype,
                bytes,
                msg: MsgId {
                    from: rank,
                    to: peer,
                    tag,
                    comm,
                    k,
                },
                values,
            });
        }
        0 => {
            let source = match flags & ANY_SOURCE {
                0 => Source::Rank(peer),
                _ => Source::Any,
            };
            let tag = match flags & ANY_TAG {
                0 => TagSel::Tag(tag),
                _ => TagSel::Any,
            };
            call.recv = Some(RecvPart {
                source,
                tag,
                count,
                datatype,
            });
        }
        // A call whose peer was nobody has no part.
        _ => {}
    }
    Ok((Box::new(call), CallEnd::bare(id, op)))
}

/// The `Begin` of call `id` of `op` (on the world) at `site`, which
/// completes the requests that calls `requests` started: event `seq` of
/// rank `rank`, stamped `t`.
#[derive(Debug, Clone, Copy)]
pub struct Completing<'a> {
    pub rank: u32,
    pub seq: u64,
    pub t: f64,
    pub id: u64,
    pub op: Op,
    pub site: &'a Site,
    pub requests: &'a [u64],
}

impl Record for Completing<'_> {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        put_head(out, self.rank, self.seq, self.t, COMPLETING);
        out.push(self.op as u8);
        let mut numbers = [0u8; 8 + 4 + 4];
        numbers[0..8].copy_from_slice(&self.id.to_le_bytes());
        numbers[8..12].copy_from_slice(&self.site.line.to_le_bytes());
        numbers[12..16].copy_from_slice(&(self.requests.len() as u32).to_le_bytes());
        out.extend_from_slice(&numbers);
        for request in self.requests {
            out.extend_from_slice(&request.to_le_bytes());
        }
        put_str(out, &self.site.file);
    }
}

/// Reads a [`Completing`] record, past its kind byte, as its `Begin`.
pub(super) fn get_completing(r: &mut Reader<'_>) -> Result<EventKind, WireError> {
    let op = Op::get(r)?;
    let numbers = r.take(8 + 4 + 4)?;
    let (id, line) = (u64_at(numbers, 0), u32_at(numbers, 8));
    let count = u32_at(numbers, 12) as usize;
    let Some(length) = count.checked_mul(8) else {
        return r.fail("too many requests");
    };
    let requests = r
        .take(length)?
        .chunks_exact(8)
        .map(|bytes| u64_at(bytes, 0))
        .collect();
    let file = Text::get(r)?;
    let mut call = Call::bare(id, op, 0, Site { file, line });
    call.requests = requests;
    Ok(EventKind::Begin(Box::new(call)))
}

/// The `End` of call `id` of `op`, which received `received` and says no
/// more: event `seq` of rank `rank`, stamped `t`.
#[derive(Debug, Clone, Copy)]
pub struct Ended<'a> {
    pub rank: u32,
    pub seq: u64,
    pub t: f64,
    pub id: u64,
    pub op: Op,
    pub received: &'a [Received],
}

/// A received message's numbers: the receive's call, the source, the
/// tag, the bytes, whether its send is known, and that send's id (from,
/// to, tag, communicator, number).
const RECEIVED: usize = 8 + 4 + 4 + 8 + 1 + 4 + 4 + 4 + 4 + 8;

impl Record for Ended<'_> {
    #[inline]
    fn put(&self, out: &mut impl Sink) {
        put_head(out, self.rank, self.seq, self.t, ENDED);
        out.push(self.op as u8);
        let mut numbers = [0u8; 8 + 4];
        numbers[0..8].copy_from_slice(&self.id.to_le_bytes());
        numbers[8..12].copy_from_slice(&(self.received.len() as u32).to_le_bytes());
        out.extend_from_slice(&numbers);
        for received in self.received {
            out.extend_from_slice(&received_numbers(received));
        }
    }
}

fn received_numbers(received: &Received) -> [u8; RECEIVED] {
    let mut numbers = [0u8; RECEIVED];
    numbers[0..8].copy_from_slice(&received.call.to_le_bytes());
    numbers[8..12].copy_from_slice(&received.source.to_le_bytes());
    numbers[12..16].copy_from_slice(&received.tag.to_le_bytes());
    numbers[16..24].copy_from_slice(&received.bytes.to_le_bytes());
    if let Some(msg) = &received.msg {
        numbers[24] = 1;
        numbers[25..29].copy_from_slice(&msg.from.to_le_bytes());
        numbers[29..33].copy_from_slice(&msg.to.to_le_bytes());
        numbers[33..37].copy_from_slice(&msg.tag.to_le_bytes());
        numbers[37..41].copy_from_slice(&msg.comm.to_le_bytes());
        numbers[41..49].copy_from_slice(&msg.k.to_le_bytes());
    }
    numbers
}

/// Reads an [`Ended`] record, past its kind byte, as its `End`.
pub(super) fn get_ended(r: &mut Reader<'_>) -> Result<EventKind, WireError> {
    let op = Op::get(r)?;
    let numbers = r.take(8 + 4)?;
    let (id, count) = (u64_at(numbers, 0), u32_at(numbers, 8) as usize);
    let Some(length) = count.checked_mul(RECEIVED) else {
        return r.fail("too many received");
    };
    let mut end = CallEnd::bare(id, op);
    end.received = r
        .take(length)?
        .chunks_exact(RECEIVED)
        .map(received_from)
        .collect();
    Ok(EventKind::End(end))
}

fn received_from(numbers: &[u8]) -> Received {
    let msg = (numbers[24] != 0).then(|| MsgId {
        from: u32_at(numbers, 25),
        to: u32_at(numbers, 29),
        tag: u32_at(numbers, 33) as i32,
        comm: u32_at(numbers, 37),
        k: u64_at(numbers, 41),
    });
    Received {
        call: u64_at(numbers, 0),
        source: u32_at(numbers, 8),
        tag: u32_at(numbers, 12) as i32,
        bytes: u64_at(numbers, 16),
        msg,
    }
}

/// The little-endian u32 at `at` of a record's numbers (taken whole, so
/// within them).
fn u32_at(numbers: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(numbers[at..at + 4].try_into().expect("4 bytes"))
}

/// The little-endian u64 at `at` of a record's numbers.
fn u64_at(numbers: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(numbers[at..at + 8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests;
