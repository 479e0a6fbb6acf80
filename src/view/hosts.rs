//! Where the ranks run: the hosts of a run as the screen, the headless log
//! and the explanation name them, the order that puts each host's ranks
//! side by side, and the mark of a message that crosses between hosts.

use crate::model::{HostSplit, Traffic};
use crate::trace::display::bytes;
use crate::trace::{Event, EventKind, Header, Rank};

/// The mark of a message that crosses between hosts (beside its colour,
/// which monochrome terminals and colour-blind students do not see).
pub const CROSSES: &str = "⇄";

/// What the mark means, wherever it is explained.
pub const CROSSES_LEGEND: &str = "⇄ crosses hosts: over the network";

/// Whether `e` sends, receives or transfers data between two hosts: a
/// send to a rank elsewhere, a put or get on a window elsewhere, a
/// receive that took a message from elsewhere.
pub fn event_crosses(header: &Header, e: &Event) -> bool {
    let crosses = |other: Rank| header.crosses_hosts(e.rank, other);
    match &e.event {
        EventKind::Begin(call) => {
            call.send.as_ref().is_some_and(|s| crosses(s.dest))
                || call.rma.as_ref().is_some_and(|p| crosses(p.target))
        }
        EventKind::End(end) => end.received.iter().any(|r| crosses(r.source)),
        _ => false,
    }
}

/// One host and its ranks, in rank order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostGroup {
    pub host: String,
    pub ranks: Vec<Rank>,
}

/// The hosts of a run, each with its ranks, in the order of their lowest
/// rank; empty when the run did not say where its ranks run. Ranks beyond
/// the hosts list (an old or partial header) are left out.
pub fn host_groups(header: &Header) -> Vec<HostGroup> {
    let mut groups: Vec<HostGroup> = Vec::new();
    for (rank, host) in header.hosts.iter().enumerate() {
        let rank = rank as Rank;
        match groups.iter_mut().find(|g| &g.host == host) {
            Some(g) => g.ranks.push(rank),
            None => groups.push(HostGroup {
                host: host.clone(),
                ranks: vec![rank],
            }),
        }
    }
    groups
}

/// The ranks `0..n` with each host's ranks side by side (hosts in the
/// order of their lowest rank), when the run spans hosts; else `0..n`.
pub fn rank_order(header: &Header, n: usize) -> Vec<Rank> {
    let mut order: Vec<Rank> = if header.spans_hosts() {
        host_groups(header)
            .into_iter()
            .flat_map(|g| g.ranks)
            .filter(|&r| (r as usize) < n)
            .collect()
    } else {
        Vec::new()
    };
    // Ranks no host was given for come last, in their own order.
    let placed: std::collections::BTreeSet<Rank> = order.iter().copied().collect();
    order.extend((0..n as Rank).filter(|r| !placed.contains(r)));
    order
}

/// `0-1`, `0,2,4`, `0-1,4-5`: ranks in order, runs of neighbours joined.
pub fn rank_ranges(ranks: &[Rank]) -> String {
    let mut runs: Vec<(Rank, Rank)> = Vec::new();
    for &r in ranks {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == r => *last = r,
            _ => runs.push((r, r)),
        }
    }
    let each: Vec<String> = runs
        .iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    each.join(",")
}

/// `ranks 0-1 on h1, 2-3 on h2, 4-5 on h3` (every host named), `rank 0
/// on h1` for one rank; None when the run did not say.
pub fn hosts_line(header: &Header) -> Option<String> {
    let groups = host_groups(header);
    if groups.is_empty() {
        return None;
    }
    let each: Vec<String> = groups
        .iter()
        .map(|g| format!("{} on {}", rank_ranges(&g.ranks), g.host))
        .collect();
    let word = if header.hosts.len() == 1 {
        "rank"
    } else {
        "ranks"
    };
    Some(format!("{word} {}", each.join(", ")))
}

/// The explanation's note on a run across hosts: where the ranks run,
/// which share memory and which talk over the network. None for a run on
/// one host (or one that did not say).
pub fn hosts_note(header: &Header) -> Option<String> {
    if !header.spans_hosts() {
        return None;
    }
    let groups = host_groups(header);
    let sharing: Vec<&HostGroup> = groups.iter().filter(|g| g.ranks.len() > 1).collect();
    let memory = match sharing.as_slice() {
        [] => "No two ranks share a host: every message goes over the network.".to_string(),
        [one] => format!("The ranks on {} share its memory.", one.host),
        _ => "The ranks on one host share its memory.".to_string(),
    };
    let network = match groups.as_slice() {
        [a, b, ..] => format!(
            " From one host to another ({} to {}...) is the network: a message \
             marked {CROSSES} crosses it, and takes longer than one within a host.",
            a.host, b.host
        ),
        _ => String::new(),
    };
    Some(format!(
        "WHERE THE RANKS RUN\n  {}. {memory}{network}",
        hosts_line(header).unwrap_or_default()
    ))
}

/// `3 messages (48 B)`
fn traffic(t: Traffic, what: &str) -> String {
    format!("{} {what} ({})", t.messages, bytes(t.bytes))
}

/// `point-to-point messages: 4 within a host (64 B), 2 across hosts ⇄ (32 B)`
pub fn host_split(kind: &str, split: &HostSplit) -> String {
    format!(
        "{kind}: {}, {}",
        traffic(split.within, "within a host"),
        traffic(split.across, &format!("across hosts {CROSSES}"))
    )
}

/// The kinds of traffic a summary splits by host, as it names them.
pub const MESSAGES_KIND: &str = "messages";
pub const COLLECTIVE_KIND: &str = "collective transfers";
pub const ONE_SIDED_KIND: &str = "one-sided transfers";

/// `rank 3 · h2`: a rank and its host, for the rank boxes' titles.
pub fn rank_on_host(rank: Rank, host: &str) -> String {
    format!("rank {rank} · {host}")
}
