//! The program's `MPI_Init`, `MPI_Finalize` and `MPI_Abort`: where the
//! tutor starts and ends inside the rank.

use std::os::raw::{c_char, c_int};

use mpi::ffi;
use mpi_tutor::probe::as_tutor;
use mpi_tutor::watch::rank;

use crate::{caller, recording, site, step};

pub unsafe extern "C" fn init(argc: *mut c_int, argv: *mut *mut *mut c_char) -> c_int {
    let at = caller();
    let mut provided = 0;
    // SAFETY: the program's arguments, passed on as given.
    unsafe {
        start(
            at,
            argc,
            argv,
            ffi::MPI_THREAD_SINGLE as c_int,
            &mut provided,
        )
    }
}

pub unsafe extern "C" fn init_thread(
    argc: *mut c_int,
    argv: *mut *mut *mut c_char,
    required: c_int,
    provided: *mut c_int,
) -> c_int {
    let at = caller();
    // SAFETY: the program's arguments, passed on as given.
    unsafe { start(at, argc, argv, required, provided) }
}

/// Starts MPI and the tutor. The job's own `MPI_Init_thread` (asking for
/// `MPI_THREAD_MULTIPLE`, which the tutor's threads need) comes back
/// through this hook as the tutor's and goes to MPI; the program hears
/// the level it asked for.
unsafe fn start(
    at: usize,
    argc: *mut c_int,
    argv: *mut *mut *mut c_char,
    required: c_int,
    provided: *mut c_int,
) -> c_int {
    if !recording() {
        // SAFETY: the program's (or the tutor's) arguments.
        return unsafe { ffi::PMPI_Init_thread(argc, argv, required, provided) };
    }
    crate::probe::mark_init_thread();
    let started = as_tutor(|| {
        std::panic::catch_unwind(|| rank::start(move || site(at)))
            .unwrap_or(Err("the start failed".into()))
    });
    match started {
        Ok(true) => {
            if !provided.is_null() {
                // SAFETY: the program's out argument.
                unsafe { *provided = required.min(ffi::MPI_THREAD_MULTIPLE as c_int) };
            }
            crate::SUCCESS
        }
        // SAFETY: the program's arguments, passed on as given.
        Ok(false) => unsafe { ffi::PMPI_Init_thread(argc, argv, required, provided) },
        Err(message) => {
            mpi_tutor::launcher::say_once(&message);
            // SAFETY: ends the process; nothing of the tutor's is running.
            unsafe { libc::_exit(2) }
        }
    }
}

pub unsafe extern "C" fn finalize() -> c_int {
    if !recording() {
        // SAFETY: the tutor's own finalize.
        return unsafe { ffi::PMPI_Finalize() };
    }
    if let Some((message, site)) = uncaught_exception() {
        // A Python rank whose program raised: it failed, as if it had
        // aborted, rather than leaving the others to wait for it.
        fail_and_wait(message, site);
        // SAFETY: rank 0 never heard of it: ends the job, as mpi4py's own
        // runner does.
        return unsafe { ffi::PMPI_Abort(ffi::RSMPI_COMM_WORLD, 1) };
    }
    let finished = as_tutor(|| std::panic::catch_unwind(rank::finish).ok().flatten());
    match finished {
        Some(0) => crate::SUCCESS,
        Some(code) => {
            // SAFETY: MPI is finalised; flushes the program's output and
            // ends the rank with the run's verdict.
            unsafe { libc::exit(code) }
        }
        // SAFETY: not a watched rank: the program's own finalize.
        None => unsafe { ffi::PMPI_Finalize() },
    }
}

pub unsafe extern "C" fn abort(comm: ffi::MPI_Comm, code: c_int) -> c_int {
    let at = caller();
    if recording() {
        // mpi4py's runner aborts on an uncaught exception: say which.
        let (message, site) = uncaught_exception().unwrap_or_else(|| {
            let message = format!("called MPI_Abort with error code {code}");
            (message, Some(site(at)))
        });
        // Rank 0 ends the job and says why; if it cannot hear, MPI does.
        fail_and_wait(message, site);
    }
    // SAFETY: the program's arguments, passed on as given.
    unsafe { ffi::PMPI_Abort(comm, code) }
}

/// The uncaught exception a Python rank's traceback printed, if any,
/// with the student's line it was raised at.
fn uncaught_exception() -> Option<(String, Option<mpi_tutor::trace::Site>)> {
    std::panic::catch_unwind(|| {
        // The traceback was printed just before: read it first.
        mpi_tutor::watch::output::drain();
        mpi_tutor::watch::traceback::uncaught()
    })
    .ok()
    .flatten()
}

/// How long a failing rank waits for rank 0 to have its failure before
/// it ends the job itself: only a rank 0 that no longer listens takes so
/// long. Not a race to win: the reporter and rank 0's collector run in the
/// idle class, and on a loaded machine a delivery took seconds.
const DELIVERY_BOUND: std::time::Duration = std::time::Duration::from_secs(30);

/// Reports this rank's failure and, once rank 0 has it, leaves the end of
/// the job to rank 0, which says why first (at once without a view, when
/// the class quits with one); returns only if rank 0 never had it.
///
/// Aborting from here, even seconds after the delivery, was a race: under
/// Open MPI the abort ends every rank at once, rank 0 included, and a
/// rank 0 whose threads had not yet had a core for the failure (the idle
/// class, on a loaded machine) ended without a word.
fn fail_and_wait(message: String, site: Option<mpi_tutor::trace::Site>) {
    let step_delivered = |r: &mut mpi_tutor::probe::Recorder| {
        r.fail(message, site);
        r.wait_delivered(DELIVERY_BOUND)
    };
    if step(step_delivered) == Some(true) {
        mpi_tutor::probe::wait_for_the_end();
    }
}
