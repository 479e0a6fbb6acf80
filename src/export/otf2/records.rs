//! The events of each rank as OTF2 records, written as the shared walk
//! meets them: the rank's program as a region around everything, a
//! region entered and left for each call and each hold by the tutor, and
//! MPI's records inside the calls: sends where they begin, receives where
//! they end (from, tag and size as the call received them, so a wildcard
//! receive names the send it matched), requests begun and completed,
//! collectives begun and ended. The program's output becomes markers.

use std::collections::HashMap;
use std::io;

use otf2_sys as sys;

use super::archive::{c_text, check, Archive, UNDEFINED_U32};
use super::defs::{Definitions, TICKS_PER_SECOND};
use super::ops::{collective_bytes, collective_op, region_name, role};
use crate::export::walk::Visit;
use crate::model::HeldSpan;
use crate::trace::{Call, CallEnd, EventKind, Op, Rank, Received};

/// The archive's time of display time `at` (seconds from the run's start).
pub(super) fn ticks(at: f64) -> u64 {
    (at.max(0.0) * TICKS_PER_SECOND as f64).round() as u64
}

/// A request a call began and a wait or test will complete.
enum Request {
    Send,
    Recv { comm: u32 },
    Collective { call: Box<Call> },
}

/// What one rank has open.
#[derive(Default)]
struct RankState {
    /// The program's region was entered.
    started: bool,
    /// The call the rank is in, with its region.
    open: Option<(Box<Call>, u32)>,
    requests: HashMap<u64, Request>,
}

/// The records being written.
pub(super) struct Records {
    pub archive: Archive,
    pub defs: Definitions,
    program: u32,
    held: u32,
    ranks: Vec<RankState>,
}

impl Records {
    pub fn new(archive: Archive, mut defs: Definitions, program: &str, world: Rank) -> Self {
        let function = sys::OTF2_REGION_ROLE_FUNCTION as sys::OTF2_RegionRole;
        let artificial = sys::OTF2_REGION_ROLE_ARTIFICIAL as sys::OTF2_RegionRole;
        let program = defs.region(program, function, false);
        let held = defs.region(crate::view::words::HELD, artificial, false);
        Records {
            archive,
            defs,
            program,
            held,
            ranks: (0..world).map(|_| RankState::default()).collect(),
        }
    }

    fn writer(&self, rank: Rank, at: u64) -> *mut sys::OTF2_EvtWriter {
        self.archive.events(rank, at)
    }

    fn enter(&mut self, rank: Rank, at: u64, region: u32) -> io::Result<()> {
        self.defs.last_tick = self.defs.last_tick.max(at);
        // SAFETY: an open writer of this archive (as in every record).
        check(unsafe {
            sys::OTF2_EvtWriter_Enter(self.writer(rank, at), std::ptr::null_mut(), at, region)
        })
    }

    fn leave(&mut self, rank: Rank, at: u64, region: u32) -> io::Result<()> {
        self.defs.last_tick = self.defs.last_tick.max(at);
        // SAFETY: as above.
        check(unsafe {
            sys::OTF2_EvtWriter_Leave(self.writer(rank, at), std::ptr::null_mut(), at, region)
        })
    }

    /// A call begins: its region, then what it starts.
    fn begin(&mut self, rank: Rank, at: u64, call: &Call) -> io::Result<()> {
        self.cut(rank, at)?;
        let region = self
            .defs
            .region(&region_name(call), role(call.op), call.op != Op::Other);
        self.enter(rank, at, region)?;
        self.started(rank, at, call)?;
        self.ranks[rank as usize].open = Some((Box::new(call.clone()), region));
        Ok(())
    }

    /// The MPI records of a call's start: a send, a request, a collective.
    fn started(&mut self, rank: Rank, at: u64, call: &Call) -> io::Result<()> {
        let writer = self.writer(rank, at);
        let null = std::ptr::null_mut();
        let comm = self.defs.comm(call.comm);
        let requests = &mut self.ranks[rank as usize].requests;
        // SAFETY: as above.
        unsafe {
            if let Some(s) = &call.send {
                let to = self.defs.rank_in(call.comm, s.dest);
                let tag = s.tag as u32;
                if call.op == Op::Isend {
                    requests.insert(call.id, Request::Send);
                    check(sys::OTF2_EvtWriter_MpiIsend(
                        writer, null, at, to, comm, tag, s.bytes, call.id,
                    ))?;
                } else {
                    check(sys::OTF2_EvtWriter_MpiSend(
                        writer, null, at, to, comm, tag, s.bytes,
                    ))?;
                }
            }
            if matches!(call.op, Op::Irecv | Op::Imrecv) {
                requests.insert(call.id, Request::Recv { comm: call.comm });
                check(sys::OTF2_EvtWriter_MpiIrecvRequest(
                    writer, null, at, call.id,
                ))?;
            } else if call.op.is_nonblocking_collective() {
                let call = Box::new(call.clone());
                requests.insert(call.id, Request::Collective { call: call.clone() });
                check(sys::OTF2_EvtWriter_NonBlockingCollectiveRequest(
                    writer, null, at, call.id,
                ))?;
            } else if call.op.is_collective() {
                check(sys::OTF2_EvtWriter_MpiCollectiveBegin(writer, null, at))?;
            }
        }
        Ok(())
    }

    /// A call returns: what it received and completed, then its region.
    fn end(&mut self, rank: Rank, at: u64, end: &CallEnd) -> io::Result<()> {
        let state = &mut self.ranks[rank as usize];
        let Some((call, region)) = state.open.take_if(|(call, _)| call.id == end.id) else {
            return Ok(());
        };
        for received in &end.received {
            if received.call == call.id && receives(call.op) {
                self.received(rank, at, call.comm, received, None)?;
            }
        }
        for id in completed(&call, end, &self.ranks[rank as usize].requests) {
            self.complete(rank, at, id, end)?;
        }
        if call.op.is_collective() {
            self.collective_end(rank, at, &call, None)?;
        }
        self.leave(rank, at, region)
    }

    /// A message received: by a receive, or by request `request`.
    fn received(
        &mut self,
        rank: Rank,
        at: u64,
        comm: u32,
        r: &Received,
        request: Option<u64>,
    ) -> io::Result<()> {
        let (writer, null) = (self.writer(rank, at), std::ptr::null_mut());
        let from = self.defs.rank_in(comm, r.source);
        let (otf2_comm, tag) = (self.defs.comm(comm), r.tag as u32);
        // SAFETY: as above.
        check(unsafe {
            match request {
                Some(id) => sys::OTF2_EvtWriter_MpiIrecv(
                    writer, null, at, from, otf2_comm, tag, r.bytes, id,
                ),
                None => {
                    sys::OTF2_EvtWriter_MpiRecv(writer, null, at, from, otf2_comm, tag, r.bytes)
                }
            }
        })
    }

    /// Request `id` of `rank` completed in the call that ended with `end`.
    fn complete(&mut self, rank: Rank, at: u64, id: u64, end: &CallEnd) -> io::Result<()> {
        let Some(request) = self.ranks[rank as usize].requests.remove(&id) else {
            return Ok(());
        };
        let writer = self.writer(rank, at);
        match request {
            // SAFETY: as above.
            Request::Send => check(unsafe {
                sys::OTF2_EvtWriter_MpiIsendComplete(writer, std::ptr::null_mut(), at, id)
            }),
            Request::Recv { comm } => match end.received.iter().find(|r| r.call == id) {
                Some(r) => self.received(rank, at, comm, r, Some(id)),
                None => Ok(()),
            },
            Request::Collective { call } => self.collective_end(rank, at, &call, Some(id)),
        }
    }

    /// A collective's end (of the call itself, or of request `request`).
    fn collective_end(
        &mut self,
        rank: Rank,
        at: u64,
        call: &Call,
        request: Option<u64>,
    ) -> io::Result<()> {
        let (sent, got) = call
            .collective
            .as_ref()
            .map_or((0, 0), |c| collective_bytes(call.op, c, rank));
        let root = call
            .collective
            .as_ref()
            .and_then(|c| c.root)
            .map_or(UNDEFINED_U32, |r| self.defs.rank_in(call.comm, r));
        let (op, comm) = (collective_op(call.op), self.defs.comm(call.comm));
        let (writer, null) = (self.writer(rank, at), std::ptr::null_mut());
        // SAFETY: as above.
        check(unsafe {
            match request {
                Some(id) => sys::OTF2_EvtWriter_NonBlockingCollectiveComplete(
                    writer, null, at, op, comm, root, sent, got, id,
                ),
                None => sys::OTF2_EvtWriter_MpiCollectiveEnd(
                    writer, null, at, op, comm, root, sent, got,
                ),
            }
        })
    }

    /// Leaves the call `rank` is in, without its return (a lost End, a
    /// failure, the end of the trace).
    fn cut(&mut self, rank: Rank, at: u64) -> io::Result<()> {
        match self.ranks[rank as usize].open.take() {
            Some((_, region)) => self.leave(rank, at, region),
            None => Ok(()),
        }
    }

    /// The program's output, a check, a failure, the run's end: a marker.
    fn marker(&mut self, rank: Rank, at: u64, event: &EventKind) -> io::Result<()> {
        use sys::{
            OTF2_SEVERITY_HIGH as HIGH, OTF2_SEVERITY_LOW as LOW, OTF2_SEVERITY_NONE as NONE,
        };
        let (category, severity, text, scope) = match event {
            EventKind::Say { text } => (
                "output",
                NONE,
                text.clone(),
                sys::OTF2_MARKER_SCOPE_LOCATION,
            ),
            EventKind::Check { what, passed: true } => (
                "check passed",
                LOW,
                what.clone(),
                sys::OTF2_MARKER_SCOPE_LOCATION,
            ),
            EventKind::Check {
                what,
                passed: false,
            } => (
                "check failed",
                HIGH,
                what.clone(),
                sys::OTF2_MARKER_SCOPE_LOCATION,
            ),
            EventKind::Failed { message, .. } => (
                "failed",
                HIGH,
                message.clone(),
                sys::OTF2_MARKER_SCOPE_LOCATION,
            ),
            EventKind::RunEnded { outcome, detail } => (
                "run ended",
                LOW,
                format!("{outcome:?}: {detail}"),
                sys::OTF2_MARKER_SCOPE_GLOBAL,
            ),
            _ => return Ok(()),
        };
        let marker = self.defs.marker(category, severity);
        let text = c_text(&text);
        let scope_ref = if scope == sys::OTF2_MARKER_SCOPE_GLOBAL {
            0
        } else {
            u64::from(rank)
        };
        // SAFETY: the open marker writer; the text outlives the call.
        check(unsafe {
            sys::OTF2_MarkerWriter_WriteMarker(
                self.archive.markers(),
                at,
                0,
                marker,
                scope as sys::OTF2_MarkerScope,
                scope_ref,
                text.as_ptr(),
            )
        })
    }

    /// Closes what each rank still has open at `last` (its last event's
    /// display time): its call, a hold, its program.
    pub fn close(&mut self, rank: Rank, last: f64, holds: &[&HeldSpan]) -> io::Result<()> {
        let at = ticks(last);
        self.cut(rank, at)?;
        for hold in holds {
            let start = ticks(hold.start);
            self.enter(rank, start, self.held)?;
            self.leave(rank, at.max(start), self.held)?;
        }
        if self.ranks[rank as usize].started {
            self.leave(rank, at, self.program)?;
        }
        Ok(())
    }
}

/// Calls that receive a message themselves (not through a request).
fn receives(op: Op) -> bool {
    matches!(op, Op::Recv | Op::Sendrecv | Op::Mrecv)
}

/// The requests a wait or test completed: all of them (a wait, a test that
/// said so), the ones its end names, and any whose message it received.
fn completed(call: &Call, end: &CallEnd, open: &HashMap<u64, Request>) -> Vec<u64> {
    let all = matches!(call.op, Op::Wait | Op::Waitall)
        || end.completed == Some(true) && !call.op.completes_some();
    let mut ids: Vec<u64> = if all {
        call.requests.clone()
    } else {
        end.done.clone()
    };
    for r in &end.received {
        if r.call != call.id && !ids.contains(&r.call) {
            ids.push(r.call);
        }
    }
    ids.retain(|id| open.contains_key(id));
    ids
}

impl Visit for Records {
    fn hold_over(&mut self, hold: &HeldSpan) -> io::Result<()> {
        let start = ticks(hold.start);
        let end = hold.end.map_or(start, ticks).max(start);
        self.enter(hold.rank, start, self.held)?;
        self.leave(hold.rank, end, self.held)
    }

    fn event(&mut self, rank: Rank, at: f64, event: &EventKind) -> io::Result<()> {
        let at = ticks(at);
        if !self.ranks[rank as usize].started && !matches!(event, EventKind::RunEnded { .. }) {
            self.ranks[rank as usize].started = true;
            self.enter(rank, at, self.program)?;
        }
        match event {
            EventKind::Begin(call) => self.begin(rank, at, call),
            EventKind::End(end) => self.end(rank, at, end),
            EventKind::Finished { .. } | EventKind::Failed { .. } => {
                self.marker(rank, at, event)?;
                self.cut(rank, at)
            }
            _ => self.marker(rank, at, event),
        }
    }
}
