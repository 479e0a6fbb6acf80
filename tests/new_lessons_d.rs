//! The lessons of the fourth new set (nonblocking-collectives, datatypes,
//! scaling) under the real mpiexec: each ends as designed at its default
//! rank count, its trace shows the pattern it teaches, its variants end as
//! designed, and its mpi4py twin, watched, makes the same calls on the same
//! ranks.

mod common;

use common::twin::{calls, lesson, same_pattern};
use mpi_tutor::trace::{EventKind, Op, Trace};

/// The run passed every check it made.
fn passed(lesson: &str, run: &common::Run) {
    assert_eq!(run.code, Some(0), "{lesson}:\n{run:#?}");
    assert!(run.stdout.contains("check    passed"), "{}", run.stdout);
    assert!(!run.stdout.contains("FAILED"), "{}", run.stdout);
}

/// The values the ends of rank `r`'s `op` calls carried.
fn got(trace: &Trace, r: u32, op: Op) -> Vec<String> {
    (trace.events.iter())
        .filter(|e| e.rank == r)
        .filter_map(|e| match &e.event {
            EventKind::End(end) if end.op == op => end.values.as_ref().map(ToString::to_string),
            _ => None,
        })
        .collect()
}

#[test]
fn nonblocking_collectives_meet_at_the_wait_and_get_the_sum() {
    let ops = [Op::Iallreduce, Op::Wait, Op::Allreduce];
    let trace = same_pattern("nonblocking-collectives", 4, &[], &ops);
    for r in 0..4 {
        let mine = calls(&trace, r);
        let started: Vec<Op> = mine.iter().map(|c| c.op).collect();
        assert_eq!(started, [Op::Iallreduce, Op::Wait], "rank {r}");
        // The wait completes the request the iallreduce started.
        assert_eq!(mine[1].requests, [mine[0].id], "rank {r}");
        let part = mine[0].collective.as_ref().expect("a collective part");
        assert_eq!((part.count, part.members), (4, 4), "rank {r}");
        assert_eq!(got(&trace, r, Op::Wait), ["[10.0, 10.0, 10.0, 10.0]"]);
    }
}

#[test]
fn nonblocking_collectives_variants_end_as_designed() {
    // The early read is not the sum: its check fails, the run exits 1.
    let (run, _) = lesson("nonblocking-collectives", 4, &["--variant", "read-early"]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert!(
        run.stdout.contains("read before the wait"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("check    passed: rank 0 got the sum 10 after the wait"),
        "{}",
        run.stdout
    );
    // The blocking allreduce gets the same sum, no request in sight.
    let (run, trace) = lesson("nonblocking-collectives", 4, &["--variant", "blocking"]);
    passed("nonblocking-collectives --variant blocking", &run);
    for r in 0..4 {
        let ops: Vec<Op> = calls(&trace, r).iter().map(|c| c.op).collect();
        assert_eq!(ops, [Op::Allreduce], "rank {r}");
    }
}

/// Rank `r`'s sends: (to whom, count, datatype, bytes).
fn sends(trace: &Trace, r: u32) -> Vec<(u32, u64, String, u64)> {
    (calls(trace, r).into_iter())
        .filter_map(|c| c.send.as_ref())
        .map(|s| (s.dest, s.count, s.datatype.to_string(), s.bytes))
        .collect()
}

#[test]
fn datatypes_send_a_column_as_one_vector_down_the_chain() {
    let ops = [Op::Send, Op::Ssend, Op::Recv];
    let trace = same_pattern("datatypes", 4, &[], &ops);
    for r in 0..3 {
        let vector = "vector(8 x f64, stride 8)".to_string();
        assert_eq!(sends(&trace, r), [(r + 1, 1, vector, 64)], "rank {r}");
    }
    assert!(sends(&trace, 3).is_empty());
    // Each ghost column: the left neighbour's values ending in 7.
    assert_eq!(got(&trace, 2, Op::Recv), ["[107.0, 117.0, 127.0 … 177.0]"]);
    // The copy loop sends the same 64 bytes as 8 plain values.
    let (run, trace) = lesson("datatypes", 4, &["--variant", "copy-loop"]);
    passed("datatypes --variant copy-loop", &run);
    for r in 0..3 {
        assert_eq!(sends(&trace, r), [(r + 1, 8, "f64".into(), 64)], "rank {r}");
    }
    assert_eq!(got(&trace, 2, Op::Recv), ["[107.0, 117.0, 127.0 … 177.0]"]);
}
