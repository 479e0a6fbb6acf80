// Lesson: crash. Every rank reads its measurements and, step by step, the
// ranks add them up with allreduce. Rank 1's data is short: half-way
// through, it reads past the end of its array and panics.
use crate::probe::{Comm, ReduceOp};

const STEPS: usize = 4;

// Indexing (rather than iterating) is the point here: it can go past the end.
#[allow(clippy::needless_range_loop)]
pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let rank = world.rank();
    // The exercises, as variants: who fails, where, and a way not to.
    let short = if params.variant == Some("rank-0-fails") { 0 } else { 1 };
    let measurements = read_measurements(rank, short);
    let after_loop = params.variant == Some("fail-after-loop");
    let careful = params.variant == Some("no-crash");
    world.say(format!("I have {} measurements", measurements.len()));

    let mut total = 0.0;
    for step in 0..STEPS {
        // Rank 1 has only 2 values: at step 2 this index is out of bounds,
        // and the rank dies here. The others are waiting in the allreduce.
        let mine = if careful || after_loop {
            measurements.get(step).copied().unwrap_or(0.0)
        } else {
            measurements[step]
        };
        let mut sum = [0.0f64];
        world.allreduce(&[mine], &mut sum, ReduceOp::Sum);
        total += sum[0];
        world.say(format!("step {step}: the sum over all ranks is {}", sum[0]));
    }
    world.say(format!("total {total}"));
    if after_loop {
        // Now past the loop: rank 1 reads the value it never had.
        total += measurements[STEPS - 1];
    }
    world.check("the job got to the end", total.is_finite());
}

/// Pretend to read a data file; rank `short`'s file stops half-way.
fn read_measurements(rank: u32, short: u32) -> Vec<f64> {
    let count = if rank == short { STEPS / 2 } else { STEPS };
    (0..count).map(|i| (rank * 10) as f64 + i as f64).collect()
}

pub const EXPLANATION: &str = "\
GOAL
  One rank fails: here a Rust panic (an index out of bounds) on rank 1.
  An MPI job lives and dies as a whole: the other ranks would wait
  forever for rank 1, so the whole job must end.

WATCH FOR
  - Steps 0 and 1 go fine on every rank.
  - At step 2 rank 1 fails before the allreduce; the others enter the
    allreduce and wait for it.
  - In the live view rank 1 is shown FAILED with its message and line,
    and the others stay where the failure left them, waiting in the
    allreduce for a rank that will never come, until you press q.
  - mpi-tutor then ends every rank (MPI_Abort), prints which rank failed,
    where in the source and why, and exits with a non-zero code.

EXERCISES
  1. --variant rank-0-fails: rank 0's data is the short one. Predict
     what is reported.
  2. --variant fail-after-loop: the bad read comes after the loop.
     Predict which steps complete.
  3. --variant no-crash: measurements.get(step).copied().unwrap_or(0.0)
     instead of the index. Predict whether the job ends normally, and
     the sums.
  (Or edit the twin, where an IndexError does the same:
  `mpi-tutor exercise crash`.)
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "crash",
    "Crash: one rank fails, the whole job ends",
    lesson_file!("crash.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=64, 4)
.section(Section::Collectives)
.variants(&[
    ("rank-0-fails", "rank 0's data is short, not rank 1's"),
    ("fail-after-loop", "rank 1 reads past its data after the loop"),
    ("no-crash", "a missing value counts as 0: nobody fails"),
]);
