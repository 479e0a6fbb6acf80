//! Checks a trace as it is read: every event's rank must be in the
//! header's world, and each rank's `seq` must count 0, 1, 2... once each.
//! What is wrong is named by line number; the events are kept as they are
//! (a replay shows what is there). Memory grows with the ranks and the
//! gaps found, never with the file.

use super::{Event, EventKind};

/// At most this many problems are kept to be told; the rest are counted.
pub const PROBLEMS_KEPT: usize = 20;
/// At most this many open gaps are remembered per rank, so that a missing
/// event that comes later is told as out of order rather than duplicated.
const GAPS_KEPT: usize = 64;

/// Something wrong in a trace, at a line of the file (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// An event of a rank the run did not have.
    OutsideWorld { line: usize, rank: u32, world: u32 },
    /// A rank's event number seen before.
    Duplicated { line: usize, rank: u32, seq: u64 },
    /// Event numbers `from..=to` of a rank never came; `line` is where the
    /// next one did.
    Missing {
        line: usize,
        rank: u32,
        from: u64,
        to: u64,
    },
    /// An event that came after a later one of its rank.
    OutOfOrder {
        line: usize,
        rank: u32,
        seq: u64,
        after: u64,
    },
}

impl Problem {
    /// The exit code of a command that read a trace with this problem:
    /// 4 ranks outside the world, 5 duplicated or missing events, 6 events
    /// out of order.
    pub fn exit_code(&self) -> i32 {
        match self {
            Problem::OutsideWorld { .. } => 4,
            Problem::Duplicated { .. } | Problem::Missing { .. } => 5,
            Problem::OutOfOrder { .. } => 6,
        }
    }

    fn line(&self) -> usize {
        match self {
            Problem::OutsideWorld { line, .. }
            | Problem::Duplicated { line, .. }
            | Problem::Missing { line, .. }
            | Problem::OutOfOrder { line, .. } => *line,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::OutsideWorld { line, rank, world } => write!(
                f,
                "line {line}: an event of rank {rank}, but the run had {world} ranks (0 to {})",
                world.saturating_sub(1)
            ),
            Problem::Duplicated { line, rank, seq } => {
                write!(f, "line {line}: event {seq} of rank {rank} again")
            }
            Problem::Missing {
                line,
                rank,
                from,
                to,
            } if from == to => write!(f, "line {line}: event {from} of rank {rank} is missing"),
            Problem::Missing {
                line,
                rank,
                from,
                to,
            } => write!(
                f,
                "line {line}: events {from} to {to} of rank {rank} are missing"
            ),
            Problem::OutOfOrder {
                line,
                rank,
                seq,
                after,
            } => write!(
                f,
                "line {line}: event {seq} of rank {rank} comes after its event {after}"
            ),
        }
    }
}

/// What a check found: the first problems, and how many there were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// The first [`PROBLEMS_KEPT`] problems, in line order.
    pub problems: Vec<Problem>,
    /// All problems found, kept or not.
    pub count: usize,
    /// The exit code the problems call for: the lowest of theirs, 0 if none.
    pub exit_code: i32,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.count == 0
    }

    /// One line per kept problem, then one for the rest if any; each
    /// names the file.
    pub fn lines(&self, path: &str) -> Vec<String> {
        let mut lines: Vec<String> = self
            .problems
            .iter()
            .map(|p| format!("trace {path}, {p}"))
            .collect();
        if self.count > self.problems.len() {
            let more = self.count - self.problems.len();
            lines.push(format!("trace {path}: {more} more problems like these"));
        }
        lines
    }
}

/// A gap in a rank's events: `from..=to` not seen yet, found at `line`.
#[derive(Debug, Clone, Copy)]
struct Gap {
    line: usize,
    from: u64,
    to: u64,
}

#[derive(Debug, Default, Clone)]
struct RankSeen {
    /// The event number expected next.
    next: u64,
    gaps: Vec<Gap>,
}

/// Checks events one at a time, in file order.
#[derive(Debug)]
pub struct TraceCheck {
    world: u32,
    ranks: Vec<RankSeen>,
    report: CheckReport,
}

impl TraceCheck {
    pub fn new(world: u32) -> Self {
        TraceCheck {
            world,
            ranks: vec![RankSeen::default(); world as usize],
            report: CheckReport::default(),
        }
    }

    /// Checks the event on line `line` of the file.
    pub fn event(&mut self, line: usize, e: &Event) {
        // Rank 0's record of the run is outside its numbering.
        if !matches!(e.event, EventKind::RunEnded { .. }) {
            self.numbered(line, e.rank, e.seq);
        }
    }

    /// Checks event `seq` of `rank`, on line `line`.
    pub fn numbered(&mut self, line: usize, rank: u32, seq: u64) {
        let Some(seen) = self.ranks.get_mut(rank as usize) else {
            let world = self.world;
            return self.found(Problem::OutsideWorld { line, rank, world });
        };
        let problem = if seq == seen.next {
            None
        } else if seq > seen.next {
            if seen.gaps.len() < GAPS_KEPT {
                seen.gaps.push(Gap {
                    line,
                    from: seen.next,
                    to: seq - 1,
                });
            } else {
                let (from, to) = (seen.next, seq - 1);
                self.report_missing(line, rank, from, to);
            }
            None
        } else if fill(&mut seen.gaps, seq) {
            let after = seen.next - 1;
            Some(Problem::OutOfOrder {
                line,
                rank,
                seq,
                after,
            })
        } else {
            Some(Problem::Duplicated { line, rank, seq })
        };
        if let Some(seen) = self.ranks.get_mut(rank as usize) {
            seen.next = seen.next.max(seq.saturating_add(1));
        }
        if let Some(p) = problem {
            self.found(p);
        }
    }

    fn report_missing(&mut self, line: usize, rank: u32, from: u64, to: u64) {
        self.found(Problem::Missing {
            line,
            rank,
            from,
            to,
        });
    }

    fn found(&mut self, p: Problem) {
        let code = p.exit_code();
        let r = &mut self.report;
        r.count += 1;
        r.exit_code = if r.exit_code == 0 {
            code
        } else {
            r.exit_code.min(code)
        };
        if r.problems.len() < PROBLEMS_KEPT {
            r.problems.push(p);
        }
    }

    /// The report, once every event was checked: gaps still open are
    /// missing events.
    pub fn finish(mut self) -> CheckReport {
        let ranks = std::mem::take(&mut self.ranks);
        for (rank, seen) in ranks.into_iter().enumerate() {
            for g in seen.gaps {
                self.report_missing(g.line, rank as u32, g.from, g.to);
            }
        }
        self.report.problems.sort_by_key(Problem::line);
        self.report
    }
}

/// Takes `seq` out of the gaps that hold it; false if none does.
fn fill(gaps: &mut Vec<Gap>, seq: u64) -> bool {
    let Some(i) = gaps.iter().position(|g| g.from <= seq && seq <= g.to) else {
        return false;
    };
    let g = gaps.remove(i);
    if g.from < seq {
        gaps.push(Gap { to: seq - 1, ..g });
    }
    if seq < g.to {
        gaps.push(Gap { from: seq + 1, ..g });
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(rank: u32, seq: u64) -> Event {
        Event {
            rank,
            seq,
            t: 0.0,
            event: EventKind::Say { text: "x".into() },
        }
    }

    fn check(events: &[(u32, u64)]) -> CheckReport {
        let mut c = TraceCheck::new(2);
        for (i, &(rank, seq)) in events.iter().enumerate() {
            c.event(i + 2, &say(rank, seq));
        }
        c.finish()
    }

    #[test]
    fn a_whole_trace_is_clean() {
        let r = check(&[(0, 0), (1, 0), (0, 1), (1, 1)]);
        assert!(r.is_clean());
        assert_eq!(r.exit_code, 0);
    }

    #[test]
    fn each_problem_is_named_by_its_line() {
        let r = check(&[(0, 0), (7, 0), (0, 1), (0, 1), (1, 0), (1, 3), (0, 2)]);
        let said: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            said,
            [
                "line 3: an event of rank 7, but the run had 2 ranks (0 to 1)",
                "line 5: event 1 of rank 0 again",
                "line 7: events 1 to 2 of rank 1 are missing",
            ]
        );
        assert_eq!(r.exit_code, 4, "the lowest code of the problems");
    }

    #[test]
    fn a_late_event_is_out_of_order_not_missing() {
        let r = check(&[(0, 0), (0, 2), (0, 1), (0, 3)]);
        assert_eq!(
            r.problems,
            [Problem::OutOfOrder {
                line: 4,
                rank: 0,
                seq: 1,
                after: 2
            }]
        );
        assert_eq!(r.exit_code, 6);
    }

    #[test]
    fn problems_past_the_kept_ones_are_counted() {
        let events: Vec<(u32, u64)> = (0..100).map(|_| (5, 0)).collect();
        let r = check(&events);
        assert_eq!((r.problems.len(), r.count), (PROBLEMS_KEPT, 100));
        let lines = r.lines("t.jsonl");
        assert_eq!(
            lines.last().unwrap(),
            "trace t.jsonl: 80 more problems like these"
        );
    }
}
