//! The lessons of the second new set (one-sided, ...) under the real
//! mpiexec: each ends as designed at its default rank count, its trace
//! shows the pattern it teaches, and its mpi4py twin, watched, makes the
//! same calls on the same ranks.

mod common;

use std::path::Path;
use std::time::Duration;

use common::twin::python;
use common::{mpi, read};
use mpi_tutor::trace::{Call, EventKind, Op, Trace};

const LIMIT: Duration = Duration::from_secs(60);

/// `lesson` headless on `n` ranks, recorded; the run must pass its checks.
fn recorded(lesson: &str, n: u32) -> (String, Trace) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let args = [
        "lesson",
        lesson,
        "--headless",
        "--record",
        path.to_str().unwrap(),
    ];
    let run = mpi(n, &args, LIMIT);
    assert_eq!(run.code, Some(0), "{lesson} on {n} ranks:\n{run:#?}");
    assert!(run.stdout.contains("check    passed"), "{}", run.stdout);
    assert!(!run.stdout.contains("FAILED"), "{}", run.stdout);
    (run.stdout, read(&path))
}

/// The calls rank `r` began, in order.
fn calls(trace: &Trace, r: u32) -> Vec<&Call> {
    (trace.events.iter())
        .filter(|e| e.rank == r)
        .filter_map(|e| match &e.event {
            EventKind::Begin(c) => Some(&**c),
            _ => None,
        })
        .collect()
}

/// What rank `r`'s fences saw in its window, in order.
fn fence_windows(trace: &Trace, r: u32) -> Vec<String> {
    (trace.events.iter())
        .filter(|e| e.rank == r)
        .filter_map(|e| match &e.event {
            EventKind::End(end) if end.op == Op::Fence => {
                end.values.as_ref().map(ToString::to_string)
            }
            _ => None,
        })
        .collect()
}

const ONE_SIDED_OPS: [Op; 7] = [
    Op::WinCreate,
    Op::Fence,
    Op::Put,
    Op::Fence,
    Op::Get,
    Op::Fence,
    Op::WinFree,
];

#[test]
fn one_sided_puts_land_in_rank_0s_window_without_rank_0_calling() {
    let (log, trace) = recorded("one-sided", 4);
    for r in 0..4 {
        let ops: Vec<Op> = calls(&trace, r).iter().map(|c| c.op).collect();
        assert_eq!(ops, ONE_SIDED_OPS, "rank {r}");
        let put = calls(&trace, r)[2]
            .rma
            .clone()
            .expect("a put says what it moves");
        assert_eq!((put.target, put.disp, put.count), (0, 2 * r as u64, 2));
        let first = (10 * r + 1) as f64;
        let values = put.values.expect("a put shows its values").to_string();
        assert!(values.starts_with(&format!("[{first:?}")), "{values}");
    }
    // Rank 0's window: empty after the first fence, everyone's values
    // after the second; rank 0 made no call in between but its own put.
    let windows = fence_windows(&trace, 0);
    assert!(windows[0].starts_with("[-1.0"), "{windows:?}");
    assert!(windows[1].starts_with("[1.0, 2.0, 11.0"), "{windows:?}");
    assert!(windows[1].ends_with("32.0]"), "{windows:?}");
    // Rank 3's own window was never written.
    assert!(fence_windows(&trace, 3)
        .iter()
        .all(|w| w.starts_with("[-1.0")));
    assert!(log.contains("-> window of 0 at 6  2 x f64 (16 B)"), "{log}");
    assert!(log.contains("<- window of 0 at 0  8 x f64 (64 B)"), "{log}");
}

#[test]
fn one_sided_summary_counts_puts_and_gets_and_calls_fences_synchronisation() {
    let (log, _) = recorded("one-sided", 4);
    let summary = &log[log.find("-- summary").expect("a summary")..];
    // Each rank puts its 2 values and gets rank 0's whole window (8).
    for line in [
        "   one-sided put: 4 transfers moved 64 B (origin -> target's window)\n",
        "   one-sided get: 4 transfers moved 256 B (target's window -> origin)\n",
        "   window calls: win_create 1, fence 3, win_free 1 (synchronisation: they move no data)\n",
    ] {
        assert!(summary.contains(line), "{line:?} in\n{summary}");
    }
    // Not data-moving collectives, and not "no messages" either.
    assert!(!summary.contains("collective"), "{summary}");
    assert!(!summary.contains("messages: none"), "{summary}");
}

/// `lessons/python/NAME.py` watched headless on `n` ranks: its log.
fn watched_twin(name: &str, n: u32) -> Option<String> {
    let python = python()?;
    let dir = tempfile::tempdir().unwrap();
    let file = format!("{name}.py");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("lessons/python")
        .join(&file);
    std::fs::copy(source, dir.path().join(&file)).unwrap();
    let ranks = n.to_string();
    let program = [python.into_os_string(), file.into()];
    let run = common::watch::watch(dir.path(), &["-n", &ranks, "--headless"], program, LIMIT);
    assert_eq!(run.code, Some(0), "{run:#?}");
    Some(run.stdout)
}

#[test]
fn one_sided_twin_makes_the_same_window_calls() {
    let Some(log) = watched_twin("one_sided", 4) else {
        return;
    };
    // mpi4py's own names for the lesson's calls (the large-count `_c`
    // versions where MPI has them).
    let expected = [
        "MPI_Win_create",
        "MPI_Win_fence",
        "MPI_Put",
        "MPI_Win_fence",
        "MPI_Get",
        "MPI_Win_fence",
        "MPI_Win_free",
    ];
    for r in 0..4 {
        let begun: Vec<&str> = common::watch::lines_of(&log, r)
            .into_iter()
            .filter(|l| !l.contains(" done ") && l.contains("MPI_") && !l.contains("errhandler"))
            .filter_map(|l| l.split_whitespace().nth(3))
            .map(|name| name.trim_end_matches("_c"))
            .collect();
        assert_eq!(begun, expected, "rank {r}:\n{log}");
    }
    assert!(
        log.contains("my window now holds [ 1.  2. 11. 12. 21. 22. 31. 32.]"),
        "{log}"
    );
}
