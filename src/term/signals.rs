//! SIGINT, SIGTERM and SIGHUP to rank 0 (mpiexec interrupted or killed, the
//! terminal closed) become a flag the app loop checks, so it can restore the
//! terminal and finish the recorded trace before the job ends.

use std::sync::atomic::{AtomicI32, Ordering};

static CAUGHT: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    CAUGHT.store(sig, Ordering::SeqCst);
}

pub fn install() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only stores to an atomic.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}

/// The signal caught, if any.
pub fn caught() -> Option<i32> {
    match CAUGHT.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// Ranks other than 0 leave Ctrl-C to rank 0: mpiexec forwards it to every
/// rank, and rank 0 must live long enough to restore the terminal and
/// finish the recorded trace before it ends the job. (SIGTERM still ends
/// them, so a job whose rank 0 is gone cannot linger.)
pub fn leave_interrupts_to_rank0() {
    // SAFETY: ignoring a signal.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
}
