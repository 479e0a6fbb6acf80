//! One rank as the view shows it: what it is doing, where in the lesson it
//! is, what it last said.

use crate::trace::display::source_name;
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

/// A nonblocking request (isend/irecv) not yet completed by a wait or test.
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
    /// Seconds spent in completed blocking calls.
    pub waited: f64,
    /// The latest field block this rank reported.
    pub field: Option<FieldBlock>,
    /// Events applied for this rank.
    pub events: u64,
}

/// Calls that block until another rank does something.
pub fn is_blocking(op: Op) -> bool {
    matches!(
        op,
        Op::Send | Op::Recv | Op::Sendrecv | Op::Wait | Op::Waitall
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
        }
    }

    pub fn is_terminal(&self) -> bool {
        matches!(self.state, RankState::Finished | RankState::Failed { .. })
    }

    /// In a call that waits for other ranks.
    pub fn is_waiting(&self) -> bool {
        matches!(&self.state, RankState::InCall { call, .. } if is_blocking(call.op))
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

    /// The state in a few words: `running`, `waiting in recv from 0`,
    /// `waiting in send to 1`, `in bcast (root 0)`, `paused before send`,
    /// `finished`, `FAILED`.
    pub fn state_word(&self) -> String {
        match &self.state {
            RankState::NotStarted => "not started".into(),
            RankState::Running => "running".into(),
            RankState::Held(c) => format!("paused before {}", c.op.name()),
            RankState::InCall { call, .. } => in_call_word(call),
            RankState::Finished => "finished".into(),
            RankState::Failed { .. } => "FAILED".into(),
        }
    }

    /// The state in at most 9 characters, for the compact grid:
    /// `run`, `recv←0`, `send→1`, `bcast`, `paused`, `done`, `FAILED`.
    pub fn short_word(&self) -> String {
        match &self.state {
            RankState::NotStarted => "new".into(),
            RankState::Running => "run".into(),
            RankState::Held(_) => "paused".into(),
            RankState::InCall { call, .. } => match call.op {
                Op::Recv => match &call.recv {
                    Some(r) => format!("recv←{}", source_name(r.source)),
                    None => "recv".into(),
                },
                Op::Send => match &call.send {
                    Some(s) => format!("send→{}", s.dest),
                    None => "send".into(),
                },
                Op::Sendrecv => "sendrecv".into(),
                op => op.name().into(),
            },
            RankState::Finished => "done".into(),
            RankState::Failed { .. } => "FAILED".into(),
        }
    }
}

impl RankView {
    /// The state in at most 5 characters, for the narrowest grid cells
    /// (64 ranks beside a heat map at 80 columns): `→1`, `←12`, `wait`,
    /// `pause`, else the short word.
    pub fn tiny_word(&self) -> String {
        match &self.state {
            RankState::Held(_) => "pause".into(),
            RankState::InCall { call, .. } => match (call.op, &call.send, &call.recv) {
                (Op::Send, Some(s), _) => format!("→{}", s.dest),
                (Op::Recv, _, Some(r)) => format!("←{}", source_name(r.source)),
                (Op::Wait | Op::Waitall, _, _) => "wait".into(),
                _ => self.short_word(),
            },
            _ => self.short_word(),
        }
    }
}

fn in_call_word(call: &Call) -> String {
    let op = call.op.name();
    match call.op {
        Op::Recv => match &call.recv {
            Some(r) => format!("waiting in recv from {}", source_name(r.source)),
            None => "waiting in recv".into(),
        },
        Op::Send => match &call.send {
            Some(s) => format!("waiting in send to {}", s.dest),
            None => "waiting in send".into(),
        },
        Op::Sendrecv => match (&call.send, &call.recv) {
            (Some(s), Some(r)) => format!(
                "waiting in sendrecv to {} from {}",
                s.dest,
                source_name(r.source)
            ),
            _ => "waiting in sendrecv".into(),
        },
        Op::Wait | Op::Waitall => format!("waiting in {op}"),
        Op::Isend | Op::Irecv | Op::Test => format!("in {op}"),
        _ => match call.collective.as_ref().and_then(|c| c.root) {
            Some(root) => format!("in {op} (root {root})"),
            None => format!("in {op}"),
        },
    }
}
