//! What a run amounted to: traffic per pair of ranks, time spent waiting,
//! checks, failures and the outcome.

use std::collections::BTreeMap;

use super::flows::CollectiveStats;
use crate::trace::{Outcome, Rank, Site};

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
}

impl Stats {
    pub fn sent(&mut self, from: Rank, to: Rank, bytes: u64) {
        let e = self.pairs.entry((from, to)).or_default();
        e.0 += 1;
        e.1 += bytes;
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
