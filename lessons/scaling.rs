// Lesson: scaling. Halo's heat diffusion, timed on teams of 1, 2, 4 ...
// ranks in turn (a team is a communicator made by MPI_Comm_split; the
// ranks outside it wait at a barrier). Strong scaling: the same grid on
// more ranks. Weak scaling: the grid grows with the ranks. Rank 0 charts
// speed-up and efficiency and fits Amdahl's law to the strong runs.
use crate::lessons::halo::{exchange_halo, initial_heat, worst_difference_from_serial};
use crate::lessons::halo::{Grid, Layout};
use crate::probe::{Comm, ReduceOp};

/// Split colours: the team of this run, and the ranks that sit it out.
const IN_TEAM: u32 = 0;
const SITTING_OUT: u32 = 1;
/// The team's rank that gathers its time: world rank 0 is in every team.
const TIMEKEEPER: u32 = 0;
/// Each team runs the steps this many times; the fastest run counts (the
/// slower ones were interrupted by other processes on the machine).
const REPETITIONS: u32 = 3;

/// One timed run: how many ranks, on which grid side, how long it took.
pub struct Timing {
    pub ranks: u32,
    pub side: usize,
    pub seconds: f64,
}

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let n = params.size.unwrap_or(128) as usize;
    let iterations = params.iterations.unwrap_or(8);
    let mut worst = 0.0f64;
    let mut strong = Vec::new();
    let mut weak = Vec::new();
    for ranks in team_sizes(world.size()) {
        // Strong: the same grid for every team. Weak: the same cells per rank.
        strong.push(timed_run(world, ranks, n, iterations, &mut worst));
        let side = weak_side(n, ranks);
        weak.push(timed_run(world, ranks, side, iterations, &mut worst));
    }
    world.check(
        "every run's blocks equal the 1-rank computation",
        worst < 1e-9,
    );
    if world.rank() == TIMEKEEPER {
        chart(world, "strong", &strong, false);
        chart(world, "weak", &weak, true);
        let best = amdahl_fraction(&strong);
        // Amdahl's f lies in [0, 1]; the nearest f there fits best.
        let fraction = best.clamp(0.0, 1.0);
        let limit = match fraction {
            f if f < 1e-3 => "no limit these runs can see".to_string(),
            f => format!("at most {:.1} times faster on any number of ranks", 1.0 / f),
        };
        world.say(format!(
            "Amdahl fit: serial fraction {fraction:.3} ({:.1}%): {limit}",
            fraction * 100.0
        ));
        if best > 1.0 {
            world.say("more ranks were slower than one: the cost is overhead (messages, shared cores), not a serial part");
        }
        world.check(
            "every time is positive and the fitted serial fraction is in [0, 1]",
            strong.iter().all(|run| run.seconds > 0.0) && (0.0..=1.0).contains(&fraction),
        );
    }
}

/// 1, 2, 4 ... up to `size`, and `size` itself.
pub fn team_sizes(size: u32) -> Vec<u32> {
    let mut all: Vec<u32> = (0..).map(|k| 1 << k).take_while(|&p| p <= size).collect();
    if all.last() != Some(&size) {
        all.push(size);
    }
    all
}

/// The grid side that gives `ranks` ranks `n * n` cells each.
pub fn weak_side(n: usize, ranks: u32) -> usize {
    (n as f64 * f64::from(ranks).sqrt()).round() as usize
}

/// Ranks below `ranks` form a team and run the heat steps on an `n` x `n`
/// grid; the others wait at the barrier. Returns the team's time (its
/// slowest rank's, known on the timekeeper) and keeps the worst error.
fn timed_run(world: &Comm, ranks: u32, n: usize, iterations: u32, worst: &mut f64) -> Timing {
    let inside = world.rank() < ranks;
    let colour = if inside { IN_TEAM } else { SITTING_OUT };
    let team = world.split(colour, world.rank() as i32);
    let mut seconds = 0.0;
    if inside {
        let me = Layout::new(team.rank(), team.size(), n);
        let mut fastest = f64::INFINITY;
        for _ in 0..REPETITIONS {
            // Time the tutor's pace held this rank is not the computation's.
            let (start, held) = (team.wtime(), team.held_seconds());
            let u = heat_steps(&team, &me, iterations);
            let mine = team.wtime() - start - (team.held_seconds() - held);
            fastest = fastest.min(mine);
            *worst = worst.max(worst_difference_from_serial(&me, &u, iterations));
        }
        // The team is done when its slowest rank is.
        let mut slowest = [0.0f64];
        team.reduce(&[fastest], &mut slowest, ReduceOp::Max, TIMEKEEPER);
        seconds = slowest[0];
    }
    world.barrier();
    Timing {
        ranks,
        side: n,
        seconds,
    }
}

/// Halo's computation on my block: exchange the edges, then one step.
fn heat_steps(team: &Comm, me: &Layout, iterations: u32) -> Grid {
    let mut u = Grid::new(me.rows, me.cols);
    for i in 0..me.rows {
        for j in 0..me.cols {
            u.set(i + 1, j + 1, initial_heat(me.n, me.row0 + i, me.col0 + j));
        }
    }
    for _ in 0..iterations {
        // Alone, a rank has no neighbours: no edges to trade.
        if team.size() > 1 {
            exchange_halo(team, me, &mut u);
        }
        u = u.step();
    }
    u
}

/// Amdahl's law: on p ranks, 1 / speed-up = f + (1 - f) / p, where f is
/// the serial fraction. The f that fits the strong runs best (least
/// squares on 1 / speed-up against 1 / p): sum (1-x)(y-x) / sum (1-x)^2.
/// Below 0 or above 1 when the runs follow no Amdahl law: NaN on bad times.
pub fn amdahl_fraction(strong: &[Timing]) -> f64 {
    let one = strong[0].seconds;
    let (mut above, mut below) = (0.0, 0.0);
    for run in strong {
        let (x, y) = (1.0 / f64::from(run.ranks), run.seconds / one);
        above += (1.0 - x) * (y - x);
        below += (1.0 - x) * (1.0 - x);
    }
    above / below
}

/// A line per run: ranks, grid, time, a bar for the speed-up (a block per
/// quarter) and one for the efficiency (a block per 10%). Weak runs do p
/// times the work: their speed-up is p times T(1) / T(p).
fn chart(world: &Comm, kind: &str, runs: &[Timing], weak: bool) {
    world.say(format!(
        "{kind} scaling: ranks, grid, time, speed-up (a block: 0.25), efficiency"
    ));
    let one = runs[0].seconds;
    for run in runs {
        let p = f64::from(run.ranks);
        let speed_up = if weak { p } else { 1.0 } * one / run.seconds;
        let efficiency = speed_up / p;
        world.say(format!(
            "{kind:<6} {:>2} ranks {:>4} x {:<4} {:>9.2} ms  {:>5.2} {:<16} {:>4.0}% {}",
            run.ranks,
            run.side,
            run.side,
            run.seconds * 1e3,
            speed_up,
            bar(speed_up * 4.0, 16),
            efficiency * 100.0,
            bar(efficiency * 10.0, 10)
        ));
    }
}

/// `blocks` blocks, rounded, at least one and at most `most`.
fn bar(blocks: f64, most: usize) -> String {
    "█".repeat((blocks.round() as usize).clamp(1, most))
}

pub const EXPLANATION: &str = "\
GOAL
  Measure how a parallel program scales. Halo's heat diffusion runs on
  teams of 1, 2, 4 ... ranks in turn (each team a communicator from
  MPI_Comm_split; the other ranks wait at a barrier), timed with
  MPI_Wtime. Strong scaling: the same grid, split more ways. Weak
  scaling: the grid grows so each rank keeps as many cells. Speed-up
  is T(1) / T(p); efficiency is speed-up / p.

WATCH FOR
  - Each team's split and its barrier: every rank takes part in both,
    even the ranks that sit the run out.
  - The charts rank 0 draws at the end. Strong efficiency falls as p
    grows: each rank's block shrinks, its edges (messages) do not
    shrink as fast. Weak efficiency stays higher.
  - The Amdahl fit: the serial fraction f that best explains the
    strong runs (1 / speed-up = f + (1 - f) / p). No number of ranks
    makes the program more than 1 / f times faster.
  - Ranks are processes: more ranks than cores share the cores, and
    the speed-up stops there. The tutor's recording adds to every
    call; held time at the teacher's pace is taken off. Run it with
    --fast or --headless: the live pace shows the calls, not speed.

EXERCISES
  1. Run with -n 8 on this machine. Predict the speed-up past the
     number of cores (nproc).
  2. Run with --size 32, then --size 512. Predict which scales better,
     and how the serial fraction changes.
  3. In the Python twin, let the team's rank 0 do a serial part every
     step (time.sleep(0.001)). Predict the fitted fraction.
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "scaling",
    "Scaling: strong and weak speed-up, Amdahl's law",
    lesson_file!("scaling.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=64, 4)
.size(Knob::new(128, 32..=512))
.iterations(Knob::new(8, 1..=1000))
.section(Section::Performance);
