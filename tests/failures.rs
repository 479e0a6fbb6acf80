//! Runs that end badly still end: every process gone, the recorded trace
//! readable and saying how the run ended.

mod common;

use std::process::Command;
use std::time::Duration;

use mpi_tutor::trace::{EventKind, Outcome};

const LIMIT: Duration = Duration::from_secs(30);

fn last_outcome(path: &std::path::Path) -> (Outcome, String) {
    let trace = common::read(path);
    match trace.events.last().map(|e| &e.event) {
        Some(EventKind::RunEnded { outcome, detail }) => (*outcome, detail.clone()),
        other => panic!("the trace does not say how the run ended: {other:?}"),
    }
}

/// send-recv at one call every 10 s: it is surely still running when the
/// test acts on it.
fn slow_send_recv(record: &std::path::Path) -> Command {
    let mut cmd = Command::new(common::mpiexec());
    cmd.args([
        "-n",
        "4",
        common::bin(),
        "lesson",
        "send-recv",
        "--headless",
    ])
    .args(["--speed", "0.1", "--record"])
    .arg(record);
    cmd
}

#[test]
fn ctrl_c_to_mpiexec_ends_every_rank_and_the_trace_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let job = common::start(slow_send_recv(&path));
    std::thread::sleep(Duration::from_millis(1500));
    // mpiexec is the process group leader.
    unsafe { libc::kill(job.pgid, libc::SIGINT) };
    let run = job.finish(LIMIT);
    assert_eq!(run.code, Some(130), "{run:#?}");
    assert!(
        run.stderr.contains("mpi-tutor: interrupted"),
        "{}",
        run.stderr
    );
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
    assert_eq!(last_outcome(&path).0, Outcome::Interrupted);
}

#[test]
fn a_rank_killed_from_outside_ends_the_job_and_the_trace_is_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    // Started without mpiexec: mpi-tutor's own launcher outlives the job.
    let mut cmd = Command::new(common::bin());
    cmd.args([
        "lesson",
        "send-recv",
        "-n",
        "4",
        "--headless",
        "--speed",
        "0.1",
    ])
    .arg("--record")
    .arg(&path);
    let job = common::start(cmd);
    std::thread::sleep(Duration::from_millis(1500));
    let ranks = job.pids_with("lesson send-recv --headless");
    assert!(ranks.len() >= 4, "ranks found: {ranks:?}");
    unsafe { libc::kill(*ranks.last().unwrap(), libc::SIGKILL) };
    let run = job.finish(LIMIT);
    assert_ne!(run.code, Some(0), "{run:#?}");
    assert!(run.elapsed < Duration::from_secs(6), "{:?}", run.elapsed);
    let (outcome, detail) = last_outcome(&path);
    assert_eq!(outcome, Outcome::Interrupted);
    assert!(detail.contains("ended from outside"), "{detail}");
}
