//! Collectives: each is done with its nonblocking form (MPI-3), so the
//! recorder hears the call is under way before the rank waits.

use std::os::raw::{c_int, c_void};

use mpi::ffi;
use mpi_tutor::probe::{CallSpec, CollectiveSpec};
use mpi_tutor::trace::Op;

use crate::{begin, caller, comms, complete, recording, site, step, SUCCESS};

/// What a collective moves: its root (if it has one), and each rank's
/// count of values of `datatype`.
pub struct Moves {
    pub root: Option<c_int>,
    pub count: i64,
    pub datatype: ffi::MPI_Datatype,
}

/// A collective of `op` on `comm`: recorded around the nonblocking form
/// `start`; `plain` when not recording.
pub unsafe fn collective(
    op: Op,
    comm: ffi::MPI_Comm,
    moves: Moves,
    start: impl FnOnce(&mut ffi::MPI_Request) -> c_int,
    plain: impl FnOnce() -> c_int,
) -> c_int {
    let at = caller();
    if !recording() {
        return plain();
    }
    let id = begin(|| {
        let info = comms::info(comm);
        let (datatype, size) = comms::datatype(moves.datatype);
        let count = moves.count.max(0) as u64;
        let spec = CollectiveSpec {
            root: moves.root.and_then(|r| info.world(r)),
            count,
            datatype,
            bytes: count * size,
            members: info.size(),
        };
        Some(CallSpec::new(op, site(at)).on(info.number).collective(spec))
    });
    let Some(id) = id else {
        return plain();
    };
    let mut request = ffi::RSMPI_REQUEST_NULL;
    let mut code = start(&mut request);
    step(|r| r.posted(id));
    if code == SUCCESS {
        // SAFETY: the request was just started.
        code = unsafe { complete(&mut request, ffi::RSMPI_STATUS_IGNORE) };
    }
    step(|r| r.end(id, op, &[], None));
    code
}

pub unsafe extern "C" fn barrier(comm: ffi::MPI_Comm) -> c_int {
    let moves = Moves {
        root: None,
        count: 0,
        // SAFETY: reading MPI's constant for a byte.
        datatype: unsafe { ffi::RSMPI_UINT8_T },
    };
    // SAFETY: the program's arguments, passed on as given.
    unsafe {
        collective(
            Op::Barrier,
            comm,
            moves,
            |request| ffi::PMPI_Ibarrier(comm, request),
            || ffi::PMPI_Barrier(comm),
        )
    }
}

pub unsafe extern "C" fn bcast(
    buf: *mut c_void,
    count: c_int,
    datatype: ffi::MPI_Datatype,
    root: c_int,
    comm: ffi::MPI_Comm,
) -> c_int {
    let moves = Moves {
        root: Some(root),
        count: count.into(),
        datatype,
    };
    // SAFETY: the program's arguments, passed on as given.
    unsafe {
        collective(
            Op::Bcast,
            comm,
            moves,
            |request| ffi::PMPI_Ibcast(buf, count, datatype, root, comm, request),
            || ffi::PMPI_Bcast(buf, count, datatype, root, comm),
        )
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn scatter(
    sendbuf: *const c_void,
    sendcount: c_int,
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
            Op::Scatter,
            comm,
            moves,
            |request| {
                ffi::PMPI_Iscatter(
                    sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm, request,
                )
            },
            || {
                ffi::PMPI_Scatter(
                    sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm,
                )
            },
        )
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn gather(
    sendbuf: *const c_void,
    sendcount: c_int,
    sendtype: ffi::MPI_Datatype,
    recvbuf: *mut c_void,
    recvcount: c_int,
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
            Op::Gather,
            comm,
            moves,
            |request| {
                ffi::PMPI_Igather(
                    sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm, request,
                )
            },
            || {
                ffi::PMPI_Gather(
                    sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm,
                )
            },
        )
    }
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn reduce(
    sendbuf: *const c_void,
    recvbuf: *mut c_void,
    count: c_int,
    datatype: ffi::MPI_Datatype,
    op: ffi::MPI_Op,
    root: c_int,
    comm: ffi::MPI_Comm,
) -> c_int {
    let moves = Moves {
        root: Some(root),
        count: count.into(),
        datatype,
    };
    // SAFETY: the program's arguments, passed on as given.
    unsafe {
        collective(
            Op::Reduce,
            comm,
            moves,
            |request| ffi::PMPI_Ireduce(sendbuf, recvbuf, count, datatype, op, root, comm, request),
            || ffi::PMPI_Reduce(sendbuf, recvbuf, count, datatype, op, root, comm),
        )
    }
}

pub unsafe extern "C" fn allreduce(
    sendbuf: *const c_void,
    recvbuf: *mut c_void,
    count: c_int,
    datatype: ffi::MPI_Datatype,
    op: ffi::MPI_Op,
    comm: ffi::MPI_Comm,
) -> c_int {
    let moves = Moves {
        root: None,
        count: count.into(),
        datatype,
    };
    // SAFETY: the program's arguments, passed on as given.
    unsafe {
        collective(
            Op::Allreduce,
            comm,
            moves,
            |request| ffi::PMPI_Iallreduce(sendbuf, recvbuf, count, datatype, op, comm, request),
            || ffi::PMPI_Allreduce(sendbuf, recvbuf, count, datatype, op, comm),
        )
    }
}

pub unsafe extern "C" fn comm_free(comm: *mut ffi::MPI_Comm) -> c_int {
    // SAFETY: the program's communicator.
    comms::forget(unsafe { *comm });
    // SAFETY: the program's argument, passed on as given.
    unsafe { ffi::PMPI_Comm_free(comm) }
}
