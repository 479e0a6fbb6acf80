//! The collectives beyond a first course's: allgather, alltoall, scan,
//! and scatter and gather with a count for each rank (`v`), each recorded
//! with the count this rank sends or receives.

use std::os::raw::{c_int, c_void};

use mpi::ffi;
use mpi_tutor::trace::Op;

use crate::collective::{allreduce_hook, collective, exchange_hook, sent, Moves};

exchange_hook!(
    allgather,
    Op::Allgather,
    everyone,
    sent,
    PMPI_Iallgather,
    PMPI_Allgather
);
exchange_hook!(
    alltoall,
    Op::Alltoall,
    everyone,
    sent,
    PMPI_Ialltoall,
    PMPI_Alltoall
);
allreduce_hook!(scan, c_int, Op::Scan, PMPI_Iscan, PMPI_Scan);

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn scatterv(
    sendbuf: *const c_void,
    sendcounts: *const c_int,
    displs: *const c_int,
    sendtype: ffi::MPI_Datatype,
    recvbuf: *mut c_void,
    recvcount: c_int,
    recvtype: ffi::MPI_Datatype,
    root: c_int,
    comm: ffi::MPI_Comm,
) -> c_int {
    crate::fold::note_buffer(sendbuf);
    let moves = Moves {
        root: Some(root),
        count: recvcount.into(),
        datatype: recvtype,
        put: crate::collective::NOTHING,
        reduce: None,
    };
    // SAFETY: the program's arguments, passed on as given.
    unsafe {
        collective(
            Op::Scatterv,
            comm,
            moves,
            |request| {
                ffi::PMPI_Iscatterv(
                    sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount, recvtype, root,
                    comm, request,
                )
            },
            || {
                ffi::PMPI_Scatterv(
                    sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount, recvtype, root, comm,
                )
            },
        )
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gatherv(
    sendbuf: *const c_void,
    sendcount: c_int,
    sendtype: ffi::MPI_Datatype,
    recvbuf: *mut c_void,
    recvcounts: *const c_int,
    displs: *const c_int,
    recvtype: ffi::MPI_Datatype,
    root: c_int,
    comm: ffi::MPI_Comm,
) -> c_int {
    let moves = Moves {
        root: Some(root),
        count: sendcount.into(),
        datatype: sendtype,
        put: sendbuf,
        reduce: None,
    };
    // SAFETY: the program's arguments, passed on as given.
    unsafe {
        collective(
            Op::Gatherv,
            comm,
            moves,
            |request| {
                ffi::PMPI_Igatherv(
                    sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, root,
                    comm, request,
                )
            },
            || {
                ffi::PMPI_Gatherv(
                    sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, root, comm,
                )
            },
        )
    }
}
