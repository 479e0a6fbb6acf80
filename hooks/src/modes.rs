//! The other send modes (buffered, ready, synchronous nonblocking), shown
//! as the plain send or isend they are to the matching (the mode changes
//! when a send may return, not which receive takes it), and
//! `MPI_Sendrecv_replace`.

use std::os::raw::{c_int, c_void};

use mpi::ffi;
use mpi_tutor::trace::Op;

use crate::p2p::{blocking_send_hook, received, started_send_hook};
use crate::sendrecv::sendrecv_spec;
use crate::{begin_posted, caller, comms, recording, step};

blocking_send_hook!(bsend, c_int, Op::Send, PMPI_Ibsend, PMPI_Bsend);
blocking_send_hook!(rsend, c_int, Op::Send, PMPI_Irsend, PMPI_Rsend);
started_send_hook!(issend, c_int, PMPI_Issend);
started_send_hook!(ibsend, c_int, PMPI_Ibsend);
started_send_hook!(irsend, c_int, PMPI_Irsend);

/// One buffer sent, then received into: no nonblocking form, so the rank
/// says first that it may wait.
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn sendrecv_replace(
    buf: *mut c_void,
    count: c_int,
    datatype: ffi::MPI_Datatype,
    dest: c_int,
    sendtag: c_int,
    source: c_int,
    recvtag: c_int,
    comm: ffi::MPI_Comm,
    status: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    // SAFETY: a status is plain data.
    let mut got: ffi::MPI_Status = unsafe { std::mem::zeroed() };
    let work = |into: *mut ffi::MPI_Status| {
        // SAFETY: the program's arguments; `into` is a status.
        unsafe {
            ffi::PMPI_Sendrecv_replace(
                buf, count, datatype, dest, sendtag, source, recvtag, comm, into,
            )
        }
    };
    if !recording() {
        return work(status);
    }
    let info = comms::info(comm);
    let sends = (dest, sendtag, count.into(), datatype, comm);
    let receives = (source, recvtag, count.into(), datatype, comm);
    let id = begin_posted(|| Some(sendrecv_spec(at, &info, sends, receives)));
    let Some(id) = id else {
        return work(status);
    };
    step(|r| r.about_to_wait());
    let code = work(&mut got);
    // SAFETY: the program's status argument.
    unsafe { received(&info, id, Op::Sendrecv, source, &got, status) };
    code
}
