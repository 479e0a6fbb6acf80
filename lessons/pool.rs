// Lesson: pool. Rank 0 is the master: it hands out tasks to whichever
// worker is free, like mpi4py's MPIPoolExecutor.map, and gives the results
// back in the order the tasks were submitted. Tasks take uneven times. At
// the end the same tasks are split statically, for comparison.
use std::time::{Duration, Instant};

use crate::probe::{Comm, ANY_SOURCE, ANY_TAG};
use crate::trace::Source;

const MASTER: u32 = 0;
// Tags say what a message is: [task] to do, [task, result] done, stop.
const TASK: i32 = 1;
const RESULT: i32 = 2;
const STOP: i32 = 3;
/// The static split's results travel with their own tag.
const STATIC_RESULTS: i32 = 4;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let tasks = params.size.unwrap_or(12) as i64;
    let costs = Costs {
        even: params.variant == Some("even-tasks"),
    };
    // `--variant rank-1-only`: exercise 3, the master hears rank 1 only.
    let from = if params.variant == Some("rank-1-only") {
        Source::Rank(1)
    } else {
        ANY_SOURCE
    };
    if world.rank() == MASTER {
        let (results, dynamic) = timed(world, || master(world, tasks, from));
        world.barrier(); // start the static split together
        let (static_results, fixed) = timed(world, || static_master(world, tasks));
        world.say(format!(
            "{tasks} tasks on {} workers: dynamic {:.0} ms, static split {:.0} ms",
            world.size() - 1,
            dynamic * 1e3,
            fixed * 1e3
        ));
        world.say(format!("results in submission order: {results:?}"));
        let expected: Vec<i64> = (0..tasks).map(answer_of).collect();
        world.check(
            "every task was done once, its result in its place",
            results == expected,
        );
        world.check("the static split gave the same results", static_results == expected);
    } else {
        worker(world, costs);
        world.barrier();
        static_worker(world, tasks, costs);
    }
}

/// Runs `part`; returns its result and the seconds it took, without the
/// time the tutor's pace held this rank (the classroom pace is not work).
fn timed<R>(world: &Comm, part: impl FnOnce() -> R) -> (R, f64) {
    let (started, held) = (Instant::now(), world.held_seconds());
    let result = part();
    let held = world.held_seconds() - held;
    (result, (started.elapsed().as_secs_f64() - held).max(0.0))
}

/// Hands out tasks 0..tasks; returns their results in the order the tasks
/// were handed out, however they came back (like `MPIPoolExecutor.map`).
fn master(world: &Comm, tasks: i64, from: Source) -> Vec<i64> {
    let mut results = vec![-1i64; tasks as usize];
    let mut next = 0i64;
    // The next task for worker `w`, or STOP when none is left.
    let mut hand_out = |w: u32| {
        if next < tasks {
            world.send(&[next], w, TASK);
            next += 1;
        } else {
            world.send(&[0i64], w, STOP);
        }
    };
    // One task to each worker to start with.
    for w in 1..world.size() {
        hand_out(w);
    }
    // Whoever answers first gets the next task: receive from ANY_SOURCE.
    for _ in 0..tasks {
        let mut answer = [0i64; 2];
        let got = world.recv(&mut answer, from, RESULT);
        let [task, result] = answer;
        world.say(format!("task {task} done by rank {}: {result}", got.source));
        results[task as usize] = result;
        hand_out(got.source);
    }
    results
}

/// Waits for a task (or STOP), works, answers, and again.
fn worker(world: &Comm, costs: Costs) {
    let mut count = 0;
    loop {
        let mut task = [0i64];
        let got = world.recv(&mut task, MASTER, ANY_TAG);
        if got.tag == STOP {
            break;
        }
        let result = costs.compute(task[0]);
        world.send(&[task[0], result], MASTER, RESULT);
        count += 1;
    }
    world.say(format!("stopped after {count} tasks"));
}

/// The static split: worker w takes its own block of tasks, decided in
/// advance, whatever they cost.
fn my_block(rank: u32, workers: u32, tasks: i64) -> std::ops::Range<i64> {
    let (w, workers) = ((rank - 1) as i64, workers as i64);
    w * tasks / workers..(w + 1) * tasks / workers
}

fn static_worker(world: &Comm, tasks: i64, costs: Costs) {
    let mine = my_block(world.rank(), world.size() - 1, tasks);
    let results: Vec<i64> = mine.map(|task| costs.compute(task)).collect();
    world.send(&results, MASTER, STATIC_RESULTS);
}

fn static_master(world: &Comm, tasks: i64) -> Vec<i64> {
    let mut all = Vec::new();
    for w in 1..world.size() {
        let mut part = vec![0i64; my_block(w, world.size() - 1, tasks).count()];
        world.recv(&mut part, w, STATIC_RESULTS);
        all.extend(part);
    }
    all
}

/// What the tasks cost.
#[derive(Clone, Copy)]
struct Costs {
    /// Every task the same (`--variant even-tasks`).
    even: bool,
}

impl Costs {
    /// One task; a sleep stands for real work. Uneven: from 0.1 s (task
    /// 0) up to 1.1 s (task 11), then again: longer than the classroom
    /// pace's half second per call, so on screen too the workers that got
    /// short tasks come back for more.
    fn compute(self, task: i64) -> i64 {
        let k = (task % 12) as u64;
        let millis = if self.even { 450 } else { 100 + 100 * k * k / 12 };
        std::thread::sleep(Duration::from_millis(millis));
        answer_of(task)
    }
}

/// What task `task` computes.
fn answer_of(task: i64) -> i64 {
    task * task
}

pub const EXPLANATION: &str = "\
GOAL
  Dynamic load balancing: the master gives the next task to whichever
  worker finishes first, so fast workers do more tasks. Compared with a
  static split decided in advance, nobody sits idle while others work.

WATCH FOR
  - The master receives from ANY_SOURCE: it takes results in the order
    they arrive, not in rank order. Each result names its sender.
  - Workers wait in recv for their next task; the master answers each
    result with a new task, and finally with STOP.
  - Tasks take from 0.1 s to 1.1 s: a worker that got short tasks is
    back sooner and does more of them. The results still come out in
    the order of the tasks, as MPIPoolExecutor.map gives them.
  - Tasks get longer: with the static split the last worker has the
    heaviest block and the others wait for it at the end.
  - The timings leave out the time the classroom pace held the master.

EXERCISES
  1. Run with -n 2 (one worker). Predict both timings.
  2. --variant even-tasks: every task takes the same time. Predict
     which way wins now.
  3. --variant rank-1-only: the master receives from rank 1 only
     instead of ANY_SOURCE. Predict what happens to the other workers.
  (Or edit the twin: `mpi-tutor exercise pool`.)
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "pool",
    "Task pool: a master feeds whichever worker is free",
    lesson_file!("pool.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=64, 4)
.size(Knob::new(12, 1..=100))
.section(Section::Performance)
.variants(&[
    ("even-tasks", "every task takes the same time"),
    ("rank-1-only", "the master receives results from rank 1 only"),
]);
