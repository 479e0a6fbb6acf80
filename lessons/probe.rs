// Lesson: probe. Every rank but 0 sends rank 0 a message whose length
// only the sender knows. Rank 0 probes for the next message from anyone,
// reads its length from the status (MPI_Get_count), makes a buffer that
// size and only then receives it.
use crate::probe::{Comm, ANY_SOURCE};

const NUMBERS: i32 = 3;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let rank = world.rank();
    if rank != 0 {
        let numbers = message_of(rank);
        world.say(format!("sending {} numbers to rank 0", numbers.len()));
        world.send(&numbers, 0, NUMBERS);
        return;
    }
    let mut all_right = true;
    for _ in 1..world.size() {
        let numbers = if params.variant == Some("max-buffer") {
            receive_into_largest(world)
        } else {
            receive_probed(world)
        };
        let from = (numbers[0] / 1000) as u32;
        all_right &= numbers == message_of(from);
    }
    world.check(
        "rank 0 received every rank's whole message, whatever its length",
        all_right,
    );
}

/// Probe first: the status says who sent how many; then a receive from
/// that very sender into a buffer of exactly that size.
fn receive_probed(world: &Comm) -> Vec<i32> {
    let status = world.probe::<i32>(ANY_SOURCE, NUMBERS);
    world.say(format!(
        "probed: {} numbers from rank {}",
        status.count, status.source
    ));
    let mut numbers = vec![0i32; status.count];
    world.recv(&mut numbers, status.source, NUMBERS);
    numbers
}

/// Without probe: a buffer as large as any message can be, and the
/// receive's own status says how much of it was filled.
fn receive_into_largest(world: &Comm) -> Vec<i32> {
    let mut numbers = vec![0i32; LONGEST];
    let status = world.recv(&mut numbers, ANY_SOURCE, NUMBERS);
    world.say(format!(
        "received {} numbers from rank {} into room for {LONGEST}",
        status.count, status.source
    ));
    numbers.truncate(status.count);
    numbers
}

/// The longest message any rank sends.
const LONGEST: usize = 100;

/// What rank `r` sends: a length only it knows (1 to 100), each number
/// naming the sender (r * 1000 + i).
fn message_of(r: u32) -> Vec<i32> {
    let length = 1 + (r as usize * 37) % LONGEST;
    (0..length as i32).map(|i| r as i32 * 1000 + i).collect()
}

pub const EXPLANATION: &str = "\
GOAL
  Receive a message whose length you do not know. MPI_Probe waits until a
  matching message is there without taking it; its status tells who sent
  it and, through MPI_Get_count, how many values it holds. Rank 0 makes a
  buffer of exactly that size and receives the message from that sender.

WATCH FOR
  - Rank 0 alternates probe and recv: the probe finds a message, the recv
    takes that same message (same sender, same tag).
  - The senders finish at once: their messages are small and buffered.
  - The messages arrive in whatever order the senders got there: probing
    ANY_SOURCE takes the first one, not rank 1's.

EXERCISES
  1. Run with -n 8: predict the length each rank sends (1 + 37 r mod 100).
  2. Run --variant max-buffer: no probe, a buffer as large as any message,
     and the count from the receive's own status. What does that cost?
  3. In the Python twin, receive into a buffer smaller than the message
     (numpy.empty(10)). What does MPI say?
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "probe",
    "Probe: receive a message of unknown length",
    lesson_file!("probe.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=64, 4)
.variants(&[(
    "max-buffer",
    "no probe: receive into the largest buffer, count from the status",
)])
.section(Section::PointToPoint);
