//! Running the job: mpiexec started so that it dies with us, waited for,
//! stopped on a signal or once it outlives its last words, and the
//! terminal put back.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

use super::ending::say_how_it_ended;
use super::environment::{pass_to_other_hosts, FOR_EVERY_HOST};
use super::handing::Handing;
use super::stop::stop_job;
use crate::term::guardian::LAST_WORDS_ENV;
use crate::term::keeper::Keeper;
use crate::term::last_words::LastWords;
use crate::term::{signals, tty, vigil};

/// How long the job has to end once rank 0 has said its last words
/// (measured: under a second, unless a host is unreachable).
const END_BOUND: Duration = Duration::from_secs(10);

/// How often the launcher looks for a signal or rank 0's last words.
const LOOK_EVERY: Duration = Duration::from_millis(10);

/// How the job ended: mpiexec's status, and the signal that stopped us.
pub(super) struct JobStatus {
    pub status: ExitStatus,
    pub signal: Option<i32>,
}

/// Runs the job to its end and puts `terminal` back as it was, however the
/// job ended; the run's last words (rank 0's or the guardian's) are said
/// last. A signal to us ends mpiexec and every rank (see [`stop_job`]).
pub(super) fn run_keeping_terminal(
    cmd: &mut Command,
    mut handing: Handing,
) -> std::io::Result<JobStatus> {
    let saved = handing.prepare(cmd);
    let mut last_words = LastWords::create();
    if let Some(words) = &last_words {
        cmd.env(LAST_WORDS_ENV, words.path());
    }
    pass_to_other_hosts(cmd, &FOR_EVERY_HOST);
    signals::install();
    let mut child = match spawn_dying_with_us(cmd) {
        Ok(child) => child,
        Err(e) => {
            handing.give_back();
            return Err(e);
        }
    };
    // After mpiexec's start, which it would delay: rank 0 reaches for it
    // only once MPI has started (and forks a guardian if it cannot).
    let keeper = last_words.as_ref().and_then(|w| Keeper::listen(w.path()));
    let relayed = match handing {
        Handing::Relay(front) => Some(front.start(&mut child)?),
        _ => None,
    };
    // Rank 0 may have taken the terminal's foreground (Open MPI) and be
    // gone: putting the settings back from the background must not stop
    // us (we were seen stopped so under `timeout`).
    // SAFETY: ignoring a signal, in this process only (mpiexec is started).
    unsafe { libc::signal(libc::SIGTTOU, libc::SIG_IGN) };
    let result = wait_or_stop(&mut child, last_words.as_mut());
    if let Some(keeper) = keeper {
        keeper.finish();
    }
    if let Some(saved) = saved.filter(tty::Saved::changed) {
        saved.restore();
    }
    let relayed_words = relayed.map(|r| r.finish()).unwrap_or_default();
    let said = last_words.map(|words| words.collect()).unwrap_or_default() + &relayed_words;
    let result = result.map(|job| job.or_stop_said(&said));
    say_how_it_ended(result.as_ref().ok(), &said);
    result
}

/// Starts `cmd` told to end when we do: if we die (even by SIGKILL),
/// mpiexec is sent SIGTERM and ends the job.
fn spawn_dying_with_us(cmd: &mut Command) -> std::io::Result<Child> {
    // SAFETY: prctl in the child before exec, touching nothing else.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    cmd.spawn()
}

/// Waits for mpiexec; on a signal, ends the job and says so. A job whose
/// last words have been said but that does not end (mpiexec waiting for a
/// host it cannot reach) is ended after [`END_BOUND`], failed.
fn wait_or_stop(
    child: &mut Child,
    mut last_words: Option<&mut LastWords>,
) -> std::io::Result<JobStatus> {
    let ended = vigil::pidfd(child.id() as i32);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(JobStatus {
                status,
                signal: None,
            });
        }
        let said = last_words.as_mut().and_then(|words| words.said_since());
        if said.is_some_and(|since| since > END_BOUND) {
            stop_job(child, libc::SIGTERM)?;
            return Ok(JobStatus {
                status: ExitStatus::from_raw(1 << 8),
                signal: None,
            });
        }
        if let Some(signal) = signals::caught() {
            let status = stop_job(child, signal)?;
            return Ok(JobStatus {
                status,
                signal: Some(signal),
            });
        }
        wait_a_moment(ended.as_ref());
    }
}

/// Waits [`LOOK_EVERY`], or less if mpiexec ends or a signal comes: a
/// job's end is noticed at once (a sleep would add half a look on
/// average to every run).
fn wait_a_moment(mpiexec: Option<&OwnedFd>) {
    match mpiexec {
        Some(fd) => {
            vigil::wait_for_end_or_signal(fd.as_raw_fd(), LOOK_EVERY);
        }
        None => std::thread::sleep(LOOK_EVERY),
    }
}
