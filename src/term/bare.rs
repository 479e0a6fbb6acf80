//! A bare `mpiexec` typed in a terminal ends a failed job with a report of
//! its own (MPICH's "BAD TERMINATION" block, Open MPI's "mpiexec noticed
//! that process rank 2 ... exited on signal 9") once every rank has ended,
//! just before it exits. The run's one-line reason must come after it, to
//! be the last line the user reads: without a launcher of ours to say it,
//! the guardian waits for that mpiexec to end and then speaks on its
//! terminal. Meanwhile it holds none of the job's output pipes: mpiexec
//! waits for their end before it reports.

use std::fs::OpenOptions;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::time::Duration;

use super::guardian::LAST_WORDS_ENV;

/// How long a launcher may take to report and exit once rank 0 has ended.
pub const REPORT_GRACE: Duration = Duration::from_secs(5);

/// The mpiexec typed in a terminal: its pid, and its terminal open for
/// writing.
pub struct BareLauncher {
    pub pid: i32,
    pub terminal: OwnedFd,
}

impl BareLauncher {
    /// The bare mpiexec of this run; None under a launcher of ours (it
    /// says the last words itself) or when mpiexec writes to no terminal.
    pub fn find() -> Option<BareLauncher> {
        if std::env::var_os(LAST_WORDS_ENV).is_some() {
            return None;
        }
        let (pid, path) = super::screen::bare_launcher()?;
        let terminal = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NOCTTY | libc::O_CLOEXEC)
            .open(path)
            .ok()?;
        Some(BareLauncher {
            pid: pid as i32,
            terminal: terminal.into(),
        })
    }

    /// The pid and the raw fd of the terminal, for the forked guardian.
    pub fn parts(&self) -> (i32, RawFd) {
        (self.pid, self.terminal.as_raw_fd())
    }
}

/// Runs `say` once mpiexec (`pid`) has written all it will: held at its
/// exit (ptrace's exit event, before its shell can reap it and print the
/// prompt), `say` runs, then mpiexec is let go. Where tracing is not
/// allowed (Yama's ptrace_scope), or mpiexec is gone, or it takes longer
/// than [`REPORT_GRACE`], `say` runs at once: before mpiexec's report, but
/// never after the prompt.
pub fn say_after_exit(pid: i32, say: impl FnOnce()) {
    match Held::seize(pid) {
        Some(held) => held.say_at_exit(say),
        None => say(),
    }
}

/// A bare mpiexec traced so that its exit can be held: seized before the
/// job's end begins (rank 0's abort makes mpiexec exit at once, and a
/// seize that comes after it finds nothing to hold), let go when dropped.
pub struct Held {
    pid: i32,
    /// Stopped at its exit, or gone: nothing more to pass on.
    at_exit: std::cell::Cell<bool>,
}

impl Held {
    /// Traces `pid` for its exit; None where tracing is not allowed or it
    /// is gone.
    pub fn seize(pid: i32) -> Option<Held> {
        // SAFETY: tracing a process of our user; it is let go on drop, or
        // when this process ends.
        let seized = unsafe {
            libc::ptrace(
                libc::PTRACE_SEIZE,
                pid,
                0,
                libc::PTRACE_O_TRACEEXIT as libc::c_ulong,
            )
        } == 0;
        seized.then(|| Held {
            pid,
            at_exit: std::cell::Cell::new(false),
        })
    }

    /// Passes on the signals mpiexec stopped for, so that it runs on as if
    /// untraced; true once it is held at its exit (or gone).
    pub fn pass_on(&self) -> bool {
        while !self.at_exit.get() {
            match next_stop(self.pid) {
                Stop::None => return false,
                Stop::Other(signal) => {
                    // SAFETY: resuming our tracee with the signal it got.
                    unsafe {
                        libc::ptrace(libc::PTRACE_CONT, self.pid, 0, signal as libc::c_ulong)
                    };
                }
                Stop::Exit | Stop::Gone => self.at_exit.set(true),
            }
        }
        true
    }

    /// Runs `say` once mpiexec is held at its exit, or [`REPORT_GRACE`]
    /// from now, then lets it go.
    pub fn say_at_exit(self, say: impl FnOnce()) {
        let deadline = std::time::Instant::now() + REPORT_GRACE;
        while !self.pass_on() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        say();
    }
}

/// How long rank 0 waits for its guardian to hold a bare mpiexec before
/// it ends the job.
pub const HOLD_BOUND: Duration = Duration::from_secs(1);

/// Waits until process `pid` is traced (the guardian holds it), it is
/// gone, or [`HOLD_BOUND`] has passed: rank 0's end makes a bare mpiexec
/// exit at once, before a guardian that is slow to run could hold it.
pub fn wait_until_held(pid: i32) {
    if !tracing_allowed() {
        return;
    }
    let deadline = std::time::Instant::now() + HOLD_BOUND;
    while std::time::Instant::now() < deadline {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"));
        let traced = status.as_deref().map(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("TracerPid:"))
                .is_some_and(|t| t.trim() != "0")
        });
        if traced.unwrap_or(true) {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Whether this process may trace a process of its user that is not its
/// descendant (the guardian and mpiexec): Yama's `ptrace_scope` (absent:
/// 0) allows it at 0, and at 1 or 2 only with `CAP_SYS_PTRACE`; 3 never.
/// Where it is refused, no guardian will ever hold mpiexec: rank 0 does not
/// wait a second for it.
fn tracing_allowed() -> bool {
    let scope = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .unwrap_or(0);
    match scope {
        0 => true,
        1 | 2 => has_capability(CAP_SYS_PTRACE),
        _ => false,
    }
}

/// `CAP_SYS_PTRACE`'s bit in the capability sets (linux/capability.h).
const CAP_SYS_PTRACE: u32 = 19;

/// Whether capability `bit` is in this process's effective set.
fn has_capability(bit: u32) -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|set| set & (1 << bit) != 0)
}

impl Drop for Held {
    fn drop(&mut self) {
        // SAFETY: letting our tracee go (it fails harmlessly if it is gone).
        unsafe { libc::ptrace(libc::PTRACE_DETACH, self.pid, 0, 0) };
    }
}

enum Stop {
    None,
    /// Stopped for another reason: the signal to pass on (0 for none).
    Other(libc::c_int),
    Exit,
    Gone,
}

fn next_stop(pid: i32) -> Stop {
    let mut status = 0;
    // SAFETY: waitpid on our tracee, not blocking.
    let found = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG | libc::__WALL) };
    if found == 0 {
        return Stop::None;
    }
    if found != pid || !libc::WIFSTOPPED(status) {
        return Stop::Gone;
    }
    match status >> 16 {
        libc::PTRACE_EVENT_EXIT => Stop::Exit,
        0 => Stop::Other(libc::WSTOPSIG(status)),
        _ => Stop::Other(0),
    }
}
