// Lesson: alltoall. Every rank has one chunk for each rank; chunk j goes
// to rank j. Afterwards rank j holds the j-th chunk of every rank: the
// matrix of chunks is transposed across the ranks.
use crate::probe::Comm;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let (rank, size) = (world.rank(), world.size());
    let k = params.size.unwrap_or(1) as usize;
    // Chunk j of rank r holds r*100 + j: from r, for j.
    let send: Vec<i64> = (0..size as i64)
        .flat_map(|j| std::iter::repeat_n(rank as i64 * 100 + j, k))
        .collect();
    let mut recv = vec![0i64; send.len()];
    world.say(format!("chunk j of mine is for rank j: {send:?}"));
    world.alltoall(&send, &mut recv);
    world.say(format!("got chunk {rank} of every rank: {recv:?}"));
    let expected: Vec<i64> = (0..size as i64)
        .flat_map(|r| std::iter::repeat_n(r * 100 + rank as i64, k))
        .collect();
    world.check(
        format!("rank {rank} holds chunk {rank} of every rank, in rank order"),
        recv == expected,
    );
}

pub const EXPLANATION: &str = "\
GOAL
  MPI_Alltoall: each rank cuts its array into one chunk per rank and
  sends chunk j to rank j. Rank j receives the j-th chunk of every rank,
  in rank order. Seen as a matrix (row r: rank r's chunks), the matrix
  is transposed. A parallel FFT or a sort's exchange works this way.

WATCH FOR
  - Every rank sends to every other rank, a different chunk to each:
    one chunk per arrow (r*100 + j goes from r to j).
  - Rank r keeps its own chunk r: no arrow to itself.
  - Everyone waits for everyone: the slowest rank holds up all.

EXERCISES
  1. Run with -n 3: write the 3 x 3 matrix before and after. Which
     entries stay where they were?
  2. Run with --size 4: each chunk has 4 values. What does rank 2 get?
  3. In the Python twin, do it with Send and Recv pairs instead. How many
     point-to-point messages does it take on n ranks?
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "alltoall",
    "Alltoall: chunk j of every rank goes to rank j",
    lesson_file!("alltoall.rs"),
    EXPLANATION,
    run,
)
.ranks(1..=64, 4)
.size(Knob::new(1, 1..=10_000))
.section(Section::Collectives);
