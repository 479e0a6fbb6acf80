// Lesson: nonblocking. Every rank sends to both neighbours and receives from
// both with isend/irecv, works while the messages travel, then waits for all.
use crate::probe::{Comm, Request};

// A tag per direction of travel, so a receive cannot take the wrong message
// even when the left and the right neighbour are the same rank (-n 2).
const GOING_RIGHT: i32 = 1;
const GOING_LEFT: i32 = 2;
/// Slices of "work" done while the messages are on their way.
const WORK_STEPS: u32 = 3;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let rank = world.rank();
    let size = world.size();
    let n = params.size.unwrap_or(4) as usize;
    let left = (rank + size - 1) % size;
    let right = (rank + 1) % size;

    // My message: n copies of my rank.
    let mine = vec![rank as f64; n];

    // `--variant blocking`: exercise 2, blocking recv then send instead.
    if params.variant == Some("blocking") {
        let mut got_left = vec![0.0f64; n];
        world.recv(&mut got_left, left, GOING_RIGHT); // everyone waits here
        world.send(&mine, right, GOING_RIGHT);
        return;
    }

    // Post everything first. Each call returns at once with a request.
    let from_left = world.irecv::<f64>(n, left, GOING_RIGHT);
    let from_right = world.irecv::<f64>(n, right, GOING_LEFT);
    let to_right = world.isend(&mine, right, GOING_RIGHT);
    let to_left = world.isend(&mine, left, GOING_LEFT);
    let mut requests = vec![from_left, from_right, to_right, to_left];

    // `--variant wait-first`: exercise 3, the waitall before the work.
    let done = if params.variant == Some("wait-first") {
        let done = world.waitall(requests);
        work_and_test(world, None);
        done
    } else {
        work_and_test(world, Some(&mut requests[0]));
        // Wait for all four requests; results come back in the same order.
        world.waitall(requests)
    };
    let got_left = &done[0].data;
    let got_right = &done[1].data;
    world.say(format!(
        "got {} values of {} from the left and of {} from the right",
        n, got_left[0], got_right[0]
    ));

    world.check(
        format!("rank {rank} received {n} x {left} from rank {left} and {n} x {right} from rank {right}"),
        got_left.iter().all(|&v| v == left as f64) && got_right.iter().all(|&v| v == right as f64),
    );
}

/// Computes while MPI moves the data. Now and then, asks (without
/// waiting) whether the message from the left has arrived, if there is
/// still a request to ask about.
fn work_and_test(world: &Comm, mut from_left: Option<&mut Request<f64>>) {
    let mut result = 0.0;
    for step in 0..WORK_STEPS {
        result += work(step);
        if let Some(request) = from_left.as_deref_mut() {
            if world.test(request) {
                world.say(format!("the left message arrived during work step {step}"));
                from_left = None;
            }
        }
    }
    world.say(format!(
        "work done (result {result:.6}), now waiting for the rest"
    ));
}

/// Some computation that needs no data from other ranks: a slice of the
/// series 1/1^2 + 1/2^2 + ... (which tends to pi^2/6).
fn work(step: u32) -> f64 {
    let from = 1 + step as u64 * 100_000;
    (from..from + 100_000).map(|k| 1.0 / (k * k) as f64).sum()
}

pub const EXPLANATION: &str = "\
GOAL
  isend and irecv start a transfer and return at once with a request.
  The rank keeps computing while the message travels, and waits only
  at the end (waitall), when it really needs the data.

WATCH FOR
  - All four calls (2 irecv, 2 isend) return immediately: the receives
    are shown `posted` (not waiting) while the rank works.
  - test asks (has it arrived?) without waiting; it may say no at first.
  - waitall is the only place a rank can wait: its posted receives are
    shown waiting only then. Nobody waits in isend, so the order of the
    posts does not matter: no deadlock is possible.

EXERCISES
  1. Send 1 MiB (--size 131072). Predict whether test still says yes
     during the work, and where the ranks now wait.
  2. --variant blocking: every rank does a blocking recv, then a send,
     instead of the irecv/isend. Predict what happens (see the
     deadlock lesson).
  3. --variant wait-first: the waitall comes before the work. Predict
     how long each rank now waits, and why test is never called.
  (Or edit the twin: `mpi-tutor exercise nonblocking`.)
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "nonblocking",
    "Nonblocking: compute while messages travel",
    lesson_file!("nonblocking.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=64, 4)
.size(Knob::new(4, 1..=1_000_000))
.section(Section::PointToPoint)
.variants(&[
    ("blocking", "blocking recv then send on every rank"),
    ("wait-first", "the waitall before the work: nothing overlaps"),
]);
