//! The model's answers in words: a rank's state at three widths for the
//! rank boxes and grids, and a deadlock as the one-line chain the banner,
//! the headless log and the recorded outcome give.

use crate::model::{Deadlock, Polling, RankState, RankView, Receive, Stuck, Unreceived, Waiter};
use crate::trace::display::{polled, source_name, tag_name};
use crate::trace::{Call, MsgId, Op, Site, Source, TagSel};

pub use super::hosts::{
    event_crosses, host_split_lines, hosts_line, hosts_note, rank_name, rank_on_host, CROSSES,
    CROSSES_LEGEND,
};

/// A rank the tutor holds before a call, at the teacher's pace.
pub const HELD: &str = "held by the tutor";
/// [`HELD`] for the grids, and the summary's column.
pub const HELD_SHORT: &str = "held";

/// The state in a few words: `running`, `waiting in recv from 0`,
/// `waiting in send to 1`, `in bcast (root 0)`, `held by the tutor` (the
/// teacher's pace, before the call the box shows: not MPI waiting),
/// `finished`, `FAILED`.
pub fn rank_state(rank: &RankView) -> String {
    match &rank.state {
        RankState::NotStarted => "not started".into(),
        RankState::Running => match polling_loop(rank) {
            Some(p) => polling(p),
            None => "running".into(),
        },
        RankState::Held(_) => HELD.into(),
        RankState::InCall { call, .. } => in_call(call),
        RankState::Finished => "finished".into(),
        RankState::Failed { .. } => "FAILED".into(),
    }
}

/// The state in at most 9 characters, for the compact grid:
/// `run`, `recv←0`, `send→1`, `bcast`, `held`, `done`, `FAILED`.
pub fn rank_state_short(rank: &RankView) -> String {
    match &rank.state {
        RankState::NotStarted => "new".into(),
        RankState::Running if polling_loop(rank).is_some() => "polling".into(),
        RankState::Running => "run".into(),
        RankState::Held(_) => HELD_SHORT.into(),
        RankState::InCall { call, .. } => in_call_short(call),
        RankState::Finished => "done".into(),
        RankState::Failed { .. } => "FAILED".into(),
    }
}

/// The state in at most 5 characters, for the narrowest grid cells
/// (64 ranks beside a heat map at 80 columns): `→1`, `←12`, `wait`,
/// `held`, else the short word.
pub fn rank_state_tiny(rank: &RankView) -> String {
    match &rank.state {
        RankState::Held(_) => HELD_SHORT.into(),
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
        _ => call.op_name().into(),
    }
}

/// A call in progress: `waiting in recv from 0`, `in bcast (root 0)`.
fn in_call(call: &Call) -> String {
    let op = call.op_name();
    match call.op {
        Op::Recv | Op::Mprobe => match &call.recv {
            Some(r) => format!("waiting in {op} from {}", source_name(r.source)),
            None => format!("waiting in {op}"),
        },
        Op::Send | Op::Ssend => match &call.send {
            Some(s) => format!("waiting in {op} to {}", s.dest),
            None => "waiting in send".into(),
        },
        Op::Sendrecv => format!(
            "waiting in sendrecv to {} from {}",
            call.send
                .as_ref()
                .map_or("nobody".into(), |s| s.dest.to_string()),
            call.recv
                .as_ref()
                .map_or("nobody".into(), |r| source_name(r.source))
        ),
        Op::Wait | Op::Waitall | Op::Waitany | Op::Waitsome => format!("waiting in {op}"),
        Op::Other | Op::CartShift | Op::Testany | Op::Testsome => format!("in {op}"),
        op if op.is_nonblocking_collective() => format!("in {}", op.name()),
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
        (Stuck::Collective, Some(Source::Rank(root))) => format!("{op}({via}root {root})"),
        (Stuck::Collective, _) => format!("{op}({})", via.trim_end()),
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

/// The whole chain in the direction of waiting: `rank 0 recv(from 1,
/// tag 7) lessons/deadlock.rs:14 waits for rank 1 recv(from 0, tag 7)
/// lessons/deadlock.rs:20 waits for rank 0`, or ending `waits for rank 2,
/// which has ended` when it leads to a rank that ended.
pub fn deadlock_chain(deadlock: &Deadlock) -> String {
    let mut parts: Vec<String> = deadlock.cycle.iter().map(waiter).collect();
    match (deadlock.dead_end, deadlock.cycle.first()) {
        (Some(r), _) => parts.push(format!("rank {r}, which has ended")),
        (None, Some(first)) => parts.push(format!("rank {}", first.rank)),
        (None, None) => {}
    }
    parts.join(" waits for ")
}

/// How a run that deadlocked ended, in one line: the chain of waits, then
/// the first message no receive takes, if one waits (why the receive
/// waits, most often).
pub fn deadlock_detail(deadlock: &Deadlock) -> String {
    let chain = deadlock_chain(deadlock);
    match deadlock.unreceived.first() {
        Some(u) => format!("{chain}; {}", unreceived(u)),
        None => chain,
    }
}

/// A message that waits unreceived at a deadlocked rank, and what that
/// rank's receive asks for instead: `rank 0 sent rank 1 a message with tag
/// 13 (ex1.py:20) that no receive takes: rank 1's recv asks for tag 14`.
pub fn unreceived(u: &Unreceived) -> String {
    let m = &u.msg;
    let said = format!(
        "rank {} sent rank {} a message with tag {} ({}) that no receive takes",
        m.from, m.to, m.tag, u.site
    );
    match &u.instead {
        Some(receive) => {
            // The receive itself: a wait's request (`irecv #3`), else the call.
            let call = match receive.request {
                Some((op, id)) => format!("{} #{id}", op.name()),
                None => receive.op.name().to_string(),
            };
            let asked = asked(receive, m);
            format!("{said}: rank {}'s {call} asks for {asked}", m.to)
        }
        None => said,
    }
}

/// What `receive` asks for that message `m` is not: another source,
/// another tag, or (both the same) another communicator.
fn asked(receive: &Receive, m: &MsgId) -> String {
    let source = match receive.peer {
        Some(Source::Rank(r)) if r != m.from => Some(r),
        _ => None,
    };
    let tag = match receive.tag {
        Some(TagSel::Tag(t)) if t != m.tag => Some(t),
        _ => None,
    };
    match (source, tag) {
        (Some(r), Some(t)) => format!("rank {r}, tag {t}"),
        (Some(r), None) => format!("a message from rank {r}"),
        (None, Some(t)) => format!("tag {t}"),
        (None, None) => "a message on another communicator".into(),
    }
}

/// What a deadlock is, in a title that fits however many ranks it holds:
/// `rank 1 waits forever` (for a rank that ended), `rank 0 waits for
/// itself forever`, `these ranks wait forever`, `these ranks wait for each
/// other forever`.
pub fn deadlock_title(deadlock: &Deadlock) -> String {
    match (deadlock.dead_end, deadlock.cycle.as_slice()) {
        (Some(_), [one]) => format!("rank {} waits forever", one.rank),
        (Some(_), _) => "these ranks wait forever".into(),
        (None, [one]) => format!("rank {} waits for itself forever", one.rank),
        (None, _) => "these ranks wait for each other forever".into(),
    }
}

/// Why a failed rank failed, and where: `at lessons/crash.rs:19: index
/// out of bounds ...`, or the message alone without a line; None for a
/// rank that did not fail.
pub fn failure(rank: &RankView) -> Option<String> {
    match &rank.state {
        RankState::Failed { message, site } => Some(match site {
            Some(s) => format!("at {s}: {message}"),
            None => message.clone(),
        }),
        _ => None,
    }
}

/// How a rank failed, as the end of the run says it: `rank 2 failed at
/// lessons/crash.rs:14: index out of bounds`; a rank killed from outside
/// is its own sentence (`rank 3 was killed ...`, see [`killed`]).
pub fn rank_failed(rank: u32, message: &str, site: Option<&Site>) -> String {
    if message.starts_with("rank ") {
        return message.to_string();
    }
    let at = site.map(|s| format!(" at {s}")).unwrap_or_default();
    format!("rank {rank} failed{at}: {message}")
}

/// What the summary says of a live run the teacher has paused.
pub const PAUSED_BY_TEACHER: &str = "paused by the teacher: the ranks are held by the tutor";

/// The title of a program the user brought (`mpi-tutor watch`).
pub const WATCHED_TITLE: &str = "your own MPI program, watched";

/// The outcome of a run without checks (a watched program) that ended well.
pub const EVERY_RANK_FINISHED: &str = "every rank finished";

/// What the explanation pane says of a program without line information.
pub const NO_LINES: &str = "This program has no debug information, so calls are shown by function, not by line: build it with `mpicc -g` to see its source lines.";

/// How a collective's data moves, logically: `root -> all`; a
/// nonblocking collective's as its blocking form's.
pub fn movement(op: Op) -> &'static str {
    match crate::model::moves_like(op) {
        Some(Op::Bcast) => "root -> all",
        Some(Op::Scatter | Op::Scatterv) => "root -> each its chunk",
        Some(Op::Gather | Op::Gatherv) => "each -> root",
        Some(Op::Reduce) => "all -> root, combined",
        Some(Op::Allreduce) => "all -> all, combined",
        Some(Op::Allgather | Op::Allgatherv) => "all -> all",
        Some(Op::Alltoall | Op::Alltoallv) => "each -> each its chunk",
        Some(Op::ReduceScatter | Op::ReduceScatterBlock) => "all -> each its part, combined",
        Some(Op::Scan | Op::Exscan) => "each -> the ranks after it",
        _ => "no data",
    }
}

/// A collective as its flows are labelled: `bcast`, `reduce sum`.
pub fn collective_name(op: Op, reduce: Option<&str>) -> String {
    match reduce {
        Some(r) => format!("{} {r}", op.name()),
        None => op.name().to_string(),
    }
}

/// How a one-sided transfer's data moves: `origin -> target's window`.
pub fn one_sided_movement(op: Op) -> &'static str {
    match op {
        Op::Get => "target's window -> origin",
        _ => "origin -> target's window",
    }
}

/// What the window calls are, wherever they are listed.
pub const WINDOW_CALLS_NOTE: &str = "synchronisation: they move no data";

/// `window calls: win_create 1, fence 3, win_free 1 (synchronisation:
/// they move no data)`: each window call made together, and how many
/// times; None without window calls.
pub fn window_calls(calls: &[(Op, u64)]) -> Option<String> {
    window_call_counts(calls).map(|counts| format!("{counts} ({WINDOW_CALLS_NOTE})"))
}

/// `window calls: win_create 1, fence 3, win_free 1`: [`window_calls`]
/// without its note, for where the note has a line of its own.
pub fn window_call_counts(calls: &[(Op, u64)]) -> Option<String> {
    call_counts("window calls", calls)
}

/// What the communicator calls are, wherever they are listed.
pub const COMMUNICATOR_CALLS_NOTE: &str = "they make communicators and move no data";

/// `communicator calls: comm_split 1, comm_dup 1 (they make communicators
/// and move no data)`; None without communicator calls.
pub fn communicator_calls(calls: &[(Op, u64)]) -> Option<String> {
    communicator_call_counts(calls).map(|counts| format!("{counts} ({COMMUNICATOR_CALLS_NOTE})"))
}

/// `communicator calls: comm_split 1, comm_dup 1`: [`communicator_calls`]
/// without its note, for where the note has a line of its own.
pub fn communicator_call_counts(calls: &[(Op, u64)]) -> Option<String> {
    call_counts("communicator calls", calls)
}

/// `KIND: first 1, second 3`: each call and how many times the ranks made
/// it together; None without calls.
fn call_counts(kind: &str, calls: &[(Op, u64)]) -> Option<String> {
    let each: Vec<String> = calls
        .iter()
        .map(|(op, n)| format!("{} {n}", op.name()))
        .collect();
    (!calls.is_empty()).then(|| format!("{kind}: {}", each.join(", ")))
}

/// What the collective counts mean, wherever they are shown.
pub const COLLECTIVE_NOTE: &str =
    "the data each rank contributes and receives, not the library's internal messages";

/// What a rank killed from outside was doing, with a slot for the signal
/// once known: `rank 3 was killed{signal} during recv <- 2 at
/// lessons/ring.rs:35` (the slot becomes ` (SIGKILL)`).
pub fn killed(rank: &RankView, signal_slot: &str) -> String {
    let r = rank.rank;
    let doing = match (&rank.state, &rank.call) {
        (RankState::InCall { call, .. }, _) => format!(" during {}", call_brief(call)),
        (RankState::Held(call), _) => format!(" paused before {}", call_brief(call)),
        (RankState::NotStarted, _) => " before its first MPI call".to_string(),
        (_, Some(call)) => format!(" after {}", call_brief(call)),
        (_, None) => " before its first MPI call".to_string(),
    };
    let at = rank
        .site
        .as_ref()
        .map_or_else(String::new, |s| format!(" at {s}"));
    format!("rank {r} was killed{signal_slot}{doing}{at}")
}

/// A call in a few words: `recv <- 2`, `send -> 0`, `bcast`.
fn call_brief(call: &Call) -> String {
    let op = call.op.name();
    match (&call.send, &call.recv) {
        (Some(s), Some(r)) => format!("{op} -> {} <- {}", s.dest, source_name(r.source)),
        (Some(s), None) => format!("{op} -> {}", s.dest),
        (None, Some(r)) => format!("{op} <- {}", source_name(r.source)),
        (None, None) => op.to_string(),
    }
}

/// Why the run ended when the job was stopped by a signal from outside:
/// `stopped by SIGTERM`.
pub fn stopped_by(signal_name: &str) -> String {
    format!("stopped by {signal_name}")
}

/// Why the run ended when mpiexec itself was killed: `mpiexec was
/// killed (SIGKILL); the job ended with it`.
pub fn launcher_killed(signal_name: &str) -> String {
    format!("mpiexec was killed ({signal_name}); the job ended with it")
}

/// Why the run ended when the job failed before rank 0 could say why (a
/// rank killed while the job was still starting).
pub fn ended_unexplained(code: i32) -> String {
    format!("the job ended with mpiexec's exit code {code} before rank 0 could say why")
}

/// The status bar's words when no key can reach the view.
pub const KEYS_UNAVAILABLE: &str = "keys unavailable: stop with Ctrl-C in the terminal or `kill`";

/// Why the live view gave way to the log: rank 0 runs on `host` (with
/// `ranks_here` ranks), away from the terminal of the run; typed there,
/// `mpi-tutor COMMAND --hosts ... TAIL` relays the view to it.
pub fn away_from_terminal(
    host: &str,
    ranks_here: Option<u32>,
    command: &str,
    tail: &str,
) -> String {
    let first = ranks_here.map_or(host.to_string(), |n| format!("{host}:{n}"));
    let tail = if tail.is_empty() {
        String::new()
    } else {
        format!(" {tail}")
    };
    format!(
        "rank 0 runs on {host}, away from this terminal: showing the log; \
         `mpi-tutor {command} --hosts {first},...{tail}` brings the live view here"
    )
}

/// Why the live view gave way to the log on this terminal.
pub fn no_full_screen(why: &str) -> String {
    format!("this terminal cannot show the full-screen view ({why}): showing the log instead")
}

/// What `mpi-tutor exercise` says once it wrote a lesson's twin `file`.
pub fn twin_written(file: &str, ranks: u32) -> String {
    format!(
        "wrote {file}: its exercises are at the top.\nWatch it with:  mpi-tutor watch -n {ranks} -- python3 {file}"
    )
}

/// A rank's one-sided window in its box: `▣ window [1.0, 2.0 … 32.0]`.
pub fn window(values: &str) -> String {
    format!("▣ window {values}")
}

/// `ranks 4-5 on h2`, `rank 3 on h1 and ranks 4-5 on h2`, `rank 3` where
/// the run is on one host or its hosts are not known: the ranks named,
/// grouped by host.
pub fn ranks_and_hosts(ranks: &[u32], header: &crate::trace::Header) -> String {
    let mut groups: Vec<(Option<&str>, Vec<u32>)> = Vec::new();
    for &r in ranks {
        let host = header.host(r).filter(|_| header.spans_hosts());
        match groups.iter_mut().find(|g| g.0 == host) {
            Some(group) => group.1.push(r),
            None => groups.push((host, vec![r])),
        }
    }
    let each: Vec<String> = groups
        .iter()
        .map(|(host, ranks)| {
            let word = if ranks.len() == 1 { "rank" } else { "ranks" };
            let on = host.map_or_else(String::new, |h| format!(" on {h}"));
            format!("{word} {}{on}", super::hosts::rank_ranges(ranks))
        })
        .collect();
    each.join(" and ")
}

/// Why the run ended when ranks went silent past `--silence-limit`.
pub fn silent(who: &str, many: bool, secs: u64) -> String {
    let (have, their) = if many {
        ("have", "their")
    } else {
        ("has", "its")
    };
    format!(
        "{who} {have} not been heard from for {secs} s ({their} host unreachable, or a \
         link cut?): the job was ended; --silence-limit SECS waits longer (0: for ever)"
    )
}

/// Why the run ended when ranks had gone silent before the job was
/// stopped from outside (their host's processes killed, or the host lost).
pub fn lost_before_stop(who: &str, many: bool, secs: f64, signal_name: &str) -> String {
    let (were, their) = if many {
        ("were", "their")
    } else {
        ("was", "its")
    };
    format!(
        "{who} {were} lost: silent since {secs:.1} s before the job was stopped \
         ({signal_name}); killed, or {their} host unreachable"
    )
}

/// Said once at the start of a run across hosts under MPICH.
pub const MPICH_ACROSS_HOSTS: &str =
    "MPICH 4.0.2 can hang in MPI_Finalize across hosts: each rank \
     ends itself 5 s into it (hydra may then print errors); Open MPI's mpiexec is the better \
     choice across hosts (MPIEXEC=mpiexec.openmpi, mpi-tutor built against Open MPI)";
