//! The job's end: the one line that says why, when the ranks' own last
//! words cannot, and the job's exit code as this program's.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;

use super::job::JobStatus;
use crate::error::Error;
use crate::term::signals;
use crate::trace::Outcome;
use crate::view::words;

/// Says how the job ended: the signal that stopped us, the signal that
/// killed mpiexec, a rank killed without a word; else what the ranks
/// `said` (rank 0's last words, the guardian's, the relay's), which is
/// all there is when waiting for the `job` failed.
pub(super) fn say_how_it_ended(job: Option<&JobStatus>, said: &str) {
    let Some(job) = job else {
        eprint!("{said}");
        return;
    };
    let status = job.status;
    if let Some(signal) = job.signal {
        // The signal is why; what the ranks made of it follows from it.
        let why = words::stopped_by(&signals::signal_name(signal));
        eprintln!("mpi-tutor: {why}");
    } else if let Some(signal) = status.signal() {
        let why = words::launcher_killed(&signals::signal_name(signal));
        eprintln!("mpi-tutor: {why}");
    } else if let Some(code) = status.code().filter(|&c| said.is_empty() && killed(c)) {
        eprintln!("mpi-tutor: {}", words::ended_unexplained(code));
    } else {
        eprint!("{said}");
    }
}

impl JobStatus {
    /// A job whose ranks say a signal stopped them (rank 0's `stopped by
    /// SIGTERM`) was stopped by it, though it never reached us: Open MPI's
    /// mpiexec, itself signalled, passes SIGTERM on to the ranks but exits
    /// 1 whatever the signal, so the words are all that tells why.
    pub(super) fn or_stop_said(self, said: &str) -> JobStatus {
        if self.signal.is_some() || self.status.code().is_none() {
            return self;
        }
        let stops = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];
        let named = stops.into_iter().find(|&signal| {
            let why = words::stopped_by(&signals::signal_name(signal));
            said.trim_end() == format!("mpi-tutor: {why}")
        });
        JobStatus {
            signal: named,
            ..self
        }
    }
}

/// Whether mpiexec's exit code says a rank was killed by a signal
/// (hydra exits with the signal's number, Open MPI with 128 + it), as
/// opposed to a code a rank chose (mpi-tutor's own, a watched program's).
fn killed(code: i32) -> bool {
    let signal = if code > 128 { code - 128 } else { code };
    [libc::SIGKILL, libc::SIGSEGV, libc::SIGTERM, libc::SIGBUS].contains(&signal)
}

/// The job's exit code as this program's; a recording is sealed if rank 0
/// could not seal it itself.
pub(super) fn job_ended(job: JobStatus, record: Option<&Path>) -> Result<(), Error> {
    let status = job.status;
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    // Stopped by a signal: that is why, whatever mpiexec made of it.
    let code = job.signal.map_or(code, |signal| 128 + signal);
    if let Some(path) = record {
        // Rank 0 writes the last record itself unless the job was
        // killed under it (a rank killed, mpiexec killed).
        let detail = format!("the job was ended from outside (mpiexec exit code {code})");
        let _ = crate::trace::seal(path, Outcome::Interrupted, &detail);
    }
    crate::error::exited(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::ExitStatus;

    /// mpiexec exited 1 (Open MPI's code whatever signal it was sent).
    fn exited_1() -> JobStatus {
        JobStatus {
            status: ExitStatus::from_raw(1 << 8),
            signal: None,
        }
    }

    #[test]
    fn a_job_its_ranks_say_a_signal_stopped_was_stopped_by_it() {
        let job = exited_1().or_stop_said("mpi-tutor: stopped by SIGTERM\n");
        assert_eq!(job.signal, Some(libc::SIGTERM));
        let job = exited_1().or_stop_said("mpi-tutor: rank 2 was killed (SIGKILL)\n");
        assert_eq!(job.signal, None, "a rank's end is no stop");
        let killed = JobStatus {
            status: ExitStatus::from_raw(libc::SIGHUP),
            signal: None,
        };
        let job = killed.or_stop_said("mpi-tutor: stopped by SIGTERM\n");
        assert_eq!(job.signal, None, "mpiexec killed by a signal says so");
    }
}
