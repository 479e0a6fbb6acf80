//! Puts events from different ranks into an order that respects causality:
//! each rank's own order, and a receive's completion never before the send
//! it consumed. Rank 0 receives every rank's events on its own schedule, so
//! without this a log could show a message arriving before it was sent.

use std::collections::VecDeque;

// FxHash, not SipHash: this runs for every event rank 0 takes, and its
// keys are message ids and rank numbers.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::{Event, EventKind, MsgId};

#[derive(Debug, Default)]
pub struct CausalOrder {
    pending: HashMap<u32, VecDeque<Event>>,
    /// Sends released so far whose receive has not been released yet.
    sent: HashSet<MsgId>,
    /// Ranks whose next event waits for that send.
    waiting: HashMap<MsgId, Vec<u32>>,
}

/// The messages an event shows received (a completed receive, a late match).
/// (An iterator, not a list: this runs for every event rank 0 takes.)
pub fn consumed(e: &Event) -> impl Iterator<Item = MsgId> + '_ {
    let (received, matched) = match &e.event {
        EventKind::End(end) => (&end.received[..], None),
        EventKind::Matched { msg, .. } => (&[][..], Some(*msg)),
        _ => (&[][..], None),
    };
    received.iter().filter_map(|r| r.msg).chain(matched)
}

fn produced(e: &Event) -> Option<MsgId> {
    match &e.event {
        EventKind::Begin(c) => c.send.as_ref().map(|s| s.msg),
        _ => None,
    }
}

impl CausalOrder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one event; returns the events that can now be shown, in order.
    pub fn push(&mut self, e: Event) -> Vec<Event> {
        let rank = e.rank;
        self.pending.entry(rank).or_default().push_back(e);
        let mut out = Vec::new();
        let mut work = vec![rank];
        while let Some(r) = work.pop() {
            self.release(r, &mut out, &mut work);
        }
        out
    }

    fn release(&mut self, rank: u32, out: &mut Vec<Event>, work: &mut Vec<u32>) {
        let Some(queue) = self.pending.get_mut(&rank) else {
            return;
        };
        while let Some(front) = queue.front() {
            if let Some(missing) = consumed(front).find(|m| !self.sent.contains(m)) {
                let ranks = self.waiting.entry(missing).or_default();
                if !ranks.contains(&rank) {
                    ranks.push(rank);
                }
                return;
            }
            let e = queue.pop_front().expect("front exists");
            for m in consumed(&e) {
                self.sent.remove(&m);
            }
            if let Some(m) = produced(&e) {
                self.sent.insert(m);
                if let Some(ranks) = self.waiting.remove(&m) {
                    work.extend(ranks);
                }
            }
            out.push(e);
        }
    }

    /// Events still held back (their send has not been seen).
    pub fn held(&self) -> usize {
        self.pending.values().map(VecDeque::len).sum()
    }

    /// Releases everything still held, rank by rank: at the end of a run,
    /// or when a sender's events were lost.
    pub fn flush(&mut self) -> Vec<Event> {
        let mut ranks: Vec<u32> = self.pending.keys().copied().collect();
        ranks.sort_unstable();
        let mut out = Vec::new();
        for r in ranks {
            if let Some(q) = self.pending.remove(&r) {
                out.extend(q);
            }
        }
        self.waiting.clear();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Call, CallEnd, Op, Received, SendPart, Site};

    fn msg() -> MsgId {
        MsgId {
            from: 0,
            to: 1,
            tag: 13,
            comm: 0,
            k: 0,
        }
    }

    fn send_begin() -> Event {
        let site = Site {
            file: "lessons/send_recv.rs".into(),
            line: 1,
        };
        Event {
            rank: 0,
            seq: 0,
            t: 0.1,
            event: EventKind::Begin(Box::new(Call {
                id: 0,
                op: Op::Send,
                comm: 0,
                send: Some(SendPart {
                    dest: 1,
                    tag: 13,
                    count: 1,
                    datatype: "f64".into(),
                    bytes: 8,
                    msg: msg(),
                    values: None,
                }),
                recv: None,
                collective: None,
                probe: None,
                requests: vec![],
                name: None,
                shift: None,
                rma: None,
                site,
            })),
        }
    }

    fn recv_end() -> Event {
        Event {
            rank: 1,
            seq: 1,
            t: 0.05,
            event: EventKind::End(CallEnd {
                received: vec![Received {
                    call: 0,
                    source: 0,
                    tag: 13,
                    bytes: 8,
                    msg: Some(msg()),
                }],
                ..CallEnd::bare(0, Op::Recv)
            }),
        }
    }

    fn say(rank: u32, seq: u64) -> Event {
        Event {
            rank,
            seq,
            t: 0.0,
            event: EventKind::Say { text: "hi".into() },
        }
    }

    #[test]
    fn a_receive_waits_for_its_send() {
        let mut o = CausalOrder::new();
        assert!(
            o.push(recv_end()).is_empty(),
            "held until the send is known"
        );
        assert!(
            o.push(say(1, 2)).is_empty(),
            "rank 1's later events wait too"
        );
        assert_eq!(o.push(say(2, 0)).len(), 1, "other ranks are not held");
        let out = o.push(send_begin());
        let order: Vec<(u32, u64)> = out.iter().map(|e| (e.rank, e.seq)).collect();
        assert_eq!(order, vec![(0, 0), (1, 1), (1, 2)]);
        assert_eq!(o.held(), 0);
    }

    #[test]
    fn in_order_events_pass_straight_through() {
        let mut o = CausalOrder::new();
        assert_eq!(o.push(send_begin()).len(), 1);
        assert_eq!(o.push(recv_end()).len(), 1);
    }

    #[test]
    fn flush_releases_what_is_stuck() {
        let mut o = CausalOrder::new();
        o.push(recv_end());
        assert_eq!(o.flush().len(), 1);
        assert_eq!(o.held(), 0);
    }
}
