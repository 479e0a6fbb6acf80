//! Where the ranks run: the hosts of a run as the screen, the headless log
//! and the explanation name them, the order that puts each host's ranks
//! side by side, and the mark of a message that crosses between hosts.

use ratatui::text::Line;

use super::Theme;
use crate::model::{HostSplit, HostTraffic, PairStats, Traffic};
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

/// The space-time diagram's legend of a message line between hosts.
pub const DOUBLE_LEGEND: &str = "═ crosses hosts";

/// [`CROSSES_LEGEND`] in short, for a narrow panel.
pub const CROSSES_SHORT: &str = "⇄ network";

/// How many hosts the run spans, when more than one.
pub fn host_count(header: &Header) -> Option<usize> {
    header.spans_hosts().then(|| host_groups(header).len())
}

/// The legend of the mark, right-aligned on a panel's top rule `width`
/// wide whose title takes `taken` columns: in full, in short, or none
/// when it does not fit or no message can cross hosts.
pub fn legend(header: &Header, width: u16, taken: usize, theme: Theme) -> Option<Line<'static>> {
    if !header.spans_hosts() {
        return None;
    }
    let room = (width as usize).saturating_sub(taken + 2);
    [CROSSES_LEGEND, CROSSES_SHORT]
        .into_iter()
        .map(|words| format!(" {words} "))
        .find(|text| text.chars().count() <= room)
        .map(|text| Line::styled(text, theme.crossing()).right_aligned())
}

/// One host and its ranks, in rank order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostGroup {
    pub host: String,
    pub ranks: Vec<Rank>,
}

/// The hosts of a run, each with its ranks, in the order of their lowest
/// rank; empty when the run did not say where its ranks run. Ranks beyond
/// the hosts list (an old or partial header) are left out, and so are
/// hosts listed for ranks beyond the world.
pub fn host_groups(header: &Header) -> Vec<HostGroup> {
    let mut groups: Vec<HostGroup> = Vec::new();
    let ranks = header.world_size as usize;
    for (rank, host) in header.hosts.iter().enumerate().take(ranks) {
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

/// The explanation's note on a run across hosts, one paragraph: where
/// the ranks run, which share memory and which talk over the network
/// (`HOSTS ranks 0-1 on h1, 2-3 on h2: ranks on one host share its
/// memory; h1 to h2 is the network, ⇄ marks what crosses it.`). None for
/// a run on one host (or one that did not say).
pub fn hosts_note(header: &Header) -> Option<String> {
    if !header.spans_hosts() {
        return None;
    }
    let groups = host_groups(header);
    let sharing: Vec<&HostGroup> = groups.iter().filter(|g| g.ranks.len() > 1).collect();
    let memory = match sharing.as_slice() {
        [] => "no two ranks share a host".to_string(),
        [one] => format!("ranks on {} share its memory", one.host),
        _ => "ranks on one host share its memory".to_string(),
    };
    let network = match groups.as_slice() {
        [a, b] => format!("{} to {} is the network", a.host, b.host),
        _ => "between hosts is the network".to_string(),
    };
    Some(format!(
        "HOSTS {}: {memory}; {network}, {CROSSES} marks what crosses it.",
        hosts_line(header).unwrap_or_default()
    ))
}

/// The explanation with the hosts note first, when the run spans hosts.
pub fn with_hosts_note(header: &Header, explanation: &str) -> String {
    match hosts_note(header) {
        Some(note) if !explanation.trim().is_empty() => {
            format!("{note}\n\n{}", explanation.trim())
        }
        Some(note) => note,
        None => explanation.to_string(),
    }
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

/// A [`host_split`] line per kind of traffic the run had (messages
/// always), each with whether any of it crossed hosts.
pub fn host_split_lines(h: &HostTraffic) -> Vec<(String, bool)> {
    let kinds = [
        (MESSAGES_KIND, &h.point_to_point),
        (COLLECTIVE_KIND, &h.collective),
        (ONE_SIDED_KIND, &h.one_sided),
    ];
    (kinds.into_iter())
        .filter(|(kind, split)| !split.is_empty() || *kind == MESSAGES_KIND)
        .map(|(kind, split)| (host_split(kind, split), split.across.messages > 0))
        .collect()
}

/// One host's traffic: among its own ranks, out to other hosts and in
/// from them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostTotals {
    pub within: Traffic,
    pub out: Traffic,
    pub into: Traffic,
}

/// Each host's traffic in `pairs`, hosts in [`host_groups`] order.
pub fn host_totals(header: &Header, pairs: &[PairStats]) -> Vec<(HostGroup, HostTotals)> {
    let groups = host_groups(header);
    let mut totals = vec![HostTotals::default(); groups.len()];
    let mut of_rank = vec![None; header.hosts.len()];
    for (i, g) in groups.iter().enumerate() {
        for &r in &g.ranks {
            of_rank[r as usize] = Some(i);
        }
    }
    let group_of = |r: Rank| of_rank.get(r as usize).copied().flatten();
    for p in pairs {
        let (from, to) = (group_of(p.from), group_of(p.to));
        let add = |t: &mut Traffic| {
            t.messages += p.messages;
            t.bytes += p.bytes;
        };
        match (from, to) {
            (Some(a), Some(b)) if a == b => add(&mut totals[a].within),
            _ => {
                if let Some(a) = from {
                    add(&mut totals[a].out);
                }
                if let Some(b) = to {
                    add(&mut totals[b].into);
                }
            }
        }
    }
    groups.into_iter().zip(totals).collect()
}

/// `h1 0-1  within 2 · 16 B  ⇄ out 1 · 8 B  ⇄ in 1 · 8 B`
pub fn host_totals_line(group: &HostGroup, t: &HostTotals) -> String {
    let amount = |t: Traffic| format!("{} · {}", t.messages, bytes(t.bytes));
    format!(
        "{} {}  within {}  {CROSSES} out {}  {CROSSES} in {}",
        group.host,
        rank_ranges(&group.ranks),
        amount(t.within),
        amount(t.out),
        amount(t.into)
    )
}

/// A rank as exports name its track: `rank 3 · h2` when the run spans
/// hosts, else `rank 3`.
pub fn rank_name(header: &Header, rank: Rank) -> String {
    match header.host(rank).filter(|_| header.spans_hosts()) {
        Some(host) => rank_on_host(rank, host),
        None => format!("rank {rank}"),
    }
}

/// A host's name in at most `width` columns: without its domain
/// (`node-a12` for `node-a12.cluster.org`), then, if still too long, its
/// end after `…` (`…de-a12`): nodes of a cluster differ at the end.
pub fn short_host(host: &str, width: usize) -> String {
    let short = host
        .split('.')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(host);
    let n = short.chars().count();
    if n <= width {
        return short.to_string();
    }
    let keep = width.saturating_sub(1);
    let tail: String = short.chars().skip(n - keep).collect();
    format!("…{tail}")
}

/// `rank 3 · h2`: a rank and its host, for the rank boxes' titles.
pub fn rank_on_host(rank: Rank, host: &str) -> String {
    format!("rank {rank} · {host}")
}
