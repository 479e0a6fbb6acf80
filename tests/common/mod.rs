//! Running the real mpi-tutor under the real mpiexec, as a user would, with
//! a time limit and a check that nothing is left running afterwards.
#![allow(dead_code)]

pub mod tmux;

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

pub fn run(mut cmd: Command, limit: Duration) -> Run {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn().expect("cannot start the command");
    let pgid = child.id() as i32;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if start.elapsed() > limit {
            // SAFETY: killing the process group we created.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = start.elapsed();
    // A job that left processes behind is a failure of its own.
    let leftovers = wait_group_gone(pgid, Duration::from_secs(3));
    assert!(
        leftovers.is_empty(),
        "processes left running: {leftovers:?}"
    );
    Run {
        code,
        stdout: reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
        elapsed,
    }
}

/// Processes of group `pgid` still alive after `grace`.
pub fn wait_group_gone(pgid: i32, grace: Duration) -> Vec<String> {
    let start = Instant::now();
    loop {
        let left = group_members(pgid);
        if left.is_empty() || start.elapsed() > grace {
            if !left.is_empty() {
                unsafe { libc::kill(-pgid, libc::SIGKILL) };
            }
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn group_members(pgid: i32) -> Vec<String> {
    let mut v = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        // fields[0] = state, fields[2] = pgrp
        if fields.get(2).and_then(|g| g.parse::<i32>().ok()) == Some(pgid) && fields[0] != "Z" {
            v.push(format!("{pid} {}", &stat[..close + 1]));
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
