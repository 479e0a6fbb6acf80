//! The state of a run as rank 0 has heard it, built only from trace events:
//! no MPI, no terminal, no clock. [`Model::apply`] is the only way it
//! changes, so a recorded trace replays to exactly the same states.
//!
//! Events of one rank arrive in `seq` order, events of different ranks
//! interleave arbitrarily. Duplicates (same rank and seq) are ignored; an
//! event older than one already applied for its rank goes to the history
//! but does not move the state backwards.

mod deadlock;
mod flows;
mod messages;
mod rank;
mod rma;
mod summary;
mod timeline;

#[cfg(test)]
mod collective_count_tests;
#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod poll_tests;
#[cfg(test)]
mod request_tests;
#[cfg(test)]
mod rma_tests;
#[cfg(test)]
mod summary_tests;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub use deadlock::{Deadlock, Receive, Stuck, Unreceived, Waiter};
pub use flows::{is_communicator_call, moves_like, CollectiveStats, FLOWS_KEPT};
pub use messages::{Carrier, Message, MsgState, PostedRecv, DELIVERED_KEPT};
pub use rank::{is_blocking, is_poll, Polling, RankState, RankView, Request};
pub use rma::TRANSFERS_KEPT;
pub use summary::{
    CheckResult, Failure, HostSplit, HostTraffic, OneSidedStats, PairStats, Summary, Traffic,
};
pub use timeline::{CallSpan, HeldSpan, MessageLink, Timeline, MIN_LATENCY, TIMELINE_KEPT};

use crate::trace::{Call, CallEnd, Event, EventKind, Header, Op, Rank, Site, Values};

/// How many events [`Model::recent`] keeps.
pub const HISTORY: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    header: Header,
    ranks: Vec<RankView>,
    seqs: Vec<SeqSeen>,
    msgs: messages::Messages,
    collectives: BTreeMap<(u32, u64), Collective>,
    flows: flows::Flows,
    rma: rma::Rma,
    recent: VecDeque<Event>,
    applied: u64,
    /// Events applied that are news: all but the polls that found nothing.
    progress: u64,
    now: f64,
    stats: summary::Stats,
    timeline: Timeline,
}

/// A model without its recent history, from [`Model::snapshot`].
#[derive(Debug)]
pub struct Snapshot {
    /// With an empty history, and a timeline without its finished calls...
    model: Model,
    /// ...which are here.
    spans: timeline::PackedSpans,
}

/// Who reached one collective call.
#[derive(Debug, Clone, Default, PartialEq)]
struct Collective {
    arrived: BTreeSet<Rank>,
    left: BTreeSet<Rank>,
}

/// The seqs seen from one rank: all below `below`, plus `above`.
#[derive(Debug, Clone, Default, PartialEq)]
struct SeqSeen {
    below: u64,
    above: BTreeSet<u64>,
    max: Option<u64>,
}

impl SeqSeen {
    /// None for a duplicate, else whether it is newer than all seen so far.
    fn insert(&mut self, seq: u64) -> Option<bool> {
        if seq < self.below || !self.above.insert(seq) {
            return None;
        }
        while self.above.remove(&self.below) {
            self.below += 1;
        }
        let newest = match self.max {
            None => true,
            Some(m) => seq > m,
        };
        if newest {
            self.max = Some(seq);
        }
        Some(newest)
    }
}

impl Model {
    pub fn new(header: Header) -> Self {
        let n = header.world_size as usize;
        Model {
            ranks: (0..n as Rank).map(RankView::new).collect(),
            seqs: (0..n).map(|_| SeqSeen::default()).collect(),
            msgs: messages::Messages::new(n),
            collectives: BTreeMap::new(),
            flows: flows::Flows::default(),
            rma: rma::Rma::default(),
            recent: VecDeque::new(),
            applied: 0,
            progress: 0,
            now: 0.0,
            stats: summary::Stats::default(),
            timeline: Timeline::new(n, TIMELINE_KEPT),
            header,
        }
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// One per rank, index = rank.
    pub fn ranks(&self) -> &[RankView] {
        &self.ranks
    }

    /// Messages in flight (sorted by id), then the last
    /// [`DELIVERED_KEPT`] delivered ones (oldest first).
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.msgs.iter()
    }

    /// The data collectives move, as messages: those under way, then the
    /// last [`FLOWS_KEPT`] delivered ones.
    pub fn flows(&self) -> impl Iterator<Item = Message> + '_ {
        self.flows.iter().chain(self.rma.iter().cloned())
    }

    /// One-sided transfers (puts and gets) as messages: those under way
    /// (until the origin's next fence), then the last completed ones.
    pub fn transfers(&self) -> impl Iterator<Item = &Message> {
        self.rma.iter()
    }

    /// `rank`'s window contents as of its last window call, previewed.
    pub fn window(&self, rank: Rank) -> Option<&Values> {
        self.rma.window(rank)
    }

    /// Posted receives that no message in flight can satisfy yet.
    pub fn pending_receives(&self) -> impl Iterator<Item = &PostedRecv> {
        self.msgs.posted().filter(|p| p.matched.is_none())
    }

    /// All posted receives, satisfiable or not.
    pub fn posted_receives(&self) -> impl Iterator<Item = &PostedRecv> {
        self.msgs.posted()
    }

    /// Whether its rank is blocked on this receive (a `recv`, or a wait on
    /// the `irecv`); else the receive is only posted.
    pub fn receive_waited_on(&self, p: &PostedRecv) -> bool {
        self.ranks
            .get(p.rank as usize)
            .is_some_and(|r| r.waits_on(p.call))
    }

    /// A send no receive has taken whose sender is still blocked in it
    /// (a synchronous send, or a large one in rendezvous): the data waits
    /// at the sender for its receiver, it is not queued at the receiver.
    pub fn sender_waits(&self, m: &Message) -> bool {
        m.state == MsgState::Unexpected
            && self
                .ranks
                .get(m.id.from as usize)
                .is_some_and(|r| r.waits_on(m.send_call))
    }

    /// The ranks that can never move again, right now. The app should wait
    /// a grace period before believing it.
    pub fn deadlock(&self) -> Option<Deadlock> {
        deadlock::find(self)
    }

    pub fn summary(&self) -> Summary {
        let waited = self
            .ranks
            .iter()
            .map(|r| r.waited_until(self.now))
            .collect();
        let held = self.ranks.iter().map(|r| r.held_until(self.now)).collect();
        let mut summary = self.stats.summary(waited, held);
        summary.collective = summary::pair_stats(&self.flows.pairs());
        summary.collectives = self.flows.kinds();
        summary.one_sided = self.rma.kinds();
        summary.one_sided_pairs = self.rma.pairs();
        summary.window_calls = self.rma.window_calls();
        summary.hosts = HostTraffic::of(&summary, &self.header);
        summary
    }

    /// Recent calls and delivered messages per rank, on a causal time axis.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// The last [`HISTORY`] events, oldest first.
    pub fn recent(&self) -> impl DoubleEndedIterator<Item = &Event> + ExactSizeIterator {
        self.recent.iter()
    }

    pub fn events_applied(&self) -> u64 {
        self.applied
    }

    /// Events applied that tell of progress: not the polls that found
    /// nothing (a loop of polls that cannot end is a rank stuck).
    pub fn progress_events(&self) -> u64 {
        self.progress
    }

    /// Every rank finished or failed.
    pub fn all_done(&self) -> bool {
        self.ranks.iter().all(RankView::is_terminal)
    }

    /// The latest event time seen.
    pub fn now(&self) -> f64 {
        self.now
    }

    pub fn apply(&mut self, e: &Event) {
        self.apply_owned(e.clone());
    }

    /// [`Model::apply`] for an event given away (it goes to the history
    /// without a copy). Returns false when the event was ignored: a
    /// duplicate, or the same ending recorded twice.
    pub fn apply_owned(&mut self, e: Event) -> bool {
        let t = if e.t.is_finite() { e.t } else { self.now };
        let newest = if let EventKind::RunEnded { outcome, detail } = &e.event {
            // Written by rank 0 outside the ranks' numbering.
            let v = Some((*outcome, detail.clone()));
            if self.stats.outcome == v {
                return false;
            }
            self.stats.outcome = v;
            false
        } else {
            let Some(seen) = self.seqs.get_mut(e.rank as usize) else {
                return false;
            };
            match seen.insert(e.seq) {
                None => return false,
                Some(newest) => newest,
            }
        };
        self.applied += 1;
        if !is_unanswered_poll(&e.event) {
            self.progress += 1;
        }
        self.now = self.now.max(t);
        if newest {
            self.ranks[e.rank as usize].events += 1;
            self.step(e.rank, t, &e.event);
        }
        self.recent.push_back(e);
        if self.recent.len() > HISTORY {
            // Dropped where it is, not moved out first.
            self.recent.drain(..1);
        }
        true
    }

    /// A copy of the model for a replay's checkpoint, made small: the two
    /// histories are most of a model (megabytes at 25 ranks), so the recent
    /// events ([`Model::recent`]) are left out, since the replay has them
    /// anyway, and the timeline's finished calls are packed.
    pub fn snapshot(&self) -> Snapshot {
        let Model {
            header,
            ranks,
            seqs,
            msgs,
            collectives,
            flows,
            rma,
            recent: _,
            applied,
            progress,
            now,
            stats,
            timeline,
        } = self;
        let (timeline, spans) = timeline.split();
        Snapshot {
            model: Model {
                header: header.clone(),
                ranks: ranks.clone(),
                seqs: seqs.clone(),
                msgs: msgs.clone(),
                collectives: collectives.clone(),
                flows: flows.clone(),
                rma: rma.clone(),
                recent: VecDeque::new(),
                applied: *applied,
                progress: *progress,
                now: *now,
                stats: stats.clone(),
                timeline,
            },
            spans,
        }
    }

    /// The model a snapshot was taken of, given `recent`: the events it had
    /// applied then, oldest first (only the last [`HISTORY`] are kept).
    pub fn restore(snapshot: &Snapshot, recent: impl IntoIterator<Item = Event>) -> Model {
        let mut m = snapshot.model.clone();
        m.timeline.rejoin(&snapshot.spans);
        for e in recent {
            m.recent.push_back(e);
            if m.recent.len() > HISTORY {
                m.recent.pop_front();
            }
        }
        m
    }

    fn step(&mut self, rank: Rank, t: f64, kind: &EventKind) {
        let r = rank as usize;
        self.timeline.step(rank, t, kind);
        if self.ranks[r].state == RankState::NotStarted {
            self.ranks[r].state = RankState::Running;
        }
        let terminal = self.ranks[r].is_terminal();
        if let EventKind::Held(_) = kind {
            self.ranks[r].hold_from(t);
        } else {
            self.ranks[r].hold_over(t);
        }
        match kind {
            EventKind::Held(call) => {
                if !terminal {
                    self.ranks[r].state = RankState::Held(Call::clone(call));
                }
                self.ranks[r].site = Some(call.site.clone());
                self.ranks[r].call = Some(Call::clone(call));
            }
            EventKind::Begin(call) => self.begin(rank, t, call, terminal),
            EventKind::End(end) => self.end(rank, t, end),
            EventKind::Matched { msg, .. } => self.msgs.consume(*msg, t),
            EventKind::Say { text } => self.ranks[r].said = Some(text.clone()),
            EventKind::Check { what, passed } => self.stats.checks.push(CheckResult {
                rank,
                what: what.clone(),
                passed: *passed,
            }),
            // A block outside its grid (a damaged recording) is not shown.
            EventKind::Field(block) if block.fits() => self.ranks[r].field = Some(block.clone()),
            EventKind::Field(_) => {}
            EventKind::Finished { .. } => {
                if !terminal {
                    self.ranks[r].state = RankState::Finished;
                }
            }
            EventKind::Failed { message, site } => self.failed(rank, message, site),
            EventKind::RunEnded { .. } => {}
        }
    }

    /// A call begins: the rank is in it (unless it already ended), a
    /// nonblocking one is an open request, and its send, receive or
    /// collective part is on its way.
    #[inline]
    fn begin(&mut self, rank: Rank, t: f64, call: &Call, terminal: bool) {
        let rv = &mut self.ranks[rank as usize];
        if !terminal {
            rv.state = RankState::InCall {
                call: Call::clone(call),
                since: t,
            };
        }
        rv.site = Some(call.site.clone());
        rv.call = Some(Call::clone(call));
        if !is_poll(call.op) {
            rv.polling = None;
        }
        if call.op.starts_request() && !rv.requests.iter().any(|q| q.call.id == call.id) {
            rv.requests.push(Request {
                call: Call::clone(call),
                since: t,
            });
        }
        if let Some(sp) = &call.send {
            if self.msgs.send(call, t) {
                self.stats.sent(rank, sp.dest, sp.bytes);
            }
        }
        if let Some(rp) = &call.recv {
            self.msgs.post(rank, call, rp, t);
        }
        if call.collective.is_some() {
            self.flows.enter(rank, call, t);
        }
        self.rma.begin(rank, call, t);
        if let Some(cp) = &call.collective {
            let key = (call.comm, cp.instance);
            if !self.collectives.contains_key(&key) {
                // The first of its ranks: the collective counts once.
                self.rma.synchronise(call.op);
                self.stats.together(call.op);
            }
            self.collectives
                .entry(key)
                .or_default()
                .arrived
                .insert(rank);
        }
    }

    /// A poll that found nothing starts or goes on with the rank's loop of
    /// polls; one that found something ends it.
    fn track_polling(&mut self, rank: Rank, t: f64, end: &CallEnd) {
        if !is_poll(end.op) {
            return;
        }
        let rv = &mut self.ranks[rank as usize];
        let Some(call) = rv.call.as_ref().filter(|c| c.id == end.id) else {
            return;
        };
        rv.polling = match end.completed {
            Some(false) => Some(Polling {
                call: call.clone(),
                polls: end.polls.max(1),
                since: rv.polling.as_ref().map_or(t, |p| p.since),
            }),
            _ => None,
        };
    }

    /// The rank failed: its state, where, and a failure for the summary.
    fn failed(&mut self, rank: Rank, message: &str, site: &Option<Site>) {
        let rv = &mut self.ranks[rank as usize];
        rv.state = RankState::Failed {
            message: message.to_string(),
            site: site.clone(),
        };
        if site.is_some() {
            rv.site = site.clone();
        }
        self.stats.failures.push(Failure {
            rank,
            message: message.to_string(),
            site: site.clone(),
        });
    }

    /// `rank` is through collective `call` (if it is one): once every
    /// member is, the collective is forgotten.
    fn left_collective(&mut self, rank: Rank, call: &Call) {
        let Some(cp) = &call.collective else { return };
        let key = (call.comm, cp.instance);
        if let Some(c) = self.collectives.get_mut(&key) {
            c.left.insert(rank);
            if c.left.len() >= cp.members as usize {
                self.collectives.remove(&key);
            }
        }
    }

    fn end(&mut self, rank: Rank, t: f64, end: &CallEnd) {
        let r = rank as usize;
        self.track_polling(rank, t, end);
        self.rma.end(rank, end, t);
        for rec in &end.received {
            let taken = rec.msg.or_else(|| self.msgs.taken_by(rank, rec));
            self.msgs.unpost(rank, rec.call);
            if let Some(id) = taken {
                self.msgs.consume(id, t);
            }
        }
        if matches!(end.op, Op::Recv | Op::Sendrecv | Op::Mprobe | Op::Improbe) {
            self.msgs.unpost(rank, end.id);
        }
        let current = match &self.ranks[r].state {
            RankState::InCall { call, since } => Some((call.clone(), *since)),
            _ => None,
        };
        match current {
            Some((call, since)) if call.id == end.id => {
                let completed: &[u64] = match call.op {
                    Op::Wait | Op::Waitall => &call.requests,
                    Op::Test | Op::Testall if end.completed == Some(true) => &call.requests,
                    op if op.completes_some() => &end.done,
                    _ => &[],
                };
                for id in completed {
                    self.msgs.unpost(rank, *id);
                    let requests = &mut self.ranks[r].requests;
                    if let Some(at) = requests.iter().position(|q| q.call.id == *id) {
                        // A nonblocking collective is left when its request is.
                        let started = requests.remove(at).call;
                        self.flows.leave(rank, &started, end, t);
                        self.left_collective(rank, &started);
                    }
                }
                if !call.op.is_nonblocking_collective() {
                    self.flows.leave(rank, &call, end, t);
                    self.left_collective(rank, &call);
                }
                let rv = &mut self.ranks[r];
                if is_blocking(call.op) {
                    rv.waited += (t - since).max(0.0);
                }
                rv.state = RankState::Running;
            }
            // The end of a later call than the one we saw begin: the Begin
            // was lost. The rank is running again either way.
            Some((call, _)) if call.id < end.id => self.ranks[r].state = RankState::Running,
            Some(_) => {}
            None => {
                if !self.ranks[r].is_terminal() {
                    self.ranks[r].state = RankState::Running;
                }
            }
        }
    }
}

/// A poll's beginning, or its end without an answer: no progress.
fn is_unanswered_poll(kind: &EventKind) -> bool {
    match kind {
        EventKind::Begin(call) => is_poll(call.op),
        EventKind::End(end) => is_poll(end.op) && end.completed == Some(false),
        _ => false,
    }
}
