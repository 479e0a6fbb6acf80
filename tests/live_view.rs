//! The live view in a real terminal (tmux), driven as a teacher would:
//! start paused, step with plain `n` (each held rank makes one call: rank 1
//! is seen waiting in its receive before rank 0's message arrives), watch
//! the message arrive, quit, and find the terminal as it was.

mod common;

use std::time::Duration;

use common::tmux::{processes_with, Tmux};

const LIMIT: Duration = Duration::from_secs(30);

/// The row of the rank boxes that carries each rank's state word.
fn state_row(screen: &str) -> &str {
    let lines: Vec<&str> = screen.lines().collect();
    let top = lines
        .iter()
        .position(|l| l.contains("rank 0 ─"))
        .expect("rank boxes drawn");
    lines[top + 1]
}

/// Rank `rank`'s seconds waiting in MPI calls, from the summary's line
/// ` 0: 0.000   1: 0.052   2: 0.000 ...` under its heading.
fn summary_wait(screen: &str, rank: u32) -> f64 {
    let lines: Vec<&str> = screen.lines().collect();
    let heading = lines
        .iter()
        .position(|l| l.contains("seconds waiting in MPI calls"))
        .unwrap_or_else(|| {
            panic!(
                "no waits in the summary:
{screen}"
            )
        });
    let row = lines[heading + 1];
    let key = format!(" {rank}: ");
    let at = row
        .find(&key)
        .unwrap_or_else(|| panic!("no rank {rank}: {row}"))
        + key.len();
    let number: String = row[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    number
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {row}"))
}

#[test]
fn a_teacher_steps_send_recv_and_quits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("live.jsonl");
    let marker = marker.to_str().unwrap();
    let after = dir.path().join("after.txt");
    let script = format!(
        "{mpiexec} -n 5 {bin} lesson send-recv --paused --record {marker}; \
         echo EXIT=$? > {after}; stty -a >> {after}; echo SHELL-BACK; sleep 60",
        mpiexec = common::mpiexec(),
        bin = common::bin(),
        after = after.display(),
    );
    let term = Tmux::start("step", 120, 40, &script);

    let s = term.wait_for("five ranks, paused", LIMIT, |s| {
        (0..5).all(|r| s.contains(&format!("rank {r} ─"))) && s.contains("PAUSED")
    });
    assert!(
        s.contains("send_recv.rs"),
        "the lesson source is shown:\n{s}"
    );

    // Both ranks stop before their first call, held by the tutor.
    term.wait_for("ranks 0 and 1 held", LIMIT, |s| {
        state_row(s).matches("held by the tutor").count() == 2
    });

    // One plain `n`: every held rank makes its call. Rank 1 is seen in its
    // receive, waiting, before rank 0's message has arrived...
    term.keys(&["n"]);
    let s = term.wait_for("rank 1 waiting in its receive", LIMIT, |s| {
        state_row(s).contains("waiting in recv from 0")
    });
    assert!(!common::delivered(&s, "800 B"), "not arrived yet:\n{s}");
    // ...then the message arrives, and rank 1 goes on.
    term.wait_for("the message delivered", LIMIT, |s| {
        common::delivered(s, "800 B")
    });
    let s = term.wait_for("the summary", LIMIT, |s| {
        s.contains("summary") && s.contains("0 → 1")
    });
    // Rank 1 really waited in MPI for the message: its wait is no hold.
    assert!(summary_wait(&s, 1) > 0.0, "{s}");
    assert!(s.contains("seconds held by the tutor"), "{s}");

    term.keys(&["q"]);
    term.wait_for("the shell back", LIMIT, |s| s.contains("SHELL-BACK"));
    let after = std::fs::read_to_string(&after).unwrap();
    assert!(after.starts_with("EXIT=0"), "{after}");
    // The terminal is back in cooked mode with echo.
    assert!(
        after.contains(" icanon") && after.contains(" echo "),
        "{after}"
    );
    assert!(
        !term.screen().contains("rank 0 ─"),
        "the alternate screen was left"
    );
    assert!(
        processes_with(marker).is_empty(),
        "left running: {:?}",
        processes_with(marker)
    );
}

#[test]
fn a_deadlock_is_shown_as_a_cycle_and_quitting_ends_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("deadlock.jsonl");
    let marker = marker.to_str().unwrap();
    let after = dir.path().join("after.txt");
    let script = format!(
        "{mpiexec} -n 2 {bin} lesson deadlock --fast --record {marker}; \
         echo EXIT=$? > {after}; stty -a >> {after}; echo SHELL-BACK; sleep 60",
        mpiexec = common::mpiexec(),
        bin = common::bin(),
        after = after.display(),
    );
    let term = Tmux::start("deadlock", 120, 40, &script);
    let s = term.wait_for("the deadlock banner", LIMIT, |s| s.contains("DEADLOCK"));
    assert!(
        s.contains("recv(from 1, tag 1) lessons/deadlock.rs:"),
        "{s}"
    );
    assert!(
        s.contains("recv(from 0, tag 1) lessons/deadlock.rs:"),
        "{s}"
    );
    assert!(s.contains("back to the start"), "the cycle closes:\n{s}");

    // The teacher looks, then quits: the job ends, the terminal is back.
    term.keys(&["q"]);
    term.wait_for("the shell back", LIMIT, |s| s.contains("SHELL-BACK"));
    let after = std::fs::read_to_string(&after).unwrap();
    assert!(after.starts_with("EXIT=3"), "a deadlock exits 3: {after}");
    assert!(
        after.contains(" icanon") && after.contains(" echo "),
        "{after}"
    );
    let screen = term.screen();
    assert!(
        screen.contains("mpi-tutor: deadlock: rank 0 recv(from 1, tag 1)"),
        "the diagnosis is said once more after the view: {screen}"
    );
    assert!(
        processes_with(marker).is_empty(),
        "{:?}",
        processes_with(marker)
    );
}

#[test]
fn a_replay_steps_forwards_and_backwards_in_the_view() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let run = common::mpi(
        5,
        &[
            "lesson",
            "send-recv",
            "--headless",
            "--record",
            path.to_str().unwrap(),
        ],
        LIMIT,
    );
    run.assert_ok();
    let script = format!(
        "{bin} replay {path}; echo EXIT=$?; sleep 60",
        bin = common::bin(),
        path = path.display()
    );
    let term = Tmux::start("replay", 120, 40, &script);
    term.wait_for("the replay at its start", LIMIT, |s| {
        s.contains("REPLAY") && s.contains("event 0/")
    });
    // To the end: every rank finished, the summary shows the message.
    term.keys(&["]"]);
    let end = term.wait_for("the end", LIMIT, |s| {
        s.contains("DONE") && s.contains("0 → 1")
    });
    assert!(state_row(&end).matches("finished").count() == 5, "{end}");
    // Back to the start, then step: rank 0 says hello first.
    term.keys(&["["]);
    term.wait_for("back at the start", LIMIT, |s| s.contains("event 0/"));
    term.keys(&["n"]);
    term.wait_for("one event applied", LIMIT, |s| s.contains("event 1/"));
    term.keys(&["b"]);
    term.wait_for("one event back", LIMIT, |s| s.contains("event 0/"));
    term.keys(&["q"]);
    term.wait_for("the shell back", LIMIT, |s| s.contains("EXIT=0"));
}

#[test]
fn a_failed_rank_stays_on_screen_until_q_then_its_line_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let after = dir.path().join("after.txt");
    let script = format!(
        "{bin} lesson crash -n 4; echo EXIT=$? > {after}; echo SHELL-BACK; sleep 60",
        bin = common::bin(),
        after = after.display(),
    );
    let term = Tmux::start("crash", 120, 40, &script);
    let s = term.wait_for("rank 1 shown failed", LIMIT, |s| {
        s.contains("RANK 1 FAILED") && s.contains("index out of bounds")
    });
    assert!(s.contains("crash.rs"), "{s}");
    // The others stay where the failure left them: in the allreduce,
    // waiting for rank 1, which failed: the deadlock banner says why.
    let s = term.wait_for("the others left waiting for rank 1", LIMIT, |s| {
        s.contains("waits for rank 1, which failed at lessons/crash.rs:26: index out of bounds")
    });
    assert!(s.contains("│in allreduce"), "{s}");
    // Still there a while later: nothing ends the job but q.
    std::thread::sleep(Duration::from_secs(4));
    assert!(term.screen().contains("RANK 1 FAILED"), "{}", term.screen());

    term.keys(&["q"]);
    let s = term.wait_for("the shell back", LIMIT, |s| s.contains("SHELL-BACK"));
    let said = s
        .lines()
        .find(|l| l.contains("rank 1 failed at lessons/crash.rs:"))
        .unwrap_or_else(|| panic!("the error line is on screen:\n{s}"));
    assert!(
        said.starts_with("mpi-tutor: rank 1 failed"),
        "its own line:\n{s}"
    );
    let after = std::fs::read_to_string(&after).unwrap();
    assert!(after.starts_with("EXIT=1"), "{after}");
}
