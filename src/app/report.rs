//! The end-of-run summary as text, for the headless log.

use crate::model::{Deadlock, Summary};
use crate::trace::display::bytes;
use crate::trace::Outcome;
use crate::view::words;

pub fn summary_text(s: &Summary, received: u64, lost: u64) -> String {
    let mut out = String::from("-- summary\n");
    if s.pairs.is_empty() && s.collectives.is_empty() {
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
    out.push_str(&format!(
        "   checks: {} passed, {} failed",
        s.checks_passed(),
        s.checks_failed()
    ));
    out
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

/// How a lesson that ran to its end did: its checks decide.
pub fn verdict(s: &Summary) -> (Outcome, String) {
    if s.checks_failed() > 0 {
        let failed = s.checks_failed();
        (Outcome::CheckFailed, format!("{failed} check(s) failed"))
    } else {
        let passed = s.checks_passed();
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
