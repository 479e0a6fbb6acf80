// Lesson: scatter-gather. The root cuts an array into one chunk per rank
// (scatter), every rank works on its own chunk, the root collects the
// results back in rank order (gather).
use crate::probe::Comm;

const ROOT: u32 = 0;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let rank = world.rank();
    let size = world.size() as usize;
    let chunk = params.size.unwrap_or(4) as usize;

    // Only the root has the whole array: 0, 1, 2, ..., size*chunk - 1.
    // The other ranks pass an empty one: scatter reads it on the root only.
    let all: Vec<f64> = if rank == ROOT {
        (0..size * chunk).map(|i| i as f64).collect()
    } else {
        Vec::new()
    };

    // Chunk i of the root's array lands in rank i's `mine`.
    let mut mine = vec![0.0f64; chunk];
    world.scatter(&all, &mut mine, ROOT);
    world.say(format!("my chunk: {}", short(&mine)));
    let first = (rank as usize * chunk) as f64;
    let chunk_right = mine.iter().enumerate().all(|(i, &v)| v == first + i as f64);

    // The work: square every value of my chunk. (`--variant slow-rank-1`:
    // rank 1's work takes half a second longer.)
    if params.variant == Some("slow-rank-1") && rank == 1 {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let squares: Vec<f64> = mine.iter().map(|v| v * v).collect();

    // Every rank's `squares` goes to the root, in rank order.
    let mut results = if rank == ROOT {
        vec![0.0f64; size * chunk]
    } else {
        Vec::new()
    };
    world.gather(&squares, &mut results, ROOT);

    if rank == ROOT {
        world.say(format!("gathered: {}", short(&results)));
        let all_right = results
            .iter()
            .enumerate()
            .all(|(i, &v)| v == (i * i) as f64);
        world.check("the root gathered i*i for every i", all_right);
    }
    world.check(
        format!("rank {rank} got chunk {rank} (values from {first})"),
        chunk_right,
    );
}

/// The first few values, for the log.
fn short(v: &[f64]) -> String {
    let head: Vec<String> = v.iter().take(8).map(|x| x.to_string()).collect();
    let more = if v.len() > 8 { " ..." } else { "" };
    format!("[{}{more}]", head.join(", "))
}

pub const EXPLANATION: &str = "\
GOAL
  scatter hands out the pieces of an array, one per rank; gather collects
  one piece from every rank into an array on the root. Work in between
  is done by all ranks in parallel, each on its own chunk.

WATCH FOR
  - Every rank calls scatter, then gather: collectives are called by all.
  - Chunk i goes to rank i, and comes back to position i of the result.
  - A rank can leave the gather before the root has everything; the root
    leaves it last, once every chunk has arrived.

EXERCISES
  1. Run with --size 3 and -n 5. Predict the chunk of rank 4.
  2. --variant slow-rank-1: the work takes longer on rank 1. Predict
     who waits where.
  3. What would it take to handle an array whose length is not a
     multiple of the rank count? Try it in the twin with Scatterv
     (`mpi-tutor exercise scatter-gather`).
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "scatter-gather",
    "Scatter and gather: hand out chunks, collect results",
    lesson_file!("scatter_gather.rs"),
    EXPLANATION,
    run,
)
.ranks(1..=64, 4)
.size(Knob::new(4, 1..=100_000))
.section(Section::Collectives)
.variants(&[("slow-rank-1", "rank 1's work takes half a second longer")]);
