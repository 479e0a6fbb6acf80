// Lesson: send-recv. Rank 0 sends 100 doubles with tag 13 to rank 1.
use crate::probe::Comm;

pub fn run(world: &Comm, _: &crate::lessons::Params) {
    let rank = world.rank();
    world.say(format!("hello, I am rank {rank}"));

    if rank == 0 {
        let data: Vec<f64> = (0..100).map(|i| i as f64).collect();
        world.say(format!("sending {} values 0..99 to rank 1", data.len()));
        world.send(&data, 1, 13);
        world.say("sent");
    } else if rank == 1 {
        world.say("waiting for data from rank 0");
        let mut data = vec![0.0f64; 100];
        let got = world.recv(&mut data, 0, 13);
        world.say(format!(
            "received {} values from rank {} with tag {}: {} .. {}",
            got.count, got.source, got.tag, data[0], data[99]
        ));
        let expected: Vec<f64> = (0..100).map(|i| i as f64).collect();
        world.check("rank 1 received 0..99 from rank 0", data == expected);
    } else {
        world.say("I've got nothing to do");
    }
}

pub const EXPLANATION: &str = "\
GOAL
  Data moves between ranks only when it is sent. Rank 0 owns 100
  numbers; rank 1 gets them only through send and recv.

WATCH FOR
  - Rank 1 reaches its recv and waits: a receive blocks until a
    matching message (from rank 0, tag 13) arrives.
  - The message travels from rank 0 to rank 1, labelled tag 13, 800 B
    (100 doubles of 8 bytes).
  - Ranks 2 and up have nothing to do and finish at once.

EXERCISES
  1. Change the tag of the recv to 14. Predict what rank 1 does.
  2. Make rank 1 receive from any rank (ANY_SOURCE). What changes?
  3. Send 50 values while rank 1 still expects 100: what does `count` say?
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::Lesson;

pub const LESSON: Lesson = Lesson::new(
    "send-recv",
    "Send and receive: a receive waits for its message",
    lesson_file!("send_recv.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=64, 5);
