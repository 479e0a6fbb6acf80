//! SIGINT, SIGTERM and SIGHUP to rank 0 (mpiexec interrupted or killed, the
//! terminal closed) become a flag the app loop checks, so it can restore the
//! terminal and finish the recorded trace before the job ends.

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

static CAUGHT: AtomicI32 = AtomicI32::new(0);
/// When the first signal was caught, on the heartbeat's clock.
static CAUGHT_AT: AtomicU64 = AtomicU64::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    if CAUGHT.swap(sig, Ordering::SeqCst) == 0 {
        CAUGHT_AT.store(crate::probe::heartbeat::clock_ms(), Ordering::SeqCst);
    }
}

/// When the first signal was caught, on
/// [`crate::probe::heartbeat::clock_ms`].
pub fn caught_at_ms() -> u64 {
    CAUGHT_AT.load(Ordering::SeqCst)
}

pub fn install() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
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
/// finish the recorded trace before it ends the job. SIGTERM, SIGHUP and
/// SIGQUIT end such a rank only after [`GRACE_SECONDS`]: a rank dying at
/// once would make the launcher kill rank 0 before it can give the
/// terminal back, and a rank whose rank 0 is gone still cannot linger.
pub fn leave_interrupts_to_rank0() {
    // SAFETY: ignoring a signal; installing handlers that only store to an
    // atomic and call async-signal-safe functions.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
            libc::signal(sig, end_later as *const () as libc::sighandler_t);
        }
        libc::signal(libc::SIGALRM, end_now as *const () as libc::sighandler_t);
    }
}

/// Seconds a rank other than 0 lives on after a signal to end it.
pub const GRACE_SECONDS: u32 = 2;

static DEFERRED: AtomicI32 = AtomicI32::new(0);

extern "C" fn end_later(sig: libc::c_int) {
    // Rank 0 is told at once that this rank is still there.
    crate::probe::heartbeat::beat_soon();
    if DEFERRED.swap(sig, Ordering::SeqCst) == 0 {
        // SAFETY: alarm is async-signal-safe.
        unsafe { libc::alarm(GRACE_SECONDS) };
    }
}

extern "C" fn end_now(_: libc::c_int) {
    let sig = DEFERRED.load(Ordering::SeqCst);
    // SAFETY: signal and raise are async-signal-safe; the default action
    // of the signal deferred ends the process as it would have.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// The name of a signal, as `kill -l` gives it: `SIGKILL`.
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGABRT => "SIGABRT",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGALRM => "SIGALRM",
        _ => return format!("signal {signal}"),
    };
    name.to_string()
}

/// The signals that stop a whole job from outside (a user, a terminal
/// closed, a batch system): caught by rank 0, forwarded by mpiexec.
pub fn is_stop(signal: i32) -> bool {
    [libc::SIGTERM, libc::SIGHUP, libc::SIGINT, libc::SIGQUIT].contains(&signal)
}
