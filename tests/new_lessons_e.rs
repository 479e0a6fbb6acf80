//! The lesson scaling under the real mpiexec: halo's steps on teams of 1,
//! 2 and 4 ranks, each team its own communicator, the others waiting at a
//! barrier; the charts and the Amdahl fit on rank 0; and its mpi4py twin,
//! watched, with the same pattern. Times are not asserted: only that
//! every run was made, charted and checked.

mod common;

use common::twin::{calls, lesson, same_pattern};
use mpi_tutor::probe::comm_number;
use mpi_tutor::trace::{Op, Trace};

/// Teams of the default 4 ranks, and what each runs: 3 timed repetitions
/// of 8 iterations.
const TEAMS: [u32; 3] = [1, 2, 4];
const STEPS: usize = 3 * 8;

/// Rank `r`'s reduces: (communicator number, members), in order.
fn reduces(trace: &Trace, r: u32) -> Vec<(u32, u32)> {
    calls(trace, r)
        .into_iter()
        .filter(|c| c.op == Op::Reduce)
        .map(|c| (c.comm, c.collective.as_ref().unwrap().members))
        .collect()
}

fn count(trace: &Trace, r: u32, op: Op) -> usize {
    calls(trace, r).iter().filter(|c| c.op == op).count()
}

#[test]
fn scaling_times_each_team_and_fits_amdahl() {
    let (run, trace) = lesson("scaling", 4, &[]);
    assert_eq!(run.code, Some(0), "scaling:\n{run:#?}");
    assert!(run.stdout.contains("check    passed"), "{}", run.stdout);
    assert!(!run.stdout.contains("FAILED"), "{}", run.stdout);
    // A chart line per team, strong on 128 x 128, weak growing with it.
    for (p, weak) in TEAMS.iter().zip([128, 181, 256]) {
        for line in [
            format!("says     strong {p:>2} ranks  128 x 128 "),
            format!("says     weak   {p:>2} ranks  {weak} x {weak} "),
        ] {
            assert!(run.stdout.contains(&line), "{line}:\n{}", run.stdout);
        }
    }
    assert!(run.stdout.contains("█"), "{}", run.stdout);
    assert!(
        run.stdout.contains("says     Amdahl fit: serial fraction "),
        "{}",
        run.stdout
    );
    // Every rank takes part in each split and each barrier: a strong and
    // a weak run per team.
    for r in 0..4 {
        assert_eq!(count(&trace, r, Op::CommSplit), 6, "rank {r}");
        assert_eq!(count(&trace, r, Op::Barrier), 6, "rank {r}");
    }
    // Rank 0 keeps the time of every team, reduced within that team.
    let teams: Vec<(u32, u32)> = TEAMS
        .iter()
        .flat_map(|&p| {
            let members: Vec<u32> = (0..p).collect();
            [(comm_number(&members), p); 2]
        })
        .collect();
    assert_eq!(reduces(&trace, 0), teams);
    // Rank 3 works only in the team of 4 (a 2 x 2 grid: 2 neighbours),
    // rank 0 alone sends nothing, then 1 neighbour, then 2.
    assert_eq!(count(&trace, 3, Op::Isend), 2 * STEPS * 2);
    assert_eq!(count(&trace, 0, Op::Isend), 2 * STEPS * (1 + 2));
    let ops = [
        Op::CommSplit,
        Op::Isend,
        Op::Irecv,
        Op::Waitall,
        Op::Reduce,
        Op::Barrier,
    ];
    same_pattern("scaling", 4, &[], &ops);
}

#[test]
fn scaling_adds_the_whole_world_as_a_last_team() {
    let (run, trace) = lesson("scaling", 3, &["--size", "64", "--iterations", "2"]);
    assert_eq!(run.code, Some(0), "scaling on 3:\n{run:#?}");
    for p in [1, 2, 3] {
        let line = format!("says     strong {p:>2} ranks   64 x 64 ");
        assert!(run.stdout.contains(&line), "{line}:\n{}", run.stdout);
    }
    assert_eq!(
        reduces(&trace, 0).last(),
        Some(&(comm_number(&[0, 1, 2]), 3))
    );
}
