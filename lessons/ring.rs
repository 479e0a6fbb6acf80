// Lesson: ring. A token travels 0 -> 1 -> 2 -> ... -> 0, lap after lap.
// Each rank adds its own rank to the token before passing it on.
use crate::probe::Comm;

/// Every message of this lesson is the token, so one tag is enough.
const TOKEN: i32 = 1;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let rank = world.rank();
    let size = world.size();
    let laps = params.iterations.unwrap_or(2);
    // The exercises, as variants: `--variant reversed`, `--variant recv-first`.
    let reversed = params.variant == Some("reversed");
    let recv_first = params.variant == Some("recv-first");

    // My neighbours in the ring: the left one sends to me, I send to the
    // right one (reversed: the other way round).
    let (mut left, mut right) = ((rank + size - 1) % size, (rank + 1) % size);
    if reversed {
        (left, right) = (right, left);
    }
    // What one full lap adds to the token: 0 + 1 + ... + (size - 1).
    let (r, n) = (rank as i64, size as i64);
    let per_lap = n * (n - 1) / 2;
    // What the ranks before me add in a lap: 0 + 1 + ... + (rank-1);
    // reversed: 0 + (size-1) + ... + (rank+1).
    let before_me = if reversed {
        per_lap - r * (r + 1) / 2
    } else {
        r * (r - 1) / 2
    };

    let mut token = [0i64];
    let mut all_right = true;
    for lap in 0..laps as i64 {
        if rank == 0 {
            if recv_first {
                world.recv(&mut token, left, TOKEN); // but nobody has sent
            }
            // Rank 0 starts each lap, then waits for the token to come back.
            world.send(&token, right, TOKEN);
            world.recv(&mut token, left, TOKEN);
            world.say(format!(
                "lap {}: the token came back as {}",
                lap + 1,
                token[0]
            ));
            all_right &= token[0] == (lap + 1) * per_lap;
        } else {
            // Everyone else waits for the left neighbour, adds, passes on.
            world.recv(&mut token, left, TOKEN);
            all_right &= token[0] == lap * per_lap + before_me;
            token[0] += r;
            world.send(&token, right, TOKEN);
        }
    }

    world.check(
        format!("rank {rank} saw the token with the expected value on each of {laps} laps"),
        all_right,
    );
}

pub const EXPLANATION: &str = "\
GOAL
  Pass a token around a ring: rank r receives from r-1 and sends to r+1
  (rank 0 closes the ring). Each rank adds its rank, so after one lap
  the token is 0 + 1 + ... + (size-1).

WATCH FOR
  - All ranks but rank 0 start by waiting in recv: only rank 0 can send
    first. The waiting moves around the ring like a wave.
  - Exactly one rank holds the token at any time; everyone else waits
    for their left neighbour. One message at a time: no parallelism.
  - Rank 0 is the last to wait in each lap, for the token from size-1.

EXERCISES
  1. Run with -n 2, 4 and 8. Predict the token after 3 laps
     (--iterations 3).
  2. --variant recv-first: rank 0 receives before it sends. Predict
     what every rank does.
  3. --variant reversed: every rank sends to its left and receives
     from its right. Which rank now receives the token first?
  (Or edit the twin: `mpi-tutor exercise ring`.)
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "ring",
    "Ring: a token passed from rank to rank",
    lesson_file!("ring.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=64, 4)
.iterations(Knob::new(2, 1..=10_000))
.section(Section::PointToPoint)
.variants(&[
    ("recv-first", "rank 0 receives before it sends: nobody sends"),
    ("reversed", "the token travels right to left"),
]);
