//! The Chrome trace-event format (the JSON that Perfetto, chrome://tracing
//! and the DevTools performance panel open): one track per rank, a slice per
//! MPI call, an arrow per message between the send and the call that
//! consumed it, the lesson's output as instant events, and a slice of its
//! own category ([`HELD_CATEGORY`]) for each time the tutor held a rank
//! before a call (the teacher's pace: not MPI, not the program).
//! Held slices come after the call slices, in the order the holds ended.
//!
//! Times are the [`Timeline`]'s display times, in microseconds: a rank whose
//! clock is behind is moved forward just enough that no message arrives
//! before it was sent (see `model::timeline`).
//!
//! An arrow is a pair of flow events, written the way Perfetto's own JSON
//! export writes them: each at the start time of its slice, on its slice's
//! track and in its slice's category (the DevTools trace engine binds a flow
//! event only to an event of that same time, thread and category; others
//! bind the enclosing slice), the start (`s`) on whichever of the two calls
//! began first and the end (`f`, `bp: "e"`) on the other, after every slice
//! in the file. Perfetto takes the events in time order, binds a flow event
//! to the slice open on its track at that point, and drops an end seen
//! before its start: so a receive posted before its send began starts the
//! arrow (Perfetto draws every arrow from the earlier slice to the later
//! anyway). Instants are written as `I`, the phase Chrome itself writes:
//! the DevTools engine ignores `i`. tests/export_consumer.rs loads real runs
//! with the DevTools engine.

use std::collections::HashMap;
use std::io::Write;

use serde_json::{json, Map, Value};

use crate::model::{CallSpan, HeldSpan, MessageLink, Timeline};
use crate::trace::display::{source_name, tag_name};
use crate::trace::{EventKind, Header, Rank, Trace};

/// The process all ranks' tracks belong to. Not 0: trace processors treat
/// pid 0 (and tid 0) as the kernel's idle task.
pub const RUN_PID: u64 = 1;

/// The category of the MPI call slices.
pub const CALL_CATEGORY: &str = "mpi";

/// The category of the slices of time the tutor held a rank.
pub const HELD_CATEGORY: &str = "tutor";

/// The category of the message arrows: the calls' own, since the DevTools
/// trace engine binds a flow event only to an event of its category.
pub const FLOW_CATEGORY: &str = CALL_CATEGORY;

/// The phase of the lesson's output: `I`, what Chrome writes and every
/// viewer reads (the DevTools trace engine ignores the newer `i`).
pub const INSTANT_PHASE: &str = "I";

/// The thread id of a rank's track: rank + 1, since tid 0 is special too.
pub fn rank_tid(rank: Rank) -> u64 {
    u64::from(rank) + 1
}

/// Microseconds, to the nanosecond: short numbers that read back exactly.
fn micros(t: f64) -> f64 {
    nanos(t * 1e6)
}

/// Rounds microseconds to three decimals.
fn nanos(us: f64) -> f64 {
    (us * 1e3).round() / 1e3
}

/// The whole trace as a Chrome trace-event JSON object.
pub fn chrome_trace(trace: &Trace) -> Value {
    let world = trace.header.world_size;
    let mut tl = Timeline::new(world as usize, usize::MAX);
    let (lesson_output, mut holds) = lesson_output(trace, &mut tl);
    holds.extend(open_holds(&tl, world));
    let mut events = track_names(&trace.header);
    let starts = calls(&tl, world, &mut events);
    events.extend(holds);
    arrows(&tl, &starts, &mut events);
    events.extend(lesson_output);
    json!({ "traceEvents": events, "displayTimeUnit": "ms", "otherData": other_data(&trace.header, trace.truncated) })
}

/// Steps the timeline through every event, keeping what the lesson said,
/// checked and how it failed or ended as instant events, and the holds
/// that are over as held slices.
fn lesson_output(trace: &Trace, tl: &mut Timeline) -> (Vec<Value>, Vec<Value>) {
    let world = trace.header.world_size;
    let (mut out, mut holds) = (Vec::new(), Vec::new());
    for e in &trace.events {
        if e.rank >= world || !e.t.is_finite() {
            continue;
        }
        let at = tl.step(e.rank, e.t, &e.event);
        out.extend(lesson_instant(e.rank, at, &e.event));
        let over = tl.take_held(e.rank);
        holds.extend(over.iter().map(|h| held_slice(h, at)));
    }
    (out, holds)
}

/// The slices of holds still open at the end of the trace (a run quit
/// while paused), each to its rank's last event.
pub(super) fn open_holds(tl: &Timeline, world: Rank) -> Vec<Value> {
    (0..world)
        .flat_map(|rank| {
            let last = tl.active(rank).map_or(0.0, |(_, last)| last);
            tl.held_spans(rank).map(move |h| held_slice(h, last))
        })
        .collect()
}

/// The slice of a time the tutor held a rank before a call (one still
/// held lasts to `last`, the rank's last event).
pub(super) fn held_slice(h: &HeldSpan, last: f64) -> Value {
    let end = h.end.unwrap_or(last).max(h.start);
    let ts = micros(h.start);
    json!({
        "ph": "X", "name": crate::view::words::HELD, "cat": HELD_CATEGORY,
        "ts": ts, "dur": nanos(micros(end) - ts),
        "pid": RUN_PID, "tid": rank_tid(h.rank),
        "args": { "before": h.call.op.name(), "call": h.call.id, "site": h.call.site.to_string() },
    })
}

/// The instant event of what the lesson said, checked, or how it failed or
/// ended, at display time `at`; None for MPI calls.
pub(super) fn lesson_instant(rank: Rank, at: f64, event: &EventKind) -> Option<Value> {
    let (name, scope, args) = instant(event)?;
    Some(json!({
        "ph": INSTANT_PHASE, "s": scope, "name": name, "cat": "lesson",
        "ts": micros(at), "pid": RUN_PID, "tid": rank_tid(rank), "args": args,
    }))
}

/// An event the lesson's output shows: its name, its scope (`t` its rank's
/// track, `p` the whole run) and its arguments. None for MPI calls.
fn instant(event: &EventKind) -> Option<(String, &'static str, Value)> {
    Some(match event {
        EventKind::Say { text } => (text.clone(), "t", json!({ "text": text })),
        EventKind::Check { what, passed } => {
            let verdict = if *passed { "passed" } else { "FAILED" };
            (
                format!("check {verdict}: {what}"),
                "t",
                json!({ "what": what, "passed": passed }),
            )
        }
        EventKind::Failed { message, site } => (
            format!("FAILED: {message}"),
            "t",
            json!({ "message": message, "site": site.as_ref().map(|s| s.to_string()) }),
        ),
        EventKind::RunEnded { outcome, detail } => (
            format!("run ended: {outcome:?}"),
            "p",
            json!({ "detail": detail }),
        ),
        _ => return None,
    })
}

/// The run's name and a named track per rank, in rank order.
pub(super) fn track_names(h: &Header) -> Vec<Value> {
    let world = h.world_size;
    let mut events = vec![json!({
        "ph": "M", "name": "process_name", "pid": RUN_PID,
        "args": { "name": format!("mpi-tutor: {} ({} ranks)", h.lesson, world) },
    })];
    for rank in 0..world {
        let tid = rank_tid(rank);
        events.push(json!({
            "ph": "M", "name": "thread_name", "pid": RUN_PID, "tid": tid,
            "args": { "name": crate::view::words::rank_name(h, rank) },
        }));
        events.push(json!({
            "ph": "M", "name": "thread_sort_index", "pid": RUN_PID, "tid": tid,
            "args": { "sort_index": rank },
        }));
    }
    events
}

/// Where each call begins, by rank and call id, for binding the arrows.
type Starts = HashMap<(Rank, u64), f64>;

/// A slice per call, written in time order, which is the direction the
/// DevTools engine gives a flow; returns where each one begins.
fn calls(tl: &Timeline, world: Rank, events: &mut Vec<Value>) -> Starts {
    let mut calls: Vec<(f64, Value)> = Vec::new();
    let mut starts = Starts::new();
    for rank in 0..world {
        // A call that never ended (deadlock, failure) lasts to the rank's
        // last event.
        let last = tl.active(rank).map_or(0.0, |(_, last)| last);
        for span in tl.spans(rank) {
            let (ts, slice) = call_slice(rank, span, last);
            starts.insert((rank, span.call.id), ts);
            calls.push((ts, slice));
        }
    }
    calls.sort_by(|a, b| a.0.total_cmp(&b.0));
    events.extend(calls.into_iter().map(|(_, x)| x));
    starts
}

/// The slice of one call of `rank` (a call that never ended lasts to
/// `last`, the rank's last event) and the time it begins.
pub(super) fn call_slice(rank: Rank, span: &CallSpan, last: f64) -> (f64, Value) {
    let end = span.end.unwrap_or(last).max(span.start);
    let ts = micros(span.start);
    let slice = json!({
        "ph": "X", "name": span.call.op_name(), "cat": CALL_CATEGORY,
        "ts": ts, "dur": nanos(micros(end) - ts),
        "pid": RUN_PID, "tid": rank_tid(rank), "args": call_args(span),
    });
    (ts, slice)
}

/// An arrow per message: its start on whichever call began first, its
/// end on the other.
fn arrows(tl: &Timeline, starts: &Starts, events: &mut Vec<Value>) {
    for (i, link) in tl.links().enumerate() {
        let m = link.msg;
        let at =
            |rank: Rank, call: u64, t: f64| starts.get(&(rank, call)).copied().unwrap_or(micros(t));
        let send = at(m.from, link.send_call, link.sent);
        let recv = at(m.to, link.recv_call, link.received);
        events.extend(arrow(i as u64 + 1, link, send, recv));
    }
}

/// The pair of flow events of message `link`, number `id`, between its
/// send call beginning at `send` and its receiving call at `recv`
/// (microseconds).
pub(super) fn arrow(id: u64, link: &MessageLink, send: f64, recv: f64) -> [Value; 2] {
    let m = link.msg;
    let send = (send, rank_tid(m.from));
    let recv = (recv, rank_tid(m.to));
    let (first, then) = if recv.0 < send.0 {
        (recv, send)
    } else {
        (send, recv)
    };
    let name = format!("{}->{} tag {}", m.from, m.to, m.tag);
    let args = json!({ "k": m.k, "tag": m.tag, "bytes": link.bytes, "comm": m.comm });
    [
        json!({
            "ph": "s", "id": id, "cat": FLOW_CATEGORY, "name": name,
            "ts": first.0, "pid": RUN_PID, "tid": first.1, "args": args,
        }),
        json!({
            "ph": "f", "bp": "e", "id": id, "cat": FLOW_CATEGORY, "name": name,
            "ts": then.0, "pid": RUN_PID, "tid": then.1,
        }),
    ]
}

/// Where the arrow of `link` is bound when each call's start is known
/// only from the link itself (a streaming writer keeps no table of
/// calls): the send's begin, and the receiving call's begin if it was
/// seen, else the receive's end. The same times [`chrome_trace`] looks up.
pub(super) fn arrow_ends(link: &MessageLink) -> (f64, f64) {
    let recv = link.recv_began.unwrap_or(link.received);
    (micros(link.sent), micros(recv))
}

/// The run itself: lesson, ranks, MPI library, start, and whether the
/// trace was cut off.
pub(super) fn other_data(h: &Header, truncated: bool) -> Map<String, Value> {
    let mut other = Map::new();
    other.insert("lesson".into(), json!(h.lesson));
    other.insert("world_size".into(), json!(h.world_size));
    other.insert("mpi_library".into(), json!(h.mpi_library));
    other.insert("started_unix".into(), json!(h.started_unix));
    if truncated {
        other.insert("truncated".into(), json!(true));
    }
    other
}

/// What a student wants to see when clicking a call: whom, which tag, how
/// much, and where in the lesson.
fn call_args(span: &CallSpan) -> Value {
    let c = &span.call;
    let mut a = Map::new();
    a.insert("call".into(), json!(c.id));
    a.insert("site".into(), json!(c.site.to_string()));
    if let Some(sp) = &c.send {
        a.insert("peer".into(), json!(sp.dest));
        a.insert("tag".into(), json!(sp.tag));
        a.insert("bytes".into(), json!(sp.bytes));
    }
    if let Some(rp) = &c.recv {
        // A sendrecv's peer is where it sends; where it receives from is `from`.
        let key = if c.send.is_some() { "from" } else { "peer" };
        a.insert(key.into(), json!(source_name(rp.source)));
        if c.send.is_none() {
            a.insert("tag".into(), json!(tag_name(rp.tag)));
        }
    }
    if let Some(cp) = &c.collective {
        if let Some(root) = cp.root {
            a.insert("root".into(), json!(root));
        }
        a.insert("bytes".into(), json!(cp.bytes));
        a.insert("ranks".into(), json!(cp.members));
    }
    if !c.requests.is_empty() {
        a.insert("requests".into(), json!(c.requests));
    }
    if !span.received.is_empty() {
        let got: Vec<Value> = span
            .received
            .iter()
            .map(|r| json!({ "from": r.source, "tag": r.tag, "bytes": r.bytes }))
            .collect();
        a.insert("received".into(), Value::Array(got));
    }
    if !span.returned {
        a.insert("returned".into(), json!(false));
    }
    Value::Object(a)
}

/// Writes [`chrome_trace`] as one JSON document.
pub fn write_chrome_trace(trace: &Trace, out: impl Write) -> std::io::Result<()> {
    serde_json::to_writer(out, &chrome_trace(trace)).map_err(std::io::Error::from)
}
