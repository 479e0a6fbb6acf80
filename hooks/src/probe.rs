//! `MPI_Probe` and `MPI_Iprobe`: a look at the next message, which they
//! leave for a receive to take. A loop of unanswered `MPI_Iprobe` (or
//! `MPI_Test`) is polling: only its first poll is recorded, and the one
//! that finds something, not thousands of events.

use std::cell::Cell;
use std::os::raw::c_int;

use mpi::ffi;
use mpi_tutor::probe::CallSpec;
use mpi_tutor::trace::Op;

use crate::p2p::{give_status, recv_spec};
use crate::{begin, caller, comms, fold, recording, site, step, SUCCESS};

thread_local! {
    /// This thread's last recorded call was an unanswered poll.
    static POLLING: Cell<bool> = const { Cell::new(false) };
}

/// Whether an unanswered poll now would only repeat the last one.
pub fn polling_again() -> bool {
    POLLING.get()
}

/// The thread's last recorded call was (`true`) or was not an unanswered
/// poll.
pub fn polled(unanswered: bool) {
    POLLING.set(unanswered);
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
    let Some(id) = begin(|| {
        let call = CallSpec::new(Op::Probe, site(at)).on(info.number);
        // mpi4py's `recv` with `recv_mprobe` off: a probe for the size,
        // then the receive; the fold is shown as the receive.
        // SAFETY: reading MPI's constant for a byte.
        let bytes = unsafe { ffi::RSMPI_UINT8_T };
        let receives = fold::probe_starts_receive()
            .then(|| recv_spec(&info, source, tag, 0, bytes))
            .flatten();
        Some(match receives {
            Some(recv) => call.receiving(recv),
            None => call,
        })
    }) else {
        return plain();
    };
    step(|r| r.posted(id));
    let mut found = 0;
    // SAFETY: a status is plain data.
    let mut got: ffi::MPI_Status = unsafe { std::mem::zeroed() };
    let mut code = SUCCESS;
    for _ in 0..crate::SPINS {
        // SAFETY: the program's arguments; `got` is a status.
        code = unsafe { ffi::PMPI_Iprobe(source, tag, comm, &mut found, &mut got) };
        if code != SUCCESS || found != 0 {
            break;
        }
    }
    if code == SUCCESS && found == 0 {
        step(|r| r.about_to_wait());
        // SAFETY: the program's arguments; `got` is a status.
        code = unsafe { ffi::PMPI_Probe(source, tag, comm, &mut got) };
    }
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
    if !found && polling_again() {
        return code;
    }
    let info = comms::info(comm);
    if let Some(id) = begin(|| Some(CallSpec::new(Op::Iprobe, site(at)).on(info.number))) {
        step(|r| r.posted(id));
        crate::end(id, Op::Iprobe, &[], Some(found));
    }
    polled(!found);
    code
}
