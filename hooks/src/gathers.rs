//! The collectives beyond a first course's: allgather, alltoall, scan,
//! and scatter and gather with a count for each rank (`v`), each recorded
//! with the count this rank sends or receives.

use std::os::raw::{c_int, c_void};

use mpi::ffi;
use mpi_tutor::trace::Op;

use crate::collective::{collective, Moves};

/// What a call moves that has no root: `count` values of `datatype`.
fn everyone(count: c_int, datatype: ffi::MPI_Datatype) -> Moves {
    Moves {
        root: None,
        count: count.into(),
        datatype,
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn allgather(
    sendbuf: *const c_void,
    sendcount: c_int,
    sendtype: ffi::MPI_Datatype,
    recvbuf: *mut c_void,
    recvcount: c_int,
    recvtype: ffi::MPI_Datatype,
    comm: ffi::MPI_Comm,
) -> c_int {
    // SAFETY: the program's arguments, passed on as given.
    unsafe {
        collective(
            Op::Allgather,
            comm,
            everyone(sendcount, sendtype),
            |request| {
                ffi::PMPI_Iallgather(
                    sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, request,
                )
            },
            || {
                ffi::PMPI_Allgather(
                    sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                )
            },
        )
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn alltoall(
    sendbuf: *const c_void,
    sendcount: c_int,
    sendtype: ffi::MPI_Datatype,
    recvbuf: *mut c_void,
    recvcount: c_int,
    recvtype: ffi::MPI_Datatype,
    comm: ffi::MPI_Comm,
) -> c_int {
    // SAFETY: the program's arguments, passed on as given.
    unsafe {
        collective(
            Op::Alltoall,
            comm,
            everyone(sendcount, sendtype),
            |request| {
                ffi::PMPI_Ialltoall(
                    sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, request,
                )
            },
            || {
                ffi::PMPI_Alltoall(
                    sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                )
            },
        )
    }
}

pub unsafe extern "C" fn scan(
    sendbuf: *const c_void,
    recvbuf: *mut c_void,
    count: c_int,
    datatype: ffi::MPI_Datatype,
    op: ffi::MPI_Op,
    comm: ffi::MPI_Comm,
) -> c_int {
    // SAFETY: the program's arguments, passed on as given.
    unsafe {
        collective(
            Op::Scan,
            comm,
            everyone(count, datatype),
            |request| ffi::PMPI_Iscan(sendbuf, recvbuf, count, datatype, op, comm, request),
            || ffi::PMPI_Scan(sendbuf, recvbuf, count, datatype, op, comm),
        )
    }
}

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
    let moves = Moves {
        root: Some(root),
        count: recvcount.into(),
        datatype: recvtype,
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
