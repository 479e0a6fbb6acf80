// Lesson: barrier. Every rank works for a different time, then waits at a
// barrier. The barrier guarantees one thing: no rank leaves it before every
// rank has entered it. It does not order what happens after it: the lines
// ranks say after the barrier reach rank 0 in any order.
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::probe::Comm;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let (rank, size) = (world.rank(), world.size());
    // The last rank works longest: everyone else waits for it.
    let work = Duration::from_millis(40 * u64::from(rank));
    world.say(format!("working for {} ms", work.as_millis()));
    std::thread::sleep(work);

    let entered = now();
    if params.variant != Some("no-barrier") {
        world.barrier();
    }
    let left = now();
    world.say(format!("rank {rank} is past the barrier"));

    // Rank 0 collects when each rank entered and left, to check.
    let mut entries = vec![0.0f64; size as usize];
    let mut exits = vec![0.0f64; size as usize];
    world.gather(&[entered], &mut entries, 0);
    world.gather(&[left], &mut exits, 0);
    if rank == 0 {
        let last_in = entries.iter().copied().fold(f64::MIN, f64::max);
        let first_out = exits.iter().copied().fold(f64::MAX, f64::min);
        world.say(format!(
            "the last rank entered {:.1} ms after rank 0; the first left {:.1} ms after",
            (last_in - entries[0]) * 1e3,
            (first_out - entries[0]) * 1e3
        ));
        world.check(
            "no rank left the barrier before the last one entered it",
            first_out >= last_in,
        );
    }
}

/// Seconds on the wall clock, the same clock for every rank of one
/// machine (ranks on several machines would need their clocks in step).
fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

pub const EXPLANATION: &str = "\
GOAL
  A barrier holds every rank until all of them have reached it. It is the
  only thing it guarantees: no rank leaves before the last one enters.

WATCH FOR
  - Rank r works 40 r ms, so the ranks reach the barrier one after the
    other and wait in it; the last rank to arrive frees them all.
  - After the barrier the ranks leave together, yet their `past the
    barrier` lines reach the log in no set order: a barrier does not
    order output, nor messages sent before it.
  - Rank 0 checks the guarantee with the times it gathers.

EXERCISES
  1. Run with -n 8: which rank does everyone wait for, and for how long?
  2. Run --variant no-barrier: predict the check's result, then read it.
  3. In the Python twin, print after the barrier and run it a few times:
     is the order of the lines the same each time? Why not?
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "barrier",
    "Barrier: all wait for the last, and nothing more",
    lesson_file!("barrier.rs"),
    EXPLANATION,
    run,
)
.ranks(1..=64, 4)
.variants(&[("no-barrier", "the barrier left out: the check fails")])
.section(Section::Collectives);
