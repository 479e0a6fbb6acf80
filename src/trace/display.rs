//! One readable line per event: the headless log and the view's log pane
//! print exactly the same text.

use std::fmt::Write;

use super::{
    Call, CallEnd, CollectivePart, Event, EventKind, MsgId, Op, RecvPart, Source, TagSel, Values,
};

/// `0.000412 rank 0  send     -> 1  tag 13  100 x f64 (800 B)   lessons/send_recv.rs:21`
pub fn log_line(e: &Event) -> String {
    log_line_with(e, true)
}

/// [`log_line`], with the values calls carry or without them.
pub fn log_line_with(e: &Event, values: bool) -> String {
    let mut s = format!("{:.6} rank {:<2} ", e.t, e.rank);
    match &e.event {
        EventKind::Held(c) => {
            let _ = write!(s, "{:<8} before {}", "held", describe_call(c));
            push_site(&mut s, c);
        }
        EventKind::Begin(c) => push_begin(&mut s, c, values),
        EventKind::End(end) => push_end(&mut s, end, values),
        EventKind::Matched { call, msg } => {
            let _ = write!(
                s,
                "{:<8} call #{call} took {}",
                "matched",
                describe_msg(msg)
            );
        }
        EventKind::Say { text } => {
            let _ = write!(s, "{:<8} {text}", "says");
        }
        EventKind::Check { what, passed } => {
            let verdict = if *passed { "passed" } else { "FAILED" };
            let _ = write!(s, "{:<8} {verdict}: {what}", "check");
        }
        EventKind::Field(f) => {
            let _ = write!(
                s,
                "{:<8} {} iteration {}: rows {}..{} cols {}..{}",
                "field",
                f.name,
                f.iteration,
                f.row0,
                u64::from(f.row0) + u64::from(f.rows),
                f.col0,
                u64::from(f.col0) + u64::from(f.cols)
            );
        }
        EventKind::Finished { events, throttled } => {
            let _ = write!(s, "{:<8} ({events} events", "finished");
            if *throttled > 0 {
                let _ = write!(s, "; waited {throttled} times for rank 0 to catch up");
            }
            s.push(')');
        }
        EventKind::Failed { message, site } => {
            let _ = write!(s, "{:<8} {message}", "FAILED");
            if let Some(site) = site {
                let _ = write!(s, "   {site}");
            }
        }
        EventKind::RunEnded { outcome, detail } => {
            let _ = write!(s, "{:<8} {outcome:?}: {detail}", "run end");
        }
    }
    s
}

/// A call's beginning, with the values it sends when `values`.
fn push_begin(s: &mut String, c: &Call, values: bool) {
    let _ = write!(s, "{:<8} {}", c.op_name(), describe_args(c));
    if let Some(v) = call_values(c).filter(|_| values) {
        let _ = write!(s, "  {v}");
    }
    push_site(s, c);
}

/// A call's end, with the values it got when `values`.
fn push_end(s: &mut String, end: &CallEnd, values: bool) {
    let _ = write!(s, "{:<8} {}", "done", describe_end(end));
    if let Some(v) = end.values.as_ref().filter(|_| values) {
        let _ = write!(s, "  got {v}");
    }
}

/// The values a call sends or puts in, previewed.
pub fn call_values(c: &Call) -> Option<&Values> {
    let sent = c.send.as_ref().and_then(|sp| sp.values.as_ref());
    sent.or_else(|| c.collective.as_ref()?.values.as_ref())
        .or_else(|| c.rma.as_ref()?.values.as_ref())
}

fn push_site(s: &mut String, c: &Call) {
    let _ = write!(s, "   {}", c.site);
}

/// `send -> 1  tag 13  100 x f64 (800 B)`: the call as a student reads it.
pub fn describe_call(c: &Call) -> String {
    format!("{} {}", c.op_name(), describe_args(c))
}

/// Everything about a call but its name.
pub fn describe_args(c: &Call) -> String {
    let mut parts: Vec<String> = Vec::new();
    // A sendrecv with a half missing has MPI_PROC_NULL there: say so.
    if c.op == Op::Sendrecv && c.send.is_none() {
        parts.push("-> nobody".into());
    }
    if let Some(sp) = &c.send {
        parts.push(format!(
            "-> {}  tag {}  {}",
            sp.dest,
            sp.tag,
            amount(sp.count, &sp.datatype, sp.bytes)
        ));
    }
    if let Some(rp) = &c.recv {
        parts.push(match c.op {
            // A matched probe takes a message of any size.
            Op::Mprobe | Op::Improbe => {
                format!("<- {}  tag {}", source_name(rp.source), tag_name(rp.tag))
            }
            _ => describe_recv(rp),
        });
    } else if c.op == Op::Sendrecv {
        parts.push("<- nobody".into());
    }
    if let Some(probe) = &c.probe {
        parts.push(format!(
            "<- {}  tag {}",
            source_name(probe.source),
            tag_name(probe.tag)
        ));
    }
    if let Some(cp) = &c.collective {
        parts.push(describe_collective(c.op, cp));
        // On a communicator split from the world only its members meet.
        if c.comm != 0 && !makes_communicator(c.op) {
            parts.push(format!("among {} ranks", cp.members));
        }
    }
    if !c.requests.is_empty() {
        let ids: Vec<String> = c.requests.iter().map(|r| format!("#{r}")).collect();
        parts.push(format!("request {}", ids.join(" ")));
    }
    if let Some(shift) = &c.shift {
        parts.push(format!(
            "from {}  to {}",
            neighbour_name(shift.source),
            neighbour_name(shift.dest)
        ));
    }
    if let Some(rma) = &c.rma {
        // A put writes into the target's window, a get reads out of it.
        let arrow = if c.op == Op::Get { "<-" } else { "->" };
        parts.push(format!(
            "{arrow} window of {} at {}  {}",
            rma.target,
            rma.disp,
            amount(rma.count, &rma.datatype, rma.bytes)
        ));
    }
    if c.op.starts_request() {
        parts.push(format!("-> request #{}", c.id));
    }
    parts.join("  ")
}

/// `root 0  4 x f64 (32 B)  op sum`: what a collective moves.
fn describe_collective(op: Op, cp: &CollectivePart) -> String {
    let mut p = String::new();
    if let Some(root) = cp.root {
        let _ = write!(p, "root {root}  ");
    }
    match op {
        Op::Barrier | Op::Ibarrier => p.push_str("all ranks"),
        // Moves no data: how many take part is what matters.
        _ if makes_communicator(op) => {
            let _ = write!(p, "{} ranks", cp.members);
        }
        _ => p.push_str(&amount(cp.count, &cp.datatype, cp.bytes)),
    }
    if let Some(reduce) = &cp.reduce {
        let _ = write!(p, "  op {reduce}");
    }
    p.trim_end().to_string()
}

/// A collective that makes a communicator: it moves no data.
fn makes_communicator(op: Op) -> bool {
    matches!(
        op,
        Op::CommSplit | Op::CommDup | Op::CommCreate | Op::CartCreate | Op::IntercommCreate
    )
}

/// `100 x MPI_DOUBLE (800 B)`; a Python object mpi4py pickled (datatype
/// `pickled dict`): `dict, 35 B pickled`, its size where known.
fn amount(count: u64, datatype: &str, size: u64) -> String {
    match datatype.strip_prefix("pickled ") {
        Some(kind) if size > 0 => format!("{kind}, {} pickled", bytes(size)),
        Some(kind) => format!("{kind}, pickled"),
        None => format!("{count} x {datatype} ({})", bytes(size)),
    }
}

/// A neighbour on a grid: its rank, or `nobody` past the edge.
fn neighbour_name(rank: Option<super::Rank>) -> String {
    rank.map_or_else(|| "nobody".to_string(), |r| r.to_string())
}

fn describe_recv(rp: &RecvPart) -> String {
    if rp.datatype.starts_with("pickled ") {
        return format!(
            "<- {}  tag {}  any {}",
            source_name(rp.source),
            tag_name(rp.tag),
            rp.datatype
        );
    }
    format!(
        "<- {}  tag {}  room for {} x {}",
        source_name(rp.source),
        tag_name(rp.tag),
        rp.count,
        rp.datatype
    )
}

pub fn source_name(s: Source) -> String {
    match s {
        Source::Rank(r) => r.to_string(),
        Source::Any => "any".to_string(),
    }
}

pub fn tag_name(t: TagSel) -> String {
    match t {
        TagSel::Tag(t) => t.to_string(),
        TagSel::Any => "any".to_string(),
    }
}

fn describe_end(end: &CallEnd) -> String {
    let mut s = match &end.name {
        Some(name) => name.to_string(),
        None => end.op.name().to_string(),
    };
    for r in &end.received {
        let _ = write!(s, "  <- {}  tag {}  {}", r.source, r.tag, bytes(r.bytes));
        match &r.msg {
            Some(m) => {
                let _ = write!(s, "  (took {})", describe_msg(m));
            }
            None => s.push_str("  (match pending)"),
        }
    }
    if let Some(done) = end.completed {
        s.push_str(if done { "  complete" } else { "  not yet" });
    }
    if !end.done.is_empty() {
        let ids: Vec<String> = end.done.iter().map(|r| format!("#{r}")).collect();
        let _ = write!(s, "  completed request {}", ids.join(" "));
    }
    if end.polls > 1 {
        let _ = write!(s, "  ({})", polled(end.polls));
    }
    if end.bytes > 0 {
        let _ = write!(s, "  {} pickled", bytes(end.bytes));
    }
    s
}

/// `polled 3,412 times`: a loop of polls, summarised.
pub fn polled(polls: u64) -> String {
    let digits = polls.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("polled {grouped} times")
}

/// `message #0 of 0->1 tag 13`
pub fn describe_msg(m: &MsgId) -> String {
    format!("message #{} of {}->{} tag {}", m.k, m.from, m.to, m.tag)
}

/// `800 B`, `1.0 KiB`, `1.0 MiB`.
pub fn bytes(n: u64) -> String {
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{SendPart, Site};

    #[test]
    fn a_send_reads_like_the_course() {
        let e = Event {
            rank: 0,
            seq: 3,
            t: 0.000412,
            event: EventKind::Begin(Box::new(Call {
                id: 0,
                op: Op::Send,
                comm: 0,
                send: Some(SendPart {
                    dest: 1,
                    tag: 13,
                    count: 100,
                    datatype: "f64".into(),
                    bytes: 800,
                    msg: MsgId {
                        from: 0,
                        to: 1,
                        tag: 13,
                        comm: 0,
                        k: 0,
                    },
                    values: None,
                }),
                recv: None,
                collective: None,
                probe: None,
                requests: vec![],
                name: None,
                shift: None,
                rma: None,
                site: Site {
                    file: "lessons/send_recv.rs".into(),
                    line: 21,
                },
            })),
        };
        assert_eq!(
            log_line(&e),
            "0.000412 rank 0  send     -> 1  tag 13  100 x f64 (800 B)   lessons/send_recv.rs:21"
        );
    }

    #[test]
    fn a_loop_of_polls_is_counted_in_thousands() {
        assert_eq!(polled(2), "polled 2 times");
        assert_eq!(polled(3412), "polled 3,412 times");
        assert_eq!(polled(1_234_567), "polled 1,234,567 times");
        let e = Event {
            rank: 1,
            seq: 9,
            t: 0.25,
            event: EventKind::End(CallEnd {
                id: 4,
                op: Op::Iprobe,
                received: vec![],
                completed: Some(true),
                done: Vec::new(),
                name: None,
                values: None,
                polls: 3412,
                bytes: 0,
            }),
        };
        assert_eq!(
            log_line(&e),
            "0.250000 rank 1  done     iprobe  complete  (polled 3,412 times)"
        );
    }

    #[test]
    fn long_operation_names_keep_a_space() {
        let e = Event {
            rank: 3,
            seq: 0,
            t: 0.5,
            event: EventKind::Say { text: "x".into() },
        };
        assert_eq!(log_line(&e), "0.500000 rank 3  says     x");
        let e = Event {
            rank: 3,
            seq: 1,
            t: 0.5,
            event: EventKind::Begin(Box::new(Call {
                id: 0,
                op: Op::Allreduce,
                comm: 0,
                send: None,
                recv: None,
                collective: Some(crate::trace::CollectivePart {
                    root: None,
                    instance: 0,
                    count: 1,
                    datatype: "f64".into(),
                    bytes: 8,
                    members: 4,
                    values: None,
                    reduce: None,
                }),
                probe: None,
                requests: vec![],
                name: None,
                shift: None,
                rma: None,
                site: Site {
                    file: "lessons/reduce.rs".into(),
                    line: 9,
                },
            })),
        };
        assert_eq!(
            log_line(&e),
            "0.500000 rank 3  allreduce 1 x f64 (8 B)   lessons/reduce.rs:9"
        );
    }

    #[test]
    fn sizes_are_human() {
        assert_eq!(bytes(800), "800 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(1 << 20), "1.0 MiB");
    }
}
