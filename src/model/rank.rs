//! One rank: what it is doing, where in the lesson it is, what it last
//! said. `view::words` words it for the screen.

use crate::trace::{Call, FieldBlock, Op, Rank, Site};

/// What a rank is doing right now.
#[derive(Debug, Clone, PartialEq)]
pub enum RankState {
    /// No event from this rank yet.
    NotStarted,
    /// Running lesson code between MPI calls.
    Running,
    /// Paused by the teacher before this call (pace control): not blocked.
    Held(Call),
    /// Inside this MPI call since `since` (seconds).
    InCall {
        call: Call,
        since: f64,
    },
    Finished,
    Failed {
        message: String,
        site: Option<Site>,
    },
}

/// A loop of unanswered polls (iprobe, improbe, test, testall) the rank
/// is in: not progress, and stuck if what it polls for can never come.
#[derive(Debug, Clone, PartialEq)]
pub struct Polling {
    /// The loop's latest recorded poll: what it looks for, or the requests
    /// it tests.
    pub call: Call,
    /// Polls made so far (1: only the first has been heard of).
    pub polls: u64,
    /// When the loop's first poll began.
    pub since: f64,
}

impl Polling {
    /// The rank has polled again since its first poll: it is in a loop, not
    /// a lone look.
    pub fn is_loop(&self) -> bool {
        self.polls > 1
    }
}

/// Calls that only ask whether something happened: a loop of them is
/// polling.
pub fn is_poll(op: Op) -> bool {
    matches!(op, Op::Iprobe | Op::Improbe | Op::Test | Op::Testall)
}

/// A nonblocking request (isend, irecv, a nonblocking collective) not yet completed by a wait or test.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub call: Call,
    pub since: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RankView {
    pub rank: Rank,
    pub state: RankState,
    /// The current call (held or in progress) or else the last one.
    pub call: Option<Call>,
    /// The lesson line of the current or last call (or of the failure).
    pub site: Option<Site>,
    /// Open isend/irecv requests, in the order they were started.
    pub requests: Vec<Request>,
    /// The last `Say` text.
    pub said: Option<String>,
    /// Seconds spent in completed blocking calls: MPI's waits only.
    pub waited: f64,
    /// The latest field block this rank reported.
    pub field: Option<FieldBlock>,
    /// Events applied for this rank.
    pub events: u64,
    /// Seconds the tutor held the rank before its calls (the teacher's
    /// pace), in holds that are over: neither MPI waiting nor computing.
    pub held: f64,
    /// When the hold the rank is in began.
    pub held_since: Option<f64>,
    /// The loop of polls it is in, if it is polling.
    pub polling: Option<Polling>,
}

/// Calls that block until another rank does something.
pub fn is_blocking(op: Op) -> bool {
    matches!(
        op,
        Op::Send
            | Op::Ssend
            | Op::Recv
            | Op::Sendrecv
            | Op::Wait
            | Op::Waitall
            | Op::Waitany
            | Op::Waitsome
            | Op::Probe
            | Op::Mprobe
    ) || op.is_collective()
}

impl RankView {
    pub fn new(rank: Rank) -> Self {
        RankView {
            rank,
            state: RankState::NotStarted,
            call: None,
            site: None,
            requests: Vec::new(),
            said: None,
            waited: 0.0,
            field: None,
            events: 0,
            held: 0.0,
            held_since: None,
            polling: None,
        }
    }

    pub fn is_terminal(&self) -> bool {
        matches!(self.state, RankState::Finished | RankState::Failed { .. })
    }

    /// In a call that waits for other ranks.
    pub fn is_waiting(&self) -> bool {
        matches!(&self.state, RankState::InCall { call, .. } if is_blocking(call.op))
    }

    /// Blocked inside call `id`, or in a wait on its request: a receive
    /// the rank waits on (not one merely posted while it does something
    /// else), a send that cannot return until its receiver arrives.
    pub fn waits_on(&self, id: u64) -> bool {
        match &self.state {
            RankState::InCall { call, .. } => match call.op {
                Op::Wait | Op::Waitall => call.requests.contains(&id),
                op => call.id == id && is_blocking(op),
            },
            _ => false,
        }
    }

    /// Seconds held by the tutor so far, counting a hold in progress up to
    /// `now`.
    pub fn held_until(&self, now: f64) -> f64 {
        self.held + self.held_since.map_or(0.0, |since| (now - since).max(0.0))
    }

    /// A hold begins at `t` (the rank stopped before a call), unless one
    /// already has.
    pub(super) fn hold_from(&mut self, t: f64) {
        self.held_since.get_or_insert(t);
    }

    /// Whatever the rank does at `t` after a hold ends it.
    pub(super) fn hold_over(&mut self, t: f64) {
        if let Some(since) = self.held_since.take() {
            self.held += (t - since).max(0.0);
        }
    }

    /// Seconds waited so far, counting the blocking call in progress up to `now`.
    pub fn waited_until(&self, now: f64) -> f64 {
        match &self.state {
            RankState::InCall { call, since } if is_blocking(call.op) => {
                self.waited + (now - since).max(0.0)
            }
            _ => self.waited,
        }
    }
}
