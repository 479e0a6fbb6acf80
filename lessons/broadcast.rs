// Lesson: broadcast. Rank 0 (the root) decides the parameters of a
// computation; bcast copies them to every rank; every rank then uses them.
use crate::probe::Comm;

const ROOT: u32 = 0;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let rank = world.rank();
    // `--variant root-2`: exercise 1, rank 2 is the root (on 3 ranks or more).
    let root = if params.variant == Some("root-2") && world.size() > 2 {
        2
    } else {
        ROOT
    };
    // `--variant skip-bcast`: exercise 2, the last rank never calls bcast.
    let skips = params.variant == Some("skip-bcast") && rank == world.size() - 1;

    // [amplitude, frequency, phase]. Only the root knows them at first;
    // on the other ranks the buffer is just room for the values.
    let mut params = [0.0f64; 3];
    if rank == root {
        // Pretend to read an input file: everyone else waits meanwhile.
        std::thread::sleep(std::time::Duration::from_millis(200));
        params = [2.0, 0.5, 0.25];
        world.say(format!("read the parameters {params:?}, broadcasting them"));
    } else {
        world.say(format!("before the bcast my parameters are {params:?}"));
    }

    // One call, the same on every rank. On the root it sends, on the
    // others it receives: the root's buffer is copied into everybody's.
    if !skips {
        world.bcast(&mut params, root);
    }

    // Every rank uses the same parameters on its own piece of work.
    let [amplitude, frequency, phase] = params;
    let x = rank as f64;
    let y = amplitude * (frequency * x + phase).sin();
    world.say(format!("with {params:?}: y({x}) = {y:.4}"));

    world.check(
        format!("rank {rank} has the root's parameters"),
        params == [2.0, 0.5, 0.25],
    );
}

pub const EXPLANATION: &str = "\
GOAL
  bcast copies a buffer from one rank (the root) to all the others:
  one-to-all. Every rank makes the same call, with the same root.

WATCH FOR
  - The other ranks reach the bcast early and wait in it: a rank cannot
    leave the bcast before the root's data has reached it.
  - The root enters the bcast last (it was reading its input) and all
    ranks leave soon after.
  - After the bcast every rank says the same parameters.

EXERCISES
  1. --variant root-2: rank 2 is the root (run with -n 4). Predict who
     waits now.
  2. --variant skip-bcast: the last rank never calls bcast. Predict
     what each rank does.
  3. Use -n 8: how many messages do you think the root sends? (MPI may
     use a tree: ranks that got the data pass it on.)
  (Or edit the twin: `mpi-tutor exercise broadcast`.)
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "broadcast",
    "Broadcast: one rank's data to all",
    lesson_file!("broadcast.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=64, 4)
.section(Section::Collectives)
.variants(&[
    ("root-2", "rank 2 is the root"),
    ("skip-bcast", "the last rank never calls bcast"),
]);
