// Lesson: deadlock. Every rank first waits for its left neighbour, then
// sends to its right neighbour. With 2 ranks: both receive first.
// The `deadlock-send` variant makes every rank send first instead, a
// message too large to be buffered. Both wait forever: on purpose.
use crate::probe::Comm;

const DATA: i32 = 1;

/// Receive first, then send: nobody ever gets to its send. The variants
/// are the three fixes below (`--variant sendrecv`...).
pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let (left, right) = neighbours(world);
    let mine = vec![world.rank() as f64; 10];
    let mut buf = vec![0.0f64; 10];
    match params.variant {
        Some(fix) => fixed(world, fix, &mine, &mut buf),
        None => {
            world.say(format!(
                "waiting for rank {left} before sending to rank {right}"
            ));
            world.recv(&mut buf, left, DATA); // every rank waits here forever
            world.send(&buf, right, DATA);
            world.say("unreachable: the ring of receives never breaks");
            return;
        }
    }
    world.check(
        format!("rank {} got its left neighbour's values", world.rank()),
        buf.iter().all(|&v| v == left as f64),
    );
}

/// The ring exchange done with one of the fixes of HOW TO FIX IT.
fn fixed(world: &Comm, fix: &str, mine: &[f64], buf: &mut [f64]) {
    let (left, right) = neighbours(world);
    match fix {
        // Even ranks send first, odd ranks receive first; a ring of an odd
        // size has two even neighbours (the last rank and 0): the last
        // rank receives first too.
        "reorder" => {
            let last = world.size() - 1;
            if world.rank() % 2 == 0 && !(world.rank() == last && last > 0) {
                world.send(mine, right, DATA);
                world.recv(buf, left, DATA);
            } else {
                world.recv(buf, left, DATA);
                world.send(mine, right, DATA);
            }
        }
        "sendrecv" => {
            world.sendrecv(mine, right, DATA, buf, left, DATA);
        }
        _ => {
            let from_left = world.irecv::<f64>(buf.len(), left, DATA);
            let to_right = world.isend(mine, right, DATA);
            let done = world.waitall(vec![from_left, to_right]);
            buf.copy_from_slice(&done[0].data);
        }
    }
}

/// Send first, then receive. A small message would be buffered ("eager")
/// and the send would return; this one (--size doubles, default 1 MiB) is
/// too large: the send waits until the receiver takes it, and the receiver
/// is itself stuck in its own send.
pub fn run_send_first(world: &Comm, params: &crate::lessons::Params) {
    let (left, right) = neighbours(world);
    let n = params.size.unwrap_or(131_072) as usize;
    let data = vec![world.rank() as f64; n];
    let mut buf = vec![0.0f64; n];
    world.say(format!(
        "sending {n} values to rank {right} before receiving"
    ));
    world.send(&data, right, DATA); // waits forever if n is large
    world.recv(&mut buf, left, DATA);
    world.say(format!(
        "the send of {n} values was buffered: no deadlock this time"
    ));
}

/// The ring: I receive from the left and send to the right. With 2 ranks
/// the left and the right neighbour are the same rank.
fn neighbours(world: &Comm) -> (u32, u32) {
    let (rank, size) = (world.rank(), world.size());
    ((rank + size - 1) % size, (rank + 1) % size)
}

pub const EXPLANATION: &str = "\
GOAL
  A deadlock: every rank waits for another rank that is itself waiting.
  `deadlock` makes each rank receive first; `deadlock-send` makes each
  send a large message first. Neither can ever finish.

WATCH FOR
  - Every rank enters its first call and never leaves it.
  - The waits form a cycle, printed in the direction of waiting. With 2
    ranks: rank 0 waits for rank 1, which waits for rank 0. With more,
    `deadlock` (each waits to receive from its left): rank 0 waits for
    rank size-1, which waits for size-2 ... for rank 0; `deadlock-send`
    (each waits for its right to receive): rank 0 waits for rank 1, which
    waits for rank 2 ... for rank 0.
  - In `deadlock-send` the data never leaves: each send waits at its
    sender for a receiver that never comes (shown waiting, not queued).
  - Nothing crashes: the job just stops making progress. mpi-tutor
    notices and shows the cycle, the stuck ranks marked STUCK; when you
    quit (q) it ends the job and prints the cycle (--headless: at once).

HOW TO FIX IT
  - Reorder: even ranks send then receive, odd ranks receive then send
    (needs an even number of ranks for a ring, or a special last rank).
  - sendrecv: world.sendrecv(&data, right, DATA, &mut buf, left, DATA)
    does both at once and cannot deadlock.
  - Nonblocking: post irecv and isend, then waitall (nonblocking lesson).

EXERCISES
  1. Run deadlock-send with --size 10. Predict: deadlock or not? Why?
     Then add --sync-sends (every send waits for its receive, as MPI
     may always do): predict again.
  2. Find the smallest --size that deadlocks (the eager limit of your
     MPI).
  3. Run deadlock with each fix: --variant reorder, --variant sendrecv,
     --variant nonblocking (try -n 3 too); predict the order of the
     messages in each. (Or fix the twin: `mpi-tutor exercise deadlock`.)
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "deadlock",
    "Deadlock: every rank receives first",
    lesson_file!("deadlock.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=16, 2)
.section(Section::PointToPoint)
.variants(&[
    ("reorder", "fix 1: even ranks send first, odd ranks receive first"),
    ("sendrecv", "fix 2: one sendrecv does both"),
    ("nonblocking", "fix 3: irecv and isend, then waitall"),
]);

pub const SEND_FIRST: Lesson = Lesson::new(
    "deadlock-send",
    "Deadlock: all ranks send a large message first",
    lesson_file!("deadlock.rs"),
    EXPLANATION,
    run_send_first,
)
.ranks(2..=16, 2)
.size(Knob::new(131_072, 1..=4_194_304))
.section(Section::PointToPoint);
