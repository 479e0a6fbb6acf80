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

/// `mpi-tutor lesson ring` (it starts mpiexec itself) at one call every
/// 10 s per rank: the token waits 10 s at each rank, so the job is surely
/// still running when the test acts on it.
fn slow_ring(record: &std::path::Path) -> Command {
    let mut cmd = Command::new(common::bin());
    cmd.args(["lesson", "ring", "-n", "4", "--headless", "--speed", "0.1"])
        .arg("--record")
        .arg(record);
    cmd
}

#[test]
fn ctrl_c_ends_every_rank_and_the_trace_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let job = common::start(slow_ring(&path));
    std::thread::sleep(Duration::from_millis(1500));
    // What Ctrl-C in a terminal does: SIGINT to the whole foreground group.
    // SAFETY: kill takes plain integers and touches no memory of ours.
    unsafe { libc::kill(-job.pgid, libc::SIGINT) };
    let run = job.finish(LIMIT);
    assert!(matches!(run.code, Some(c) if c != 0), "{run:#?}");
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
    assert_eq!(last_outcome(&path).0, Outcome::Interrupted);
}

#[test]
fn ctrl_c_to_a_bare_mpiexec_is_reported_by_rank_0() {
    if common::mpiexec().contains("openmpi") {
        // Open MPI's mpiexec does not forward SIGINT to the ranks: it kills
        // them, so only mpi-tutor's own launcher can seal the trace (above).
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let mut cmd = Command::new(common::mpiexec());
    cmd.args(["-n", "4", common::bin(), "lesson", "ring", "--headless"])
        .args(["--speed", "0.1", "--record"])
        .arg(&path);
    let job = common::start(cmd);
    std::thread::sleep(Duration::from_millis(1500));
    // mpiexec is the process group leader.
    // SAFETY: kill takes plain integers and touches no memory of ours.
    unsafe { libc::kill(job.pgid, libc::SIGINT) };
    let run = job.finish(LIMIT);
    assert_eq!(run.code, Some(130), "{run:#?}");
    assert!(
        run.stderr.contains("mpi-tutor: stopped by SIGINT"),
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
    let job = common::start(slow_ring(&path));
    std::thread::sleep(Duration::from_millis(1500));
    let ranks = job.pids_with("lesson ring --headless");
    assert!(ranks.len() >= 4, "ranks found: {ranks:?}");
    // SAFETY: kill takes plain integers and touches no memory of ours.
    unsafe { libc::kill(*ranks.last().unwrap(), libc::SIGKILL) };
    let run = job.finish(LIMIT);
    assert_ne!(run.code, Some(0), "{run:#?}");
    assert!(run.elapsed < Duration::from_secs(6), "{:?}", run.elapsed);
    // Rank 0 records the killed rank when it sees it go first (its
    // vigil), else the launcher's SIGTERM (Open MPI); otherwise
    // mpi-tutor's launcher seals the trace (MPICH kills every rank with
    // SIGKILL).
    let (outcome, detail) = last_outcome(&path);
    match outcome {
        Outcome::RankFailed => assert!(detail.contains(" was killed"), "{detail}"),
        other => assert_eq!(other, Outcome::Interrupted, "{detail}"),
    }
}
