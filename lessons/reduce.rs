// Lesson: reduce. pi = integral of 4/(1+x^2) over [0,1]. The interval is
// split into n small steps (midpoint rule); every rank adds up its share of
// the steps, and reduce adds the shares of all ranks together.
use crate::probe::{Comm, ReduceOp};

const ROOT: u32 = 0;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let rank = world.rank() as u64;
    let size = world.size() as u64;
    let n = params.size.unwrap_or(1000) as u64;
    let h = 1.0 / n as f64;

    // My steps: a contiguous block of the n steps, i.e. a piece of [0, 1].
    let (first, last) = (rank * n / size, (rank + 1) * n / size);
    let part = area(first..last, h);
    world.say(format!(
        "steps {first}..{last} cover [{:.3}, {:.3}): my part is {part:.10}",
        first as f64 * h,
        last as f64 * h
    ));

    // `--variant max`: exercise 2, the largest part instead of the sum.
    if params.variant == Some("max") {
        let mut largest = [0.0f64];
        world.reduce(&[part], &mut largest, ReduceOp::Max, ROOT);
        if rank == ROOT as u64 {
            // Every rank's part, computed here again: the largest of them.
            let expected = (0..size)
                .map(|r| area(r * n / size..(r + 1) * n / size, h))
                .fold(f64::MIN, f64::max);
            world.say(format!("reduce with Max gave {:.10}", largest[0]));
            world.check("the root got the largest part", largest[0] == expected);
        }
        return;
    }

    // reduce: the sum of everyone's `part` arrives on the root only.
    let mut pi = [0.0f64];
    world.reduce(&[part], &mut pi, ReduceOp::Sum, ROOT);
    // The midpoint rule is off by about h^2/12; allow a little more.
    let tolerance = h * h / 6.0 + 1e-9;
    if rank == ROOT as u64 {
        let error = (pi[0] - std::f64::consts::PI).abs();
        world.say(format!(
            "reduce gave pi = {:.12} (error {error:.1e})",
            pi[0]
        ));
        world.check(
            format!("pi on the root within {tolerance:.1e}"),
            error <= tolerance,
        );
    }

    // allreduce: the same sum, but every rank gets it.
    let mut everyone = [0.0f64];
    world.allreduce(&[part], &mut everyone, ReduceOp::Sum);
    let error = (everyone[0] - std::f64::consts::PI).abs();
    world.say(format!("allreduce gave me pi = {:.12}", everyone[0]));
    world.check(
        format!("rank {rank} got pi within {tolerance:.1e} from allreduce"),
        error <= tolerance,
    );
}

/// The area under 4/(1+x^2) over `steps` of width `h` (midpoint rule).
fn area(steps: std::ops::Range<u64>, h: f64) -> f64 {
    let mut sum = 0.0;
    for i in steps {
        let x = (i as f64 + 0.5) * h; // the midpoint of step i
        sum += 4.0 / (1.0 + x * x) * h;
    }
    sum
}

pub const EXPLANATION: &str = "\
GOAL
  Every rank computes a partial result; reduce combines them (here with
  a sum) into one value on the root. allreduce gives it to every rank.

WATCH FOR
  - The ranks compute independently, without any message, then each
    calls reduce with its part. Only the root waits there for the others'
    parts; a rank that is not the root may leave as soon as its part has
    gone (allreduce: every rank waits, since every rank gets the result).
  - After reduce only the root knows pi; after allreduce everyone does.
  - The partial sums differ per rank (4/(1+x^2) is larger near x = 0),
    but add up to pi.

EXERCISES
  1. Run with --size 10, 100, 1000. Predict how the error changes.
  2. --variant max: the root reduces with ReduceOp::Max instead of
     Sum. Predict what it gets. (Or edit the twin:
     `mpi-tutor exercise reduce`.)
  3. Run with --size 3 on -n 4. Predict rank 0's share, and the result.
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "reduce",
    "Reduce: partial sums combined into pi",
    lesson_file!("reduce.rs"),
    EXPLANATION,
    run,
)
.ranks(1..=64, 4)
.size(Knob::new(1000, 1..=10_000_000))
.section(Section::Collectives)
.variants(&[("max", "reduce with Max instead of Sum")]);
