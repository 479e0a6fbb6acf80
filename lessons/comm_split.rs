// Lesson: comm-split. The ranks stand in a 2-D grid. MPI_Comm_split makes
// a communicator for each row and one for each column; an allreduce in
// each adds up the world ranks of that row or column, and every group's
// collective runs among its own members only. Variants: `reversed-key`
// ranks each row from the right; `checkerboard` groups the ranks by the
// colour of their square instead of by row.
use crate::probe::{Comm, ReduceOp};

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let (rows, columns) = grid(world.size());
    let rank = world.rank();
    let (row, column) = (rank / columns, rank % columns);
    world.say(format!(
        "I stand at row {row}, column {column} of a {rows} x {columns} grid"
    ));
    // Same colour, same new communicator; the key orders its ranks.
    let (colour, key) = match params.variant {
        Some("reversed-key") => (row, -(column as i32)),
        Some("checkerboard") => ((row + column) % 2, rank as i32),
        _ => (row, column as i32),
    };
    let across = world.split(colour, key);
    let down = world.split(column, row as i32);
    world.say(format!(
        "rank {} of {} in my group, rank {} of {} in my column",
        across.rank(),
        across.size(),
        down.rank(),
        down.size()
    ));
    // Each adds up the world ranks of its group: only its members meet.
    let mut group_sum = [0u32];
    across.allreduce(&[rank], &mut group_sum, ReduceOp::Sum);
    let mut column_sum = [0u32];
    down.allreduce(&[rank], &mut column_sum, ReduceOp::Sum);
    // The same sums computed without MPI, from the grid.
    let size = world.size();
    let in_my_group = |r: u32| match params.variant {
        Some("checkerboard") => (r / columns + r % columns) % 2 == colour,
        _ => r / columns == row,
    };
    world.check(
        format!("my group adds up to {}", group_sum[0]),
        group_sum[0] == sum_of(size, in_my_group),
    );
    world.check(
        format!("column {column} adds up to {}", column_sum[0]),
        column_sum[0] == sum_of(size, |r| r % columns == column),
    );
}

/// The sum of the world ranks below `size` that are `in_group`.
fn sum_of(size: u32, in_group: impl Fn(u32) -> bool) -> u32 {
    (0..size).filter(|&r| in_group(r)).sum()
}

/// Rows and columns for `ranks` ranks: as square as it divides, with no
/// more rows than columns (6 ranks: 2 x 3; a prime number: one row).
pub fn grid(ranks: u32) -> (u32, u32) {
    let rows = (1..=ranks)
        .take_while(|r| r * r <= ranks)
        .filter(|r| ranks % r == 0)
        .last()
        .unwrap_or(1);
    (rows, ranks / rows)
}

pub const EXPLANATION: &str = "\
GOAL
  Make smaller communicators from the world. The ranks stand in a grid
  (6 ranks: 2 rows of 3). MPI_Comm_split gives the ranks that pass the
  same colour a new communicator of their own, ranked by the key they
  pass. Split by row, then by column, and add up the world ranks of each
  row and each column with an allreduce on its own communicator.

WATCH FOR
  - Both splits are collectives over the world: every rank takes part,
    even though each gets a different communicator back.
  - Each allreduce runs only among its group: the row of ranks 0, 1, 2
    and the row of 3, 4, 5 reduce at the same time, each apart. The
    lines of data join members of one group only.
  - A rank has a new rank in each communicator: world rank 4 is rank 1
    of its row and rank 1 of its column.

EXERCISES
  1. Run with -n 12. Predict the grid and what each row adds up to.
  2. Run --variant reversed-key: each row is ranked from the right.
     Which rank is 0 in each row now? Does the sum change?
  3. Run --variant checkerboard: the colour of a rank's square picks its
     group. Which ranks reduce together?
  4. In the Python twin, split by diagonal instead: colour
     (row + column) % columns. Which ranks meet now?
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "comm-split",
    "Comm_split: row and column communicators",
    lesson_file!("comm_split.rs"),
    EXPLANATION,
    run,
)
.ranks(1..=64, 6)
.variants(&[
    ("reversed-key", "each row is ranked from the right (key -column)"),
    (
        "checkerboard",
        "ranks grouped by the colour of their square, not their row",
    ),
])
.section(Section::CommunicatorsAndTypes);
