//! What happens when something panics. A Rust panic that unwinds in one
//! rank hangs the whole job (unwinding runs MPI_Finalize, which waits for
//! ranks that never come; "Failure behaviour" in
//! docs/mpi-and-terminal-facts.md), so no panic may unwind: the hook
//! reports the failure to rank 0, which ends the job and says which rank
//! failed and where; if rank 0 cannot (or is the one failing) the hook ends
//! the job itself with MPI_Abort after printing one line.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use mpi::traits::*;

use super::recorder::FailureReporter;
use crate::trace::Site;

static REPORT: OnceLock<Mutex<Option<FailureReporter>>> = OnceLock::new();
type Callback = Box<dyn Fn() + Send + Sync>;
static ON_FATAL: OnceLock<Mutex<Vec<Callback>>> = OnceLock::new();

/// Registers something to do before the job is aborted from here (rank 0's
/// app puts the terminal back this way).
pub fn on_fatal(f: impl Fn() + Send + Sync + 'static) {
    ON_FATAL
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Box::new(f));
}

pub(super) fn run_fatal_callbacks() {
    if let Some(list) = ON_FATAL.get() {
        for f in list.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            f();
        }
    }
}

/// From now on a panic on the lesson thread is reported through `reporter`.
pub(super) fn set_reporter(reporter: FailureReporter) {
    *REPORT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Some(reporter);
}

pub(super) fn install_hook(rank: u32) {
    std::panic::set_hook(Box::new(move |info| {
        let message = match info.payload().downcast_ref::<&str>() {
            Some(s) => s.to_string(),
            None => match info.payload().downcast_ref::<String>() {
                Some(s) => s.clone(),
                None => "panic".to_string(),
            },
        };
        let site = info.location().map(|l| Site {
            file: super::site::lesson_path(l.file()).to_owned().into(),
            line: l.line(),
        });
        let lesson_thread = std::thread::current().name() == Some("main");
        if lesson_thread && report_to_rank0(&message, site.clone()) {
            // Rank 0 ends the job and says what happened; wait for it.
            wait_for_the_end();
        }
        let at = site.map(|s| format!(" at {s}")).unwrap_or_default();
        // The terminal first, so the one line lands on a normal screen.
        run_fatal_callbacks();
        eprintln!("mpi-tutor: rank {rank} failed{at}: {message}");
        abort_job(1);
    }));
}

/// Keeps a failed rank that has reported its failure alive until rank 0
/// ends the job: at once without a view, when the class quits with one.
/// Its exit would not wait so long: the launcher ends the whole job when
/// one rank dies (docs/mpi-and-terminal-facts.md, "When a rank fails"),
/// and rank 0's view, with every other rank where it was, with it.
pub fn wait_for_the_end() -> ! {
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Reports a failure of this rank to rank 0 (a watched program's crash);
/// false if nothing can carry it there.
pub fn report_failure(message: &str, site: Option<Site>) -> bool {
    report_to_rank0(message, site)
}

fn report_to_rank0(message: &str, site: Option<Site>) -> bool {
    let Some(slot) = REPORT.get() else {
        return false;
    };
    let guard = slot.lock().unwrap_or_else(|e| e.into_inner());
    let Some(reporter) = guard.as_ref() else {
        return false;
    };
    reporter.report(message, site);
    true
}

/// Ends every rank of the job now with `code` as mpiexec's exit code, after
/// the registered clean-ups (the terminal) have run. The caller has already
/// said why in one line, so MPI's own "application called MPI_Abort" banner
/// would only repeat it: this process's stderr is closed first.
pub fn abort_job(code: i32) -> ! {
    run_fatal_callbacks();
    let _ = std::io::Write::flush(&mut std::io::stdout());
    wait_output_forwarded(OUTPUT_GRACE);
    // SAFETY: pointing fd 2 at /dev/null; nothing else is written after this.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        if null >= 0 {
            libc::dup2(null, libc::STDERR_FILENO);
        }
    }
    // MPI_Abort itself can hang when a host is unreachable (the launcher
    // waits for a daemon it cannot reach): this process ends regardless.
    let _ = std::thread::Builder::new().spawn(move || {
        std::thread::sleep(ABORT_BOUND);
        // SAFETY: ending the process; MPI is stuck in the abort.
        unsafe { libc::_exit(code) }
    });
    mpi::topology::SimpleCommunicator::world().abort(code)
}

/// How long MPI_Abort may take before the process ends by itself
/// (measured: ~0.5 s under MPICH, ~0.7 s under Open MPI on one host).
const ABORT_BOUND: std::time::Duration = std::time::Duration::from_secs(5);

/// Further fds whose output mpiexec must take before an abort: where a
/// watched program's rank 0 writes its log (its fds 1 and 2 are the
/// program's captured output).
static ALSO_FORWARDED: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// An abort waits, as for stdout and stderr, until mpiexec has read what
/// was written to `fds`.
pub fn also_forward(fds: &[i32]) {
    ALSO_FORWARDED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .extend_from_slice(fds);
}

/// How long an aborting rank waits for mpiexec to take its last lines.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// Waits (at most `limit`) until mpiexec has read everything this process
/// wrote to its stdout and stderr pipes. MPICH's mpiexec does not drain the
/// pipes once MPI_Abort kills the job: under load the last lines (the very
/// ones saying why the job ends) were lost without this.
fn wait_output_forwarded(limit: Duration) {
    let start = Instant::now();
    let unread = |fd: i32| -> libc::c_int {
        // SAFETY: fstat and ioctl(FIONREAD) on our own standard fds, into locals.
        unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            if libc::fstat(fd, &mut st) != 0 || st.st_mode & libc::S_IFMT != libc::S_IFIFO {
                return 0; // a terminal or a file: nothing to forward
            }
            let mut n: libc::c_int = 0;
            if libc::ioctl(fd, libc::FIONREAD, &mut n) != 0 {
                return 0;
            }
            n
        }
    };
    let mut fds = vec![libc::STDOUT_FILENO, libc::STDERR_FILENO];
    fds.extend(
        ALSO_FORWARDED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter(),
    );
    while fds.iter().map(|&fd| unread(fd)).sum::<libc::c_int>() > 0 && start.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The lesson is over: later failures are reported by the hook itself, and
/// the reporter's channel can close.
pub(super) fn clear_reporter() {
    if let Some(slot) = REPORT.get() {
        slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}
