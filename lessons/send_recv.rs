// Lesson: send-recv. Rank 0 sends 100 doubles with tag 13 to rank 1.
use crate::probe::{Comm, ANY_SOURCE};
use crate::trace::Source;

/// The label rank 0 puts on its message.
const DATA: i32 = 13;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let rank = world.rank();
    world.say(format!("hello, I am rank {rank}"));
    // The exercises, as variants: `--variant wrong-tag` and the others.
    let variant = params.variant.unwrap_or("");
    let sent = if variant == "short-message" { 50 } else { 100 };
    let (from, tag) = match variant {
        "wrong-tag" => (Source::Rank(0), DATA + 1),
        "any-source" => (ANY_SOURCE, DATA),
        _ => (Source::Rank(0), DATA),
    };

    if rank == 0 {
        let data: Vec<f64> = (0..sent).map(|i| i as f64).collect();
        world.say(format!("sending {} values 0..{} to rank 1", data.len(), sent - 1));
        world.send(&data, 1, DATA);
        world.say("sent");
    } else if rank == 1 {
        world.say("waiting for data from rank 0");
        let mut data = vec![0.0f64; 100];
        let got = world.recv(&mut data, from, tag);
        world.say(format!(
            "received {} values from rank {} with tag {}: {} .. {}",
            got.count,
            got.source,
            got.tag,
            data[0],
            data[got.count.max(1) - 1]
        ));
        let expected: Vec<f64> = (0..sent).map(|i| i as f64).collect();
        world.check(
            format!("rank 1 received 0..{} from rank 0", sent - 1),
            got.count == sent && data[..sent] == expected[..],
        );
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
  1. --variant wrong-tag: the recv asks for tag 14. Predict what
     rank 1 does.
  2. --variant any-source: rank 1 receives from any rank
     (ANY_SOURCE). What changes on screen, and what does not?
  3. --variant short-message: rank 0 sends 50 values while rank 1
     still has room for 100. What does `count` say?
  (Or edit the twin: `mpi-tutor exercise send-recv`.)
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "send-recv",
    "Send and receive: a receive waits for its message",
    lesson_file!("send_recv.rs"),
    EXPLANATION,
    run,
)
.ranks(2..=64, 5)
.section(Section::Basics)
.variants(&[
    ("wrong-tag", "the recv asks for tag 14: no message matches"),
    ("any-source", "the recv takes a message from any rank"),
    ("short-message", "rank 0 sends 50 values into room for 100"),
]);
