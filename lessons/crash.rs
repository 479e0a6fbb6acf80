// Lesson: crash. Every rank reads its measurements and, step by step, the
// ranks add them up with allreduce. Rank 1's data is short: half-way
// through, it reads past the end of its array and panics.
use crate::probe::{Comm, ReduceOp};

const STEPS: usize = 4;

// Indexing (rather than iterating) is the point here: it can go past the end.
#[allow(clippy::needless_range_loop)]
pub fn run(world: &Comm, _: &crate::lessons::Params) {
    let rank = world.rank();
    let measurements = read_measurements(rank);
    world.say(format!("I have {} measurements", measurements.len()));

    let mut total = 0.0;
    for step in 0..STEPS {
        // Rank 1 has only 2 values: at step 2 this index is out of bounds,
        // and the rank dies here. The others are waiting in the allreduce.
        let mine = measurements[step];
        let mut sum = [0.0f64];
        world.allreduce(&[mine], &mut sum, ReduceOp::Sum);
        total += sum[0];
        world.say(format!("step {step}: the sum over all ranks is {}", sum[0]));
    }
    world.say(format!("total {total}"));
}

/// Pretend to read a data file; rank 1's file stops half-way.
fn read_measurements(rank: u32) -> Vec<f64> {
    let count = if rank == 1 { STEPS / 2 } else { STEPS };
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
  1. Make rank 0 fail instead. Predict what is reported.
  2. Move the failure after the loop. Predict which steps complete.
  3. Use measurements.get(step).copied().unwrap_or(0.0) instead of the
     index. Predict whether the job ends normally, and the sums.
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::Lesson;

pub const LESSON: Lesson = Lesson::new(
    "crash",
    "Crash: one rank fails, the whole job ends",
    lesson_file!("crash.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=64, 4);
