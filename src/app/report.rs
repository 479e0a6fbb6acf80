//! The end-of-run summary as text, for the headless log.

use crate::model::{Deadlock, Summary};
use crate::trace::display::bytes;
use crate::trace::display::log_line;
use crate::trace::{Event, Header, Outcome};
use crate::view::words;

pub fn summary_text(s: &Summary, received: u64, lost: u64) -> String {
    let mut out = String::from("-- summary\n");
    if s.pairs.is_empty() && s.collectives.is_empty() && s.one_sided.is_empty() {
        out.push_str("   messages: none (no point-to-point messages)\n");
    } else if s.pairs.is_empty() {
        out.push_str("   messages: no point-to-point messages\n");
    }
    for p in &s.pairs {
        let plural = if p.messages == 1 { "" } else { "s" };
        out.push_str(&format!(
            "   messages {} -> {}: {} message{plural}, {}\n",
            p.from,
            p.to,
            p.messages,
            bytes(p.bytes)
        ));
    }
    out.push_str(&collective_text(s));
    if let Some(line) = words::communicator_calls(&s.communicator_calls) {
        out.push_str(&format!("   {line}\n"));
    }
    out.push_str(&one_sided_text(s));
    out.push_str(&host_split_text(s));
    out.push_str(&format!(
        "   time waiting in MPI: {}\n",
        per_rank_seconds(&s.waited)
    ));
    if s.held.iter().any(|&h| h > 0.0) {
        // The teacher's pace, never counted as waiting.
        out.push_str(&format!(
            "   time {}: {}\n",
            crate::view::words::HELD,
            per_rank_seconds(&s.held)
        ));
    }
    out.push_str(&format!(
        "   events: {received} received, {}\n",
        if lost == 0 {
            "none lost".to_string()
        } else {
            format!("{lost} LOST")
        }
    ));
    for c in &s.checks {
        let verdict = if c.passed { "passed" } else { "FAILED" };
        out.push_str(&format!(
            "   check {verdict} (rank {}): {}\n",
            c.rank, c.what
        ));
    }
    // A watched program has no checks: nothing to count (see `verdict`).
    if !s.checks.is_empty() {
        out.push_str(&format!(
            "   checks: {} passed, {} failed",
            s.checks_passed(),
            s.checks_failed()
        ));
    }
    out.trim_end().to_string()
}

/// The log's first line, where each rank runs: `-- hosts: ranks 0-1 on
/// h1, 2-3 on h2`; None when the run did not say.
pub fn hosts_text(header: &Header) -> Option<String> {
    words::hosts_line(header).map(|line| format!("-- hosts: {line}"))
}

/// Under the hosts, for a watched program without debug information: that
/// its calls are placed by function, and how to get lines (the live view
/// says so in its source pane).
pub fn no_lines_text(program: &super::program::Program) -> Option<String> {
    (program.explanation == words::NO_LINES).then(|| format!("-- {}", words::NO_LINES))
}

/// An event's log line, ending in the mark when its data crosses hosts.
pub fn log_text(header: &Header, e: &Event) -> String {
    let mut line = log_line(e);
    if words::event_crosses(header, e) {
        line.push_str("  ");
        line.push_str(words::CROSSES);
    }
    line
}

/// `rank 0 0.000 s, rank 1 1.203 s, ...`
fn per_rank_seconds(seconds: &[f64]) -> String {
    let each: Vec<String> = seconds
        .iter()
        .enumerate()
        .map(|(r, w)| format!("rank {r} {w:.3} s"))
        .collect();
    each.join(", ")
}

/// How a run that ended did: a lesson's checks decide; a watched
/// program, which has none, completed when every rank finished.
pub fn verdict(s: &Summary) -> (Outcome, String) {
    let (passed, failed) = (s.checks_passed(), s.checks_failed());
    if failed > 0 {
        (Outcome::CheckFailed, format!("{failed} check(s) failed"))
    } else if passed == 0 {
        (
            Outcome::Completed,
            crate::view::words::EVERY_RANK_FINISHED.to_string(),
        )
    } else {
        (Outcome::Completed, format!("{passed} check(s) passed"))
    }
}

/// The headless deadlock diagnosis: each waiting rank, then the cycle.
pub fn deadlock_text(d: &Deadlock) -> String {
    let title = crate::view::words::deadlock_title(d);
    let mut out = format!("DEADLOCK: {title}:\n");
    for w in &d.cycle {
        out.push_str(&format!("  {}\n", crate::view::words::waiter(w)));
    }
    out.push_str(&format!(
        "  cycle: {}",
        crate::view::words::deadlock_chain(d)
    ));
    for u in &d.unreceived {
        out.push_str(&format!("\n  {}", crate::view::words::unreceived(u)));
    }
    out
}

/// A line per kind of collective: the bytes its calls moved between ranks.
fn collective_text(s: &Summary) -> String {
    let mut out = String::new();
    for k in &s.collectives {
        let Some(op) = k.op else { continue };
        let calls = if k.calls == 1 { "call" } else { "calls" };
        let flows = if k.flows == 1 {
            "transfer"
        } else {
            "transfers"
        };
        out.push_str(&format!(
            "   collective {}: {} {calls} moved {} in {} {flows} ({})\n",
            words::collective_name(op, k.reduce.as_deref()),
            k.calls,
            bytes(k.bytes),
            k.flows,
            words::movement(op)
        ));
    }
    if !s.collectives.is_empty() {
        out.push_str(&format!(
            "   collective total: {} in {} transfers ({})\n",
            bytes(s.collective_bytes()),
            s.collective_flows(),
            words::COLLECTIVE_NOTE
        ));
    }
    out
}

/// A line per kind of one-sided transfer, then the window calls, which
/// synchronise and move no data.
fn one_sided_text(s: &Summary) -> String {
    let mut out = String::new();
    for k in &s.one_sided {
        let transfers = if k.transfers == 1 {
            "transfer"
        } else {
            "transfers"
        };
        out.push_str(&format!(
            "   one-sided {}: {} {transfers} moved {} ({})\n",
            k.op.name(),
            k.transfers,
            bytes(k.bytes),
            words::one_sided_movement(k.op)
        ));
    }
    if let Some(line) = words::window_calls(&s.window_calls) {
        out.push_str(&format!("   {line}\n"));
    }
    out
}

/// Each kind of traffic within hosts and across them, when the run spans
/// hosts.
fn host_split_text(s: &Summary) -> String {
    let lines = s.hosts.as_ref().map(words::host_split_lines);
    let each = lines.unwrap_or_default().into_iter();
    each.map(|(line, _)| format!("   hosts, {line}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::ring_on_hosts;
    use crate::model::Model;

    /// The summary of a recorded run (tests/fixtures) replayed to its end.
    fn replayed(name: &str) -> Summary {
        let path = format!("{}/tests/fixtures/{name}.jsonl", env!("CARGO_MANIFEST_DIR"));
        let trace = crate::trace::read_trace(std::path::Path::new(&path)).expect("fixture");
        let mut m = Model::new(trace.header);
        for e in &trace.events {
            m.apply(e);
        }
        m.summary()
    }

    #[test]
    fn every_collective_a_watched_program_made_has_the_data_it_moved() {
        let text = summary_text(&replayed("started_collectives"), 113, 0);
        for line in [
            "reduce_scatter: 1 call moved 48 B in 12 transfers (all -> each its part, combined)",
            "reduce_scatter_block: 1 call moved 48 B in 12 transfers (all -> each its part, combined)",
            "exscan: 1 call moved 24 B in 6 transfers (each -> the ranks after it)",
            "allgatherv: 1 call moved 48 B in 12 transfers (all -> all)",
            "alltoallv: 1 call moved 48 B in 12 transfers (each -> each its chunk)",
            "ibcast: 1 call moved 12 B in 3 transfers (root -> all)",
        ] {
            assert!(text.contains(&format!("   collective {line}\n")), "{text}");
        }
        assert!(
            !text.contains("no data") && !text.contains("ibarrier"),
            "{text}"
        );
    }

    #[test]
    fn a_watched_programs_summary_counts_no_checks_but_a_lessons_does() {
        let watched = summary_text(&replayed("started_collectives"), 113, 0);
        assert!(!watched.contains("checks"), "{watched}");
        assert!(
            watched.ends_with("events: 113 received, none lost"),
            "{watched}"
        );
        let lesson = summary_text(&replayed("ring"), 30, 0);
        assert!(
            lesson.ends_with("   checks: 4 passed, 0 failed"),
            "{lesson}"
        );
    }

    #[test]
    fn communicator_calls_have_a_line_of_their_own() {
        let text = summary_text(&replayed("topology"), 100, 0);
        assert!(
            text.contains(
                "   communicator calls: comm_split 1, comm_create 1, cart_create 1, \
                 intercomm_create 2 (they make communicators and move no data)\n"
            ),
            "{text}"
        );
        assert!(!text.contains("collective comm_create"), "{text}");
        assert!(!text.contains("collective cart_create"), "{text}");
    }

    #[test]
    fn the_log_starts_with_every_host_and_its_ranks() {
        let hosts = ["h1", "h1", "h2", "h2", "h3", "h3"];
        let header = ring_on_hosts(&hosts, 0).header;
        assert_eq!(
            hosts_text(&header).as_deref(),
            Some("-- hosts: ranks 0-1 on h1, 2-3 on h2, 4-5 on h3")
        );
        // Placed round-robin, each host's ranks are listed apart.
        let header = ring_on_hosts(&["a", "b", "a", "b", "c"], 0).header;
        assert_eq!(
            hosts_text(&header).as_deref(),
            Some("-- hosts: ranks 0,2 on a, 1,3 on b, 4 on c")
        );
        // One host is named too; a run that did not say has no line.
        let mut header = ring_on_hosts(&["ws7"; 3], 0).header;
        assert_eq!(
            hosts_text(&header).as_deref(),
            Some("-- hosts: ranks 0-2 on ws7")
        );
        header.hosts.clear();
        assert_eq!(hosts_text(&header), None);
    }

    #[test]
    fn the_summary_splits_messages_within_and_across_hosts() {
        let hosts = ["h1", "h1", "h2", "h2", "h3", "h3"];
        let text = summary_text(&ring_on_hosts(&hosts, 6).model().summary(), 30, 0);
        assert!(
            text.contains("   hosts, messages: 3 within a host (24 B), 3 across hosts ⇄ (24 B)\n"),
            "{text}"
        );
        // No collective or one-sided traffic: no lines for them.
        assert!(!text.contains("hosts, collective"), "{text}");
        let one_host = summary_text(&ring_on_hosts(&["h1"; 6], 6).model().summary(), 30, 0);
        assert!(!one_host.contains("hosts,"), "{one_host}");
    }
}
