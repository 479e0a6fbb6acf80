//! Deadlock as a wait-for graph. Each blocked rank needs a set of clauses,
//! every clause satisfied by any one of its ranks acting again (a specific
//! receive is a one-rank clause, a wildcard receive one clause of every
//! other rank). Ranks that can act are released; a blocked rank whose every
//! clause holds a released rank is released in turn. What stays blocked at
//! the fixpoint can never move: it is deadlocked.
//!
//! A probe waits for a message as a receive does, without taking it; a
//! rank in a loop of polls (iprobe, test...) is as stuck as one blocked in
//! the probe or wait, while no message it polls for is on its way.

use std::collections::BTreeSet;

use super::{Model, MsgState, Polling, RankState, RankView};
use crate::trace::{Call, MsgId, Op, ProbePart, Rank, Site, Source, TagSel};

/// One rank of a deadlock and the call it is stuck in.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiter {
    pub rank: Rank,
    /// The call the rank is in.
    pub op: Op,
    /// The peer of the part of the call that blocks (`Any` for a wildcard
    /// receive), if it has one.
    pub peer: Option<Source>,
    pub tag: Option<TagSel>,
    pub site: Site,
    /// The rank it waits for next in [`Deadlock::cycle`].
    pub waits_for: Rank,
    /// Which part of the call blocks.
    pub stuck: Stuck,
    /// For a wait: the nonblocking call it waits on (its op and call id).
    pub request: Option<(Op, u64)>,
    /// For a rank in a loop of polls: how many it has made (else 0).
    pub polls: u64,
}

/// The part of its call a rank is stuck in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stuck {
    /// Its send to `peer` with `tag`: no receive takes it.
    Send,
    /// Its receive from `peer` (any rank for a wildcard) with `tag`.
    Recv,
    /// A collective some member never reaches; `peer` is its root, if any.
    Collective,
    /// Its probe (or loop of iprobes) for a message from `peer` with `tag`.
    Probe,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Deadlock {
    /// Every rank that can never be released, sorted.
    pub ranks: Vec<Rank>,
    /// One cycle of the wait-for graph: each element waits for the next, the
    /// last for the first. If the chain instead ends at a rank that finished
    /// or failed, that rank is `dead_end` and the chain is not closed.
    pub cycle: Vec<Waiter>,
    pub dead_end: Option<Rank>,
    /// Messages sent to these ranks that none of their receives takes, in
    /// send order: a tag or a source that differs from the one a receive
    /// waits for is the commonest reason it waits forever.
    pub unreceived: Vec<Unreceived>,
}

/// A point-to-point message waiting, unreceived, at a deadlocked rank.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreceived {
    pub msg: MsgId,
    /// Where it was sent.
    pub site: Site,
    /// The receive (or probe) its receiver waits in instead, if it does.
    pub instead: Option<Receive>,
}

/// A receive or probe a deadlocked rank waits in: its call, the request a
/// wait waits on (`irecv #3`), and the source and tag it asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Receive {
    pub op: Op,
    pub request: Option<(Op, u64)>,
    pub peer: Option<Source>,
    pub tag: Option<TagSel>,
}

/// A requirement: released as soon as any of `ranks` is released.
#[derive(Debug)]
struct Clause {
    ranks: Vec<Rank>,
    op: Op,
    peer: Option<Source>,
    tag: Option<TagSel>,
    stuck: Stuck,
    request: Option<(Op, u64)>,
}

enum Need {
    /// Can act by itself.
    Free,
    /// Will never act again (finished or failed).
    Gone,
    Blocked(Vec<Clause>),
}

pub(crate) fn find(m: &Model) -> Option<Deadlock> {
    let needs: Vec<Need> = m.ranks.iter().map(|r| need(m, r)).collect();
    let released = release(&needs);
    let stuck: BTreeSet<Rank> = (0..needs.len())
        .filter(|&i| !released[i] && matches!(needs[i], Need::Blocked(_)))
        .map(|i| i as Rank)
        .collect();
    let start = *stuck.first()?;
    let (path, dead_end) = walk(&needs, &released, &stuck, start);
    let cycle = path
        .into_iter()
        .map(|(rank, c, next)| Waiter {
            rank,
            op: c.op,
            peer: c.peer,
            tag: c.tag,
            site: m.ranks[rank as usize].site.clone().unwrap_or_else(|| Site {
                file: "?".into(),
                line: 0,
            }),
            waits_for: next,
            stuck: c.stuck,
            request: c.request,
            polls: polls(&m.ranks[rank as usize]),
        })
        .collect();
    Some(Deadlock {
        unreceived: unreceived(m, &needs, &released, &stuck),
        ranks: stuck.into_iter().collect(),
        cycle,
        dead_end,
    })
}

/// The point-to-point messages sent to one of `stuck` that wait in its
/// queue, no receive of its accepting them. A message whose sender is still
/// in that send only when its receiver waits in a receive (a synchronous
/// send for tag 13, a receive for 14): between two blocked sends the cycle
/// says it all.
fn unreceived(
    m: &Model,
    needs: &[Need],
    released: &[bool],
    stuck: &BTreeSet<Rank>,
) -> Vec<Unreceived> {
    let sending = |msg: &super::messages::Message| {
        let sender = m.ranks.get(msg.id.from as usize).map(|r| &r.state);
        matches!(sender, Some(RankState::InCall { call, .. }) if call.id == msg.send_call)
    };
    let mut waiting: Vec<(&super::messages::Message, Option<Receive>)> = (m.msgs.iter())
        .filter(|msg| msg.state == MsgState::Unexpected && !msg.is_collective())
        .filter(|msg| stuck.contains(&msg.id.to))
        .map(|msg| (msg, receive_of(needs, released, msg.id.to)))
        .filter(|(msg, instead)| !sending(msg) || instead.is_some())
        .collect();
    waiting.sort_by_key(|(msg, _)| msg.order);
    waiting
        .into_iter()
        .map(|(msg, instead)| Unreceived {
            msg: msg.id,
            site: msg.site.clone(),
            instead,
        })
        .collect()
}

/// The receive or probe `rank` waits in that nothing will satisfy, if any.
fn receive_of(needs: &[Need], released: &[bool], rank: Rank) -> Option<Receive> {
    let Some(Need::Blocked(clauses)) = needs.get(rank as usize) else {
        return None;
    };
    let clause = clauses.iter().find(|c| {
        matches!(c.stuck, Stuck::Recv | Stuck::Probe)
            && !c.ranks.iter().any(|&r| released[r as usize])
    })?;
    Some(Receive {
        op: clause.op,
        request: clause.request,
        peer: clause.peer,
        tag: clause.tag,
    })
}

/// The fixpoint: which ranks can act again, directly or once others have.
fn release(needs: &[Need]) -> Vec<bool> {
    let mut released: Vec<bool> = needs.iter().map(|x| matches!(x, Need::Free)).collect();
    loop {
        let mut changed = false;
        for (i, need) in needs.iter().enumerate() {
            if released[i] {
                continue;
            }
            if let Need::Blocked(clauses) = need {
                if clauses
                    .iter()
                    .all(|c| c.ranks.iter().any(|&r| released[r as usize]))
                {
                    released[i] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return released;
        }
    }
}

/// One step of the chain: a rank, the clause it cannot satisfy, the rank
/// that clause waits for.
type Link<'a> = (Rank, &'a Clause, Rank);

/// Walks the first unsatisfiable clause of each rank from `start` until a
/// rank repeats (the cycle) or the chain reaches a rank that ended (the
/// dead end, returned beside the chain).
fn walk<'a>(
    needs: &'a [Need],
    released: &[bool],
    stuck: &BTreeSet<Rank>,
    start: Rank,
) -> (Vec<Link<'a>>, Option<Rank>) {
    let mut path: Vec<Link> = Vec::new();
    let mut cur = start;
    loop {
        if let Some(pos) = path.iter().position(|(r, _, _)| *r == cur) {
            path.drain(..pos);
            return (path, None);
        }
        let Need::Blocked(clauses) = &needs[cur as usize] else {
            return (path, None);
        };
        let Some(clause) = clauses
            .iter()
            .find(|c| !c.ranks.iter().any(|&r| released[r as usize]))
        else {
            return (path, None);
        };
        let next = clause
            .ranks
            .iter()
            .copied()
            .find(|r| stuck.contains(r))
            .or_else(|| clause.ranks.first().copied());
        let Some(next) = next else {
            return (path, None);
        };
        path.push((cur, clause, next));
        if !stuck.contains(&next) {
            return (path, Some(next));
        }
        cur = next;
    }
}

fn need(m: &Model, view: &RankView) -> Need {
    if let Some(polling) = stuck_polling(view) {
        return blocked(clauses(m, view.rank, &polling.call));
    }
    match &view.state {
        RankState::NotStarted | RankState::Running | RankState::Held(_) => Need::Free,
        RankState::Finished | RankState::Failed { .. } => Need::Gone,
        RankState::InCall { call, .. } if super::is_poll(call.op) => Need::Free,
        RankState::InCall { call, .. } => blocked(clauses(m, view.rank, call)),
    }
}

/// The loop of polls `view` is in, if it is one (a lone poll may be a look
/// between two pieces of work) and the rank does nothing else meanwhile.
fn stuck_polling(view: &RankView) -> Option<&Polling> {
    let polling = view.polling.as_ref().filter(|p| p.is_loop())?;
    match &view.state {
        RankState::Running => Some(polling),
        RankState::InCall { call, .. } if super::is_poll(call.op) => Some(polling),
        _ => None,
    }
}

/// How many polls the rank's loop has made, if it is in one.
fn polls(view: &RankView) -> u64 {
    stuck_polling(view).map_or(0, |p| p.polls)
}

fn blocked(clauses: Vec<Clause>) -> Need {
    if clauses.is_empty() {
        Need::Free
    } else {
        Need::Blocked(clauses)
    }
}

/// What `call` of `rank` waits for (a poll: what its loop polls for).
fn clauses(m: &Model, rank: Rank, call: &Call) -> Vec<Clause> {
    let mut clauses = Vec::new();
    match call.op {
        Op::Send | Op::Ssend | Op::Recv | Op::Sendrecv | Op::Mprobe => {
            send_clause(m, call, call.op, &mut clauses);
            recv_clause(m, rank, call, call.op, &mut clauses);
        }
        Op::Wait | Op::Waitall | Op::Test | Op::Testall => {
            let open = &m.ranks[rank as usize].requests;
            for id in &call.requests {
                if let Some(req) = open.iter().find(|r| r.call.id == *id) {
                    request_clauses(m, rank, &req.call, call.op, &mut clauses);
                }
            }
        }
        Op::Waitany | Op::Waitsome => any_request_clause(m, rank, call, &mut clauses),
        Op::Probe | Op::Iprobe | Op::Improbe => probe_clause(m, rank, call, &mut clauses),
        // Return by themselves: a started request, or the receive of a
        // message a matched probe already took.
        Op::Isend | Op::Irecv | Op::Mrecv | Op::Imrecv => {}
        // Starts a request, or waits for nobody.
        op if op.is_nonblocking_collective() => {}
        _ => collective_clause(m, rank, call, call.op, &mut clauses),
    }
    clauses
}

fn send_done(m: &Model, id: &MsgId) -> bool {
    match m.msgs.live(id) {
        // Delivered, or never heard of (nothing to wait for).
        None => true,
        Some(msg) => msg.state == MsgState::InFlight,
    }
}

fn send_clause(m: &Model, call: &Call, op: Op, out: &mut Vec<Clause>) {
    let Some(sp) = &call.send else { return };
    if send_done(m, &sp.msg) || sp.dest as usize >= m.ranks.len() {
        return;
    }
    out.push(Clause {
        ranks: vec![sp.dest],
        op,
        peer: Some(Source::Rank(sp.dest)),
        tag: Some(TagSel::Tag(sp.tag)),
        stuck: Stuck::Send,
        request: via(op, call),
    });
}

fn recv_clause(m: &Model, rank: Rank, call: &Call, op: Op, out: &mut Vec<Clause>) {
    let Some(rp) = &call.recv else { return };
    let Some(posted) = m.msgs.posted_at(rank, call.id) else {
        return; // completed already
    };
    if posted.matched.is_some() {
        return;
    }
    let ranks: Vec<Rank> = match rp.source {
        Source::Rank(r) if (r as usize) < m.ranks.len() => vec![r],
        Source::Rank(_) => return,
        Source::Any => (0..m.ranks.len() as Rank).filter(|&r| r != rank).collect(),
    };
    out.push(Clause {
        ranks,
        op,
        peer: Some(rp.source),
        tag: Some(rp.tag),
        stuck: Stuck::Recv,
        request: via(op, call),
    });
}

/// A probe waits for a message it accepts to be sent: none is on its way.
fn probe_clause(m: &Model, rank: Rank, call: &Call, out: &mut Vec<Clause>) {
    let Some(probe) = call.probe else { return };
    if m.msgs.any_for(rank, call.comm, probe.source, probe.tag) {
        return;
    }
    let ranks = senders(m, rank, probe);
    if ranks.is_empty() {
        return;
    }
    out.push(Clause {
        ranks,
        op: call.op,
        peer: Some(probe.source),
        tag: Some(probe.tag),
        stuck: Stuck::Probe,
        request: None,
    });
}

/// The ranks that could send what `probe` of `rank` looks for.
fn senders(m: &Model, rank: Rank, probe: ProbePart) -> Vec<Rank> {
    match probe.source {
        Source::Rank(r) if (r as usize) < m.ranks.len() => vec![r],
        Source::Rank(_) => Vec::new(),
        Source::Any => (0..m.ranks.len() as Rank).filter(|&r| r != rank).collect(),
    }
}

/// For a wait (`op`) on a request (`call`): that request's op and id.
fn via(op: Op, call: &Call) -> Option<(Op, u64)> {
    (op != call.op).then_some((call.op, call.id))
}

/// What a wait (`op`) on the request `call` started needs: its send, its
/// receive, or the other members at its collective.
fn request_clauses(m: &Model, rank: Rank, call: &Call, op: Op, out: &mut Vec<Clause>) {
    send_clause(m, call, op, out);
    recv_clause(m, rank, call, op, out);
    collective_clause(m, rank, call, op, out);
}

/// A waitany or waitsome returns once any one of its requests completes:
/// free if one needs nobody, else one clause of every rank any one needs.
fn any_request_clause(m: &Model, rank: Rank, call: &Call, out: &mut Vec<Clause>) {
    let open = &m.ranks[rank as usize].requests;
    let mut needs = Vec::new();
    for id in &call.requests {
        let Some(req) = open.iter().find(|r| r.call.id == *id) else {
            continue;
        };
        let before = needs.len();
        request_clauses(m, rank, &req.call, call.op, &mut needs);
        if needs.len() == before {
            return;
        }
    }
    let Some(first) = needs.first() else { return };
    let mut ranks: Vec<Rank> = needs.iter().flat_map(|c| c.ranks.iter().copied()).collect();
    ranks.sort_unstable();
    ranks.dedup();
    out.push(Clause {
        ranks,
        op: call.op,
        peer: first.peer,
        tag: first.tag,
        stuck: first.stuck,
        request: first.request,
    });
}

fn collective_clause(m: &Model, rank: Rank, call: &Call, op: Op, out: &mut Vec<Clause>) {
    let Some(cp) = &call.collective else { return };
    let Some(coll) = m.collectives.get(&(call.comm, cp.instance)) else {
        return;
    };
    if coll.arrived.len() >= cp.members as usize {
        return;
    }
    let missing: Vec<Rank> = (0..m.ranks.len() as Rank)
        .filter(|r| *r != rank && !coll.arrived.contains(r))
        .collect();
    let root = cp.root.map(Source::Rank);
    let clause = |ranks: Vec<Rank>| Clause {
        ranks,
        op,
        peer: root,
        tag: None,
        stuck: Stuck::Collective,
        request: via(op, call),
    };
    if cp.members as usize == m.ranks.len() {
        // Everyone must arrive.
        out.extend(missing.into_iter().map(|r| clause(vec![r])));
    } else if !missing.is_empty() {
        // Members unknown: any of the others might be the one it waits for.
        out.push(clause(missing));
    }
}
