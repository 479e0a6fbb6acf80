// Lesson: nonblocking-collectives. Every rank starts an allreduce with
// iallreduce, does work that does not need the sum while the reduction
// goes on, and only then waits for it.
use crate::probe::{Comm, ReduceOp};

/// Slices of work done while the reduction is under way.
const WORK_STEPS: u64 = 3;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let rank = world.rank();
    let size = world.size() as u64;
    let n = params.size.unwrap_or(4) as usize;

    // My contribution: rank + 1, n times. The sum is 1 + 2 + ... + size.
    let mine = vec![(rank + 1) as f64; n];
    let expected = (size * (size + 1) / 2) as f64;

    // `--variant blocking`: exercise 3, the plain allreduce before the work.
    if params.variant == Some("blocking") {
        let mut total = vec![0.0f64; n];
        world.allreduce(&mine, &mut total, ReduceOp::Sum); // all meet here
        let work = work(rank);
        return finish(world, &total, expected, work);
    }

    // Start the reduction. It returns at once: the sum is not there yet,
    // and `mine` may be changed (the request keeps its own copy).
    let reduction = world.iallreduce(&mine, ReduceOp::Sum);

    // `--variant read-early`: exercise 2, the result used before the wait.
    if params.variant == Some("read-early") {
        let early = reduction.read_too_early();
        world.say(format!("read before the wait: {early:?}"));
        world.check(
            format!("rank {rank} read the sum before waiting for it"),
            early.iter().all(|&v| v == expected),
        );
    }

    // Work that needs no sum, while MPI combines the values.
    let work = work(rank);

    // The wait is where this rank meets the others: the sum is ready
    // after it, and only after it.
    let total = world.wait_reduction(reduction);
    finish(world, &total, expected, work);
}

/// Some computation of this rank's own: a slice of the harmonic series.
fn work(rank: u32) -> f64 {
    let first = 1 + rank as u64 * WORK_STEPS * 100_000;
    let last = first + WORK_STEPS * 100_000;
    (first..last).map(|k| 1.0 / k as f64).sum()
}

/// Says what came back and checks it.
fn finish(world: &Comm, total: &[f64], expected: f64, work: f64) {
    world.say(format!("sum {total:?}, and my work gave {work:.4}"));
    world.check(
        format!("rank {} got the sum {expected} after the wait", world.rank()),
        total.iter().all(|&v| v == expected),
    );
}

pub const EXPLANATION: &str = "\
GOAL
  A collective can be nonblocking too: iallreduce (MPI_Iallreduce)
  starts the reduction and returns a request at once. The rank works
  on, and the wait on the request is where it meets the others. Until
  the wait, the result buffer must not be read and the send buffer
  must not be changed: MPI may still be using both.

WATCH FOR
  - iallreduce returns at once on every rank: the collective is drawn
    in progress while the ranks compute.
  - The ranks meet at the wait, not at iallreduce: a rank that arrives
    at its wait first waits there for the last one to start.
  - After the wait every rank holds the same sum.

EXERCISES
  1. Reduce 1 MiB (--size 131072). Predict whether the work still
     hides the reduction, and where the ranks now wait.
  2. Read the result before the wait (--variant read-early). Predict
     what the early read holds, and why the check fails.
  3. Use a plain allreduce before the work (--variant blocking, or
     in the twin, mpi-tutor exercise nonblocking-collectives). Predict
     where each rank now waits, and for how long.
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "nonblocking-collectives",
    "Nonblocking collectives: iallreduce, work, wait",
    lesson_file!("nonblocking_collectives.rs"),
    EXPLANATION,
    run,
)
.ranks(1..=64, 4)
.size(Knob::new(4, 1..=1_000_000))
.variants(&[
    ("read-early", "the result is read before the wait"),
    ("blocking", "a plain allreduce before the work"),
])
.section(Section::Collectives);
