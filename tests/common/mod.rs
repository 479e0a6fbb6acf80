//! Running the real mpi-tutor under the real mpiexec, as a user would, with
//! a time limit and a check that nothing is left running afterwards.
#![allow(dead_code)]

pub mod hosts;
pub mod scene;
pub mod tmux;
pub mod twin;
pub mod watch;

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_mpi-tutor")
}

/// `MPIEXEC` picks another MPI's launcher (`make test MPI=openmpi`).
pub fn mpiexec() -> String {
    std::env::var("MPIEXEC").unwrap_or_else(|_| "mpiexec".to_string())
}

#[derive(Debug)]
pub struct Run {
    /// None when it had to be killed at the time limit.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn assert_ok(&self) {
        assert_eq!(self.code, Some(0), "run failed:\n{self:#?}");
    }
}

/// `mpiexec -n N mpi-tutor ARGS...`
pub fn mpi(n: u32, args: &[&str], limit: Duration) -> Run {
    let mut cmd = Command::new(mpiexec());
    cmd.arg("-n").arg(n.to_string()).arg(bin()).args(args);
    run(cmd, limit)
}

/// `mpi-tutor ARGS...` without mpiexec.
pub fn alone(args: &[&str], limit: Duration) -> Run {
    let mut cmd = Command::new(bin());
    cmd.args(args);
    run(cmd, limit)
}

pub fn run(cmd: Command, limit: Duration) -> Run {
    start(cmd).finish(limit)
}

/// A job started in a process group of its own, so a test can act on it
/// (signal mpiexec, kill a rank) before collecting how it ended.
pub struct Running {
    child: std::process::Child,
    pub pgid: i32,
    /// Every process of the job inherits this in its environment (MPI ranks
    /// run in sessions of their own, so a process group does not find them).
    tag: String,
    started: Instant,
    out: std::thread::JoinHandle<String>,
    err: std::thread::JoinHandle<String>,
}

pub fn start(mut cmd: Command) -> Running {
    static JOBS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = JOBS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let tag = format!("{}-{n}", std::process::id());
    cmd.env(TAG_VAR, &tag);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let started = Instant::now();
    let mut child = cmd.spawn().expect("cannot start the command");
    let pgid = child.id() as i32;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    Running {
        child,
        pgid,
        tag,
        started,
        out,
        err,
    }
}

impl Running {
    /// Pids of this job's processes whose command line contains `needle`
    /// (not the terminal's guardian, which has rank 0's command line).
    pub fn pids_with(&self, needle: &str) -> Vec<i32> {
        tagged(&self.tag)
            .into_iter()
            .filter(|(_, cmdline)| cmdline.contains(needle))
            .filter(|(pid, _)| {
                let comm = std::fs::read_to_string(format!("/proc/{pid}/comm"));
                comm.map_or(true, |c| c.trim() != "mpi-tutor-guard")
            })
            .map(|(pid, _)| pid)
            .collect()
    }

    /// Waits for the job to end (killing it at `limit`) and checks that
    /// nothing of it is left running.
    pub fn finish(mut self, limit: Duration) -> Run {
        let code = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code();
            }
            if self.started.elapsed() > limit {
                // SAFETY: killing the process group we created.
                unsafe { libc::kill(-self.pgid, libc::SIGKILL) };
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let elapsed = self.started.elapsed();
        // A job that left processes behind is a failure of its own.
        let leftovers = wait_gone(&self.tag, Duration::from_secs(3));
        assert!(
            leftovers.is_empty(),
            "processes left running: {leftovers:?}"
        );
        Run {
            code,
            stdout: self.out.join().unwrap(),
            stderr: self.err.join().unwrap(),
            elapsed,
        }
    }
}

const TAG_VAR: &str = "MPI_TUTOR_TEST_JOB";

/// Processes of the job tagged `tag` still alive after `grace` (then
/// killed, so one failing test does not leave a mess for the others).
pub fn wait_gone(tag: &str, grace: Duration) -> Vec<String> {
    let start = Instant::now();
    loop {
        let left = tagged(tag);
        if left.is_empty() || start.elapsed() > grace {
            for (pid, _) in &left {
                // SAFETY: kill takes plain integers and touches no memory of ours.
                unsafe { libc::kill(*pid, libc::SIGKILL) };
            }
            return left
                .into_iter()
                .map(|(pid, c)| format!("{pid} {c}"))
                .collect();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// (pid, command line) of the live processes whose environment carries `tag`.
fn tagged(tag: &str) -> Vec<(i32, String)> {
    let want = format!("{TAG_VAR}={tag}");
    let mut v = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        if !env.split(|&b| b == 0).any(|kv| kv == want.as_bytes()) {
            continue;
        }
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let zombie = stat
            .rfind(')')
            .is_some_and(|i| stat[i + 2..].starts_with('Z'));
        if !zombie {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            v.push((pid, String::from_utf8_lossy(&cmdline).replace('\0', " ")));
        }
    }
    v
}

/// A fresh path for a trace file.
pub fn temp_trace(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

pub fn read(path: &Path) -> mpi_tutor::trace::Trace {
    mpi_tutor::trace::read_trace(path).expect("a readable trace")
}

/// A message of `size` (`800 B`) is drawn delivered: its arrow's label
/// carries the values it took between the size and the word.
pub fn delivered(screen: &str, size: &str) -> bool {
    screen
        .lines()
        .any(|l| l.contains(size) && l.contains(" delivered"))
}
