//! MPI's non-overtaking rule, as bookkeeping: the k-th message sent on a
//! channel (source, dest, tag, communicator) is the k-th message received
//! from it. The sender numbers its sends ([`SendCounter`]); the receiver
//! numbers what it received ([`Matcher`]) and so names the exact send.
//!
//! Receives are matched in the order they were *posted*, not the order the
//! program observes their completion (an `irecv` posted first but waited for
//! last still took the earlier message). A completed receive whose number
//! depends on an earlier-posted wildcard receive that is still open cannot
//! be numbered yet; it is numbered as soon as that wildcard completes.

// A fast hash: the probe numbers every message on the lesson's thread, and
// the keys are small integers from the lesson itself, not an attacker.
use rustc_hash::FxHashMap as HashMap;

use super::{MsgId, Rank, Source, TagSel};

/// Numbers a rank's outgoing messages per channel.
#[derive(Debug, Default)]
pub struct SendCounter {
    next: HashMap<(Rank, i32, u32), u64>,
}

impl SendCounter {
    /// The id of the next message `from` sends to `to` with `tag` on `comm`.
    pub fn next(&mut self, from: Rank, to: Rank, tag: i32, comm: u32) -> MsgId {
        let k = self.next.entry((to, tag, comm)).or_insert(0);
        let id = MsgId {
            from,
            to,
            tag,
            comm,
            k: *k,
        };
        *k += 1;
        id
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    /// Posted, not yet seen complete, and not known to have matched.
    Open,
    /// Not yet seen complete, but a later receive on the same channel
    /// completed, so this one certainly took message `k` of its channel.
    Reserved(u64),
    /// Seen complete with this source and tag, number still unknown.
    Done { from: Rank, tag: i32 },
}

#[derive(Debug)]
struct Posted {
    call: u64,
    comm: u32,
    source: Source,
    tag: TagSel,
    state: State,
}

impl Posted {
    fn accepts(&self, from: Rank, tag: i32, comm: u32) -> bool {
        self.comm == comm
            && matches!(self.source, Source::Any) | (self.source == Source::Rank(from))
            && matches!(self.tag, TagSel::Any) | (self.tag == TagSel::Tag(tag))
    }

    fn is_wildcard(&self) -> bool {
        self.source == Source::Any || self.tag == TagSel::Any
    }
}

/// Numbers the receives of one rank (`me`).
#[derive(Debug)]
pub struct Matcher {
    me: Rank,
    posted: Vec<Posted>,
    next: HashMap<(Rank, i32, u32), u64>,
}

impl Matcher {
    pub fn new(me: Rank) -> Self {
        Matcher {
            me,
            posted: Vec::new(),
            next: HashMap::default(),
        }
    }

    /// A receive (recv, irecv, the receive half of sendrecv) was posted.
    pub fn post(&mut self, call: u64, comm: u32, source: Source, tag: TagSel) {
        self.posted.push(Posted {
            call,
            comm,
            source,
            tag,
            state: State::Open,
        });
    }

    /// Receives still waiting for a number (open, or complete but blocked
    /// behind an open wildcard).
    pub fn unresolved(&self) -> usize {
        self.posted.len()
    }

    /// The receive `call` completed with this status. Adds to `out` every
    /// receive that can now be numbered, `call` among them unless it has to
    /// wait for an earlier wildcard. `out` is the caller's, so the probe
    /// keeps one list instead of allocating one per receive.
    pub fn complete_into(&mut self, call: u64, from: Rank, tag: i32, out: &mut Vec<(u64, MsgId)>) {
        let Some(i) = self.posted.iter().position(|p| p.call == call) else {
            return;
        };
        match self.posted[i].state {
            State::Reserved(k) => {
                let p = self.posted.remove(i);
                out.push((p.call, self.msg(from, tag, p.comm, k)));
            }
            _ => self.posted[i].state = State::Done { from, tag },
        }
        self.resolve(out);
    }

    fn msg(&self, from: Rank, tag: i32, comm: u32, k: u64) -> MsgId {
        MsgId {
            from,
            to: self.me,
            tag,
            comm,
            k,
        }
    }

    fn take_k(&mut self, from: Rank, tag: i32, comm: u32) -> u64 {
        let k = self.next.entry((from, tag, comm)).or_insert(0);
        *k += 1;
        *k - 1
    }

    /// Numbers every completed receive whose number is certain, in posting
    /// order.
    fn resolve(&mut self, out: &mut Vec<(u64, MsgId)>) {
        let mut i = 0;
        while i < self.posted.len() {
            let State::Done { from, tag } = self.posted[i].state else {
                i += 1;
                continue;
            };
            let comm = self.posted[i].comm;
            let earlier_open = |p: &Posted| p.state == State::Open && p.accepts(from, tag, comm);
            if self.posted[..i]
                .iter()
                .any(|p| earlier_open(p) && p.is_wildcard())
            {
                // An earlier wildcard may or may not have taken a message of
                // this channel: wait until it completes.
                i += 1;
                continue;
            }
            // Earlier open receives for exactly this channel were matched
            // before this one: they took the channel's next numbers.
            for j in 0..i {
                if earlier_open(&self.posted[j]) {
                    let k = self.take_k(from, tag, comm);
                    self.posted[j].state = State::Reserved(k);
                }
            }
            let k = self.take_k(from, tag, comm);
            let p = self.posted.remove(i);
            out.push((p.call, self.msg(from, tag, comm, k)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Matcher {
        /// [`Matcher::complete_into`] into a fresh list.
        fn complete(&mut self, call: u64, from: Rank, tag: i32) -> Vec<(u64, MsgId)> {
            let mut out = Vec::new();
            self.complete_into(call, from, tag, &mut out);
            out
        }
    }

    fn ks(v: Vec<(u64, MsgId)>) -> Vec<(u64, Rank, i32, u64)> {
        v.into_iter()
            .map(|(c, m)| (c, m.from, m.tag, m.k))
            .collect()
    }

    #[test]
    fn sends_are_numbered_per_channel() {
        let mut s = SendCounter::default();
        assert_eq!(s.next(0, 1, 13, 0).k, 0);
        assert_eq!(s.next(0, 1, 13, 0).k, 1);
        assert_eq!(s.next(0, 1, 14, 0).k, 0, "another tag is another channel");
        assert_eq!(s.next(0, 2, 13, 0).k, 0, "another dest is another channel");
        assert_eq!(s.next(0, 1, 13, 1).k, 0, "another comm is another channel");
        assert_eq!(s.next(0, 1, 13, 0).k, 2);
    }

    #[test]
    fn blocking_receives_count_their_channel() {
        let mut m = Matcher::new(1);
        m.post(0, 0, Source::Rank(0), TagSel::Tag(13));
        assert_eq!(ks(m.complete(0, 0, 13)), vec![(0, 0, 13, 0)]);
        m.post(1, 0, Source::Rank(0), TagSel::Tag(13));
        assert_eq!(ks(m.complete(1, 0, 13)), vec![(1, 0, 13, 1)]);
        assert_eq!(m.unresolved(), 0);
    }

    #[test]
    fn interleaved_tags_are_separate_channels() {
        // Sender: tag 1, tag 2, tag 1. Receiver takes tag 2 first, then both tag 1s.
        let mut m = Matcher::new(1);
        m.post(0, 0, Source::Rank(0), TagSel::Tag(2));
        assert_eq!(ks(m.complete(0, 0, 2)), vec![(0, 0, 2, 0)]);
        m.post(1, 0, Source::Rank(0), TagSel::Tag(1));
        assert_eq!(ks(m.complete(1, 0, 1)), vec![(1, 0, 1, 0)]);
        m.post(2, 0, Source::Rank(0), TagSel::Tag(1));
        assert_eq!(ks(m.complete(2, 0, 1)), vec![(2, 0, 1, 1)]);
    }

    #[test]
    fn wildcard_receives_use_the_status() {
        let mut m = Matcher::new(0);
        for call in 0..4 {
            m.post(call, 0, Source::Any, TagSel::Any);
        }
        assert_eq!(ks(m.complete(0, 2, 7)), vec![(0, 2, 7, 0)]);
        assert_eq!(ks(m.complete(1, 1, 7)), vec![(1, 1, 7, 0)]);
        assert_eq!(ks(m.complete(2, 2, 7)), vec![(2, 2, 7, 1)]);
        assert_eq!(ks(m.complete(3, 2, 8)), vec![(3, 2, 8, 0)]);
    }

    #[test]
    fn irecvs_are_matched_in_posting_order_not_wait_order() {
        // Two irecvs on the same channel; the program waits for the second first.
        let mut m = Matcher::new(1);
        m.post(10, 0, Source::Rank(0), TagSel::Tag(5));
        m.post(11, 0, Source::Rank(0), TagSel::Tag(5));
        // The second completing means the first took message 0.
        assert_eq!(ks(m.complete(11, 0, 5)), vec![(11, 0, 5, 1)]);
        assert_eq!(ks(m.complete(10, 0, 5)), vec![(10, 0, 5, 0)]);
        assert_eq!(m.unresolved(), 0);
    }

    #[test]
    fn a_later_receive_waits_for_an_open_earlier_wildcard() {
        let mut m = Matcher::new(1);
        m.post(1, 0, Source::Any, TagSel::Tag(5)); // could take from 0 or 2
        m.post(2, 0, Source::Rank(0), TagSel::Tag(5));
        // The specific receive completes first: its number depends on
        // whether the wildcard took rank 0's first message.
        assert!(m.complete(2, 0, 5).is_empty());
        // The wildcard took rank 2's message, so the specific one took
        // rank 0's first (k = 0), and both are numbered now.
        assert_eq!(ks(m.complete(1, 2, 5)), vec![(1, 2, 5, 0), (2, 0, 5, 0)]);
    }

    #[test]
    fn a_wildcard_that_cannot_match_does_not_block() {
        let mut m = Matcher::new(1);
        m.post(1, 0, Source::Any, TagSel::Tag(9)); // only tag 9
        m.post(2, 0, Source::Rank(0), TagSel::Tag(5));
        assert_eq!(ks(m.complete(2, 0, 5)), vec![(2, 0, 5, 0)]);
        assert_eq!(ks(m.complete(1, 3, 9)), vec![(1, 3, 9, 0)]);
    }

    #[test]
    fn wildcard_that_took_the_same_channel_shifts_the_count() {
        let mut m = Matcher::new(1);
        m.post(1, 0, Source::Any, TagSel::Any);
        m.post(2, 0, Source::Rank(0), TagSel::Tag(5));
        assert!(m.complete(2, 0, 5).is_empty());
        assert_eq!(ks(m.complete(1, 0, 5)), vec![(1, 0, 5, 0), (2, 0, 5, 1)]);
    }

    #[test]
    fn receives_on_other_communicators_are_independent() {
        let mut m = Matcher::new(1);
        m.post(1, 1, Source::Any, TagSel::Any);
        m.post(2, 0, Source::Rank(0), TagSel::Tag(5));
        assert_eq!(ks(m.complete(2, 0, 5)), vec![(2, 0, 5, 0)]);
    }
}
