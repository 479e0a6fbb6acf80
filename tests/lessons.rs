//! Every lesson under the real mpiexec: its self-check passes at its
//! minimum, default and an odd rank count, and the recorded trace shows the
//! communication pattern the lesson is about.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::twin::calls;
use common::{mpi, read, Run};
use mpi_tutor::lessons::find;
use mpi_tutor::trace::{Call, CallEnd, EventKind, Op, Source, Trace};

const LIMIT: Duration = Duration::from_secs(60);

/// Runs `lesson` headless on `n` ranks, recording the trace.
fn run_recorded(lesson: &str, n: u32, extra: &[&str]) -> (Run, Trace) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let mut args = vec![
        "lesson",
        lesson,
        "--headless",
        "--record",
        path.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = mpi(n, &args, LIMIT);
    let trace = read(&path);
    (run, trace)
}

fn assert_checks_pass(lesson: &str, n: u32, run: &Run) {
    assert_eq!(run.code, Some(0), "{lesson} on {n} ranks failed:\n{run:#?}");
    assert!(
        run.stdout.contains("check    passed"),
        "{lesson} on {n} ranks checked nothing:\n{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("FAILED"),
        "{lesson} on {n} ranks:\n{}",
        run.stdout
    );
}

/// The minimum, default and an odd rank count (3, else 7) of a lesson.
fn rank_counts(lesson: &str) -> Vec<u32> {
    let l = find(lesson).unwrap();
    let mut counts = BTreeSet::from([l.min_ranks, l.default_ranks]);
    if let Some(odd) = [3, 7]
        .into_iter()
        .find(|&k| (l.min_ranks..=l.max_ranks).contains(&k))
    {
        counts.insert(odd);
    }
    counts.into_iter().collect()
}

/// Runs the lesson at each of its rank counts; the self-check passes each
/// time; `pattern` checks every recorded trace.
fn check_lesson(lesson: &str, extra: &[&str], pattern: impl Fn(u32, &Trace)) {
    for n in rank_counts(lesson) {
        let (run, trace) = run_recorded(lesson, n, extra);
        assert_checks_pass(lesson, n, &run);
        pattern(n, &trace);
    }
}

/// How rank `r`'s calls ended, by call id.
fn ends(trace: &Trace, r: u32) -> BTreeMap<u64, &CallEnd> {
    trace
        .events
        .iter()
        .filter(|e| e.rank == r)
        .filter_map(|e| match &e.event {
            EventKind::End(end) => Some((end.id, end)),
            _ => None,
        })
        .collect()
}

fn says(trace: &Trace, r: u32) -> Vec<&str> {
    trace
        .events
        .iter()
        .filter(|e| e.rank == r)
        .filter_map(|e| match &e.event {
            EventKind::Say { text } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

fn dest(c: &Call) -> u32 {
    c.send.as_ref().expect("a send").dest
}

fn source(c: &Call) -> Source {
    c.recv.as_ref().expect("a receive").source
}

/// (op, root, instance) of every collective rank `r` called.
fn collectives(trace: &Trace, r: u32) -> Vec<(Op, Option<u32>, u64)> {
    calls(trace, r)
        .into_iter()
        .filter_map(|c| c.collective.as_ref().map(|p| (c.op, p.root, p.instance)))
        .collect()
}

#[test]
fn ring_passes_the_token_left_to_right_every_lap() {
    let laps = 3;
    check_lesson("ring", &["--iterations", "3"], |n, trace| {
        for r in 0..n {
            let (left, right) = ((r + n - 1) % n, (r + 1) % n);
            let got: Vec<(Op, u32)> = calls(trace, r)
                .iter()
                .map(|c| match c.op {
                    Op::Send => (Op::Send, dest(c)),
                    Op::Recv => (Op::Recv, matches_rank(source(c))),
                    op => panic!("ring: unexpected {op:?}"),
                })
                .collect();
            let lap = if r == 0 {
                [(Op::Send, right), (Op::Recv, left)]
            } else {
                [(Op::Recv, left), (Op::Send, right)]
            };
            assert_eq!(got, lap.repeat(laps), "rank {r} of {n}");
            // Each receive took a message sent by the left neighbour.
            for end in ends(trace, r).values().filter(|e| e.op == Op::Recv) {
                assert_eq!(end.received[0].msg.unwrap().from, left, "rank {r} of {n}");
            }
        }
    });
}

fn matches_rank(s: Source) -> u32 {
    match s {
        Source::Rank(r) => r,
        Source::Any => panic!("a wildcard receive where a rank was expected"),
    }
}

#[test]
fn nonblocking_requests_are_completed_by_a_waitall() {
    check_lesson("nonblocking", &[], |n, trace| {
        for r in 0..n {
            let (left, right) = ((r + n - 1) % n, (r + 1) % n);
            let calls = calls(trace, r);
            let posted: BTreeSet<u64> = calls
                .iter()
                .filter(|c| matches!(c.op, Op::Isend | Op::Irecv))
                .map(|c| c.id)
                .collect();
            let mut sends: Vec<u32> = calls
                .iter()
                .filter(|c| c.op == Op::Isend)
                .map(|c| dest(c))
                .collect();
            let mut recvs: Vec<u32> = calls
                .iter()
                .filter(|c| c.op == Op::Irecv)
                .map(|c| matches_rank(source(c)))
                .collect();
            sends.sort();
            recvs.sort();
            let mut both = vec![left, right];
            both.sort();
            assert_eq!(sends, both, "rank {r} of {n} isends");
            assert_eq!(recvs, both, "rank {r} of {n} irecvs");
            let waitalls: Vec<&&Call> = calls.iter().filter(|c| c.op == Op::Waitall).collect();
            assert_eq!(waitalls.len(), 1, "rank {r} of {n}");
            let waited: BTreeSet<u64> = waitalls[0].requests.iter().copied().collect();
            assert_eq!(
                waited, posted,
                "rank {r} of {n}: waitall completes every request"
            );
            // The waitall comes after every post.
            assert!(calls.iter().position(|c| c.op == Op::Waitall).unwrap() > 3);
        }
    });
}

#[test]
fn broadcast_every_rank_joins_the_same_bcast_from_root_0() {
    check_lesson("broadcast", &[], |n, trace| {
        for r in 0..n {
            assert_eq!(
                collectives(trace, r),
                vec![(Op::Bcast, Some(0), 0)],
                "rank {r} of {n}"
            );
        }
    });
}

#[test]
fn scatter_gather_every_rank_scatters_then_gathers() {
    check_lesson("scatter-gather", &[], |n, trace| {
        for r in 0..n {
            assert_eq!(
                collectives(trace, r),
                vec![(Op::Scatter, Some(0), 0), (Op::Gather, Some(0), 1)],
                "rank {r} of {n}"
            );
        }
    });
}

#[test]
fn reduce_every_rank_reduces_then_allreduces() {
    check_lesson("reduce", &[], |n, trace| {
        for r in 0..n {
            assert_eq!(
                collectives(trace, r),
                vec![(Op::Reduce, Some(0), 0), (Op::Allreduce, None, 1)],
                "rank {r} of {n}"
            );
        }
    });
}

/// MPI_Dims_create for 2 dimensions, written independently of the lesson.
fn dims(n: u32) -> (u32, u32) {
    let mut best = (n, 1);
    for cols in 1..=n {
        let rows = n / cols;
        if rows * cols == n && rows >= cols {
            best = (rows, cols);
        }
    }
    best
}

/// The ranks next to `r` in a grid of ranks filled row by row.
fn grid_neighbours(r: u32, n: u32) -> BTreeSet<u32> {
    let (rows, cols) = dims(n);
    let (i, j) = (r / cols, r % cols);
    let mut v = BTreeSet::new();
    if i > 0 {
        v.insert(r - cols);
    }
    if i + 1 < rows {
        v.insert(r + cols);
    }
    if j > 0 {
        v.insert(r - 1);
    }
    if j + 1 < cols {
        v.insert(r + 1);
    }
    v
}

fn check_halo(n: u32, trace: &Trace, iterations: usize) {
    // The lesson arranges the ranks as MPI_Dims_create would.
    let (rows, cols) = dims(n);
    let layout = format!("ranks form a {rows} x {cols} grid;");
    assert!(
        says(trace, 0).iter().any(|s| s.starts_with(&layout)),
        "{n} ranks: expected {layout}"
    );
    for r in 0..n {
        let expected = grid_neighbours(r, n);
        let mut rounds = 0;
        let mut sends = BTreeSet::new();
        let mut recvs = BTreeSet::new();
        let mut posted = BTreeSet::new();
        for c in calls(trace, r) {
            match c.op {
                Op::Isend => assert!(sends.insert(dest(c)), "rank {r}: two sends to one rank"),
                Op::Irecv => assert!(recvs.insert(matches_rank(source(c))), "rank {r}"),
                Op::Waitall => {
                    assert_eq!(sends, expected, "rank {r} of {n}, iteration {rounds}");
                    assert_eq!(recvs, expected, "rank {r} of {n}, iteration {rounds}");
                    let waited: BTreeSet<u64> = c.requests.iter().copied().collect();
                    assert_eq!(waited, posted, "rank {r}, iteration {rounds}");
                    rounds += 1;
                    sends.clear();
                    recvs.clear();
                    posted.clear();
                    continue;
                }
                op => panic!("halo: unexpected {op:?}"),
            }
            posted.insert(c.id);
        }
        assert_eq!(rounds, iterations, "rank {r} of {n}");
        assert!(
            sends.is_empty() && recvs.is_empty(),
            "rank {r}: posts after the last waitall"
        );
        // Every rank showed its block at the start and at the end, and
        // in between only every other iteration. (At full speed a rank sends
        // at most one snapshot per 33 ms, so the ones between may be left
        // out; the last one never is.)
        let shown: Vec<u64> = trace
            .events
            .iter()
            .filter(|e| e.rank == r)
            .filter_map(|e| match &e.event {
                EventKind::Field(f) => Some(f.iteration),
                _ => None,
            })
            .collect();
        let last = iterations as u64;
        assert_eq!(shown.first(), Some(&0), "rank {r} of {n}: {shown:?}");
        assert_eq!(shown.last(), Some(&last), "rank {r} of {n}: {shown:?}");
        assert!(
            shown.windows(2).all(|w| w[0] < w[1]) && shown.iter().all(|i| i % 2 == 0 || *i == last),
            "rank {r} of {n}: {shown:?}"
        );
    }
}

#[test]
fn halo_every_rank_exchanges_with_exactly_its_neighbours_each_iteration() {
    check_lesson("halo", &[], |n, trace| check_halo(n, trace, 6));
    // A 2-D grid that is not square: ranks with 2 and 3 neighbours.
    let (run, trace) = run_recorded("halo", 6, &[]);
    assert_checks_pass("halo", 6, &run);
    check_halo(6, &trace, 6);
}

#[test]
fn pool_sends_each_task_once_and_gets_each_answer_once() {
    let tasks = 8u32;
    check_lesson("pool", &["--size", "8"], |n, trace| {
        let master = calls(trace, 0);
        let task_sends: Vec<u32> = master
            .iter()
            .filter(|c| c.op == Op::Send && c.send.as_ref().unwrap().tag == 1)
            .map(|c| dest(c))
            .collect();
        assert_eq!(task_sends.len() as u32, tasks, "{n} ranks: tasks sent");
        let stops = master
            .iter()
            .filter(|c| c.op == Op::Send && c.send.as_ref().unwrap().tag == 3)
            .count();
        assert_eq!(stops as u32, n - 1, "{n} ranks: one stop per worker");
        // The master takes results from whoever answers: ANY_SOURCE.
        let result_recvs: Vec<&&Call> = master
            .iter()
            .filter(|c| c.op == Op::Recv && source(c) == Source::Any)
            .collect();
        assert_eq!(
            result_recvs.len() as u32,
            tasks,
            "{n} ranks: results received"
        );
        // Each worker answered as many tasks as it was given.
        for w in 1..n {
            let given = task_sends.iter().filter(|&&d| d == w).count();
            let answered = calls(trace, w)
                .iter()
                .filter(|c| c.op == Op::Send && c.send.as_ref().unwrap().tag == 2)
                .count();
            assert_eq!(given, answered, "worker {w} of {n}");
        }
        // And each task was reported done exactly once.
        let mut done = vec![0; tasks as usize];
        for s in says(trace, 0) {
            if let Some(rest) = s.strip_prefix("task ") {
                let k: usize = rest.split(' ').next().unwrap().parse().unwrap();
                done[k] += 1;
            }
        }
        assert_eq!(done, vec![1; tasks as usize], "{n} ranks");
    });
}

/// Waiting for a deadlock to be found: exit 3 within 10 s, saying so.
/// Fails until rank 0 detects deadlocks (another branch).
fn assert_deadlock_detected(lesson: &str) {
    let run = mpi(
        2,
        &["lesson", lesson, "--headless"],
        Duration::from_secs(10),
    );
    assert_eq!(run.code, Some(3), "{lesson}: expected exit 3:\n{run:#?}");
    let said = run.stdout.replace("lessons/deadlock.rs", "").to_lowercase();
    assert!(said.contains("deadlock"), "{lesson}:\n{}", run.stdout);
}

#[test]
fn deadlock_receive_first_is_detected() {
    assert_deadlock_detected("deadlock");
}

#[test]
fn deadlock_send_first_is_detected() {
    assert_deadlock_detected("deadlock-send");
}

#[test]
fn crash_ends_the_job_and_names_the_failing_rank() {
    let run = mpi(
        4,
        &["lesson", "crash", "--headless"],
        Duration::from_secs(10),
    );
    assert!(
        matches!(run.code, Some(c) if c != 0),
        "crash: expected a non-zero exit within 10 s:\n{run:#?}"
    );
    assert!(
        run.stderr.contains("rank 1 failed at lessons/crash.rs:"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("index out of bounds"), "{}", run.stderr);
}

/// No lesson but `deadlock` is ever diagnosed as deadlocked, also when the
/// ranks are held before every call (paced): held is not deadlocked.
#[test]
fn no_false_deadlock_alarm_when_paced() {
    for l in mpi_tutor::lessons::LESSONS {
        if l.name.starts_with("deadlock") || l.name == "crash" {
            continue;
        }
        let n = if (l.min_ranks..=l.max_ranks).contains(&3) {
            3
        } else {
            l.min_ranks
        };
        let mut args = vec!["lesson", l.name, "--headless", "--speed", "400"];
        if l.name == "pool" {
            args.extend(["--size", "6"]);
        }
        let run = mpi(n, &args, LIMIT);
        assert!(
            !run.stdout.contains("DEADLOCK"),
            "{} was called deadlocked:\n{}",
            l.name,
            run.stdout
        );
        assert_checks_pass(l.name, n, &run);
    }
}

/// How each variant of each lesson is designed to end: 0 with its checks
/// passed, 1 (a check failed, or a rank failed), 3 (a deadlock).
const VARIANT_ENDINGS: &[(&str, &str, i32)] = &[
    ("hello", "root-speaks", 0),
    ("send-recv", "wrong-tag", 3),
    ("send-recv", "any-source", 0),
    ("send-recv", "short-message", 0),
    ("ring", "recv-first", 3),
    ("ring", "reversed", 0),
    ("nonblocking", "blocking", 3),
    ("nonblocking", "wait-first", 0),
    ("deadlock", "reorder", 0),
    ("deadlock", "sendrecv", 0),
    ("deadlock", "nonblocking", 0),
    ("broadcast", "root-2", 0),
    ("broadcast", "skip-bcast", 1),
    ("scatter-gather", "slow-rank-1", 0),
    ("reduce", "max", 0),
    ("halo", "skip-exchange", 1),
    ("pool", "even-tasks", 0),
    ("pool", "rank-1-only", 3),
    ("crash", "rank-0-fails", 1),
    ("crash", "fail-after-loop", 1),
    ("crash", "no-crash", 0),
    ("sendrecv", "ring", 0),
    // Small messages are buffered: the ring of blocking sends completes
    // at the default size (it deadlocks with --size 200000 or --sync-sends).
    ("sendrecv", "send-first", 0),
    ("probe", "max-buffer", 0),
    ("barrier", "no-barrier", 1),
    ("scan", "max", 0),
    ("nonblocking-collectives", "read-early", 1),
    ("nonblocking-collectives", "blocking", 0),
    ("datatypes", "copy-loop", 0),
    ("ping-pong", "pairs", 0),
    ("comm-split", "reversed-key", 0),
    ("comm-split", "checkerboard", 0),
];

/// Every variant of every lesson runs once, headless, and ends as designed;
/// the table above names every variant the lessons declare.
#[test]
fn every_variant_ends_as_designed() {
    for l in mpi_tutor::lessons::LESSONS {
        for (variant, _) in l.variants {
            assert!(
                VARIANT_ENDINGS
                    .iter()
                    .any(|(n, v, _)| *n == l.name && v == variant),
                "{} --variant {variant}: how should it end?",
                l.name
            );
        }
    }
    for &(lesson, variant, code) in VARIANT_ENDINGS {
        let n = if lesson == "deadlock" { 3 } else { 4 };
        let run = mpi(
            n,
            &["lesson", lesson, "--variant", variant, "--headless"],
            LIMIT,
        );
        assert_eq!(
            run.code,
            Some(code),
            "{lesson} --variant {variant}:\n{run:#?}"
        );
        if code == 0 {
            assert_checks_pass(lesson, n, &run);
        }
    }
}

#[test]
fn an_unknown_variant_is_one_line_naming_the_known_ones() {
    let run = common::alone(&["lesson", "ring", "--variant", "nope"], LIMIT);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert_eq!(run.stderr.trim().lines().count(), 1, "{run:#?}");
    assert!(run.stderr.contains("recv-first, reversed"), "{run:#?}");
    let explained = common::alone(&["lesson", "ring", "--explain"], LIMIT);
    assert!(explained.stdout.contains("VARIANTS"), "{explained:#?}");
    assert!(explained.stdout.contains("reversed"), "{explained:#?}");
}

/// A variant typed without mpiexec reaches every rank once, as typed.
#[test]
fn a_variant_reaches_the_ranks_mpi_tutor_starts() {
    let run = common::alone(
        &[
            "lesson",
            "sendrecv",
            "--variant",
            "send-first",
            "--headless",
        ],
        LIMIT,
    );
    assert_checks_pass("sendrecv --variant send-first", 4, &run);
}

/// A small send is buffered and deadlock-send completes; with every send
/// synchronous it deadlocks, and the trace records the sends as ssend.
#[test]
fn sync_sends_expose_the_buffered_deadlock() {
    let (run, trace) = run_recorded("deadlock-send", 2, &["--size", "10"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let (run, trace_sync) = run_recorded("deadlock-send", 2, &["--size", "10", "--sync-sends"]);
    assert_eq!(run.code, Some(3), "{run:#?}");
    assert!(run.stdout.contains("ssend"), "{}", run.stdout);
    assert!(calls(&trace, 0).iter().any(|c| c.op == Op::Send));
    assert!(calls(&trace_sync, 0).iter().all(|c| c.op == Op::Ssend));
    assert!(trace_sync
        .header
        .params
        .contains(&("sync-sends".to_string(), "on".to_string())));
}
