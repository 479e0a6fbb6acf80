//! Every lesson's mpi4py twin (every file of lessons/python, whoever wrote
//! it) watched headless under the real mpiexec shows the same pattern as
//! the built-in lesson: the same calls on each rank, the same messages
//! matched, the same ending. And `mpi-tutor exercise` writes a twin out.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::twin::python;
use common::{alone, read, Run};
use mpi_tutor::trace::{EventKind, Op, Trace};

const LIMIT: Duration = Duration::from_secs(90);

/// Lessons whose matching depends on timing (ANY_SOURCE, a failure's
/// moment): compared by which calls each rank makes and which kinds of
/// message travel, not by their order and counts.
const LOOSE: &[&str] = &["pool", "crash"];

/// Lessons whose twin's calls a watched program shows only by name (no
/// hooks of their own: one-sided's windows), compared by their own test
/// (`tests/new_lessons_b.rs`).
const BY_NAME: &[&str] = &["one-sided"];

/// A run of `args` recording its trace.
fn recorded(args: &[&str]) -> (Run, Trace) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let mut all: Vec<&str> = args.to_vec();
    let at = all.iter().position(|a| *a == "--headless").unwrap() + 1;
    all.splice(at..at, ["--record", path.to_str().unwrap()]);
    let run = alone(&all, LIMIT);
    (run, read(&path))
}

/// Each rank's calls in order, a run of the same call counted once (a
/// test asked again and again while work goes on).
fn calls(trace: &Trace) -> BTreeMap<u32, Vec<Op>> {
    let mut calls: BTreeMap<u32, Vec<Op>> = BTreeMap::new();
    for e in &trace.events {
        if let EventKind::Begin(c) = &e.event {
            let mine = calls.entry(e.rank).or_default();
            if c.op != Op::Other && mine.last() != Some(&c.op) {
                mine.push(c.op);
            }
        }
    }
    calls
}

/// The messages received: (from, to, tag, bytes), sorted.
fn messages(trace: &Trace) -> Vec<(u32, u32, i32, u64)> {
    let mut all: Vec<_> = trace
        .events
        .iter()
        .filter_map(|e| match &e.event {
            EventKind::End(end) => Some((e.rank, end)),
            _ => None,
        })
        .flat_map(|(rank, end)| {
            end.received
                .iter()
                .map(move |r| (r.source, rank, r.tag, r.bytes))
        })
        .collect();
    all.sort();
    all
}

/// Each rank's calls.
type Calls = BTreeMap<u32, Vec<Op>>;
/// A message's tag and size, and whether rank 0 sent it, took it.
type MessageKind = (i32, u64, bool, bool);

/// What a loose comparison keeps: the calls each rank makes (as a set) and
/// the kinds of message (tag, size, whether rank 0 sent or took it).
fn loosely(trace: &Trace) -> (Calls, Vec<MessageKind>) {
    let mut sets = calls(trace);
    for ops in sets.values_mut() {
        ops.sort_by_key(|op| format!("{op:?}"));
        ops.dedup();
    }
    let mut kinds: Vec<_> = messages(trace)
        .into_iter()
        .map(|(from, to, tag, bytes)| (tag, bytes, from == 0, to == 0))
        .collect();
    kinds.sort();
    kinds.dedup();
    (sets, kinds)
}

#[test]
fn every_twin_shows_the_same_pattern_as_its_lesson() {
    let Some(python) = python() else { return };
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons/python");
    let mut twins: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    twins.sort();
    assert!(twins.len() >= 12, "twins: {twins:?}");
    for twin in twins {
        let stem = twin.file_stem().unwrap().to_string_lossy();
        let name = stem.replace('_', "-");
        let lesson = mpi_tutor::lessons::find(&name)
            .unwrap_or_else(|| panic!("{}: no lesson {name}", twin.display()));
        if BY_NAME.contains(&name.as_str()) {
            continue;
        }
        let n = lesson.default_ranks.to_string();
        let (built_in, lesson_trace) = recorded(&["lesson", &name, "-n", &n, "--headless"]);
        let (watched, twin_trace) = recorded(&[
            "watch",
            "-n",
            &n,
            "--headless",
            "--",
            python.to_str().unwrap(),
            twin.to_str().unwrap(),
        ]);
        assert_eq!(
            built_in.code, watched.code,
            "{name}: the lesson and its twin end differently:\n{built_in:#?}\n{watched:#?}"
        );
        if LOOSE.contains(&name.as_str()) {
            let ((mut lesson_calls, lesson_kinds), (mut twin_calls, twin_kinds)) =
                (loosely(&lesson_trace), loosely(&twin_trace));
            // A job that fails may end before every rank's calls reach
            // rank 0: the ranks both recordings have must agree.
            lesson_calls.retain(|r, _| twin_calls.contains_key(r));
            twin_calls.retain(|r, _| lesson_calls.contains_key(r));
            assert!(!lesson_calls.is_empty(), "{name}: no rank in common");
            assert_eq!(lesson_calls, twin_calls, "{name}: calls");
            assert_eq!(lesson_kinds, twin_kinds, "{name}: messages");
        } else {
            assert_eq!(calls(&lesson_trace), calls(&twin_trace), "{name}: calls");
            assert_eq!(
                messages(&lesson_trace),
                messages(&twin_trace),
                "{name}: messages"
            );
        }
    }
}

#[test]
fn exercise_writes_the_twin_once_and_says_how_to_watch_it() {
    let dir = tempfile::tempdir().unwrap();
    let exercise = || {
        let mut cmd = Command::new(common::bin());
        cmd.args(["exercise", "ring"]).current_dir(dir.path());
        common::run(cmd, LIMIT)
    };
    let first = exercise();
    first.assert_ok();
    assert!(
        first
            .stdout
            .contains("mpi-tutor watch -n 4 -- python3 ring.py"),
        "{first:#?}"
    );
    let written = std::fs::read_to_string(dir.path().join("ring.py")).unwrap();
    let twin = include_str!("../lessons/python/ring.py");
    assert_eq!(written, twin);
    assert!(
        written.contains("# EXERCISES"),
        "the exercises head the file"
    );
    // A second time it refuses, in one line, and leaves the file alone.
    std::fs::write(dir.path().join("ring.py"), "my work").unwrap();
    let again = exercise();
    assert_eq!(again.code, Some(2), "{again:#?}");
    assert_eq!(again.stderr.trim().lines().count(), 1, "{again:#?}");
    assert!(
        again.stderr.contains("ring.py is already here"),
        "{again:#?}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ring.py")).unwrap(),
        "my work"
    );
    let unknown = alone(&["exercise", "nope"], LIMIT);
    assert_eq!(unknown.code, Some(2), "{unknown:#?}");
}

/// `watch --sync-sends`: the program's MPI_Send is done (and recorded) as
/// an MPI_Ssend; the run is the same otherwise.
#[test]
fn watch_sync_sends_makes_the_programs_sends_synchronous() {
    let Some(python) = python() else { return };
    let twin = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons/python/send_recv.py");
    let args = ["watch", "-n", "2", "--sync-sends", "--headless", "--"];
    let mut all: Vec<&str> = args.to_vec();
    all.extend([python.to_str().unwrap(), twin.to_str().unwrap()]);
    let (run, trace) = recorded(&all);
    run.assert_ok();
    assert_eq!(calls(&trace).get(&0), Some(&vec![Op::Ssend]), "{run:#?}");
    assert_eq!(messages(&trace), vec![(0, 1, 13, 800)]);
}
