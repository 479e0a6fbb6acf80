use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use super::*;
use crate::model::fixtures::Script;
use crate::trace::{read_trace, EventKind, MsgId, Source, TagSel, Trace};

fn fixture(name: &str) -> Trace {
    let path = format!("{}/tests/fixtures/{name}.jsonl", env!("CARGO_MANIFEST_DIR"));
    read_trace(Path::new(&path)).expect("fixture")
}

fn script_trace(s: &Script) -> Trace {
    Trace {
        header: s.header.clone(),
        events: s.events.clone(),
        truncated: false,
    }
}

fn events(v: &Value) -> &Vec<Value> {
    v["traceEvents"]
        .as_array()
        .expect("traceEvents is an array")
}

fn of<'a>(v: &'a Value, ph: &'a str) -> impl Iterator<Item = &'a Value> {
    events(v).iter().filter(move |e| e["ph"] == ph)
}

/// Messages some receive reported taking.
fn matched(t: &Trace) -> BTreeSet<MsgId> {
    let mut ids = BTreeSet::new();
    for e in &t.events {
        match &e.event {
            EventKind::End(end) => ids.extend(end.received.iter().filter_map(|r| r.msg)),
            EventKind::Matched { msg, .. } => {
                ids.insert(*msg);
            }
            _ => {}
        }
    }
    ids
}

/// Whether a call's slice on `tid` starts at `ts`: where every viewer binds a
/// flow event (the DevTools trace engine only there, and only to a slice of
/// the flow's own category).
fn starts_a_call(v: &Value, tid: &Value, ts: f64) -> bool {
    of(v, "X")
        .any(|x| &x["tid"] == tid && x["ts"].as_f64() == Some(ts) && x["cat"] == CALL_CATEGORY)
}

/// The format's rules that every export must keep.
fn check_format(t: &Trace) -> Value {
    let v = chrome_trace(t);
    assert_eq!(v["displayTimeUnit"], "ms");
    check_calls(&v);
    check_flows(&v, t);
    check_instants(&v);
    check_tracks(&v, t);
    // Round trip through text.
    let text = serde_json::to_string(&v).unwrap();
    let back: Value = serde_json::from_str(&text).unwrap();
    assert!(back == v, "the JSON reads back the same");
    // The streaming export writes these very bytes, its calls through
    // temporary files or not.
    for memory in [usize::MAX, 500] {
        let mut chrome = ChromeStream::with_memory(t.header.clone(), memory).unwrap();
        t.events.iter().for_each(|e| chrome.push(e).unwrap());
        let mut streamed = Vec::new();
        chrome.finish(t.truncated, &mut streamed).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            text,
            "memory {memory}"
        );
    }
    v
}

/// The slices of MPI calls (not those of the tutor's holds).
fn calls(v: &Value) -> impl Iterator<Item = &Value> {
    of(v, "X").filter(|x| x["cat"] == CALL_CATEGORY)
}

/// Every slice complete, and the calls in time order.
fn check_calls(v: &Value) {
    for x in of(v, "X") {
        for field in ["ts", "dur", "pid", "tid"] {
            assert!(x[field].is_number(), "{field} in {x}");
        }
        assert!(x["name"].is_string(), "{x}");
        assert!(x["dur"].as_f64().unwrap() >= 0.0, "{x}");
    }
    let starts: Vec<f64> = calls(v).map(|x| x["ts"].as_f64().unwrap()).collect();
    assert!(starts.is_sorted(), "calls in time order");
}

/// The start (`s`) and end (`f`) events of each flow, by id.
fn flows_by_id(v: &Value) -> BTreeMap<u64, (Vec<&Value>, Vec<&Value>)> {
    let mut flows: BTreeMap<u64, (Vec<&Value>, Vec<&Value>)> = BTreeMap::new();
    for e in events(v) {
        match e["ph"].as_str().unwrap() {
            "s" => flows
                .entry(e["id"].as_u64().unwrap())
                .or_default()
                .0
                .push(e),
            "f" => flows
                .entry(e["id"].as_u64().unwrap())
                .or_default()
                .1
                .push(e),
            _ => {}
        }
    }
    flows
}

/// One flow per matched message, between two ranks' calls, after every
/// slice.
fn check_flows(v: &Value, t: &Trace) {
    let flows = flows_by_id(v);
    for (id, (s, f)) in &flows {
        assert_eq!((s.len(), f.len()), (1, 1), "flow {id}");
        let (s, f) = (s[0], f[0]);
        assert_eq!(s["cat"], FLOW_CATEGORY);
        assert_eq!(FLOW_CATEGORY, CALL_CATEGORY);
        assert_eq!(s["cat"], f["cat"]);
        assert_eq!(s["name"], f["name"]);
        assert_eq!(f["bp"], "e");
        let (ts, tf) = (s["ts"].as_f64().unwrap(), f["ts"].as_f64().unwrap());
        assert!(tf >= ts, "flow {id} ends before it starts: {s} {f}");
        assert!(
            starts_a_call(v, &s["tid"], ts),
            "flow {id} starts at a call"
        );
        assert!(starts_a_call(v, &f["tid"], tf), "flow {id} ends at a call");
        assert_ne!(s["tid"], f["tid"], "flow {id} goes between ranks");
    }
    // Flows after every slice: Perfetto binds a flow event at a slice's
    // start only if the slice came first.
    let last_x = events(v).iter().rposition(|e| e["ph"] == "X");
    let first_flow = events(v).iter().position(|e| e["ph"] == "s");
    if let (Some(x), Some(f)) = (last_x, first_flow) {
        assert!(x < f, "slices before flows");
    }
    assert_eq!(
        flows.len(),
        matched(t).len(),
        "one flow per matched message"
    );
}

/// The lesson's output as `I` instants on a track or the whole run.
fn check_instants(v: &Value) {
    assert_eq!(of(v, "i").count(), 0, "instants as I, which DevTools reads");
    for i in of(v, INSTANT_PHASE) {
        assert!(["t", "p"].contains(&i["s"].as_str().unwrap()), "{i}");
        assert!(i["ts"].is_number() && i["name"].is_string(), "{i}");
    }
}

/// Every rank's track is named, and the process too.
fn check_tracks(v: &Value, t: &Trace) {
    for rank in 0..t.header.world_size {
        let tid = rank_tid(rank);
        assert!(
            of(v, "M").any(|m| m["name"] == "thread_name"
                && m["tid"] == tid
                && m["args"]["name"] == format!("rank {rank}")),
            "rank {rank} has a named track"
        );
    }
    assert!(of(v, "M").any(|m| m["name"] == "process_name" && m["pid"] == RUN_PID));
}

#[test]
fn send_recv_exports_its_calls_message_and_output() {
    let t = fixture("send_recv");
    let v = check_format(&t);
    // In time order: rank 1 was already waiting when rank 0 sent.
    let names: Vec<&str> = calls(&v).map(|x| x["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["recv", "send"]);
    let send = calls(&v).find(|x| x["name"] == "send").unwrap();
    assert_eq!(send["tid"], rank_tid(0));
    assert_eq!(send["args"]["peer"], 1);
    assert_eq!(send["args"]["tag"], 13);
    assert_eq!(send["args"]["bytes"], 800);
    assert_eq!(send["args"]["site"], "lessons/send_recv.rs:23");
    assert_eq!(of(&v, "s").count(), 1);
    assert!(of(&v, "I").any(|i| i["name"] == "hello, I am rank 3" && i["s"] == "t"));
    assert!(of(&v, "I").any(|i| i["name"]
        .as_str()
        .unwrap()
        .starts_with("check passed: rank 1 received")));
    assert!(of(&v, "I").any(|i| i["s"] == "p" && i["name"] == "run ended: Completed"));
}

#[test]
fn the_tutors_holds_are_slices_of_their_own_apart_from_the_calls() {
    // Recorded paused: both ranks were held before their first call.
    let v = check_format(&fixture("send_recv"));
    let holds: Vec<&Value> = of(&v, "X").filter(|x| x["cat"] == HELD_CATEGORY).collect();
    let mut before: Vec<(u64, &str)> = holds
        .iter()
        .map(|h| {
            let tid = h["tid"].as_u64().unwrap();
            (tid, h["args"]["before"].as_str().unwrap())
        })
        .collect();
    before.sort_unstable();
    assert_eq!(before, [(rank_tid(0), "send"), (rank_tid(1), "recv")]);
    for h in &holds {
        assert_eq!(h["name"], "held by the tutor");
        // A hold ends where its call begins, never inside it.
        let call = calls(&v)
            .find(|c| c["tid"] == h["tid"] && c["args"]["call"] == h["args"]["call"])
            .expect("the call held before");
        let end = h["ts"].as_f64().unwrap() + h["dur"].as_f64().unwrap();
        assert!(end <= call["ts"].as_f64().unwrap() + 1e-3, "{h} {call}");
        assert!(h["dur"].as_f64().unwrap() > 0.0, "{h}");
    }
}

#[test]
fn ring_exports_one_flow_per_token_pass() {
    let t = fixture("ring");
    assert_eq!(t.header.world_size, 4);
    let v = check_format(&t);
    assert_eq!(matched(&t).len(), 8, "4 ranks, 2 laps");
    assert_eq!(of(&v, "s").count(), 8);
    assert_eq!(of(&v, "X").count(), 16);
}

#[test]
fn a_deadlocked_call_lasts_to_the_ranks_last_event() {
    let t = fixture("deadlock");
    let v = check_format(&t);
    let recvs: Vec<&Value> = of(&v, "X").collect();
    assert_eq!(recvs.len(), 2);
    for x in recvs {
        assert_eq!(x["name"], "recv");
        assert_eq!(x["args"]["returned"], false);
    }
}

#[test]
fn a_receive_posted_before_its_send_starts_the_arrow() {
    // Rank 1's clock is behind: its receive seems to end before the send
    // began, so rank 1 is moved forward, and its later output with it.
    let mut s = Script::new("skew", 2);
    s.at(0.1);
    let recv = s.recv(1, Source::Rank(0), TagSel::Tag(1), 1, 5);
    s.at(1.0);
    let (send, id) = s.send(0, 1, 1, 1, 4);
    s.end(0, &send);
    s.at(0.2);
    s.end_received(1, &recv, &[(recv.id, id)]);
    s.say(1, "got it");
    let t = script_trace(&s);
    let v = check_format(&t);
    let sent = of(&v, "X").find(|x| x["name"] == "send").unwrap()["ts"]
        .as_f64()
        .unwrap();
    let said = of(&v, "I").next().unwrap()["ts"].as_f64().unwrap();
    assert!(said > sent, "rank 1's later output moves with it");
    // The receive began first: the arrow starts there (Perfetto takes flow
    // events in time order) and ends at the send.
    let (start, end) = (of(&v, "s").next().unwrap(), of(&v, "f").next().unwrap());
    assert_eq!(start["tid"], rank_tid(1));
    assert_eq!(end["tid"], rank_tid(0));
    assert_eq!(end["ts"].as_f64().unwrap(), sent);
}

#[test]
fn nonblocking_and_wildcards_bind_to_the_completing_call() {
    use crate::trace::{Op, Received};
    let mut s = Script::new("nonblocking", 3);
    let irecv = s.recv_call(Op::Irecv, 0, Source::Any, TagSel::Any, 1, 3);
    s.begin(0, &irecv);
    s.end(0, &irecv);
    let isend = s.send_call(Op::Isend, 2, 0, 4, 1, 8);
    s.begin(2, &isend);
    s.end(2, &isend);
    let id = isend.send.as_ref().unwrap().msg;
    s.at(0.5);
    let wait = s.wait_call(Op::Wait, 0, &[irecv.id], 4);
    s.begin(0, &wait);
    s.at(0.6);
    let received = vec![Received {
        call: irecv.id,
        source: 2,
        tag: 4,
        bytes: 8,
        msg: None,
    }];
    s.end_with(0, &wait, received, None);
    s.at(0.7);
    s.push(
        0,
        EventKind::Matched {
            call: irecv.id,
            msg: id,
        },
    );
    let v = check_format(&script_trace(&s));
    let f = of(&v, "f").next().unwrap();
    assert_eq!(f["tid"], rank_tid(0));
    let wait_x = of(&v, "X").find(|x| x["name"] == "wait").unwrap();
    let (start, dur) = (
        wait_x["ts"].as_f64().unwrap(),
        wait_x["dur"].as_f64().unwrap(),
    );
    let tf = f["ts"].as_f64().unwrap();
    assert!(dur > 0.0);
    assert_eq!(tf, start, "bound at the start of the wait");
}

#[test]
fn the_writer_writes_the_same_json() {
    let t = fixture("ring");
    let mut out = Vec::new();
    write_chrome_trace(&t, &mut out).unwrap();
    let back: Value = serde_json::from_slice(&out).unwrap();
    assert!(back == chrome_trace(&t));
}

/// Loads the export into Perfetto's trace processor, the engine behind
/// ui.perfetto.dev, when one is installed: `trace_processor_shell` (or
/// `trace_processor`) on PATH, or its path in `MPI_TUTOR_TRACE_PROCESSOR`.
/// The `perfetto` Python package is not enough on its own: it downloads
/// that binary on first use.
#[test]
fn perfetto_trace_processor_reads_the_export() {
    let found = std::env::var_os("MPI_TUTOR_TRACE_PROCESSOR")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .flat_map(|d| ["trace_processor_shell", "trace_processor"].map(|n| d.join(n)))
                .find(|p| p.is_file())
        });
    let Some(tp) = found else {
        eprintln!(
            "SKIPPED perfetto_trace_processor_reads_the_export: no trace_processor_shell \
             on PATH (set MPI_TUTOR_TRACE_PROCESSOR to its path to run it)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("ring.json");
    write_chrome_trace(&fixture("ring"), std::fs::File::create(&json).unwrap()).unwrap();
    let sql = dir.path().join("q.sql");
    std::fs::write(
        &sql,
        "select (select count(*) from slice where category = 'mpi') as calls, \
         (select count(*) from flow) as flows, \
         (select count(*) from thread where name glob 'rank *') as ranks, \
         (select ifnull(sum(value), 0) from stats where name glob 'flow_*') as flow_errors;\n",
    )
    .unwrap();
    let out = std::process::Command::new(&tp)
        .arg("--query-file")
        .arg(&sql)
        .arg(&json)
        .output()
        .expect("run trace processor");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The last line holds the four numbers, however the shell quotes them.
    let row: Vec<String> = stdout
        .lines()
        .rev()
        .find(|l| l.chars().any(|c| c.is_ascii_digit()))
        .unwrap_or("")
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    assert_eq!(row, ["16", "8", "4", "0"], "{stdout}");
}
