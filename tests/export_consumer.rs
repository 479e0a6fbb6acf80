//! The Chrome trace export, read by a real consumer of the format: the trace
//! engine of the Chrome DevTools performance panel (npm package
//! `@paulirish/trace_engine`, pinned in tests/chrome_consumer/package-lock.json
//! and installed by `scripts/setup.sh --for-tests`). Real lesson runs are
//! recorded under mpiexec, exported, and loaded by
//! tests/chrome_consumer/check.mjs, which prints what the engine understood;
//! that is compared with the recorded trace itself: a track per rank named
//! for it, a slice per MPI call, an arrow bound to the two calls of every
//! message the trace matched, the lesson's output as instant events.
//!
//! Without Node.js or the engine these tests fail, saying how to install
//! them. `MPI_TUTOR_SKIP_CHROME_CONSUMER=1` turns that into a loud skip for
//! `cargo test` on a machine without Node; `make test` never skips (its
//! Makefile unexports the variable).

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use mpi_tutor::trace::{EventKind, MsgId, Rank, Trace};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);
const SKIP_VAR: &str = "MPI_TUTOR_SKIP_CHROME_CONSUMER";
const ENGINE: &str = "@paulirish/trace_engine";

fn consumer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/chrome_consumer")
}

/// The engine version the lock file pins.
fn pinned_version() -> String {
    let lock = std::fs::read_to_string(consumer_dir().join("package-lock.json")).unwrap();
    let lock: Value = serde_json::from_str(&lock).unwrap();
    lock["packages"][format!("node_modules/{ENGINE}")]["version"]
        .as_str()
        .expect("the lock file pins the engine")
        .to_string()
}

/// Whether node and the installed engine are there; if not, fails with how
/// to install them, or (only with `MPI_TUTOR_SKIP_CHROME_CONSUMER=1`) says
/// loudly that the test is skipped and returns false.
fn consumer_ready(test: &str) -> bool {
    let node = Command::new("node").arg("--version").output();
    let engine = consumer_dir()
        .join("node_modules")
        .join(ENGINE)
        .join("package.json");
    let missing = match (&node, engine.is_file()) {
        (Ok(out), true) if out.status.success() => return true,
        (Ok(out), false) if out.status.success() => format!(
            "the DevTools trace engine is not installed in {} (npm ci there)",
            consumer_dir().display()
        ),
        _ => "Node.js (`node`) is not installed".to_string(),
    };
    if std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") {
        // Straight to stderr, past the test harness's capture of eprintln!.
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!! SKIPPED {test}: {missing}; the Chrome trace export was NOT checked \
             against a real consumer ({SKIP_VAR}=1). Run `scripts/setup.sh --for-tests`.\n"
        );
        return false;
    }
    panic!(
        "{test}: {missing}. `scripts/setup.sh --for-tests` (or `make test`) installs it; \
         set {SKIP_VAR}=1 to skip this test instead."
    );
}

/// Records `lesson` on `n` ranks, exports it, and returns the recorded
/// trace with what the engine made of the export.
fn record_export_consume(lesson: &str, n: u32, expect_code: i32) -> (Trace, Value) {
    let dir = tempfile::tempdir().unwrap();
    let trace_path = dir.path().join("run.jsonl");
    let json_path = dir.path().join("run.json");
    let t = trace_path.to_str().unwrap();
    let live = common::mpi(n, &["lesson", lesson, "--headless", "--record", t], LIMIT);
    assert_eq!(live.code, Some(expect_code), "{lesson}: {live:#?}");
    let export = common::alone(
        &[
            "export",
            t,
            "--format",
            "chrome",
            "-o",
            json_path.to_str().unwrap(),
        ],
        LIMIT,
    );
    export.assert_ok();

    let mut node = Command::new("node");
    node.current_dir(consumer_dir())
        .arg("check.mjs")
        .arg(&json_path);
    let run = common::run(node, LIMIT);
    assert_eq!(
        run.code,
        Some(0),
        "{lesson}: the DevTools trace engine rejected the export:\n{run:#?}"
    );
    let seen: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{lesson}: check.mjs printed no JSON ({e}):\n{run:#?}"));
    assert_eq!(
        seen["version"],
        pinned_version().as_str(),
        "node_modules is stale: npm ci"
    );
    (common::read(&trace_path), seen)
}

/// One end of an arrow: (rank, call id).
type End = (Rank, u64);

/// The calls each message the trace matched went between, from the trace's
/// own events: the send that began it and the call whose end reported it
/// (a wildcard receive may be matched later, by a `Matched` event).
fn matched_messages(trace: &Trace) -> Vec<[End; 2]> {
    let mut sends: BTreeMap<MsgId, End> = BTreeMap::new();
    for e in &trace.events {
        if let EventKind::Begin(call) = &e.event {
            if let Some(sp) = &call.send {
                sends.insert(sp.msg, (e.rank, call.id));
            }
        }
    }
    let mut pairs = Vec::new();
    let mut pending: BTreeMap<End, End> = BTreeMap::new();
    for e in &trace.events {
        let (msg, recv) = match &e.event {
            EventKind::End(end) => {
                for r in &end.received {
                    match r.msg {
                        Some(msg) => pairs.push(pair(&sends, msg, (e.rank, end.id))),
                        None => {
                            pending.insert((e.rank, r.call), (e.rank, end.id));
                        }
                    }
                }
                continue;
            }
            EventKind::Matched { call, msg } => (*msg, pending[&(e.rank, *call)]),
            _ => continue,
        };
        pairs.push(pair(&sends, msg, recv));
    }
    pairs.sort();
    pairs
}

fn pair(sends: &BTreeMap<MsgId, End>, msg: MsgId, recv: End) -> [End; 2] {
    let mut p = [sends[&msg], recv];
    p.sort();
    p
}

/// What a user checks in the viewer, for one recorded run.
fn check(lesson: &str, trace: &Trace, seen: &Value) {
    assert_eq!(seen["generic"], true, "{lesson}: read as a generic trace");
    let processes = seen["processes"].as_array().unwrap();
    assert!(
        processes
            .iter()
            .any(|p| p["name"].as_str().unwrap().contains(lesson)),
        "{lesson}: the process is named for the lesson: {processes:?}"
    );
    let by_rank = tracks_by_rank(lesson, trace, seen);
    for (&rank, track) in &by_rank {
        let slices = check_slices(lesson, trace, rank, track);
        let instants = check_instants(lesson, trace, rank, track);
        // Everything on the track found its place in the engine's tree.
        assert_eq!(
            track["in_tree"].as_u64().unwrap() as usize,
            slices + instants,
            "{lesson}: rank {rank}"
        );
    }
    let ended = by_rank[&0]["instants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["name"].as_str().unwrap().starts_with("run ended"));
    assert!(ended, "{lesson}: how the run ended is on rank 0's track");
    check_flows(lesson, trace, seen);
}

/// One track per rank, named for the rank.
fn tracks_by_rank<'a>(lesson: &str, trace: &Trace, seen: &'a Value) -> BTreeMap<Rank, &'a Value> {
    let world = trace.header.world_size;
    let tracks = seen["tracks"].as_array().unwrap();
    let mut by_rank: BTreeMap<Rank, &Value> = BTreeMap::new();
    for t in tracks {
        let name = t["name"].as_str().unwrap_or("");
        let rank: Rank = name
            .strip_prefix("rank ")
            .and_then(|r| r.parse().ok())
            .unwrap_or_else(|| panic!("{lesson}: a track not named for a rank: {t}"));
        assert!(
            by_rank.insert(rank, t).is_none(),
            "{lesson}: two tracks for rank {rank}"
        );
    }
    assert_eq!(
        by_rank.keys().copied().collect::<Vec<_>>(),
        (0..world).collect::<Vec<_>>(),
        "{lesson}: a track per rank"
    );
    by_rank
}

/// One slice per MPI call the rank made; returns how many slices.
fn check_slices(lesson: &str, trace: &Trace, rank: Rank, track: &Value) -> usize {
    let mut calls: Vec<(u64, &str)> = trace
        .events
        .iter()
        .filter(|e| e.rank == rank)
        .filter_map(|e| match &e.event {
            EventKind::Begin(c) => Some((c.id, c.op.name())),
            _ => None,
        })
        .collect();
    calls.sort();
    let slices = track["slices"].as_array().unwrap();
    let mut got: Vec<(u64, &str)> = slices
        .iter()
        .map(|s| (s["call"].as_u64().unwrap(), s["name"].as_str().unwrap()))
        .collect();
    got.sort();
    assert_eq!(got, calls, "{lesson}: rank {rank}'s calls as slices");
    for s in slices {
        assert!(s["dur"].as_f64().unwrap() >= 0.0, "{lesson}: {s}");
    }
    slices.len()
}

/// The lesson's output, as instant events on the rank's track; returns
/// how many instants.
fn check_instants(lesson: &str, trace: &Trace, rank: Rank, track: &Value) -> usize {
    let instants: Vec<&str> = track["instants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    let said: Vec<&str> = trace
        .events
        .iter()
        .filter(|e| e.rank == rank)
        .filter_map(|e| match &e.event {
            EventKind::Say { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let heard: Vec<&str> = instants
        .iter()
        .copied()
        .filter(|i| said.contains(i))
        .collect();
    assert_eq!(heard, said, "{lesson}: rank {rank}'s output, in order");
    let checks = trace
        .events
        .iter()
        .filter(|e| e.rank == rank && matches!(&e.event, EventKind::Check { passed: true, .. }))
        .count();
    assert_eq!(
        instants
            .iter()
            .filter(|i| i.starts_with("check passed"))
            .count(),
        checks,
        "{lesson}: rank {rank}'s passed checks"
    );
    instants.len()
}

/// An arrow per matched message, bound to the send and the call that
/// took the message.
fn check_flows(lesson: &str, trace: &Trace, seen: &Value) {
    let mut flows: Vec<[End; 2]> = seen["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let ends = f.as_array().unwrap();
            assert_eq!(ends.len(), 2, "{lesson}: a flow binds two calls: {f}");
            let mut p = [0, 1].map(|i| {
                let e = &ends[i];
                assert_eq!(e["ph"], "X", "{lesson}: bound to a call's slice: {f}");
                let rank = e["tid"].as_u64().unwrap() - mpi_tutor::export::rank_tid(0);
                (rank as Rank, e["call"].as_u64().unwrap())
            });
            p.sort();
            p
        })
        .collect();
    flows.sort();
    assert_eq!(
        flows,
        matched_messages(trace),
        "{lesson}: the arrows the engine bound, against the messages the trace matched"
    );
}

fn consumer_test(lesson: &str, n: u32, expect_code: i32) -> (Trace, Value) {
    let (trace, seen) = record_export_consume(lesson, n, expect_code);
    check(lesson, &trace, &seen);
    (trace, seen)
}

#[test]
fn devtools_engine_reads_send_recv() {
    if !consumer_ready("devtools_engine_reads_send_recv") {
        return;
    }
    // Rank 2 makes no call: its track holds only what it says.
    let (trace, seen) = consumer_test("send-recv", 3, 0);
    assert_eq!(matched_messages(&trace).len(), 1);
    assert_eq!(seen["flows"].as_array().unwrap().len(), 1);
}

#[test]
fn devtools_engine_reads_ring() {
    if !consumer_ready("devtools_engine_reads_ring") {
        return;
    }
    let (trace, _) = consumer_test("ring", 4, 0);
    assert_eq!(matched_messages(&trace).len(), 8, "4 ranks, 2 laps");
}

#[test]
fn devtools_engine_reads_nonblocking_waits() {
    if !consumer_ready("devtools_engine_reads_nonblocking_waits") {
        return;
    }
    let (trace, _) = consumer_test("nonblocking", 2, 0);
    assert!(!matched_messages(&trace).is_empty());
}

#[test]
fn devtools_engine_reads_collectives() {
    if !consumer_ready("devtools_engine_reads_collectives") {
        return;
    }
    for (lesson, n) in [("broadcast", 4), ("scatter-gather", 3)] {
        let (trace, _) = consumer_test(lesson, n, 0);
        assert!(
            matched_messages(&trace).is_empty(),
            "{lesson}: no point-to-point"
        );
    }
}

#[test]
fn devtools_engine_reads_a_deadlock() {
    if !consumer_ready("devtools_engine_reads_a_deadlock") {
        return;
    }
    // Both receives never return: still a slice each, to the rank's end.
    let (_, seen) = consumer_test("deadlock", 2, 3);
    for t in seen["tracks"].as_array().unwrap() {
        assert!(
            t["slices"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["name"] == "recv"),
            "{t}"
        );
    }
}

#[test]
fn devtools_engine_reads_halo_exchanges() {
    if !consumer_ready("devtools_engine_reads_halo_exchanges") {
        return;
    }
    // A waitall takes several messages: several arrows end at one slice.
    let (trace, _) = consumer_test("halo", 4, 0);
    assert!(
        matched_messages(&trace).len() >= 8,
        "every rank has two neighbours"
    );
}
