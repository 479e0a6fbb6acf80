//! `MPI_Mprobe`: the matched probe that mpi4py's pickle-based receive
//! (`comm.recv`, and the futures pool's results) makes before it takes the
//! message with `MPI_Mrecv`. The probe is where the rank waits and the
//! message is matched, so it is recorded as the receive the student wrote:
//! one event, from the sender, of any size, the pickle's bytes arriving.
//! The `MPI_Mrecv` that follows moves a message already matched and
//! passes through unhooked.

use std::os::raw::c_int;

use mpi::ffi;
use mpi_tutor::probe::{Arrival, CallSpec};
use mpi_tutor::trace::{display::ANY_SIZE, Op, Text};

use crate::p2p::{arrival, from_somebody, give_status, recv_spec};
use crate::{begin, caller, comms, recording, site, step, SUCCESS};

pub unsafe extern "C" fn mprobe(
    source: c_int,
    tag: c_int,
    comm: ffi::MPI_Comm,
    message: *mut ffi::MPI_Message,
    status: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    let plain = || {
        // SAFETY: the program's arguments, passed on as given.
        unsafe { ffi::PMPI_Mprobe(source, tag, comm, message, status) }
    };
    if !recording() {
        return plain();
    }
    let info = comms::info(comm);
    let id = begin(|| {
        let call = CallSpec::new(Op::Recv, site(at)).on(info.number);
        // SAFETY: reading MPI's constant for a byte.
        let bytes = unsafe { ffi::RSMPI_UINT8_T };
        Some(match recv_spec(&info, source, tag, 0, bytes) {
            Some(mut recv) => {
                recv.datatype = Text::from(ANY_SIZE);
                call.receiving(recv)
            }
            None => call,
        })
    });
    let Some(id) = id else {
        return plain();
    };
    step(|r| r.posted(id));
    // SAFETY: a status is plain data.
    let mut got: ffi::MPI_Status = unsafe { std::mem::zeroed() };
    // SAFETY: the program's arguments; `got` is a status.
    let code = unsafe { matched(source, tag, comm, message, &mut got) };
    let arrived: Vec<Arrival> = (code == SUCCESS && from_somebody(source))
        .then(|| arrival(&info, id, &got))
        .flatten()
        .into_iter()
        .collect();
    step(|r| r.end(id, Op::Recv, &arrived, None));
    // SAFETY: the program's status argument.
    unsafe { give_status(status, &got) };
    code
}

/// Matches the message, telling the recorder first if it has to wait.
///
/// # Safety
/// The arguments as `MPI_Mprobe` takes them.
unsafe fn matched(
    source: c_int,
    tag: c_int,
    comm: ffi::MPI_Comm,
    message: *mut ffi::MPI_Message,
    got: &mut ffi::MPI_Status,
) -> c_int {
    for _ in 0..crate::SPINS {
        let mut found = 0;
        // SAFETY: as the caller guarantees.
        let code = unsafe { ffi::PMPI_Improbe(source, tag, comm, &mut found, message, got) };
        if code != SUCCESS || found != 0 {
            return code;
        }
    }
    step(|r| r.about_to_wait());
    // SAFETY: as the caller guarantees.
    unsafe { ffi::PMPI_Mprobe(source, tag, comm, message, got) }
}
