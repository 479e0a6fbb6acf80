//! A watched rank that fails in the program's own code: killed by a
//! signal (a segmentation fault) or ending without `MPI_Finalize`. Its
//! failure is reported to rank 0, which ends the job and names the rank,
//! the signal and, with debug information, the line.

use crate::probe::{report_failure, wait_for_the_end};

/// The signals that end a program by its own fault.
const FATAL: [libc::c_int; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGFPE,
    libc::SIGILL,
    libc::SIGABRT,
];

/// From now on this rank's crashes and early exits are reported.
pub fn watch_for_failures() {
    // SAFETY: installs handlers with a zeroed (empty) mask; the handler
    // has the SA_SIGINFO signature; atexit takes a plain extern fn.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_fatal_signal as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_RESETHAND;
        for signal in FATAL {
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
        libc::atexit(on_exit);
    }
}

/// `SIGSEGV` and the like: reports the signal and the line it struck at,
/// waits for rank 0 to end the job (it dies of the signal if nothing
/// could carry its report).
extern "C" fn on_fatal_signal(
    signal: libc::c_int,
    _info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    let name = signal_name(signal);
    let site = faulting_address(context).map(|at| super::site::site_of(at + 1));
    let site = site.filter(crate::trace::Site::has_line);
    // Not async-signal-safe, but the process is going down anyway and
    // this is the only chance to say why.
    let message = format!("killed by {name}");
    // What the rank printed before it failed comes first.
    super::output::drain();
    if report_failure(&message, site) {
        wait_for_the_end();
    }
    // SAFETY: the handler was reset to the default; raising it again ends
    // the process as the signal would have.
    unsafe {
        libc::raise(signal);
    }
}

/// The instruction that faulted, from the signal's context.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn faulting_address(context: *mut libc::c_void) -> Option<usize> {
    if context.is_null() {
        return None;
    }
    // SAFETY: with SA_SIGINFO on x86-64 Linux, the third argument is the
    // interrupted thread's ucontext_t.
    let context = unsafe { &*(context as *const libc::ucontext_t) };
    Some(context.uc_mcontext.gregs[libc::REG_RIP as usize] as usize)
}

/// Elsewhere the signal is named without its line.
#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn faulting_address(_context: *mut libc::c_void) -> Option<usize> {
    None
}

fn signal_name(signal: libc::c_int) -> &'static str {
    match signal {
        libc::SIGSEGV => "SIGSEGV (a segmentation fault: a bad pointer or array index)",
        libc::SIGBUS => "SIGBUS (a bad memory access)",
        libc::SIGFPE => "SIGFPE (an arithmetic error, such as an integer division by zero)",
        libc::SIGILL => "SIGILL (an illegal instruction)",
        _ => "SIGABRT (the program aborted itself)",
    }
}

/// Called when the interposer is loaded into a watched program, before
/// its `main`: a program that never calls `MPI_Init` is named at its exit.
pub fn watch_for_no_mpi() {
    if super::WatchConfig::from_env().is_some() {
        // SAFETY: atexit takes a plain extern fn.
        unsafe { libc::atexit(on_exit_without_mpi) };
    }
}

/// The program is exiting without ever having started MPI.
extern "C" fn on_exit_without_mpi() {
    if super::rank::was_started() {
        return;
    }
    let typed = super::WatchConfig::from_env()
        .map(|c| c.name)
        .unwrap_or_default();
    let name = super::python::program_name(&typed);
    crate::launcher::say_once(&format!(
        "{name} ended without calling MPI_Init: mpi-tutor shows a program's MPI calls, and it made none"
    ));
    // SAFETY: flushes what the program printed, then ends the process at
    // its exit, with the usage code.
    unsafe {
        libc::fflush(std::ptr::null_mut());
        libc::_exit(crate::error::USAGE_EXIT);
    }
}

/// The program is exiting: if it never called `MPI_Finalize`, say so.
extern "C" fn on_exit() {
    if super::rank::is_running() {
        let message = "returned from main without calling MPI_Finalize";
        super::output::drain();
        if report_failure(message, None) {
            wait_for_the_end();
        }
    }
}
