// Lesson: one-sided. Every rank opens a window on some of its memory. In
// the first epoch every rank puts its values into rank 0's window; rank 0
// calls nothing but the fences, yet its memory fills up. In the second
// epoch every rank gets rank 0's whole window back.
use crate::probe::Comm;

/// The rank whose window everyone writes into and reads from.
const TARGET: u32 = 0;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let rank = world.rank();
    let size = world.size() as usize;
    let n = params.size.unwrap_or(2) as usize;

    // Every rank exposes room for n values from each rank, all -1 (empty).
    let window = world.win_create(vec![-1.0f64; n * size]);
    // The first fence opens the first epoch: puts and gets may start.
    world.fence(&window);

    // My values, 10 * rank + 1, 10 * rank + 2, ..., into my slot of rank
    // 0's window. put returns at once: nothing has moved for sure yet.
    let mine: Vec<f64> = (1..=n).map(|i| (10 * rank as usize + i) as f64).collect();
    world.put(&window, &mine, TARGET, rank as usize * n);

    // The fence ends the epoch: after it every put has landed.
    world.fence(&window);
    let expected: Vec<f64> = (0..size)
        .flat_map(|r| (1..=n).map(move |i| (10 * r + i) as f64))
        .collect();
    if rank == TARGET {
        let landed = window.local();
        world.say(format!("my window now holds {landed:?}"));
        world.check(
            "every rank's values landed in rank 0's window, which called nothing but fences",
            landed == expected,
        );
    }

    // Second epoch: read the whole of rank 0's window. The values are
    // there only after the fence, not when get returns.
    let fetch = world.get(&window, n * size, TARGET, 0);
    world.fence(&window);
    let got = fetch.values(&window);
    world.say(format!("got rank 0's window: {got:?}"));
    world.check(
        format!("rank {rank} read everyone's values from rank 0's window"),
        got == expected,
    );

    world.win_free(window);
}

pub const EXPLANATION: &str = "\
GOAL
  One-sided communication (RMA, remote memory access): a rank opens a
  window on its memory, and the others put values into it and get values
  out of it. Only the origin of a transfer calls put or get; the target
  takes no part. Fences mark the epochs: every transfer made between two
  fences is complete after the second one. (MPI tutorials rarely teach
  this; here you can watch it.)

WATCH FOR
  - put and get return at once: the transfer is drawn in flight into
    rank 0's window, and rank 0 is not in any call for it.
  - At the fence every rank meets; after it rank 0's window shows the
    values of every rank, in each rank's slot.
  - get's values are read only after the next fence: before it they
    may not be there yet.

EXERCISES
  1. Put more values per rank (--size 8). Predict the window of rank 0
     after the first fence.
  2. In the Python twin (mpi-tutor exercise one-sided), read `got`
     before the second fence. Predict what you see, and why MPI does not
     promise it.
  3. In the twin, make every rank put into its right neighbour's window
     instead of rank 0's. Predict each window after the fence.
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "one-sided",
    "One-sided: put and get in another rank's window",
    lesson_file!("one_sided.rs"),
    EXPLANATION,
    run,
)
.ranks(1..=64, 4)
.size(Knob::new(2, 1..=1000))
.section(Section::OneSided);
