//! The nonblocking collectives (`MPI_Ibarrier`, `MPI_Ibcast`...): each is
//! recorded as the collective started, with the request it makes; the wait
//! or test that completes the request is where the rank meets the others
//! (see `requests`).

use std::os::raw::{c_int, c_void};

use mpi::ffi;
use mpi_tutor::probe::this_thread;
use mpi_tutor::trace::Op;

use crate::collective::{collective_spec, Moves};

/// Collective `op` on `comm`, called from `at`, started by `start`, which
/// writes the program's `request`.
///
/// # Safety
/// `request` as the nonblocking collective takes it.
pub unsafe fn started(
    op: Op,
    at: usize,
    comm: ffi::MPI_Comm,
    moves: &Moves,
    request: *mut ffi::MPI_Request,
    start: impl FnOnce() -> c_int,
) -> c_int {
    this_thread(|thread| {
        if thread.on_tutor_thread() {
            return start();
        }
        let describe = || collective_spec(op, at, comm, moves);
        let then = crate::Then::Opened(op, request, None);
        crate::begin_started_then(thread, describe, start, then).1
    })
}

/// What a collective moves, for `Moves`' callers: `count` values of
/// `datatype` each, with a root or without.
pub fn moves(root: Option<c_int>, count: i64, datatype: ffi::MPI_Datatype) -> Moves {
    Moves {
        root,
        count,
        datatype,
        put: crate::collective::NOTHING,
        reduce: None,
    }
}

/// Defines `$name`, the body of the hook of nonblocking collective `$op`
/// with the arguments `$arg` (and the request), started by `$start`;
/// `$describe` gives the communicator and what moves.
macro_rules! started_collective {
    ($name:ident, $op:expr, $start:ident, ($($arg:ident: $ty:ty),* $(,)?), $describe:expr) => {
        #[allow(clippy::too_many_arguments, clippy::useless_conversion)]
        pub unsafe extern "C" fn $name(
            $($arg: $ty,)*
            request: *mut ::mpi::ffi::MPI_Request,
        ) -> ::std::os::raw::c_int {
            let at = $crate::caller();
            let (comm, moves): (::mpi::ffi::MPI_Comm, $crate::collective::Moves) = $describe;
            // SAFETY: the program's arguments, passed on as given.
            unsafe {
                $crate::started::started($op, at, comm, &moves, request, || {
                    ::mpi::ffi::$start($($arg,)* request)
                })
            }
        }
    };
}
pub(crate) use started_collective;

/// A byte: what a barrier is recorded as moving none of.
fn byte() -> ffi::MPI_Datatype {
    // SAFETY: reading MPI's constant.
    unsafe { ffi::RSMPI_UINT8_T }
}

type Buffer = *const c_void;
type Room = *mut c_void;
type Type = ffi::MPI_Datatype;
type Comm = ffi::MPI_Comm;
type Counts = *const c_int;

started_collective!(ibarrier, Op::Ibarrier, PMPI_Ibarrier, (comm: Comm), {
    (comm, moves(None, 0, byte()))
});
started_collective!(
    ibcast,
    Op::Ibcast,
    PMPI_Ibcast,
    (buf: Room, count: c_int, datatype: Type, root: c_int, comm: Comm),
    (comm, moves(Some(root), count.into(), datatype))
);
started_collective!(
    iscatter,
    Op::Iscatter,
    PMPI_Iscatter,
    (sendbuf: Buffer, sendcount: c_int, sendtype: Type, recvbuf: Room, recvcount: c_int,
     recvtype: Type, root: c_int, comm: Comm),
    (comm, moves(Some(root), recvcount.into(), recvtype))
);
started_collective!(
    igather,
    Op::Igather,
    PMPI_Igather,
    (sendbuf: Buffer, sendcount: c_int, sendtype: Type, recvbuf: Room, recvcount: c_int,
     recvtype: Type, root: c_int, comm: Comm),
    (comm, moves(Some(root), sendcount.into(), sendtype))
);
started_collective!(
    iscatterv,
    Op::Iscatterv,
    PMPI_Iscatterv,
    (sendbuf: Buffer, sendcounts: Counts, displs: Counts, sendtype: Type, recvbuf: Room,
     recvcount: c_int, recvtype: Type, root: c_int, comm: Comm),
    (comm, moves(Some(root), recvcount.into(), recvtype))
);
started_collective!(
    igatherv,
    Op::Igatherv,
    PMPI_Igatherv,
    (sendbuf: Buffer, sendcount: c_int, sendtype: Type, recvbuf: Room, recvcounts: Counts,
     displs: Counts, recvtype: Type, root: c_int, comm: Comm),
    (comm, moves(Some(root), sendcount.into(), sendtype))
);
started_collective!(
    iallgather,
    Op::Iallgather,
    PMPI_Iallgather,
    (sendbuf: Buffer, sendcount: c_int, sendtype: Type, recvbuf: Room, recvcount: c_int,
     recvtype: Type, comm: Comm),
    (comm, moves(None, sendcount.into(), sendtype))
);
started_collective!(
    ialltoall,
    Op::Ialltoall,
    PMPI_Ialltoall,
    (sendbuf: Buffer, sendcount: c_int, sendtype: Type, recvbuf: Room, recvcount: c_int,
     recvtype: Type, comm: Comm),
    (comm, moves(None, sendcount.into(), sendtype))
);
started_collective!(
    ireduce,
    Op::Ireduce,
    PMPI_Ireduce,
    (sendbuf: Buffer, recvbuf: Room, count: c_int, datatype: Type, op: ffi::MPI_Op,
     root: c_int, comm: Comm),
    (comm, moves(Some(root), count.into(), datatype))
);
started_collective!(
    iallreduce,
    Op::Iallreduce,
    PMPI_Iallreduce,
    (sendbuf: Buffer, recvbuf: Room, count: c_int, datatype: Type, op: ffi::MPI_Op, comm: Comm),
    (comm, moves(None, count.into(), datatype))
);
// mpi4py 4 calls the large-count form under MPICH.
#[cfg(large_count)]
started_collective!(
    iallreduce_c,
    Op::Iallreduce,
    PMPI_Iallreduce_c,
    (sendbuf: Buffer, recvbuf: Room, count: ffi::MPI_Count, datatype: Type, op: ffi::MPI_Op,
        comm: Comm),
    (comm, moves(None, count, datatype))
);
started_collective!(
    iscan,
    Op::Iscan,
    PMPI_Iscan,
    (sendbuf: Buffer, recvbuf: Room, count: c_int, datatype: Type, op: ffi::MPI_Op, comm: Comm),
    (comm, moves(None, count.into(), datatype))
);
