//! Stopping the job: the signal passed to mpiexec, then whatever of the
//! job is left killed.

use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// How long the job has to end after a signal before it is killed.
const SIGNAL_GRACE: Duration = Duration::from_secs(1);

/// Passes `signal` on to mpiexec, which ends its ranks (rank 0 first puts
/// the terminal back); what is left after a moment is killed.
pub(super) fn stop_job(child: &mut Child, signal: i32) -> std::io::Result<ExitStatus> {
    let job = descendants(child.id());
    // SAFETY: signalling the child we started.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    let deadline = Instant::now() + SIGNAL_GRACE;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            kill_all(&job);
            return Ok(status);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    kill_all(&descendants(child.id()));
    kill_all(&job);
    let _ = child.kill();
    child.wait()
}

fn kill_all(pids: &[i32]) {
    for &pid in pids {
        // SAFETY: signalling a process of the job we started.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

/// Every process under `root`, found through /proc.
fn descendants(root: u32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let parents: Vec<(i32, i32)> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| Some((pid, crate::term::vigil::parent_of(pid)?)))
        .collect();
    let mut found = vec![root as i32];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parents.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    found.remove(0);
    found
}
