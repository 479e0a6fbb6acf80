//! Simulated hosts for tests (scripts/simhosts): hosts h0..h(N-1) in one
//! sandbox, a command run on the teacher's host h0 with `mpiexec` set to
//! launch through the stand-in ssh. Where the machine cannot make the
//! namespaces, the harness exits 77 and says why; the tests then skip,
//! printing that line.
#![allow(dead_code)]

use std::process::Command;
use std::time::Duration;

use super::{start, Run};

/// The harness, in this repository.
pub const SIMHOSTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/simhosts");

/// The exit code and the start of the line by which the harness says the
/// hosts could not be built.
const CANNOT_EXIT: i32 = 77;
const CANNOT_LINE: &str = "simhosts: cannot";

/// How the simulated hosts are laid out.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Hosts h0..h(count-1).
    pub count: u32,
    /// The host the command runs on (the teacher's), h0 unless set.
    pub teacher: String,
    /// Hosts with a /dev/pts of their own (`others`: all but the teacher's).
    pub own_pts: Option<String>,
}

impl Layout {
    pub fn hosts(count: u32) -> Layout {
        Layout {
            count,
            teacher: "h0".to_string(),
            own_pts: None,
        }
    }

    /// The harness's arguments, up to and with `--`.
    pub fn args(&self) -> Vec<String> {
        let mut v = vec![
            "--hosts".to_string(),
            self.count.to_string(),
            "--teacher".to_string(),
            self.teacher.clone(),
        ];
        if let Some(list) = &self.own_pts {
            v.extend(["--own-pts".to_string(), list.clone()]);
        }
        v.push("--".to_string());
        v
    }

    /// The harness running `script` with `sh -c` on the teacher's host.
    pub fn command(&self, script: &str) -> Command {
        let mut cmd = Command::new(SIMHOSTS);
        cmd.args(self.args()).args(["sh", "-c", script]);
        cmd
    }

    /// A shell line that runs `script` on the teacher's host (for tmux).
    pub fn shell_line(&self, script: &str) -> String {
        let quoted = script.replace('\'', r"'\''");
        format!("{SIMHOSTS} {} sh -c '{quoted}'", self.args().join(" "))
    }

    /// Runs `script` on the teacher's host, killing the whole sandbox at
    /// `limit`; None (having said why) where hosts cannot be simulated.
    pub fn run(&self, script: &str, limit: Duration) -> Option<Run> {
        let run = start(self.command(script)).finish(limit);
        if skipped(&run) {
            return None;
        }
        Some(run)
    }
}

/// Whether the harness said it cannot build hosts here; if so, says so.
fn skipped(run: &Run) -> bool {
    let line = run.stderr.lines().find(|l| l.starts_with(CANNOT_LINE));
    match (run.code, line) {
        (Some(CANNOT_EXIT), Some(line)) => {
            eprintln!("skipped: {line}");
            true
        }
        _ => false,
    }
}

/// Whether hosts can be simulated on this machine (said once if not), for
/// tests that drive the harness some other way (tmux).
pub fn available() -> bool {
    Layout::hosts(1)
        .run("true", Duration::from_secs(30))
        .is_some()
}

/// Whether the MPI under test (`MPIEXEC`) is Open MPI, whose host flag is
/// `--host` where MPICH's is `-hosts`.
pub fn open_mpi() -> bool {
    let out = Command::new(super::mpiexec()).arg("--version").output();
    let said = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    said.is_ok_and(|s| s.contains("OpenRTE") || s.contains("Open MPI"))
}

/// The launcher's own flag that places ranks on `hosts` (`h1:2,h2:2`).
pub fn host_flag(hosts: &str) -> String {
    let flag = if open_mpi() { "--host" } else { "-hosts" };
    format!("{flag} {hosts}")
}
