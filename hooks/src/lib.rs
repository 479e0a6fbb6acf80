//! The interposer `mpi-tutor watch` preloads into a program's ranks: it
//! defines `MPI_Send` and the other calls a course uses, reports each to
//! the probe's recorder, and does the work through `PMPI_Send` and its
//! kin. The tutor's own MPI calls (its threads, its steps) pass straight
//! through; a hook never unwinds into C.
//!
//! Each hook is a small trampoline (the `hook!` macro) that notes the
//! caller's return address, the call's place in the program, and jumps to
//! the hook's body with the arguments untouched: no frame pointers needed.

// The hooks carry MPI's own names.
#![allow(non_snake_case)]
// The trampolines are x86-64 assembly: elsewhere the library is built
// empty (and sees nothing) rather than failing the whole build.
#![cfg(target_arch = "x86_64")]

mod any;
mod calls;
mod collective;
mod comms;
mod fold;
mod fortran;
mod gathers;
mod init;
#[cfg(large_count)]
mod large;
mod matched;
mod modes;
mod other;
mod own;
mod p2p;
mod payload;
mod preview;
mod probe;
mod requests;
mod sendrecv;
mod split;
mod spread;
mod started;
mod topology;
mod written;

use std::os::raw::c_int;
use std::time::{Duration, Instant};

use mpi::ffi;
use mpi_tutor::probe::{
    on_tutor_thread, process_recorder, this_thread, Arrival, CallSpec, EndSpec, Recorder,
    StartSpec, ThisThread,
};
use mpi_tutor::trace::{Op, Site};

use crate::comms::Info;

/// Called by every trampoline with its caller's return address.
extern "C" fn note_caller(return_address: usize) {
    this_thread(|thread| thread.caller.set(return_address));
}

/// The return address the trampoline of the running hook noted: read it
/// first thing, before any other MPI call notes another.
fn caller() -> usize {
    this_thread(|thread| thread.caller.get())
}

/// Defines the exported symbol `$name`: a trampoline that notes its
/// caller's return address and jumps to `$body` (same signature as the
/// MPI function), every argument register and the stack as they were.
macro_rules! hook {
    ($name:ident => $body:path) => {
        #[no_mangle]
        #[unsafe(naked)]
        pub extern "C" fn $name() {
            // Saves the six argument registers (16-byte alignment for the
            // call: 6 pushes and the return address are 56 bytes, plus 8),
            // passes the return address to `note_caller`, restores them
            // and jumps: `$body` returns straight to the program.
            core::arch::naked_asm!(
                "push rdi",
                "push rsi",
                "push rdx",
                "push rcx",
                "push r8",
                "push r9",
                "sub rsp, 8",
                "mov rdi, [rsp + 56]",
                "call {note}",
                "add rsp, 8",
                "pop r9",
                "pop r8",
                "pop rcx",
                "pop rdx",
                "pop rsi",
                "pop rdi",
                "jmp {body}",
                note = sym $crate::note_caller,
                body = sym $body,
            )
        }
    };
}
pub(crate) use hook;

/// Whether the running hook records its call: a program's call on a
/// watched rank, not one of the tutor's own.
fn recording() -> bool {
    !on_tutor_thread()
}

/// Where the running hook's call was made.
fn site(return_address: usize) -> Site {
    mpi_tutor::watch::site::site_of(return_address)
}

/// [`site`] for a hook that has its thread's [`ThisThread`] at hand.
fn site_on(thread: &ThisThread, return_address: usize) -> Site {
    mpi_tutor::watch::site::site_on(thread, return_address)
}

/// Runs a step on the rank's recorder, never letting a panic reach C.
/// None: nothing recorded (not watched, or the tutor's own call).
fn step<R>(work: impl FnOnce(&mut Recorder) -> R) -> Option<R> {
    this_thread(|thread| step_on(thread, work))
}

/// [`step`] for a hook that has its thread's [`ThisThread`] at hand.
fn step_on<R>(thread: &ThisThread, work: impl FnOnce(&mut Recorder) -> R) -> Option<R> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        process_recorder().with_on(thread, work)
    }))
    .ok()
    .flatten()
}

/// What a call's first step does besides beginning it, in the same turn
/// of the recorder (each turn is a lock of the process's recorder).
#[derive(Clone, Copy)]
enum Then<'e> {
    /// Nothing yet: the MPI operation starts after the hold, if any.
    Nothing,
    /// The MPI operation is under way (or there is none to start).
    Posted,
    /// The call is over too (its MPI operation already ran): its op, what
    /// it received, and what else its end says.
    Ended(Op, &'e [Arrival], EndSpec<'e>),
    /// The call of this op is over too, having received nothing, and its
    /// MPI operation (once started, if it succeeded) left the program the
    /// request at this address, which the call opened: noted as open (for
    /// a receive on this communicator, if a receive's) in the same turn.
    Opened(Op, *const ffi::MPI_Request, Option<&'e Info>),
}

/// Begins a call described by `describe` (run only when recording).
fn begin<'a>(describe: impl FnOnce() -> Option<CallSpec<'a>>) -> Option<u64> {
    this_thread(|thread| begin_then(thread, describe, Then::Nothing))
}

/// [`begin`] for a call with no MPI operation to start after the hold
/// (a wait, a test): its `Begin` goes out with it.
fn begin_posted<'a>(describe: impl FnOnce() -> Option<CallSpec<'a>>) -> Option<u64> {
    this_thread(|thread| begin_then(thread, describe, Then::Posted))
}

/// [`begin`] and the end of a call of `op` whose MPI operation already
/// ran and received nothing (an isend, a nonblocking collective).
fn begin_ended<'a>(op: Op, describe: impl FnOnce() -> Option<CallSpec<'a>>) -> Option<u64> {
    let then = Then::Ended(op, &[], EndSpec::default());
    this_thread(|thread| begin_then(thread, describe, then))
}

/// [`begin_ended`] for a call that took `arrivals` and whose end says
/// more (`spec`: a test's answer, a loop's polls).
fn begin_ended_as<'a>(
    op: Op,
    arrivals: &[Arrival],
    spec: EndSpec<'_>,
    describe: impl FnOnce() -> Option<CallSpec<'a>>,
) -> Option<u64> {
    let then = Then::Ended(op, arrivals, spec);
    this_thread(|thread| begin_then(thread, describe, then))
}

/// What precedes every recorded call.
fn before_call(thread: &ThisThread) {
    // Any call ends a run of polls.
    probe::end_polling(thread);
    // What the program printed before this call is reported before it.
    let _ = std::panic::catch_unwind(mpi_tutor::watch::output::drain_before_call);
}

fn begin_then<'a>(
    thread: &ThisThread,
    describe: impl FnOnce() -> Option<CallSpec<'a>>,
    then: Then<'_>,
) -> Option<u64> {
    begin_around(thread, describe, &mut None::<fn() -> c_int>, then).0
}

/// [`begin`], then `start` (the call's MPI operation, after the hold if
/// any), then `then`: in a C program all in one turn of the recorder.
/// `start` runs once whether the call is recorded or not. The call's id,
/// if recorded, and `start`'s code.
fn begin_started_then<'a>(
    thread: &ThisThread,
    describe: impl FnOnce() -> Option<CallSpec<'a>>,
    start: impl FnOnce() -> c_int,
    then: Then<'_>,
) -> (Option<u64>, c_int) {
    let mut start = Some(start);
    let (id, code) = begin_around(thread, describe, &mut start, then);
    let code = code.unwrap_or_else(|| start.map_or(SUCCESS, |start| start()));
    (id, code)
}

/// [`begin_started_then`] for a call that only starts its transfer (an
/// isend, an irecv), which `then` opens: in a C program, recorded whole
/// in the recorder's step (`Recorder::started`), `start` run after it.
fn start_recorded(
    thread: &ThisThread,
    describe: impl FnOnce() -> Option<StartSpec>,
    start: impl FnOnce() -> c_int,
    then: Then<'_>,
) -> c_int {
    // A Python program's calls may be parts of a pickled call (`fold`).
    let opened = match then {
        Then::Opened(_, request, receive) if !mpi_tutor::watch::python::is_python() => {
            Some((request, receive))
        }
        _ => None,
    };
    let Some((request, receive)) = opened else {
        let describe = || describe().map(StartSpec::into_call);
        return begin_started_then(thread, describe, start, then).1;
    };
    before_call(thread);
    let mut start = Some(start);
    let code = step_on(thread, |r| {
        let id = r.started(describe()?);
        let code = start.take().map_or(SUCCESS, |start| start());
        if code == SUCCESS {
            // SAFETY: the operation that writes it has run.
            let request = unsafe { *request };
            requests::table(r).open(request, id, receive.cloned());
        }
        Some(code)
    })
    .flatten();
    code.unwrap_or_else(|| start.map_or(SUCCESS, |start| start()))
}

/// Begins the call `describe` describes and, if it is recorded, runs
/// `start` (taking it: its MPI operation, after the hold if any), then
/// does `then`: in a C program all in one turn of the recorder. The
/// call's id, and `start`'s code if it ran (a panic after it leaves the
/// id None).
fn begin_around<'a>(
    thread: &ThisThread,
    describe: impl FnOnce() -> Option<CallSpec<'a>>,
    start: &mut Option<impl FnOnce() -> c_int>,
    then: Then<'_>,
) -> (Option<u64>, Option<c_int>) {
    before_call(thread);
    if mpi_tutor::watch::python::is_python() {
        return begin_folded(describe, start, then);
    }
    // A C, C++ or Fortran program: no pickled calls, so the whole step is
    // one turn of the recorder. The call is described inside it, so that
    // its description goes to the recorder without a copy: describing
    // makes no MPI call a hook sees and takes no turn of its own. `start`
    // is a call of MPI's own (`PMPI_*`), made inside the turn: no hook
    // sees it, and it returns at once.
    let mut code = None;
    let id = step_on(thread, |r| {
        let id = r.begin(describe()?);
        code = start.take().map(|start| start());
        match then {
            Then::Nothing => {}
            Then::Posted => r.posted(id),
            Then::Ended(op, arrivals, spec) => r.end_at_begin(id, op, arrivals, spec),
            Then::Opened(op, request, receive) => {
                r.end_at_begin(id, op, &[], EndSpec::default());
                if code.is_none_or(|code| code == SUCCESS) {
                    // SAFETY: the operation that writes it has run.
                    let request = unsafe { *request };
                    requests::table(r).open(request, id, receive.cloned());
                }
            }
        }
        Some(id)
    })
    .flatten();
    (id, code)
}

/// [`begin_around`] in a Python program, where the call may be one MPI
/// call of a pickled call the student made (`fold`): a step each.
fn begin_folded<'a>(
    describe: impl FnOnce() -> Option<CallSpec<'a>>,
    start: &mut Option<impl FnOnce() -> c_int>,
    then: Then<'_>,
) -> (Option<u64>, Option<c_int>) {
    let spec = std::panic::catch_unwind(std::panic::AssertUnwindSafe(describe))
        .ok()
        .flatten();
    let Some(id) = spec.and_then(fold::begin) else {
        return (None, None);
    };
    let code = start.take().map(|start| start());
    match then {
        Then::Nothing => {}
        Then::Posted => {
            step(|r| r.posted(id));
        }
        Then::Ended(op, arrivals, spec) => end_as(id, op, arrivals, spec),
        Then::Opened(op, request, receive) => {
            end_as(id, op, &[], EndSpec::default());
            if code.is_none_or(|code| code == SUCCESS) {
                // SAFETY: the operation that writes it has run.
                requests::opened(unsafe { *request }, id, receive.cloned());
            }
        }
    }
    (Some(id), code)
}

/// Call `id` (an `op`) ended, having taken `arrivals`: recorded, unless
/// it was one MPI call of a pickled call the student made (`fold`).
fn end(id: u64, op: Op, arrivals: &[Arrival], completed: Option<bool>) {
    let spec = EndSpec {
        completed,
        ..EndSpec::default()
    };
    end_as(id, op, arrivals, spec);
}

/// [`end`] with all an end can say (`spec`): a test's answer, the
/// requests it completed, its loop's polls.
fn end_as(id: u64, op: Op, arrivals: &[Arrival], spec: EndSpec<'_>) {
    if mpi_tutor::watch::python::is_python() && fold::end(id, arrivals) {
        return;
    }
    step(|r| r.end_as(id, op, arrivals, spec));
}

/// `MPI_SUCCESS` in both MPICH and Open MPI.
const SUCCESS: c_int = ffi::MPI_SUCCESS as c_int;

/// How many times a blocking call's operation is tested between two
/// looks at the clock.
const SPINS: u32 = 64;

/// How long a blocking call tests its operation before it tells rank 0
/// that the rank waits, as a lesson's wait does (`probe::wait`): a wait
/// this long is a real one. A shorter one costs no report and no wake-up
/// of the reporter thread, whose MPI calls would then contend with the
/// rank's for the MPI library's lock (`MPI_THREAD_MULTIPLE`).
const TELL_AFTER: Duration = Duration::from_millis(1);

/// Completes an operation as a blocking call would: tests it with `test`
/// (its code, and whether it is done) until it is done or fails, for up
/// to [`TELL_AFTER`]; then tells the recorder that the rank waits, and
/// waits with `wait`.
fn politely(mut test: impl FnMut() -> (c_int, bool), wait: impl FnOnce() -> c_int) -> c_int {
    let mut since = None;
    loop {
        for _ in 0..SPINS {
            let (code, done) = test();
            if code != SUCCESS || done {
                return code;
            }
        }
        if since.get_or_insert_with(Instant::now).elapsed() >= TELL_AFTER {
            break;
        }
    }
    step(|r| r.about_to_wait());
    wait()
}

/// Completes `request` as a blocking call would ([`politely`]).
///
/// # Safety
/// `request` and `status` as `MPI_Wait` takes them.
unsafe fn complete(request: &mut ffi::MPI_Request, status: *mut ffi::MPI_Status) -> c_int {
    let request: *mut ffi::MPI_Request = request;
    let test = || {
        let mut done = 0;
        // SAFETY: as the caller guarantees.
        let code = unsafe { ffi::PMPI_Test(request, &mut done, status) };
        (code, done != 0)
    };
    // SAFETY: as the caller guarantees.
    politely(test, || unsafe { ffi::PMPI_Wait(request, status) })
}

/// Runs the call of `op` that `describe` describes (nothing received) as
/// a blocking call: started by `start` (its nonblocking form), then
/// completed. None: not recorded, and nothing done (the caller makes the
/// plain call).
fn completed<'a>(
    op: Op,
    describe: impl FnOnce() -> Option<CallSpec<'a>>,
    start: impl FnOnce(&mut ffi::MPI_Request) -> c_int,
) -> Option<c_int> {
    // SAFETY: reading MPI's constant.
    let mut request = unsafe { ffi::RSMPI_REQUEST_NULL };
    let mut begun = Some(|| start(&mut request));
    let (id, code) = this_thread(|thread| begin_around(thread, describe, &mut begun, Then::Posted));
    drop(begun);
    let mut code = code?;
    if code == SUCCESS {
        // SAFETY: the request was just started.
        code = unsafe { complete(&mut request, ffi::RSMPI_STATUS_IGNORE) };
    }
    if let Some(id) = id {
        crate::end(id, op, &[], None);
    }
    Some(code)
}

/// A handle (communicator, datatype, request) as a map key: its bits. The
/// handles are integers under MPICH and pointers under Open MPI.
fn handle_key<T: Copy>(handle: T) -> u64 {
    let mut key = 0u64;
    let size = std::mem::size_of::<T>().min(8);
    // SAFETY: copies at most 8 bytes of a plain `Copy` handle into a u64.
    unsafe {
        std::ptr::copy_nonoverlapping(
            (&handle as *const T).cast::<u8>(),
            (&mut key as *mut u64).cast::<u8>(),
            size,
        );
    }
    key
}

/// Runs when the dynamic linker loads the interposer, before the
/// program's `main`.
extern "C" fn loaded() {
    let _ = std::panic::catch_unwind(mpi_tutor::watch::failure::watch_for_no_mpi);
}

#[used]
#[unsafe(link_section = ".init_array")]
static LOADED: extern "C" fn() = loaded;
