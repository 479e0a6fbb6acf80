//! `MPI_Probe` and `MPI_Iprobe`: a look at the next message, which they
//! leave for a receive to take. A loop of unanswered `MPI_Iprobe` (or
//! `MPI_Test`...) is polling: its first poll is recorded, then (on the main
//! thread) one poll a second with the count so far, and the one that finds
//! something with the loop's whole count ("polled 3,412 times"), not
//! thousands of events. The polls between are counted on the thread,
//! without a lock or a report.

use std::cell::Cell;
use std::os::raw::c_int;
use std::time::{Duration, Instant};

use mpi::ffi;
use mpi_tutor::probe::{this_thread, CallSpec, EndSpec, Polls, ThisThread};
use mpi_tutor::trace::{Op, ProbePart};

use crate::comms::CommInfo;
use crate::p2p::{give_status, recv_spec};
use crate::{begin_ended_as, begin_posted, caller, comms, fold, recording, site, SUCCESS};

/// How often a loop of unanswered polls is recorded again, with its count:
/// the view's count moves, and rank 0 sees the rank still polling.
const REPORT_EVERY: Duration = Duration::from_secs(1);

thread_local! {
    /// This thread called `MPI_Init`: the program's main thread.
    static INIT_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// The calling thread is the one that starts MPI.
pub fn mark_init_thread() {
    INIT_THREAD.set(true);
}

/// Counts a poll that `found` something or not into the thread's loop.
/// `Some(polls)`: record it, the loop's polls so far, this one included;
/// `None`: an unanswered poll that only repeats one recorded lately.
///
/// Only the main thread's loops are recorded again while they last: a loop
/// on a thread of its own (mpi4py.futures' master) is no sign that the rank
/// is stuck, since its main thread may be working, and a loop the model
/// has seen only once is not judged. Its count still comes with the poll
/// that ends it.
pub fn poll(found: bool) -> Option<u64> {
    this_thread(|thread| {
        let run = thread.polls.get();
        let polls = run.count + 1;
        let again = |at: Instant| !INIT_THREAD.get() || at.elapsed() < REPORT_EVERY;
        match run.recorded {
            Some(at) if !found && again(at) => {
                thread.polls.set(Polls {
                    count: polls,
                    ..run
                });
                None
            }
            _ => Some(polls),
        }
    })
}

/// Any call but an unanswered poll ends the thread's loop of polls.
pub fn end_polling(thread: &ThisThread) {
    thread.polls.set(Polls::default());
}

/// The poll just recorded found nothing: the loop goes on, `polls` so far.
pub fn still_polling(polls: u64) {
    this_thread(|thread| {
        thread.polls.set(Polls {
            count: polls,
            recorded: Some(Instant::now()),
        })
    });
}

/// What a probe from `source` with `tag` on `comm` looks for (nothing for
/// `MPI_PROC_NULL`).
pub fn looking_for(comm: &CommInfo, source: c_int, tag: c_int) -> Option<ProbePart> {
    // SAFETY: reading MPI's constant for a byte.
    let bytes = unsafe { ffi::RSMPI_UINT8_T };
    this_thread(|thread| recv_spec(thread, comm, source, tag, 0, bytes)).map(|r| ProbePart {
        source: r.source,
        tag: r.tag,
    })
}

/// `call` looking for `part`, if it looks for anything.
pub fn with_probe(call: CallSpec<'_>, part: Option<ProbePart>) -> CallSpec<'_> {
    match part {
        Some(p) => call.probing(p.source, p.tag),
        None => call,
    }
}

pub unsafe extern "C" fn probe(
    source: c_int,
    tag: c_int,
    comm: ffi::MPI_Comm,
    status: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    let plain = || {
        // SAFETY: the program's arguments, passed on as given.
        unsafe { ffi::PMPI_Probe(source, tag, comm, status) }
    };
    if !recording() {
        return plain();
    }
    let info = comms::info(comm);
    let Some(id) = begin_posted(|| {
        let call = CallSpec::new(Op::Probe, site(at)).on(info.number);
        // mpi4py's `recv` with `recv_mprobe` off: a probe for the size,
        // then the receive; the fold is shown as the receive.
        // SAFETY: reading MPI's constant for a byte.
        let bytes = unsafe { ffi::RSMPI_UINT8_T };
        let receives = fold::probe_starts_receive()
            .then(|| this_thread(|thread| recv_spec(thread, &info, source, tag, 0, bytes)))
            .flatten();
        Some(match receives {
            Some(recv) => call.receiving(recv),
            None => with_probe(call, looking_for(&info, source, tag)),
        })
    }) else {
        return plain();
    };
    let mut found = 0;
    // SAFETY: a status is plain data.
    let mut got: ffi::MPI_Status = unsafe { std::mem::zeroed() };
    let got_at: *mut ffi::MPI_Status = &mut got;
    let test = || {
        // SAFETY: the program's arguments; `got` is a status.
        let code = unsafe { ffi::PMPI_Iprobe(source, tag, comm, &mut found, got_at) };
        (code, found != 0)
    };
    // SAFETY: the program's arguments; `got` is a status.
    let code = crate::politely(test, || unsafe {
        ffi::PMPI_Probe(source, tag, comm, got_at)
    });
    crate::end(id, Op::Probe, &[], None);
    // SAFETY: the program's status argument.
    unsafe { give_status(status, &got) };
    code
}

pub unsafe extern "C" fn iprobe(
    source: c_int,
    tag: c_int,
    comm: ffi::MPI_Comm,
    flag: *mut c_int,
    status: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    // SAFETY: the program's arguments, passed on as given.
    let code = unsafe { ffi::PMPI_Iprobe(source, tag, comm, flag, status) };
    if !recording() || code != SUCCESS {
        return code;
    }
    // SAFETY: MPI just wrote the flag.
    let found = unsafe { *flag } != 0;
    let Some(polls) = poll(found) else {
        return code;
    };
    let info = comms::info(comm);
    begin_ended_as(Op::Iprobe, &[], EndSpec::test(found, polls), || {
        let call = CallSpec::new(Op::Iprobe, site(at)).on(info.number);
        Some(with_probe(call, looking_for(&info, source, tag)))
    });
    if !found {
        still_polling(polls);
    }
    code
}
