//! The lessons ping-pong and comm-split under the real mpiexec: each
//! passes its self-check at its default rank count (and an odd one), its
//! recorded trace shows the pattern it teaches, its variants end as
//! designed, and its mpi4py twin, watched, shows the same pattern.

mod common;

use common::twin::{calls, lesson, same_pattern, steps};
use mpi_tutor::lessons::comm_split::grid;
use mpi_tutor::probe::comm_number;
use mpi_tutor::trace::{Op, Source, Trace};

/// The run ended 0 with every check passed, and at least one.
fn assert_passed(what: &str, run: &common::Run) {
    assert_eq!(run.code, Some(0), "{what}:\n{run:#?}");
    assert!(run.stdout.contains("check    passed"), "{}", run.stdout);
    assert!(!run.stdout.contains("FAILED"), "{}", run.stdout);
}

/// Sizes the lesson bounces by default: 16 B to 4 MiB, 4 times larger each.
const SIZES: usize = 10;
/// A warm-up trip and 3 timed ones per size.
const TRIPS: usize = SIZES * 4;

/// Serving rank `from` sends and receives in turn with `to`, every trip.
fn bounces(trace: &Trace, from: u32, to: u32) -> bool {
    let ping = (Op::Send, Some(to), None, None);
    let pong = (Op::Recv, None, Some(Source::Rank(to)), None);
    let back = (Op::Recv, None, Some(Source::Rank(from)), None);
    let serve = [ping, pong].repeat(TRIPS);
    let answer = [back, (Op::Send, Some(from), None, None)].repeat(TRIPS);
    steps(trace, from, &[Op::Send, Op::Recv]) == serve
        && steps(trace, to, &[Op::Send, Op::Recv]) == answer
}

#[test]
fn ping_pong_bounces_every_size_and_charts_the_times() {
    let (run, trace) = lesson("ping-pong", 2, &[]);
    assert_passed("ping-pong", &run);
    assert!(bounces(&trace, 0, 1), "{}", run.stdout);
    // The chart: a line per size, from 16 B to 4 MiB, and the knee.
    for size in ["16 B", "64 B", "1 KiB", "64 KiB", "1 MiB", "4 MiB"] {
        let line = format!("says     {size:>7} █");
        assert!(run.stdout.contains(&line), "{line}:\n{}", run.stdout);
    }
    assert!(run.stdout.contains("steepest step: "), "{}", run.stdout);
    // The largest message moves whole: 4 MiB each way, every trip.
    let largest = calls(&trace, 0)
        .into_iter()
        .filter_map(|c| c.send.as_ref())
        .map(|s| s.bytes)
        .max();
    assert_eq!(largest, Some(4 << 20));
    same_pattern("ping-pong", 2, &[], &[Op::Send, Op::Recv]);
}

#[test]
fn ping_pong_leaves_the_others_out_unless_in_pairs() {
    let (run, trace) = lesson("ping-pong", 5, &["--size", "1024"]);
    assert_passed("ping-pong on 5", &run);
    for r in 2..5 {
        assert!(calls(&trace, r).is_empty(), "rank {r} should sit out");
    }
    let (run, trace) = lesson("ping-pong", 5, &["--variant", "pairs", "--size", "1024"]);
    assert_passed("ping-pong pairs", &run);
    // 16 B to 1 KiB: 4 sizes, 4 trips each; rank 4 has nobody.
    let trips = 4 * 4;
    for (from, to) in [(0, 1), (2, 3)] {
        let sent = steps(&trace, from, &[Op::Send]).len();
        assert_eq!(sent, trips, "rank {from} serves {to}");
    }
    assert!(calls(&trace, 4).is_empty(), "rank 4 has no partner");
}

/// Rank `r`'s allreduces: (communicator number, members).
fn allreduces(trace: &Trace, r: u32) -> Vec<(u32, u32)> {
    calls(trace, r)
        .into_iter()
        .filter(|c| c.op == Op::Allreduce)
        .map(|c| (c.comm, c.collective.as_ref().unwrap().members))
        .collect()
}

#[test]
fn comm_split_reduces_within_each_row_and_column() {
    for n in [6, 5, 1] {
        let (run, trace) = lesson("comm-split", n, &[]);
        assert_passed("comm-split", &run);
        let (rows, columns) = grid(n);
        for r in 0..n {
            let (row, column) = (r / columns, r % columns);
            let row_members: Vec<u32> = (0..columns).map(|c| row * columns + c).collect();
            let column_members: Vec<u32> = (0..rows).map(|w| w * columns + column).collect();
            // Both splits are collectives over the whole world.
            let ops: Vec<Op> = steps(&trace, r, &[Op::CommSplit, Op::Allreduce])
                .iter()
                .map(|s| s.0)
                .collect();
            assert_eq!(
                ops,
                [Op::CommSplit, Op::CommSplit, Op::Allreduce, Op::Allreduce]
            );
            assert_eq!(
                allreduces(&trace, r),
                vec![
                    (comm_number(&row_members), columns),
                    (comm_number(&column_members), rows)
                ],
                "rank {r} of {n}"
            );
            let row_sum: u32 = row_members.iter().sum();
            let said = format!("rank {r}  done     allreduce  got [{row_sum}]");
            assert!(run.stdout.contains(&said), "{said}:\n{}", run.stdout);
        }
        if n == 6 {
            // 2 rows of 3 (each 3 x 2 flows) and 3 columns of 2 (2 x 1).
            let moved = "allreduce sum: 5 calls moved 72 B in 18 transfers";
            assert!(run.stdout.contains(moved), "{}", run.stdout);
            assert!(run.stdout.contains("among 3 ranks"), "{}", run.stdout);
        }
    }
    same_pattern("comm-split", 6, &[], &[Op::CommSplit, Op::Allreduce]);
}

#[test]
fn comm_split_variants_regroup_the_ranks() {
    let (run, trace) = lesson("comm-split", 6, &["--variant", "reversed-key"]);
    assert_passed("comm-split reversed-key", &run);
    // World rank 2 is now rank 0 of the first row, and the row keeps its sum.
    assert!(run
        .stdout
        .contains("rank 2  says     rank 0 of 3 in my group"));
    let reversed = comm_number(&[2, 1, 0]);
    assert_eq!(allreduces(&trace, 0)[0], (reversed, 3));
    let (run, trace) = lesson("comm-split", 6, &["--variant", "checkerboard"]);
    assert_passed("comm-split checkerboard", &run);
    // Squares of a 2 x 3 board: 0, 2, 4 are one colour, 1, 3, 5 the other.
    let (white, black) = (comm_number(&[0, 2, 4]), comm_number(&[1, 3, 5]));
    for r in 0..6 {
        let group = if r % 2 == 0 { white } else { black };
        assert_eq!(allreduces(&trace, r)[0], (group, 3), "rank {r}");
    }
}
