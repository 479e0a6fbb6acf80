// Lesson: ping-pong. Two ranks bounce a message back and forth at sizes
// from 16 bytes to 4 MiB and time each round trip with MPI_Wtime: the
// latency of a small message, the bandwidth of a large one. Rank 0 draws
// the times as a chart. The other ranks sit out (variant `pairs`: every
// rank plays, in pairs, all at the same time).
use crate::probe::Comm;

/// Tags: the ball on its way out, and on its way back.
const PING: i32 = 1;
const PONG: i32 = 2;
/// The first size; each next one is 4 times larger.
const SMALLEST: usize = 16;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let largest = params.size.unwrap_or(4 << 20) as usize;
    let repetitions = params.iterations.unwrap_or(3);
    let Some(partner) = partner(world, params.variant == Some("pairs")) else {
        world.say("no partner: I sit out (every rank plays with --variant pairs)");
        return;
    };
    // The lower rank of a pair serves: it sends first and keeps the times.
    let serving = world.rank() < partner;
    let mut times = Vec::new();
    let mut intact = true;
    for bytes in sizes(largest) {
        let ball: Vec<u8> = (0..bytes).map(|i| (i % 251) as u8).collect();
        let (one_way, came_back) = if serving {
            serve(world, partner, &ball, repetitions)
        } else {
            (0.0, send_back(world, partner, &ball, repetitions))
        };
        intact &= came_back;
        times.push((bytes, one_way));
    }
    world.check("every ball arrived unchanged", intact);
    if serving && world.rank() == 0 {
        chart(world, &times);
    }
}

/// Rank 0 plays with rank 1; with `pairs` every even rank with the next.
fn partner(world: &Comm, pairs: bool) -> Option<u32> {
    let rank = world.rank();
    let partner = if pairs || rank < 2 { rank ^ 1 } else { return None };
    (partner < world.size()).then_some(partner)
}

/// 16 B, 64 B, 256 B ... up to `largest`.
fn sizes(largest: usize) -> Vec<usize> {
    let mut all = vec![SMALLEST];
    while all[all.len() - 1] * 4 <= largest {
        all.push(all[all.len() - 1] * 4);
    }
    all
}

/// Sends the ball and waits for it to come back: once to warm up (the
/// first trip of a size finds the partner asleep, or buffers not yet
/// made), then `repetitions` times timed. The fastest round trip counts:
/// the slower ones were interrupted by something else (another process,
/// the tutor). Half of it is the time one way. Also says whether the
/// ball always came back unchanged.
fn serve(world: &Comm, partner: u32, ball: &[u8], repetitions: u32) -> (f64, bool) {
    let mut back = vec![0u8; ball.len()];
    let mut fastest = f64::INFINITY;
    let mut intact = true;
    for trip in 0..=repetitions {
        // Time the tutor's pace held this rank is not the network's.
        let (start, held) = (world.wtime(), world.held_seconds());
        world.send(ball, partner, PING);
        world.recv(&mut back, partner, PONG);
        let round_trip = world.wtime() - start - (world.held_seconds() - held);
        if trip > 0 {
            fastest = fastest.min(round_trip);
        }
        intact &= back == ball;
    }
    (fastest / 2.0, intact)
}

/// Receives the ball and sends it straight back, `repetitions` times
/// after the warm-up; says whether it always arrived as `expected`.
fn send_back(world: &Comm, partner: u32, expected: &[u8], repetitions: u32) -> bool {
    let mut ball = vec![0u8; expected.len()];
    let mut intact = true;
    for _ in 0..=repetitions {
        world.recv(&mut ball, partner, PING);
        intact &= ball == expected;
        world.send(&ball, partner, PONG);
    }
    intact
}

/// One line per size: a bar for the time one way (log scale: every 3
/// blocks, twice the time), the time, the bandwidth. Then the size where
/// the time grew most, relative to the size: the knee.
fn chart(world: &Comm, times: &[(usize, f64)]) {
    let quickest = times.iter().map(|t| t.1).fold(f64::INFINITY, f64::min);
    world.say("size      time one way (every 3 blocks: twice as long)");
    for &(bytes, seconds) in times {
        let blocks = 1 + (3.0 * (seconds / quickest).log2()).round().max(0.0) as usize;
        world.say(format!(
            "{:>7} {:<40} {:>9} {:>10}",
            size_text(bytes),
            "█".repeat(blocks.min(40)),
            time_text(seconds),
            rate_text(bytes as f64 / seconds)
        ));
    }
    // Time per byte grows 4 times less than the size, unless the library
    // changed its way of sending: eager (copied into a buffer, sent at
    // once) below a threshold, rendezvous (wait for the receiver) above.
    let steepest = times
        .windows(2)
        .max_by(|a, b| (a[1].1 / a[0].1).total_cmp(&(b[1].1 / b[0].1)));
    if let Some([small, large]) = steepest {
        world.say(format!(
            "steepest step: {} -> {}, {:.1} times as long",
            size_text(small.0),
            size_text(large.0),
            large.1 / small.1
        ));
    }
}

fn size_text(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 => format!("{} KiB", b >> 10),
        b => format!("{b} B"),
    }
}

fn time_text(seconds: f64) -> String {
    if seconds >= 1e-3 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{:.1} us", seconds * 1e6)
    }
}

fn rate_text(bytes_per_second: f64) -> String {
    if bytes_per_second >= 1e9 {
        format!("{:.2} GB/s", bytes_per_second / 1e9)
    } else {
        format!("{:.0} MB/s", bytes_per_second / 1e6)
    }
}

pub const EXPLANATION: &str = "\
GOAL
  Measure what a message costs. Rank 0 sends a message to rank 1, which
  sends it straight back (a ping-pong), at sizes from 16 B to 4 MiB,
  timed with MPI_Wtime (each size once untimed first, to warm up).
  Half a round trip is the time one way. Small
  messages cost a fixed latency; large ones cost size / bandwidth.

WATCH FOR
  - The chart rank 0 draws at the end: from 16 B to a few KiB the time
    hardly grows (latency: the cost of any message); from some tens of
    KiB on it grows with the size (bandwidth: bytes per second).
  - The knee. Small messages go eager: copied into a buffer and sent
    at once, the send returns before the receive. Large ones go
    rendezvous: the sender first asks, the receiver says ready, then
    the data moves without a copy. Each library switches at a size of
    its own; the time steps up there (see `steepest step`).
  - The tutor records every call and waits politely (it sleeps when a
    wait is long): the times here are the tutor's, larger than plain
    MPI's, above all for small messages. Held time at the teacher's
    pace is taken off.

EXERCISES
  1. Run with --iterations 20 --fast. Do the times settle? Why does the
     lesson keep the fastest round trip, not the average?
  2. Run with --sync-sends: every send waits for its receive to start.
     Predict which sizes slow down. (In a ping-pong the receiver is
     usually waiting already.)
  3. Run --variant pairs -n 4: two pairs play at once on this machine.
     Does each pair's bandwidth halve?
  4. Run the Python twin with plain mpiexec, without the tutor, then
     watched. How much of the small-message time is the tutor's?
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "ping-pong",
    "Ping-pong: latency, bandwidth, eager and rendezvous",
    lesson_file!("ping_pong.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=64, 2)
.size(Knob::new(4 << 20, 64..=(64 << 20)))
.iterations(Knob::new(3, 1..=1000))
.variants(&[(
    "pairs",
    "every even rank plays with the next, all pairs at once",
)])
.section(Section::Performance);
