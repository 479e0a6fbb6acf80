// Lesson: scan. Rank r puts in r + 1 and gets the sum of what ranks 0 to r
// put in: a running total across the ranks (an inclusive prefix sum).
use crate::probe::{Comm, ReduceOp};

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let rank = world.rank() as i64;
    let mine = [rank + 1];
    let mut total = [0i64];
    let op = if params.variant == Some("max") {
        ReduceOp::Max
    } else {
        ReduceOp::Sum
    };
    world.say(format!("putting in {}", mine[0]));
    world.scan(&mine, &mut total, op);
    world.say(format!("ranks 0 to {rank} combined: {}", total[0]));
    // 1 + 2 + ... + (r + 1), or the largest of them.
    let expected = match op {
        ReduceOp::Max => rank + 1,
        _ => (rank + 1) * (rank + 2) / 2,
    };
    world.check(
        format!("rank {rank} got ranks 0 to {rank} combined"),
        total[0] == expected,
    );
}

pub const EXPLANATION: &str = "\
GOAL
  MPI_Scan: rank r receives the reduction of the values of ranks 0 to r
  (itself included). With a sum, each rank learns where its part starts
  in a global array: the running total before it plus its own.

WATCH FOR
  - Data flows only from lower ranks to higher ones: rank 0 gets its own
    value, the last rank depends on every rank.
  - Rank r gets 1 + 2 + ... + (r + 1): 1, 3, 6, 10 on 4 ranks.
  - Rank 0 may leave first; the highest rank waits for everyone.

EXERCISES
  1. Run with -n 6: predict what the last rank gets.
  2. Run --variant max: the scan takes the largest value so far. Predict
     each rank's result.
  3. In the Python twin, use comm.Exscan instead: what does rank 0 get?
     (Nothing defined: an exclusive scan leaves it undefined.)
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "scan",
    "Scan: a running total across the ranks",
    lesson_file!("scan.rs"),
    EXPLANATION,
    run,
)
.ranks(1..=64, 4)
.variants(&[("max", "the scan combines with max instead of sum")])
.section(Section::Collectives);
