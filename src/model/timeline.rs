//! The history of calls per rank and of the messages between them, on one
//! time axis that respects causality: what the space-time diagram draws and
//! the Chrome trace export writes.
//!
//! Every rank stamps its events with its own clock, and the clocks of
//! different ranks (different hosts, or a start time estimated per rank)
//! disagree a little. A receive can then seem to complete before the send it
//! consumed began. So each rank gets a *shift*, zero at first and only ever
//! growing: when a receive would end earlier than [`MIN_LATENCY`] after its
//! send began, the receiving rank's shift grows just enough, and every later
//! event of that rank moves with it. A rank's own order is kept (the shift
//! never shrinks), and no message goes backwards in time. Times here are
//! these *display* times, in seconds like event times.
//!
//! Kept small for the live model: at most `keep` finished calls per rank and
//! `keep` delivered messages; each event costs a few map look-ups.

use std::collections::VecDeque;

// FxHash, not SipHash: a few look-ups per event rank 0 takes.
use rustc_hash::FxHashMap as HashMap;

use crate::trace::packed::{Chunk, ChunkBuilder};
use crate::trace::wire::{Reader, Sink, Wire, WireError};
use crate::trace::{Call, CallEnd, EventKind, MsgId, Rank, Received};

/// The least time a message takes from the start of its send to the end of
/// the receive that took it, on the display axis. Nonzero so that a
/// message line in the space-time panel always points forward, even when
/// the receiving rank's clock is behind.
pub const MIN_LATENCY: f64 = 1e-6;

/// How many finished calls per rank, and delivered messages, the live model
/// keeps for the space-time diagram.
pub const TIMELINE_KEPT: usize = 256;

/// One MPI call of one rank, from its Begin to its End.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSpan {
    pub rank: Rank,
    pub call: Call,
    /// Display time of the Begin.
    pub start: f64,
    /// Display time of the End; None while the rank is still in the call.
    pub end: Option<f64>,
    /// False when the call never returned: the rank failed or finished
    /// inside it (`end` is then that moment), or its End was lost.
    pub returned: bool,
    /// What the call received (receives, waits, sendrecv).
    pub received: Vec<Received>,
}

/// A time the tutor held a rank before one of its calls (the teacher's
/// pace): drawn apart from MPI's waits and from computing.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldSpan {
    pub rank: Rank,
    /// The call the rank was held before.
    pub call: Call,
    /// Display time the hold began.
    pub start: f64,
    /// Display time the rank went on (its next event); None while held.
    pub end: Option<f64>,
}

/// A message from the send that began it to the call that consumed it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MessageLink {
    pub msg: MsgId,
    pub bytes: u64,
    /// The sending call (send, isend, sendrecv) on `msg.from`.
    pub send_call: u64,
    /// Display time the send began.
    pub sent: f64,
    /// The call on `msg.to` whose End reported it (recv, wait, waitall,
    /// test, sendrecv).
    pub recv_call: u64,
    /// Display time that call ended: never before `sent`.
    pub received: f64,
    /// Display time that call began, when its Begin was seen.
    pub recv_began: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct RankLine {
    shift: f64,
    first: Option<f64>,
    last: f64,
    open: Option<CallSpan>,
    done: VecDeque<CallSpan>,
    /// Holds by the tutor, oldest first, the last one maybe still open.
    held: VecDeque<HeldSpan>,
}

/// A send whose receive has not been seen yet.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SendSeen {
    at: f64,
    call: u64,
    bytes: u64,
}

/// A receive whose send has not been seen yet, or whose message is not
/// known yet (a wildcard matched later).
#[derive(Debug, Clone, Copy, PartialEq)]
struct RecvSeen {
    at: f64,
    call: u64,
    began: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    keep: usize,
    ranks: Vec<RankLine>,
    links: VecDeque<MessageLink>,
    sends: HashMap<MsgId, SendSeen>,
    /// Received before its send was seen: only if events come out of
    /// causal order. The link is then clamped instead of the rank shifted.
    early: HashMap<MsgId, RecvSeen>,
    /// (rank, receive call id) completed without a message id yet.
    unmatched: HashMap<(Rank, u64), RecvSeen>,
    now: f64,
}

impl Timeline {
    /// Keeps at most `keep` finished calls per rank and `keep` messages.
    pub fn new(world: usize, keep: usize) -> Self {
        Timeline {
            keep,
            ranks: vec![RankLine::default(); world],
            links: VecDeque::new(),
            sends: HashMap::default(),
            early: HashMap::default(),
            unmatched: HashMap::default(),
            now: 0.0,
        }
    }

    /// The latest display time of any event.
    pub fn now(&self) -> f64 {
        self.now
    }

    pub fn world(&self) -> usize {
        self.ranks.len()
    }

    /// Display time of the rank's first and last events, if it has any.
    pub fn active(&self, rank: Rank) -> Option<(f64, f64)> {
        let l = self.ranks.get(rank as usize)?;
        l.first.map(|f| (f, l.last))
    }

    /// How far the rank's clock was moved forward (seconds).
    pub fn shift(&self, rank: Rank) -> f64 {
        self.ranks.get(rank as usize).map_or(0.0, |l| l.shift)
    }

    /// The rank's kept finished calls, oldest first, then the call it is in.
    pub fn spans(&self, rank: Rank) -> impl Iterator<Item = &CallSpan> {
        self.ranks
            .get(rank as usize)
            .into_iter()
            .flat_map(|l| l.done.iter().chain(l.open.iter()))
    }

    /// The rank's kept holds by the tutor, oldest first; the last one has
    /// no end while the rank is held.
    pub fn held_spans(&self, rank: Rank) -> impl Iterator<Item = &HeldSpan> {
        self.ranks
            .get(rank as usize)
            .into_iter()
            .flat_map(|l| l.held.iter())
    }

    /// Takes the rank's holds that are over out, oldest first (as
    /// [`Timeline::take_finished`]).
    pub fn take_held(&mut self, rank: Rank) -> Vec<HeldSpan> {
        let Some(line) = self.ranks.get_mut(rank as usize) else {
            return Vec::new();
        };
        let over = line.held.iter().take_while(|h| h.end.is_some()).count();
        line.held.drain(..over).collect()
    }

    /// Kept delivered messages, in the order their receive was seen.
    pub fn links(&self) -> impl DoubleEndedIterator<Item = &MessageLink> + ExactSizeIterator {
        self.links.iter()
    }

    /// Takes the rank's finished calls out, oldest first: for a reader
    /// that keeps every call (`keep` unbounded) and writes each one as it
    /// finishes, so the timeline holds only what is still open.
    pub fn take_finished(&mut self, rank: Rank) -> impl Iterator<Item = CallSpan> + '_ {
        self.ranks
            .get_mut(rank as usize)
            .into_iter()
            .flat_map(|l| l.done.drain(..))
    }

    /// Takes the delivered messages out, in the order their receive was
    /// seen (as [`Timeline::take_finished`]).
    pub fn take_links(&mut self) -> impl Iterator<Item = MessageLink> + '_ {
        self.links.drain(..)
    }

    /// Sends whose receive has not been seen: (message, send call, display
    /// time the send began).
    pub fn unreceived(&self) -> impl Iterator<Item = (MsgId, u64, f64)> + '_ {
        self.sends.iter().map(|(id, s)| (*id, s.call, s.at))
    }

    /// A copy without the finished calls, and those calls packed: what a
    /// model snapshot keeps. The finished calls are most of a timeline
    /// (hundreds of calls per rank), and packed they take ~50 bytes each.
    pub(crate) fn split(&self) -> (Timeline, PackedSpans) {
        let Timeline {
            keep,
            ranks,
            links,
            sends,
            early,
            unmatched,
            now,
        } = self;
        let mut packed = ChunkBuilder::default();
        let ranks = ranks
            .iter()
            .map(|l| {
                for span in &l.done {
                    packed.push(span);
                }
                RankLine {
                    shift: l.shift,
                    first: l.first,
                    last: l.last,
                    open: l.open.clone(),
                    done: VecDeque::new(),
                    held: l.held.clone(),
                }
            })
            .collect();
        let rest = Timeline {
            keep: *keep,
            ranks,
            links: links.clone(),
            sends: sends.clone(),
            early: early.clone(),
            unmatched: unmatched.clone(),
            now: *now,
        };
        (rest, PackedSpans(packed.finish()))
    }

    /// Puts back the finished calls [`Timeline::split`] took out.
    pub(crate) fn rejoin(&mut self, spans: &PackedSpans) {
        for i in 0..spans.0.len() {
            let span: CallSpan = spans.0.read(i);
            self.ranks[span.rank as usize].done.push_back(span);
        }
    }

    /// Adds one event of `rank` at its clock time `t`; returns the event's
    /// display time. Events of one rank must come in their order; different
    /// ranks in causal order (as rank 0 records them), else see `early`.
    pub fn step(&mut self, rank: Rank, t: f64, kind: &EventKind) -> f64 {
        let r = rank as usize;
        if r >= self.ranks.len() {
            return t;
        }
        if let EventKind::RunEnded { .. } = kind {
            // Rank 0's clock, but not one of rank 0's events.
            return (t + self.ranks[r].shift).max(self.now);
        }
        if let EventKind::End(end) = kind {
            self.shift_for(r, t, end);
        }
        let line = &mut self.ranks[r];
        let at = (t + line.shift).max(line.last);
        line.last = at;
        line.first.get_or_insert(at);
        self.now = self.now.max(at);
        self.note_hold(r, at, kind);
        match kind {
            EventKind::Begin(call) => self.begin(rank, at, call),
            EventKind::End(end) => self.end(rank, at, end),
            EventKind::Matched { call, msg } => {
                if let Some(rs) = self.unmatched.remove(&(rank, *call)) {
                    self.delivered(*msg, rs);
                }
            }
            EventKind::Finished { .. } | EventKind::Failed { .. } => self.cut(r, at),
            _ => {}
        }
        at
    }

    /// A `Held` opens a hold of rank `r` at `at`; any other event ends the
    /// open one there.
    fn note_hold(&mut self, r: usize, at: f64, kind: &EventKind) {
        let keep = self.keep;
        let line = &mut self.ranks[r];
        let open = line.held.back_mut().filter(|h| h.end.is_none());
        match (kind, open) {
            (EventKind::Held(_), Some(_)) => {}
            (EventKind::Held(call), None) => {
                line.held.push_back(HeldSpan {
                    rank: r as Rank,
                    call: Call::clone(call),
                    start: at,
                    end: None,
                });
                if line.held.len() > keep {
                    line.held.drain(..line.held.len() - keep);
                }
            }
            (_, Some(hold)) => hold.end = Some(at),
            (_, None) => {}
        }
    }

    /// Grows the rank's shift so that this End is not before any send it
    /// consumed began.
    fn shift_for(&mut self, r: usize, t: f64, end: &CallEnd) {
        for rec in &end.received {
            if let Some(s) = rec.msg.and_then(|id| self.sends.get(&id)) {
                let need = s.at + MIN_LATENCY - t;
                let line = &mut self.ranks[r];
                line.shift = line.shift.max(need);
            }
        }
    }

    fn begin(&mut self, rank: Rank, at: f64, call: &Call) {
        let r = rank as usize;
        // A Begin while in a call: the End was lost.
        self.cut(r, at);
        self.ranks[r].open = Some(CallSpan {
            rank,
            call: call.clone(),
            start: at,
            end: None,
            returned: false,
            received: Vec::new(),
        });
        if let Some(sp) = &call.send {
            let seen = SendSeen {
                at,
                call: call.id,
                bytes: sp.bytes,
            };
            match self.early.remove(&sp.msg) {
                Some(rs) => {
                    self.sends.insert(sp.msg, seen);
                    self.delivered(sp.msg, rs);
                }
                None => {
                    self.sends.insert(sp.msg, seen);
                }
            }
        }
    }

    fn end(&mut self, rank: Rank, at: f64, end: &CallEnd) {
        let r = rank as usize;
        let line = &mut self.ranks[r];
        let mut began = None;
        match line.open.take() {
            Some(mut span) if span.call.id == end.id => {
                began = Some(span.start);
                span.end = Some(at);
                span.returned = true;
                span.received = end.received.clone();
                self.finish(r, span);
            }
            other => line.open = other,
        }
        let here = RecvSeen {
            at,
            call: end.id,
            began,
        };
        for rec in &end.received {
            match rec.msg {
                Some(id) => self.delivered(id, here),
                None => {
                    self.unmatched.insert((rank, rec.call), here);
                }
            }
        }
    }

    /// Message `id` was consumed by the receive `rs`.
    fn delivered(&mut self, id: MsgId, rs: RecvSeen) {
        let Some(s) = self.sends.remove(&id) else {
            self.early.insert(id, rs);
            return;
        };
        self.links.push_back(MessageLink {
            msg: id,
            bytes: s.bytes,
            send_call: s.call,
            sent: s.at,
            recv_call: rs.call,
            // Only a late `Matched` or out-of-order events get here with a
            // receive before the send: clamp, the rank is past it already.
            received: rs.at.max(s.at + MIN_LATENCY),
            recv_began: rs.began,
        });
        while self.links.len() > self.keep {
            self.links.pop_front();
        }
    }

    /// Ends the open call of rank `r` at `at` without a return.
    fn cut(&mut self, r: usize, at: f64) {
        if let Some(mut span) = self.ranks[r].open.take() {
            span.end = Some(at);
            self.finish(r, span);
        }
    }

    fn finish(&mut self, r: usize, span: CallSpan) {
        let done = &mut self.ranks[r].done;
        done.push_back(span);
        if done.len() > self.keep {
            // Dropped where they are, not moved out first.
            done.drain(..done.len() - self.keep);
        }
    }
}

/// Finished calls of a timeline, packed (see [`Timeline::split`]).
#[derive(Debug)]
pub(crate) struct PackedSpans(Chunk);

/// A finished call packed in the wire encoding of its parts.
impl Wire for CallSpan {
    fn put(&self, out: &mut impl Sink) {
        self.rank.put(out);
        self.call.put(out);
        self.start.put(out);
        self.end.put(out);
        self.returned.put(out);
        self.received.put(out);
    }

    fn get(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(CallSpan {
            rank: Wire::get(r)?,
            call: Wire::get(r)?,
            start: Wire::get(r)?,
            end: Wire::get(r)?,
            returned: Wire::get(r)?,
            received: Wire::get(r)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{send_recv, Script};
    use crate::trace::{Op, Source, TagSel};

    fn timeline(s: &Script, keep: usize) -> Timeline {
        let mut tl = Timeline::new(s.header.world_size as usize, keep);
        for e in &s.events {
            tl.step(e.rank, e.t, &e.event);
        }
        tl
    }

    #[test]
    fn calls_become_spans_and_messages_links() {
        let tl = timeline(&send_recv("done"), 10);
        let send: Vec<_> = tl.spans(0).collect();
        assert_eq!(send.len(), 1);
        assert_eq!(send[0].call.op, Op::Send);
        assert_eq!(send[0].end, Some(1.250_180));
        assert!(send[0].returned);
        let recv: Vec<_> = tl.spans(1).collect();
        assert_eq!((recv[0].start, recv[0].end), (0.000_410, Some(1.250_400)));
        let links: Vec<_> = tl.links().collect();
        assert_eq!(links.len(), 1);
        assert_eq!((links[0].sent, links[0].received), (1.25, 1.250_400));
        assert_eq!((links[0].send_call, links[0].recv_call), (0, 0));
        assert_eq!(tl.shift(1), 0.0, "clocks that agree are left alone");
    }

    #[test]
    fn a_receive_behind_its_send_moves_its_rank_forward() {
        let mut s = Script::new("skew", 2);
        s.at(0.1);
        let recv = s.recv(1, Source::Rank(0), TagSel::Tag(1), 1, 5);
        s.at(1.0);
        let (send, id) = s.send(0, 1, 1, 1, 4);
        s.at(1.1);
        s.end(0, &send);
        // Rank 1's clock is 0.5 s behind.
        s.at(0.6);
        s.end_received(1, &recv, &[(recv.id, id)]);
        s.at(0.7);
        s.say(1, "after");
        let mut tl = timeline(&s, 10);
        let link = *tl.links().next().unwrap();
        assert_eq!(link.sent, 1.0);
        assert!((link.received - (1.0 + MIN_LATENCY)).abs() < 1e-12);
        assert!((tl.shift(1) - (0.4 + MIN_LATENCY)).abs() < 1e-12);
        let (_, last) = tl.active(1).unwrap();
        assert!(last > link.received, "later events move with the rank");
        let span = tl.spans(1).next().unwrap();
        assert_eq!(span.start, 0.1, "what came before stays");
        assert_eq!(span.end, Some(link.received));
        // The shift never shrinks.
        assert!(
            tl.step(
                1,
                0.8,
                &EventKind::Finished {
                    events: 4,
                    throttled: 0
                }
            ) > 1.1
        );
    }

    #[test]
    fn a_wildcard_matched_later_links_to_the_call_that_received_it() {
        let mut s = Script::new("any", 2);
        let (send, id) = s.send(0, 1, 3, 1, 4);
        s.end(0, &send);
        s.at(0.5);
        let recv = s.recv(1, Source::Any, TagSel::Any, 1, 9);
        let received = vec![Received {
            call: recv.id,
            source: 0,
            tag: 3,
            bytes: 8,
            msg: None,
        }];
        s.end_with(1, &recv, received, None);
        let tl = timeline(&s, 10);
        assert_eq!(tl.links().count(), 0);
        assert_eq!(tl.unreceived().count(), 1);
        let mut tl = tl;
        tl.step(
            1,
            0.6,
            &EventKind::Matched {
                call: recv.id,
                msg: id,
            },
        );
        let link = tl.links().next().unwrap();
        assert_eq!((link.recv_call, link.received), (recv.id, 0.5));
        assert_eq!(tl.unreceived().count(), 0);
    }

    #[test]
    fn open_calls_are_cut_at_failure_and_history_is_bounded() {
        let mut s = Script::new("ring", 2);
        for i in 0..5 {
            s.at(f64::from(i));
            let (c, _) = s.send(0, 1, 0, 1, 4);
            s.end(0, &c);
        }
        s.at(9.0);
        s.recv(1, Source::Rank(0), TagSel::Tag(2), 1, 9);
        let tl = timeline(&s, 3);
        assert_eq!(tl.spans(0).count(), 3);
        let open = tl.spans(1).last().unwrap();
        assert_eq!(open.end, None);
        let mut tl = tl;
        tl.step(
            1,
            9.5,
            &EventKind::Failed {
                message: "boom".into(),
                site: None,
            },
        );
        let cut = tl.spans(1).last().unwrap();
        assert_eq!((cut.end, cut.returned), (Some(9.5), false));
        assert_eq!(tl.now(), 9.5);
    }
}
