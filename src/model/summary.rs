//! What a run amounted to: traffic per pair of ranks, time spent waiting,
//! checks, failures and the outcome.

use std::collections::BTreeMap;

use super::flows::CollectiveStats;
use crate::trace::{Header, Op, Outcome, Rank, Site};

#[derive(Debug, Clone, PartialEq)]
pub struct PairStats {
    pub from: Rank,
    pub to: Rank,
    pub messages: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub rank: Rank,
    pub what: String,
    pub passed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub rank: Rank,
    pub message: String,
    pub site: Option<Site>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Point-to-point messages sent per (from, to), sorted.
    pub pairs: Vec<PairStats>,
    /// Data collectives moved per (from, to), sorted: what each rank
    /// contributes and receives, not the library's internal messages.
    pub collective: Vec<PairStats>,
    /// Data collectives moved, per kind of collective.
    pub collectives: Vec<CollectiveStats>,
    /// Seconds each rank spent in blocking calls (index = rank), counting a
    /// call still in progress up to the latest event time.
    pub waited: Vec<f64>,
    pub checks: Vec<CheckResult>,
    pub failures: Vec<Failure>,
    pub outcome: Option<(Outcome, String)>,
    /// Seconds each rank was held by the tutor before its calls (index =
    /// rank): the teacher's pace, apart from `waited`.
    pub held: Vec<f64>,
    /// One-sided transfers per kind (`put`, `get`): counted apart from the
    /// messages and the collectives' data.
    pub one_sided: Vec<OneSidedStats>,
    /// One-sided transfers per (from, to): the data's way, a put's origin
    /// to its target, a get's target to its origin.
    pub one_sided_pairs: Vec<PairStats>,
    /// Window calls that move no data (`win_create`, `fence`, `win_free`),
    /// with how many times the ranks made each together.
    pub window_calls: Vec<(Op, u64)>,
    /// Traffic within hosts and across them, when the run spans hosts.
    pub hosts: Option<HostTraffic>,
    /// Calls that make communicators (`comm_split`, `comm_dup`...), which
    /// move no user data, with how many times the ranks made each together.
    pub communicator_calls: Vec<(Op, u64)>,
}

/// One kind of one-sided transfer: how many and the bytes they moved.
#[derive(Debug, Clone, PartialEq)]
pub struct OneSidedStats {
    pub op: Op,
    pub transfers: u64,
    pub bytes: u64,
}

/// Messages (or transfers) and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    pub messages: u64,
    pub bytes: u64,
}

/// Traffic that stayed on one host, and traffic that crossed between hosts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostSplit {
    pub within: Traffic,
    pub across: Traffic,
}

impl HostSplit {
    /// Splits `pairs` by whether each pair's ranks share a host.
    pub fn of(pairs: &[PairStats], header: &Header) -> HostSplit {
        let mut split = HostSplit::default();
        for p in pairs {
            let side = if header.crosses_hosts(p.from, p.to) {
                &mut split.across
            } else {
                &mut split.within
            };
            side.messages += p.messages;
            side.bytes += p.bytes;
        }
        split
    }

    pub fn is_empty(&self) -> bool {
        self.within.messages + self.across.messages == 0
    }
}

/// Each kind of traffic split within hosts and across them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostTraffic {
    pub point_to_point: HostSplit,
    pub collective: HostSplit,
    pub one_sided: HostSplit,
}

impl HostTraffic {
    /// The split of a summary's traffic, when the run spans hosts.
    pub fn of(summary: &Summary, header: &Header) -> Option<HostTraffic> {
        header.spans_hosts().then(|| HostTraffic {
            point_to_point: HostSplit::of(&summary.pairs, header),
            collective: HostSplit::of(&summary.collective, header),
            one_sided: HostSplit::of(&summary.one_sided_pairs, header),
        })
    }
}

impl Summary {
    pub fn total_messages(&self) -> u64 {
        self.pairs.iter().map(|p| p.messages).sum()
    }
    pub fn total_bytes(&self) -> u64 {
        self.pairs.iter().map(|p| p.bytes).sum()
    }
    pub fn collective_flows(&self) -> u64 {
        self.collective.iter().map(|p| p.messages).sum()
    }
    pub fn collective_bytes(&self) -> u64 {
        self.collective.iter().map(|p| p.bytes).sum()
    }
    pub fn one_sided_transfers(&self) -> u64 {
        self.one_sided.iter().map(|k| k.transfers).sum()
    }
    pub fn one_sided_bytes(&self) -> u64 {
        self.one_sided.iter().map(|k| k.bytes).sum()
    }
    pub fn checks_passed(&self) -> usize {
        self.checks.iter().filter(|c| c.passed).count()
    }
    pub fn checks_failed(&self) -> usize {
        self.checks.iter().filter(|c| !c.passed).count()
    }
}

/// Running totals kept by the model.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Stats {
    pub pairs: BTreeMap<(Rank, Rank), (u64, u64)>,
    pub checks: Vec<CheckResult>,
    pub failures: Vec<Failure>,
    pub outcome: Option<(Outcome, String)>,
    /// Communicator calls made together, per op.
    pub communicator_calls: BTreeMap<u8, (Op, u64)>,
}

impl Stats {
    pub fn sent(&mut self, from: Rank, to: Rank, bytes: u64) {
        let e = self.pairs.entry((from, to)).or_default();
        e.0 += 1;
        e.1 += bytes;
    }

    /// The ranks began collective `op` together (each collective once):
    /// counted when it makes communicators.
    pub fn together(&mut self, op: Op) {
        if super::flows::is_communicator_call(op) {
            self.communicator_calls.entry(op as u8).or_insert((op, 0)).1 += 1;
        }
    }

    pub fn summary(&self, waited: Vec<f64>, held: Vec<f64>) -> Summary {
        Summary {
            pairs: pair_stats(&self.pairs),
            collective: Vec::new(),
            collectives: Vec::new(),
            waited,
            checks: self.checks.clone(),
            failures: self.failures.clone(),
            outcome: self.outcome.clone(),
            held,
            one_sided: Vec::new(),
            one_sided_pairs: Vec::new(),
            window_calls: Vec::new(),
            hosts: None,
            communicator_calls: self.communicator_calls.values().copied().collect(),
        }
    }
}

/// Counts and bytes per (from, to), as the summary lists them.
pub(crate) fn pair_stats(pairs: &BTreeMap<(Rank, Rank), (u64, u64)>) -> Vec<PairStats> {
    pairs
        .iter()
        .map(|(&(from, to), &(messages, bytes))| PairStats {
            from,
            to,
            messages,
            bytes,
        })
        .collect()
}
