// Lesson: sendrecv. Every rank passes its values one step to the right
// and takes its left neighbour's: a shift along a chain of ranks. One
// sendrecv call does both halves, so no order of sends and receives can
// deadlock. At the ends of the chain the missing neighbour is PROC_NULL:
// nobody. Variants: `ring` closes the chain; `send-first` does the ring
// with a blocking send and then a receive, as a first attempt would.
use crate::probe::{Comm, PROC_NULL};

const SHIFT: i32 = 5;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let n = params.size.unwrap_or(100) as usize;
    let rank = world.rank();
    let mine = vec![rank as f64; n];
    let mut got = vec![-1.0f64; n];
    let closed = params.variant.is_some();
    let (left, right) = neighbours(world, closed);
    world.say(format!(
        "sending {n} values to {} and receiving from {}",
        name(right),
        name(left)
    ));
    let status = if params.variant == Some("send-first") {
        // Both halves blocking, send first: each rank's send must finish
        // before its receive is posted. Small messages are buffered
        // ("eager"); large ones wait for the receiver, which is sending.
        world.send(&mine, right, SHIFT);
        world.recv(&mut got, left, SHIFT)
    } else {
        world.sendrecv(&mine, right, SHIFT, &mut got, left, SHIFT)
    };
    world.say(format!(
        "received {} values from {}",
        status.count,
        name(status.source)
    ));
    let expected = if left == PROC_NULL {
        // From nobody nothing arrives: the buffer keeps what it held.
        vec![-1.0; n]
    } else {
        vec![left as f64; n]
    };
    let what = if left == PROC_NULL {
        format!("rank {rank} received nothing from nobody")
    } else {
        format!("rank {rank} holds what rank {left} sent")
    };
    world.check(
        what,
        got == expected && status.source == left,
    );
}

/// Left and right neighbours; on a chain (`closed` false) the ends have
/// nobody there.
fn neighbours(world: &Comm, closed: bool) -> (u32, u32) {
    let (rank, size) = (world.rank(), world.size());
    if closed {
        return ((rank + size - 1) % size, (rank + 1) % size);
    }
    let left = if rank == 0 { PROC_NULL } else { rank - 1 };
    let right = if rank + 1 == size { PROC_NULL } else { rank + 1 };
    (left, right)
}

fn name(rank: u32) -> String {
    if rank == PROC_NULL {
        "nobody".into()
    } else {
        format!("rank {rank}")
    }
}

pub const EXPLANATION: &str = "\
GOAL
  Shift data along a chain of ranks: each sends its values to the right
  and receives its left neighbour's. MPI_Sendrecv does both halves in one
  call, so the exchange cannot deadlock whatever the message size. At
  the ends of the chain the neighbour is MPI_PROC_NULL (nobody): sending
  to it or receiving from it does nothing and returns at once.

WATCH FOR
  - Every rank is in one sendrecv at the same time: all the messages
    travel together, not one after another as in the ring lesson.
  - Rank 0 receives from nobody and keeps its buffer; the last rank
    sends to nobody. The log says `<- nobody` and `-> nobody`.
  - With --variant send-first every rank sends before it receives around
    a closed ring. Small messages are buffered and it completes; large
    ones wait for a receiver that is itself sending: a deadlock.

EXERCISES
  1. Run --variant ring: the chain closes. Who does rank 0 receive from now?
  2. Run --variant send-first, then with --size 200000 (or --sync-sends).
     Predict which one deadlocks, and read the cycle mpi-tutor prints.
  3. In the Python twin, replace the Sendrecv with Send then Recv on a
     chain (PROC_NULL at the ends) and large arrays. Does it deadlock?
     Why not? (Hint: the last rank sends to nobody.)
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "sendrecv",
    "Sendrecv: a shift along a chain, nobody at the ends",
    lesson_file!("sendrecv.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=64, 4)
.size(Knob::new(100, 1..=4_194_304))
.variants(&[
    ("ring", "the chain closes into a ring: no PROC_NULL"),
    (
        "send-first",
        "a ring of blocking send then recv: deadlocks when large",
    ),
])
.section(Section::PointToPoint);
