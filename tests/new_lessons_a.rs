//! The lessons sendrecv, probe, ping-pong, barrier, allgather, alltoall,
//! scan and comm-split under the real mpiexec: each passes its self-check
//! at its default rank count (and a small and an odd one), its recorded
//! trace shows the pattern it teaches, its variants end as designed, and
//! its mpi4py twin, watched, shows the same pattern.

mod common;

use common::twin::{lesson, same_pattern, steps, taken};
use mpi_tutor::lessons::find;
use mpi_tutor::trace::{Op, Source};

/// The run ended 0 with every check passed, and at least one.
fn assert_passed(name: &str, n: u32, run: &common::Run) {
    assert_eq!(run.code, Some(0), "{name} on {n} ranks:\n{run:#?}");
    assert!(run.stdout.contains("check    passed"), "{}", run.stdout);
    assert!(!run.stdout.contains("FAILED"), "{}", run.stdout);
}

/// The smallest, default and an odd rank count of lesson `name`.
fn rank_counts(name: &str) -> Vec<u32> {
    let l = find(name).unwrap();
    let mut counts = vec![l.min_ranks, l.default_ranks];
    if (l.min_ranks..=l.max_ranks).contains(&5) {
        counts.push(5);
    }
    counts.sort();
    counts.dedup();
    counts
}

#[test]
fn sendrecv_shifts_along_the_chain_with_nobody_at_the_ends() {
    for n in rank_counts("sendrecv") {
        let (run, trace) = lesson("sendrecv", n, &[]);
        assert_passed("sendrecv", n, &run);
        for r in 0..n {
            let right = (r + 1 < n).then_some(r + 1);
            let left = r.checked_sub(1).map(Source::Rank);
            assert_eq!(
                steps(&trace, r, &[Op::Sendrecv, Op::Send, Op::Recv]),
                vec![(Op::Sendrecv, right, left, None)],
                "rank {r} of {n}"
            );
        }
        let shifted = (0..n - 1).map(|r| (r, r + 1, 5, 0)).collect();
        assert_eq!(taken(&trace), shifted, "{n} ranks");
        assert!(run.stdout.contains("<- nobody"), "{}", run.stdout);
        assert!(run.stdout.contains("-> nobody"), "{}", run.stdout);
    }
    same_pattern("sendrecv", 4, &[], &[Op::Sendrecv, Op::Send, Op::Recv]);
}

#[test]
fn sendrecv_variants_close_the_ring_and_deadlock_when_large() {
    let (run, trace) = lesson("sendrecv", 4, &["--variant", "ring"]);
    assert_passed("sendrecv ring", 4, &run);
    let ring = (0..4).map(|r| (r, (r + 1) % 4, 5, 0)).collect();
    assert_eq!(taken(&trace), ring);
    // Small messages are buffered: send first completes.
    let (run, _) = lesson("sendrecv", 4, &["--variant", "send-first"]);
    assert_passed("sendrecv send-first", 4, &run);
    // Large ones are not: every rank waits in its send for the next.
    let (run, _) = lesson(
        "sendrecv",
        4,
        &["--variant", "send-first", "--size", "200000"],
    );
    assert_eq!(run.code, Some(3), "{run:#?}");
    let cycle = "rank 0 send(to 1, tag 5) lessons/sendrecv.rs";
    assert!(run.stdout.contains(cycle), "{}", run.stdout);
}

#[test]
fn probe_learns_each_length_before_receiving() {
    for n in rank_counts("probe") {
        let (run, trace) = lesson("probe", n, &[]);
        assert_passed("probe", n, &run);
        let zero = steps(&trace, 0, &[Op::Probe, Op::Recv]);
        // Rank 0 alternates: a probe, then the receive of what it found.
        let ops: Vec<Op> = zero.iter().map(|s| s.0).collect();
        assert_eq!(ops, [Op::Probe, Op::Recv].repeat(n as usize - 1));
        let each = (1..n).map(|r| (r, 0, 3, 0)).collect();
        assert_eq!(taken(&trace), each, "{n} ranks");
        for r in 1..n {
            let length = 1 + (r * 37) % 100;
            let said = format!("probed: {length} numbers from rank {r}");
            assert!(run.stdout.contains(&said), "{said}:\n{}", run.stdout);
        }
    }
    // The twin probes ANY_SOURCE too: the order of its receives is its own.
    same_pattern("probe", 4, &[], &[Op::Probe, Op::Send]);
    let (run, _) = lesson("probe", 4, &["--variant", "max-buffer"]);
    assert_passed("probe max-buffer", 4, &run);
}

#[test]
fn barrier_holds_everyone_until_the_last_enters() {
    for n in rank_counts("barrier") {
        let (run, trace) = lesson("barrier", n, &[]);
        assert_passed("barrier", n, &run);
        for r in 0..n {
            let ops: Vec<Op> = steps(&trace, r, &[Op::Barrier, Op::Gather])
                .iter()
                .map(|s| s.0)
                .collect();
            assert_eq!(ops, [Op::Barrier, Op::Gather, Op::Gather], "rank {r}");
        }
    }
    same_pattern("barrier", 4, &[], &[Op::Barrier, Op::Gather]);
    // Without the barrier the guarantee is gone, and the check says so.
    let (run, _) = lesson("barrier", 4, &["--variant", "no-barrier"]);
    assert_ne!(run.code, Some(0), "{run:#?}");
    assert!(
        run.stdout.contains("checks: 0 passed, 1 failed"),
        "{}",
        run.stdout
    );
}

/// How the summary names a collective: a scan with its reduction.
fn what_moved(op: Op) -> String {
    match op {
        Op::Scan => "scan sum".into(),
        op => op.name().into(),
    }
}

/// The preview of `values`: all of them up to 4, else the first 3 … the last.
fn preview(values: &[u32]) -> String {
    let shown: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    match shown.len() {
        0..=4 => format!("[{}]", shown.join(", ")),
        k => format!("[{} … {}]", shown[..3].join(", "), shown[k - 1]),
    }
}

/// Every rank called `op` once, on the world, with no root; the results
/// each rank got are `expected(rank, ranks)`, and the summary counts
/// `transfers(ranks)` flows of data.
fn one_collective(
    name: &str,
    op: Op,
    expected: impl Fn(u32, u32) -> Vec<u32>,
    transfers: impl Fn(u32) -> u32,
) {
    for n in rank_counts(name) {
        let (run, trace) = lesson(name, n, &[]);
        assert_passed(name, n, &run);
        for r in 0..n {
            assert_eq!(steps(&trace, r, &[op]), vec![(op, None, None, None)]);
            let got = format!(
                "rank {r}  done     {} got {}",
                op.name(),
                preview(&expected(r, n))
            );
            let said = run.stdout.replace("  got", " got");
            assert!(said.contains(&got), "{got}:\n{}", run.stdout);
        }
        let moved = format!("{}: 1 call moved", what_moved(op));
        let flows = format!(" in {} transfers", transfers(n));
        if n > 1 {
            assert!(run.stdout.contains(&moved), "{moved}:\n{}", run.stdout);
            assert!(run.stdout.contains(&flows), "{flows}:\n{}", run.stdout);
        }
    }
    same_pattern(name, 4, &[], &[op]);
}

#[test]
fn allgather_gives_every_rank_every_block() {
    let blocks = |_, n| (0..n).flat_map(|s| [s * 10, s * 10 + 1]).collect();
    one_collective("allgather", Op::Allgather, blocks, |n| n * (n - 1));
}

#[test]
fn alltoall_transposes_the_chunks() {
    let column = |r, n| (0..n).map(|s| s * 100 + r).collect();
    one_collective("alltoall", Op::Alltoall, column, |n| n * (n - 1));
}

#[test]
fn scan_gives_each_rank_the_running_total() {
    let total = |r: u32, _| vec![(r + 1) * (r + 2) / 2];
    one_collective("scan", Op::Scan, total, |n| n * (n - 1) / 2);
}
