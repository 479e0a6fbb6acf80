//! `--record` as a user gives it: a path that cannot take a recording is
//! refused in one line before any rank starts, and a disk that fills up
//! mid-run ends the recording, not the run, leaving a file that replays.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(60);

/// `mpi-tutor lesson send-recv --headless --record PATH`, self-launched.
fn record_to(path: &str) -> common::Run {
    let args = ["lesson", "send-recv", "--headless", "--record", path];
    common::alone(&args, LIMIT)
}

/// Refused with exit 2 and one line naming the path, before mpiexec: no
/// lesson output, and fast.
fn assert_refused(run: &common::Run, path: &str, why: &str) {
    assert_eq!(run.code, Some(2), "{run:#?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines,
        [format!("mpi-tutor: cannot record to {path}: {why}")],
        "{run:#?}"
    );
    assert!(run.stdout.is_empty(), "no lesson ran: {run:#?}");
    assert!(run.elapsed < Duration::from_secs(5), "{run:#?}");
}

#[test]
fn a_device_a_pipe_or_a_directory_is_refused_before_the_lesson() {
    let run = record_to("/dev/full");
    assert_refused(
        &run,
        "/dev/full",
        "it is a character device, not a regular file",
    );
    // Standard output is a pipe here (a terminal is a character device):
    // never read back, never waited on.
    let run = record_to("/dev/stdout");
    assert_refused(&run, "/dev/stdout", "it is a pipe, not a regular file");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let fifo = fifo.to_str().unwrap();
    assert_refused(&record_to(fifo), fifo, "it is a pipe, not a regular file");
    let dir = dir.path().to_str().unwrap();
    assert_refused(
        &record_to(dir),
        dir,
        "it is a directory, not a regular file",
    );
}

#[test]
fn an_unwritable_path_is_refused_before_the_lesson() {
    // Even root may not create files in /sys.
    let run = record_to("/sys/lesson.jsonl");
    assert_refused(&run, "/sys/lesson.jsonl", "Permission denied (os error 13)");
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir/t.jsonl");
    let missing = missing.to_str().unwrap();
    let run = record_to(missing);
    assert_refused(&run, missing, "No such file or directory (os error 2)");
}

#[test]
fn a_regular_file_is_recorded_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    std::fs::write(&path, "old").unwrap();
    record_to(path.to_str().unwrap()).assert_ok();
    let trace = common::read(&path);
    assert!(!trace.truncated);
    assert_eq!(trace.header.lesson, "send-recv");
}

/// The process that has `path` open for writing: rank 0.
fn writer_of(job: &common::Running, path: &Path) -> Option<i32> {
    job.pids_with("mpi-tutor").into_iter().find(|pid| {
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd"));
        fds.into_iter()
            .flatten()
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|p| p == path))
    })
}

/// From now on the file of process `pid` may not grow past `bytes`: every
/// write beyond fails as on a full disk (`prlimit --fsize`). Set on rank 0
/// alone, once MPI is up: MPI sizes its own shared-memory files at start.
fn limit_file_size(pid: i32, bytes: u64) {
    let limit = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: prlimit reads `limit` from this stack and writes nothing
    // (the old-limit pointer is null).
    let set = unsafe { libc::prlimit(pid, libc::RLIMIT_FSIZE, &limit, std::ptr::null_mut()) };
    assert_eq!(set, 0, "{}", std::io::Error::last_os_error());
}

/// Starts a paced ring recording to `path`, and once rank 0 has written
/// some of it, lets the file grow only a few more kilobytes.
fn ring_filling_the_disk(path: &Path) -> common::Running {
    let mut cmd = Command::new(common::bin());
    cmd.args(["lesson", "ring", "--headless", "--iterations", "100"])
        .args(["--speed", "200", "--record"])
        .arg(path);
    let job = common::start(cmd);
    let started = Instant::now();
    loop {
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        if size > 2_000 {
            if let Some(rank0) = writer_of(&job, path) {
                limit_file_size(rank0, size + 4_000);
                return job;
            }
        }
        assert!(started.elapsed() < LIMIT, "rank 0 never wrote");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_full_disk_mid_run_stops_the_recording_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ring.jsonl");
    let run = ring_filling_the_disk(&path).finish(LIMIT);
    run.assert_ok();
    assert!(run.stdout.contains("checks: 4 passed"), "{run:#?}");
    let said: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("recording"))
        .collect();
    let expected = format!(
        "mpi-tutor: recording to {} stopped: File too large (os error 27); ",
        path.display()
    );
    assert_eq!(said.len(), 1, "{run:#?}");
    assert!(said[0].starts_with(&expected), "{run:#?}");
    assert!(said[0].ends_with("the run goes on"), "{run:#?}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with('\n'), "no line is left cut");
    let trace = common::read(&path);
    assert!(!trace.truncated && trace.events.len() > 10);
    let replay = common::alone(&["replay", "--headless", path.to_str().unwrap()], LIMIT);
    replay.assert_ok();
    assert!(replay.stdout.contains("ring"), "{replay:#?}");
}

/// In a terminal, standard output is the terminal: refused at once, the
/// shell back without a key pressed.
#[test]
fn standard_output_in_a_terminal_is_refused_and_nothing_waits() {
    let dir = tempfile::tempdir().unwrap();
    let after = dir.path().join("after.txt");
    let script = format!(
        "{bin} lesson send-recv --record /dev/stdout; echo EXIT=$? > {after}; \
         echo SHELL-BACK; sleep 60",
        bin = common::bin(),
        after = after.display(),
    );
    let term = common::tmux::Tmux::start("record-stdout", 100, 20, &script);
    let s = term.wait_for("the shell back", Duration::from_secs(10), |s| {
        s.contains("SHELL-BACK")
    });
    assert!(
        s.contains(
            "mpi-tutor: cannot record to /dev/stdout: it is a character device, not a regular file"
        ),
        "{s}"
    );
    let after = std::fs::read_to_string(&after).unwrap();
    assert_eq!(after.trim(), "EXIT=2");
}

/// Under the user's own mpiexec every rank checks the path before MPI
/// starts; one line is said, by rank 0, and the job exits 2.
#[test]
fn under_mpiexec_a_bad_path_is_refused_by_every_rank_in_one_line() {
    let args = ["lesson", "send-recv", "--headless", "--record"];
    for (path, why) in [
        ("/sys/lesson.jsonl", "Permission denied (os error 13)"),
        ("/dev/full", "it is a character device, not a regular file"),
    ] {
        let run = common::mpi(3, &[&args[..], &[path]].concat(), LIMIT);
        assert_eq!(run.code, Some(2), "{run:#?}");
        let said = format!("mpi-tutor: cannot record to {path}: {why}");
        assert_eq!(run.stderr.lines().collect::<Vec<_>>(), [said], "{run:#?}");
    }
}
