//! Presentation pace. MPI delivers a small message in microseconds; a class
//! needs to see it travel. In paced modes the app shows a receive as
//! complete only once its message has crossed the screen: the completion
//! (and what that rank did after it) waits until `flight` has passed since
//! the send was shown. Other ranks go on. Recording is never delayed: this
//! sits between the session's causal order and the model.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::trace::{consumed, Event, EventKind, MsgId};

pub struct Presenter {
    flight: Duration,
    queues: HashMap<u32, VecDeque<Event>>,
    /// When each send was shown, until its receive is.
    shown: HashMap<MsgId, Instant>,
}

impl Presenter {
    pub fn new(flight: Duration) -> Self {
        Presenter {
            flight,
            queues: HashMap::new(),
            shown: HashMap::new(),
        }
    }

    /// The pace changed: messages shown from now on cross in `flight`.
    pub fn set_flight(&mut self, flight: Duration) {
        self.flight = flight;
    }

    pub fn push(&mut self, e: Event) {
        self.queues.entry(e.rank).or_default().push_back(e);
    }

    /// Events that may be shown at `now`, in order.
    pub fn due(&mut self, now: Instant) -> Vec<Event> {
        let mut out = Vec::new();
        let mut ranks: Vec<u32> = self.queues.keys().copied().collect();
        ranks.sort_unstable();
        for r in ranks {
            let queue = self.queues.get_mut(&r).expect("listed");
            while let Some(front) = queue.front() {
                let landed = |m: &MsgId| {
                    self.shown
                        .get(m)
                        .is_none_or(|t| now.duration_since(*t) >= self.flight)
                };
                if !consumed(front).all(|m| landed(&m)) {
                    break;
                }
                let e = queue.pop_front().expect("front exists");
                for m in consumed(&e) {
                    self.shown.remove(&m);
                }
                if let EventKind::Begin(c) = &e.event {
                    if let Some(s) = &c.send {
                        self.shown.insert(s.msg, now);
                    }
                }
                out.push(e);
            }
        }
        out
    }

    /// Everything still waiting, at once (full speed, or the run is over).
    pub fn flush(&mut self) -> Vec<Event> {
        let mut ranks: Vec<u32> = self.queues.keys().copied().collect();
        ranks.sort_unstable();
        self.shown.clear();
        ranks
            .into_iter()
            .flat_map(|r| self.queues.remove(&r).unwrap_or_default())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Call, CallEnd, Op, Received, SendPart, Site};

    const M: MsgId = MsgId {
        from: 0,
        to: 1,
        tag: 13,
        comm: 0,
        k: 0,
    };

    fn ev(rank: u32, seq: u64, event: EventKind) -> Event {
        Event {
            rank,
            seq,
            t: 0.0,
            event,
        }
    }

    fn send() -> Event {
        ev(
            0,
            0,
            EventKind::Begin(Box::new(Call {
                id: 0,
                op: Op::Send,
                comm: 0,
                send: Some(SendPart {
                    dest: 1,
                    tag: 13,
                    count: 1,
                    datatype: "f64".into(),
                    bytes: 8,
                    msg: M,
                    values: None,
                }),
                recv: None,
                collective: None,
                probe: None,
                requests: vec![],
                name: None,
                shift: None,
                rma: None,
                site: Site {
                    file: "lessons/x.rs".into(),
                    line: 1,
                },
            })),
        )
    }

    fn recv_end() -> Event {
        ev(
            1,
            1,
            EventKind::End(CallEnd {
                received: vec![Received {
                    call: 0,
                    source: 0,
                    tag: 13,
                    bytes: 8,
                    msg: Some(M),
                }],
                ..CallEnd::bare(0, Op::Recv)
            }),
        )
    }

    #[test]
    fn a_receive_is_shown_once_its_message_has_crossed() {
        let flight = Duration::from_secs(1);
        let mut p = Presenter::new(flight);
        let t0 = Instant::now();
        p.push(send());
        p.push(recv_end());
        p.push(ev(
            1,
            2,
            EventKind::Say {
                text: "got it".into(),
            },
        ));
        p.push(ev(
            2,
            0,
            EventKind::Say {
                text: "other".into(),
            },
        ));
        let first: Vec<(u32, u64)> = p.due(t0).iter().map(|e| (e.rank, e.seq)).collect();
        assert_eq!(
            first,
            vec![(0, 0), (2, 0)],
            "the send and other ranks go on"
        );
        assert!(p.due(t0 + flight / 2).is_empty(), "still crossing");
        let later: Vec<(u32, u64)> = p.due(t0 + flight).iter().map(|e| (e.rank, e.seq)).collect();
        assert_eq!(later, vec![(1, 1), (1, 2)]);
    }

    #[test]
    fn flush_lets_everything_through() {
        let mut p = Presenter::new(Duration::from_secs(1));
        p.push(send());
        p.push(recv_end());
        assert_eq!(p.due(Instant::now()).len(), 1);
        assert_eq!(p.flush().len(), 1);
    }
}
