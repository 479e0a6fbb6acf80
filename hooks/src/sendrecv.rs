//! `MPI_Sendrecv`: a send and a receive at once, either side possibly to
//! or from nobody (`MPI_PROC_NULL`).

use std::os::raw::{c_int, c_void};

use mpi::ffi;
use mpi_tutor::probe::{this_thread, CallSpec};
use mpi_tutor::trace::Op;

use crate::comms::{self, CommInfo};
use crate::p2p::{received, recv_spec, send_spec, Peer};
use crate::{begin, caller, recording, site, step, SUCCESS};

/// What `MPI_Sendrecv` (or `MPI_Sendrecv_replace`) made at `at` sends
/// and receives on `info`'s communicator.
pub fn sendrecv_spec(at: usize, info: &CommInfo, sends: Peer, receives: Peer) -> CallSpec<'static> {
    let (dest, sendtag, sendcount, sendtype, _) = sends;
    let (source, recvtag, recvcount, recvtype, _) = receives;
    let mut call = CallSpec::new(Op::Sendrecv, site(at)).on(info.number);
    this_thread(|thread| {
        call.send = send_spec(thread, info, dest, sendtag, sendcount, sendtype);
        call.recv = recv_spec(thread, info, source, recvtag, recvcount, recvtype);
    });
    call
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn sendrecv(
    sendbuf: *const c_void,
    sendcount: c_int,
    sendtype: ffi::MPI_Datatype,
    dest: c_int,
    sendtag: c_int,
    recvbuf: *mut c_void,
    recvcount: c_int,
    recvtype: ffi::MPI_Datatype,
    source: c_int,
    recvtag: c_int,
    comm: ffi::MPI_Comm,
    status: *mut ffi::MPI_Status,
) -> c_int {
    let at = caller();
    let plain = || {
        // SAFETY: the program's arguments, passed on as given.
        unsafe {
            ffi::PMPI_Sendrecv(
                sendbuf, sendcount, sendtype, dest, sendtag, recvbuf, recvcount, recvtype, source,
                recvtag, comm, status,
            )
        }
    };
    if !recording() {
        return plain();
    }
    let info = comms::info(comm);
    let sends = (dest, sendtag, sendcount.into(), sendtype, comm);
    let receives = (source, recvtag, recvcount.into(), recvtype, comm);
    let id = begin(|| Some(sendrecv_spec(at, &info, sends, receives)));
    let Some(id) = id else {
        return plain();
    };
    let mut requests = [ffi::RSMPI_REQUEST_NULL; 2];
    // SAFETY: the program's arguments; both requests are completed below.
    let mut code = unsafe {
        let sent = ffi::PMPI_Isend(
            sendbuf,
            sendcount,
            sendtype,
            dest,
            sendtag,
            comm,
            &mut requests[0],
        );
        let posted = ffi::PMPI_Irecv(
            recvbuf,
            recvcount,
            recvtype,
            source,
            recvtag,
            comm,
            &mut requests[1],
        );
        sent.max(posted)
    };
    step(|r| r.posted(id));
    // SAFETY: a status is plain data.
    let mut got: [ffi::MPI_Status; 2] = unsafe { std::mem::zeroed() };
    if code == SUCCESS {
        step(|r| r.about_to_wait());
        // SAFETY: two live requests and two statuses.
        code = unsafe { ffi::PMPI_Waitall(2, requests.as_mut_ptr(), got.as_mut_ptr()) };
    }
    // SAFETY: the program's status argument.
    unsafe { received(&info, id, Op::Sendrecv, source, &got[1], status) };
    code
}
