//! The model's answers in words: a rank's state at three widths for the
//! rank boxes and grids, and a deadlock as the one-line chain the banner,
//! the headless log and the recorded outcome give.

use crate::model::{Deadlock, Polling, RankState, RankView, Stuck, Waiter};
use crate::trace::display::{polled, source_name, tag_name};
use crate::trace::{Call, Op, Source};

/// The state in a few words: `running`, `waiting in recv from 0`,
/// `waiting in send to 1`, `in bcast (root 0)`, `paused before send`,
/// `finished`, `FAILED`.
pub fn rank_state(rank: &RankView) -> String {
    match &rank.state {
        RankState::NotStarted => "not started".into(),
        RankState::Running => match polling_loop(rank) {
            Some(p) => polling(p),
            None => "running".into(),
        },
        RankState::Held(c) => format!("paused before {}", c.op.name()),
        RankState::InCall { call, .. } => in_call(call),
        RankState::Finished => "finished".into(),
        RankState::Failed { .. } => "FAILED".into(),
    }
}

/// The state in at most 9 characters, for the compact grid:
/// `run`, `recv←0`, `send→1`, `bcast`, `paused`, `done`, `FAILED`.
pub fn rank_state_short(rank: &RankView) -> String {
    match &rank.state {
        RankState::NotStarted => "new".into(),
        RankState::Running if polling_loop(rank).is_some() => "polling".into(),
        RankState::Running => "run".into(),
        RankState::Held(_) => "paused".into(),
        RankState::InCall { call, .. } => in_call_short(call),
        RankState::Finished => "done".into(),
        RankState::Failed { .. } => "FAILED".into(),
    }
}

/// The state in at most 5 characters, for the narrowest grid cells
/// (64 ranks beside a heat map at 80 columns): `→1`, `←12`, `wait`,
/// `pause`, else the short word.
pub fn rank_state_tiny(rank: &RankView) -> String {
    match &rank.state {
        RankState::Held(_) => "pause".into(),
        RankState::Running if polling_loop(rank).is_some() => "poll".into(),
        RankState::InCall { call, .. } => match (call.op, &call.send, &call.recv) {
            (Op::Send | Op::Ssend, Some(s), _) => format!("→{}", s.dest),
            (Op::Recv, _, Some(r)) => format!("←{}", source_name(r.source)),
            (Op::Wait | Op::Waitall, _, _) => "wait".into(),
            _ => rank_state_short(rank),
        },
        _ => rank_state_short(rank),
    }
}

/// The loop of polls the rank is in, once it has polled more than once.
fn polling_loop(rank: &RankView) -> Option<&Polling> {
    rank.polling.as_ref().filter(|p| p.is_loop())
}

/// `polling in iprobe from 0, polled 3,412 times`.
fn polling(p: &Polling) -> String {
    let from = match &p.call.probe {
        Some(probe) => format!(" from {}", source_name(probe.source)),
        None => String::new(),
    };
    format!("polling in {}{from}, {}", p.call.op.name(), polled(p.polls))
}

/// A call in progress, in at most 9 characters: `recv←0`, `send→1`, `bcast`.
fn in_call_short(call: &Call) -> String {
    match call.op {
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
    }
}

/// A call in progress: `waiting in recv from 0`, `in bcast (root 0)`.
fn in_call(call: &Call) -> String {
    let op = call.op.name();
    match call.op {
        Op::Recv | Op::Mprobe => match &call.recv {
            Some(r) => format!("waiting in {op} from {}", source_name(r.source)),
            None => format!("waiting in {op}"),
        },
        Op::Send | Op::Ssend => match &call.send {
            Some(s) => format!("waiting in {op} to {}", s.dest),
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
        Op::Isend
        | Op::Irecv
        | Op::Test
        | Op::Testall
        | Op::Iprobe
        | Op::Improbe
        | Op::Mrecv
        | Op::Imrecv => format!("in {op}"),
        Op::Probe => format!("waiting in {op}"),
        _ => match call.collective.as_ref().and_then(|c| c.root) {
            Some(root) => format!("in {op} (root {root})"),
            None => format!("in {op}"),
        },
    }
}

/// The call a waiter is stuck in: `recv(from 1, tag 7)`,
/// `wait(irecv #0 from 1, tag 1)`, `bcast(root 0)`, `barrier()`.
pub fn stuck_call(waiter: &Waiter) -> String {
    let op = waiter.op.name();
    let via = match waiter.request {
        Some((request, id)) => format!("{} #{id} ", request.name()),
        None => String::new(),
    };
    let peer = waiter.peer.map_or_else(String::new, source_name);
    let tag = waiter.tag.map_or_else(String::new, tag_name);
    match (waiter.stuck, waiter.peer) {
        (Stuck::Send, _) => format!("{op}({via}to {peer}, tag {tag})"),
        (Stuck::Recv | Stuck::Probe, _) => format!("{op}({via}from {peer}, tag {tag})"),
        (Stuck::Collective, Some(Source::Rank(root))) => format!("{op}(root {root})"),
        (Stuck::Collective, _) => format!("{op}()"),
    }
}

/// One rank of a deadlock: `rank 0 recv(from 1, tag 7) lessons/deadlock.rs:14`.
/// A rank in a loop of polls: `rank 1 iprobe(from 0, tag 7) polled 3,412
/// times polling.c:14`.
pub fn waiter(waiter: &Waiter) -> String {
    let polls = if waiter.polls > 1 {
        format!(" {}", polled(waiter.polls))
    } else {
        String::new()
    };
    format!(
        "rank {} {}{polls} {}",
        waiter.rank,
        stuck_call(waiter),
        waiter.site
    )
}

/// The whole chain: `rank 0 recv(from 1, tag 7) lessons/deadlock.rs:14 ->
/// rank 1 recv(from 0, tag 7) lessons/deadlock.rs:20 -> rank 0`, or ending
/// `-> rank 2 (ended)` when it leads to a rank that ended.
pub fn deadlock_chain(deadlock: &Deadlock) -> String {
    let mut parts: Vec<String> = deadlock.cycle.iter().map(waiter).collect();
    match (deadlock.dead_end, deadlock.cycle.first()) {
        (Some(r), _) => parts.push(format!("rank {r} (ended)")),
        (None, Some(first)) => parts.push(format!("rank {}", first.rank)),
        (None, None) => {}
    }
    parts.join(" -> ")
}

/// The title of a program the user brought (`mpi-tutor watch`).
pub const WATCHED_TITLE: &str = "your own MPI program, watched";

/// What the explanation pane says of a program without line information.
pub const NO_LINES: &str = "This program has no debug information, so calls are shown by function, not by line: build it with `mpicc -g` to see its source lines.";
