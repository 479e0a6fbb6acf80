// Lesson: hello. Every rank runs this same function; only `rank` differs.
use crate::probe::Comm;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let rank = world.rank();
    let size = world.size();

    // Each rank is its own process with its own memory: this variable
    // exists once per rank, with a different value in each.
    let my_number = 100 * rank;

    world.say(format!(
        "hello from rank {rank} of {size} (process {}), my_number = {my_number}",
        std::process::id()
    ));

    // `--variant root-speaks`: exercise 2. Only the rank whose number is 0
    // takes this branch: the rank is all that tells the copies apart.
    if params.variant == Some("root-speaks") && rank == 0 {
        world.say(format!("I am rank 0: I could hand out the work to the other {}", size - 1));
    }

    world.check("every rank knows its rank and the world size", rank < size);
}

pub const EXPLANATION: &str = "\
GOAL
  `mpiexec -n 4 mpi-tutor lesson hello` starts the same program 4 times.
  Each copy is a process with its own memory and a number, its rank.

WATCH FOR
  - Every rank says hello, with its own rank and process id.
  - The order of the hellos changes from run to run: ranks run
    independently, nothing orders them unless they communicate.
  - my_number differs per rank: nothing is shared between processes.

EXERCISES
  1. Run with -n 1 and -n 8. Predict what each rank says.
  2. --variant root-speaks: rank 0 alone says something extra. What
     makes it rank 0? (Or edit the twin: `mpi-tutor exercise hello`.)
  3. Run twice: is the order of the hellos the same? Why not?
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "hello",
    "Ranks: one program, many processes",
    lesson_file!("hello.rs"),
    EXPLANATION,
    run,
)
.ranks(1..=64, 4)
.section(Section::Basics)
.variants(&[("root-speaks", "rank 0 alone says something more")]);
