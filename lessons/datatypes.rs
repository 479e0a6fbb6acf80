// Lesson: datatypes. Every rank holds a square block of a grid, row after
// row in memory, and sends its last column to the rank on its right as
// one vector datatype: no loop copies the column together first.
use crate::probe::{Comm, Vector};

/// The tag of the messages that carry a column.
const COLUMN: i32 = 1;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let rank = world.rank();
    let size = world.size();
    let n = params.size.unwrap_or(8) as usize;

    // My block: n rows of n values, row after row. The value at (row, col)
    // is 100 * rank + 10 * row + col, so a column is easy to recognise.
    let block: Vec<f64> = (0..n * n)
        .map(|i| (100 * rank as usize + 10 * (i / n) + i % n) as f64)
        .collect();

    // My last column: n values, each a whole row (n values) after the one
    // before. In memory they are not next to each other.
    let last_column = Vector { count: n, stride: n };

    // A chain: rank r sends to r + 1. The last rank only receives, so
    // every send finds its receive (see the deadlock lesson).
    if rank + 1 < size {
        if params.variant == Some("copy-loop") {
            // `--variant copy-loop`: exercise 2, the column copied by hand.
            let mut copy = Vec::with_capacity(n);
            for row in 0..n {
                copy.push(block[row * n + n - 1]);
            }
            world.send(&copy, rank + 1, COLUMN);
        } else {
            // One message of one vector, starting at the column's top.
            world.send_vector(&block[n - 1..], last_column, rank + 1, COLUMN);
        }
    }

    // The receiver needs no datatype: n values arrive, side by side, in
    // its ghost column. Only the type signature (n x f64) must match.
    if rank > 0 {
        let left = rank - 1;
        let mut ghost = vec![0.0f64; n];
        world.recv(&mut ghost, left, COLUMN);
        world.say(format!("ghost column from rank {left}: {ghost:?}"));
        let expected = (0..n).map(|row| (100 * left as usize + 10 * row + n - 1) as f64);
        world.check(
            format!("rank {rank} got rank {left}'s last column"),
            ghost.iter().copied().eq(expected),
        );
    }
}

pub const EXPLANATION: &str = "\
GOAL
  A derived datatype describes how values lie in memory. A column of
  a block stored row after row is n values, each n apart: the vector
  type (MPI_Type_vector, count n, block length 1, stride n) sends it
  as one message straight from the block, with no copy loop. The
  receiver can take the same n values side by side: only the type
  signature (n doubles) has to match, not the layout.

WATCH FOR
  - The send names its type: 1 x vector(8 x f64, stride 8), 64 bytes.
  - The receive takes 8 x f64: the same 64 bytes, laid out in a row.
  - Each rank's ghost column holds its left neighbour's last column:
    values ending in 7 (10 * row + 7 above 100 * rank).

EXERCISES
  1. Use a bigger block (--size 16). Predict the type the trace names
     and the bytes of each message.
  2. Copy the column by hand and send n values (--variant copy-loop).
     Predict what changes in the trace and what stays the same.
  3. In the Python twin (mpi-tutor exercise datatypes), send the first
     column to the left neighbour too. Predict the start of the buffer
     and the datatype you need.
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "datatypes",
    "Datatypes: a halo column sent as one vector",
    lesson_file!("datatypes.rs"),
    EXPLANATION,
    run,
)
.ranks(1..=64, 4)
.size(Knob::new(8, 1..=1000))
.variants(&[("copy-loop", "the column is copied by a loop and sent as n values")])
.section(Section::CommunicatorsAndTypes);
