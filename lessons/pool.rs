// Lesson: pool. Rank 0 is the master: it hands out tasks to whichever
// worker is free, like mpi4py's MPIPoolExecutor.map. Tasks take uneven
// times. At the end the same tasks are split statically, for comparison.
use std::time::{Duration, Instant};

use crate::probe::{Comm, ANY_SOURCE, ANY_TAG};

const MASTER: u32 = 0;
// Tags say what a message is: [task] to do, [task, result] done, stop.
const TASK: i32 = 1;
const RESULT: i32 = 2;
const STOP: i32 = 3;
/// The static split's results travel with their own tag.
const STATIC_RESULTS: i32 = 4;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let tasks = params.size.unwrap_or(12) as i64;
    if world.rank() == MASTER {
        let started = Instant::now();
        let done = master(world, tasks);
        let dynamic = started.elapsed();

        world.barrier(); // start the static split together
        let started = Instant::now();
        let static_results = static_master(world, tasks);
        let fixed = started.elapsed();
        world.say(format!(
            "{tasks} tasks on {} workers: dynamic {:.0} ms, static split {:.0} ms",
            world.size() - 1,
            dynamic.as_secs_f64() * 1e3,
            fixed.as_secs_f64() * 1e3
        ));
        world.check(
            "every task was done exactly once, with the right result",
            done.iter().all(|&times| times == 1),
        );
        world.check(
            "the static split gave the same results",
            static_results == (0..tasks).map(answer_of).collect::<Vec<_>>(),
        );
    } else {
        worker(world);
        world.barrier();
        static_worker(world, tasks);
    }
}

/// Hands out tasks 0..tasks; returns how often each task came back done
/// (with the right result).
fn master(world: &Comm, tasks: i64) -> Vec<u32> {
    let mut done = vec![0u32; tasks as usize];
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
        let got = world.recv(&mut answer, ANY_SOURCE, RESULT);
        let [task, result] = answer;
        world.say(format!("task {task} done by rank {}: {result}", got.source));
        if result == answer_of(task) {
            done[task as usize] += 1;
        }
        hand_out(got.source);
    }
    done
}

/// Waits for a task (or STOP), works, answers, and again.
fn worker(world: &Comm) {
    let mut count = 0;
    loop {
        let mut task = [0i64];
        let got = world.recv(&mut task, MASTER, ANY_TAG);
        if got.tag == STOP {
            break;
        }
        let result = compute(task[0]);
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

fn static_worker(world: &Comm, tasks: i64) {
    let mine = my_block(world.rank(), world.size() - 1, tasks);
    let results: Vec<i64> = mine.map(compute).collect();
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

/// One task. Costs climb from 10 ms (task 0) to 120 ms (task 11), then
/// start again; a sleep stands for real work.
fn compute(task: i64) -> i64 {
    std::thread::sleep(Duration::from_millis(10 + 10 * (task as u64 % 12)));
    answer_of(task)
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
  - Tasks get longer: with the static split the last worker has the
    heaviest block and the others wait for it at the end.

EXERCISES
  1. Run with -n 2 (one worker). Predict both timings.
  2. Make every task take the same time. Predict which way wins now.
  3. Receive from rank 1 only instead of ANY_SOURCE. Predict what
     happens to the other workers, and to the timings.
  (Timings mean something with --fast; at the classroom pace the
  pacing dominates.)
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson};

pub const LESSON: Lesson = Lesson::new(
    "pool",
    "Task pool: a master feeds whichever worker is free",
    lesson_file!("pool.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=64, 4)
.size(Knob::new(12, 1..=100));
