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
