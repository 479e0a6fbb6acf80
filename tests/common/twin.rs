//! A lesson and its mpi4py twin (lessons/python/NAME.py) side by side:
//! the lesson run headless, the twin watched headless, both recorded, and
//! the shape of each trace to compare: which calls each rank made, to and
//! from whom, and which messages were taken.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use mpi_tutor::trace::{Call, EventKind, Op, Source, Trace};

use super::{mpi, read, Run};

const LIMIT: Duration = Duration::from_secs(90);

/// `mpich` or `openmpi`: the MPI whose mpiexec the tests run.
pub fn mpi_under_test() -> &'static str {
    let said = Command::new(super::mpiexec())
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if said.contains("Open MPI") || said.contains("OpenRTE") {
        "openmpi"
    } else {
        "mpich"
    }
}

/// The Python with mpi4py for the MPI under test (`.python/mpich` or
/// `.python/openmpi`, or `MPI_TUTOR_TEST_PYTHON`); None, and why, printed,
/// when there is none.
pub fn python() -> Option<PathBuf> {
    let python = match std::env::var_os("MPI_TUTOR_TEST_PYTHON") {
        Some(chosen) => PathBuf::from(chosen),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(".python")
            .join(mpi_under_test())
            .join("bin/python3"),
    };
    let imports = Command::new(&python)
        .args(["-c", "import mpi4py, numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !imports {
        eprintln!(
            "skipped: {} does not import mpi4py and numpy; `scripts/setup.sh {} --for-tests` makes it",
            python.display(),
            mpi_under_test()
        );
        return None;
    }
    super::watch::hooks_built();
    Some(python)
}

/// `mpiexec -n N mpi-tutor lesson NAME --headless --record ... EXTRA`.
pub fn lesson(name: &str, n: u32, extra: &[&str]) -> (Run, Trace) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let mut args = vec!["lesson", name, "--headless", "--record"];
    args.push(path.to_str().unwrap());
    args.extend_from_slice(extra);
    let run = mpi(n, &args, LIMIT);
    let trace = read(&path);
    (run, trace)
}

/// The twin of lesson `name` copied into a fresh folder and watched
/// headless on `n` ranks; None when there is no mpi4py to run it.
pub fn twin(name: &str, n: u32) -> Option<(Run, Trace)> {
    let python = python()?;
    let file = format!("{}.py", name.replace('-', "_"));
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("lessons/python")
        .join(&file);
    std::fs::copy(&source, dir.path().join(&file)).unwrap();
    let ranks = n.to_string();
    let args = ["-n", &ranks, "--headless", "--record", "t.jsonl"];
    let program = [python.to_str().unwrap(), &file];
    let run = super::watch::watch(dir.path(), &args, program, LIMIT);
    let trace = read(&dir.path().join("t.jsonl"));
    Some((run, trace))
}

/// One call as the pattern sees it: the op, whom it sends to and whom it
/// receives from (None: nobody, or not a point-to-point call), its root.
pub type Step = (Op, Option<u32>, Option<Source>, Option<u32>);

/// Rank `r`'s calls among `ops`, in order.
pub fn steps(trace: &Trace, r: u32, ops: &[Op]) -> Vec<Step> {
    calls(trace, r)
        .into_iter()
        .filter(|c| ops.contains(&c.op))
        .map(|c| {
            (
                c.op,
                c.send.as_ref().map(|s| s.dest),
                c.recv.as_ref().map(|p| p.source),
                c.collective.as_ref().and_then(|p| p.root),
            )
        })
        .collect()
}

/// The calls rank `r` began, in order.
pub fn calls(trace: &Trace, r: u32) -> Vec<&Call> {
    trace
        .events
        .iter()
        .filter(|e| e.rank == r)
        .filter_map(|e| match &e.event {
            EventKind::Begin(c) => Some(&**c),
            _ => None,
        })
        .collect()
}

/// Every message a receive took: (from, to, tag, k).
pub fn taken(trace: &Trace) -> BTreeSet<(u32, u32, i32, u64)> {
    let mut all = BTreeSet::new();
    for e in &trace.events {
        let received = match &e.event {
            EventKind::End(end) => &end.received,
            _ => continue,
        };
        for m in received.iter().filter_map(|r| r.msg) {
            all.insert((m.from, m.to, m.tag, m.k));
        }
    }
    all
}

/// Lesson and twin on `n` ranks: the same `ops` on the same ranks, to and
/// from the same peers, and the same messages taken. Returns the lesson's
/// trace for checks of its own, and says when the twin was skipped.
pub fn same_pattern(name: &str, n: u32, extra: &[&str], ops: &[Op]) -> Trace {
    let (run, lesson_trace) = lesson(name, n, extra);
    assert_eq!(run.code, Some(0), "lesson {name} on {n} ranks:\n{run:#?}");
    let Some((twin_run, twin_trace)) = twin(name, n) else {
        return lesson_trace;
    };
    assert_eq!(twin_run.code, Some(0), "twin of {name}:\n{twin_run:#?}");
    for r in 0..n {
        assert_eq!(
            steps(&twin_trace, r, ops),
            steps(&lesson_trace, r, ops),
            "{name}: rank {r} of the twin (left) and of the lesson (right)"
        );
    }
    assert_eq!(
        taken(&twin_trace),
        taken(&lesson_trace),
        "{name}: the messages the twin (left) and the lesson (right) took"
    );
    lesson_trace
}
