// Lesson: allgather. Every rank puts in a few values; every rank gets
// everyone's, in rank order: a gather whose result all ranks receive.
use crate::probe::Comm;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let (rank, size) = (world.rank(), world.size());
    let k = params.size.unwrap_or(2) as usize;
    // Rank r's values: r*10, r*10+1, ...: each names its owner.
    let mine: Vec<i64> = (0..k as i64).map(|i| rank as i64 * 10 + i).collect();
    let mut all = vec![0i64; k * size as usize];
    world.say(format!("putting in {mine:?}"));
    world.allgather(&mine, &mut all);
    world.say(format!("got {} values, rank 0's first", all.len()));
    let expected: Vec<i64> = (0..size as i64)
        .flat_map(|r| (0..k as i64).map(move |i| r * 10 + i))
        .collect();
    world.check(
        format!("rank {rank} holds every rank's values in rank order"),
        all == expected,
    );
}

pub const EXPLANATION: &str = "\
GOAL
  MPI_Allgather: each rank contributes a block, and every rank receives
  all the blocks in rank order. It does what a gather to one rank and a
  broadcast of the result would, in one collective.

WATCH FOR
  - Every rank sends its block to every other rank: with n ranks, n(n-1)
    arrows, each labelled with the sender's values.
  - No root: every rank ends with the same array.
  - The arrows show the logical data movement, not the library's own
    messages (it may use a ring or recursive doubling).

EXERCISES
  1. Run with --size 3 and -n 5: predict the array every rank gets.
  2. Count the arrows at -n 4 and -n 8. How does the data each rank
     receives grow with the rank count?
  3. In the Python twin, do the same with comm.Gather then comm.Bcast.
     What differs in the view?
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "allgather",
    "Allgather: every rank gets every rank's block",
    lesson_file!("allgather.rs"),
    EXPLANATION,
    run,
)
.ranks(1..=64, 4)
.size(Knob::new(2, 1..=10_000))
.section(Section::Collectives);
