//! Collectives: each is done with its nonblocking form (MPI-3), so the
//! recorder hears the call is under way before the rank waits.

use std::os::raw::{c_int, c_void};

use mpi::ffi;
use mpi_tutor::probe::{CallSpec, CollectiveSpec};
use mpi_tutor::trace::{Op, Text, Values};

use crate::{caller, comms, completed, preview, recording, site};

/// What a collective moves: its root (if it has one), and each rank's
/// count of values of `datatype`.
pub struct Moves {
    pub root: Option<c_int>,
    pub count: i64,
    pub datatype: ffi::MPI_Datatype,
    /// What this rank puts in (the root's, for a broadcast or a scatter);
    /// null for nothing to show.
    pub put: *const c_void,
    /// A reduction's operation.
    pub reduce: Option<ffi::MPI_Op>,
}

/// Nothing to show of a collective's data.
pub const NOTHING: *const c_void = std::ptr::null();

/// The preview of what this rank puts into collective `op`.
///
/// # Safety
/// `moves.put` as [`preview::values`] takes it.
unsafe fn put_values(
    op: Op,
    comm: ffi::MPI_Comm,
    info: &comms::CommInfo,
    moves: &Moves,
) -> Option<Values> {
    let (count, only_root) = match op {
        Op::Bcast => (moves.count, true),
        Op::Scatter => (moves.count * info.world_ranks.len() as i64, true),
        _ => (moves.count, false),
    };
    if only_root && !moves.root.is_some_and(|r| preview::is_root(comm, r)) {
        return None;
    }
    // SAFETY: as the caller guarantees.
    unsafe { preview::values(moves.put, count, moves.datatype) }
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
    completed(op, || collective_spec(op, at, comm, &moves), start).unwrap_or_else(plain)
}

/// How collective `op` on `comm`, called from `at`, is described.
pub fn collective_spec(
    op: Op,
    at: usize,
    comm: ffi::MPI_Comm,
    moves: &Moves,
) -> Option<CallSpec<'static>> {
    {
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
        // SAFETY: the program's buffer.
        let put = unsafe { put_values(op, comm, &info, moves) };
        let call = CallSpec::new(op, site(at)).on(info.number).collective(spec);
        Some(match moves.reduce.and_then(preview::op_name) {
            Some(name) => call.showing(put).reducing(name),
            None => call.showing(put),
        })
    }
}

pub unsafe extern "C" fn barrier(comm: ffi::MPI_Comm) -> c_int {
    let moves = Moves {
        root: None,
        count: 0,
        // SAFETY: reading MPI's constant for a byte.
        datatype: unsafe { ffi::RSMPI_UINT8_T },
        put: NOTHING,
        reduce: None,
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

/// Defines `$name`, the body of the `MPI_Bcast` hook with a `$count`
/// count, done by `$start` (`MPI_Ibcast`'s form) or by `$plain`.
macro_rules! bcast_hook {
    ($name:ident, $count:ty, $start:ident, $plain:ident) => {
        #[allow(clippy::useless_conversion)]
        pub unsafe extern "C" fn $name(
            buf: *mut ::std::os::raw::c_void,
            count: $count,
            datatype: ::mpi::ffi::MPI_Datatype,
            root: ::std::os::raw::c_int,
            comm: ::mpi::ffi::MPI_Comm,
        ) -> ::std::os::raw::c_int {
            $crate::fold::note_buffer(buf);
            let moves = $crate::collective::Moves {
                root: Some(root),
                count: count.into(),
                datatype,
                put: buf.cast_const(),
                reduce: None,
            };
            // SAFETY: the program's arguments, passed on as given.
            unsafe {
                $crate::collective::collective(
                    ::mpi_tutor::trace::Op::Bcast,
                    comm,
                    moves,
                    |request| ::mpi::ffi::$start(buf, count, datatype, root, comm, request),
                    || ::mpi::ffi::$plain(buf, count, datatype, root, comm),
                )
            }
        }
    };
}
// Used beyond this file only by the large-count forms (src/large.rs).
#[cfg(large_count)]
pub(crate) use bcast_hook;

/// Defines `$name`, the body of the `MPI_Reduce` hook with a `$count`
/// count, done by `$start` (`MPI_Ireduce`'s form) or by `$plain`.
macro_rules! reduce_hook {
    ($name:ident, $count:ty, $start:ident, $plain:ident) => {
        #[allow(clippy::too_many_arguments, clippy::useless_conversion)]
        pub unsafe extern "C" fn $name(
            sendbuf: *const ::std::os::raw::c_void,
            recvbuf: *mut ::std::os::raw::c_void,
            count: $count,
            datatype: ::mpi::ffi::MPI_Datatype,
            op: ::mpi::ffi::MPI_Op,
            root: ::std::os::raw::c_int,
            comm: ::mpi::ffi::MPI_Comm,
        ) -> ::std::os::raw::c_int {
            let moves = $crate::collective::Moves {
                root: Some(root),
                count: count.into(),
                datatype,
                put: sendbuf,
                reduce: Some(op),
            };
            // SAFETY: the program's arguments, passed on as given.
            unsafe {
                $crate::collective::collective(
                    ::mpi_tutor::trace::Op::Reduce,
                    comm,
                    moves,
                    |request| {
                        ::mpi::ffi::$start(
                            sendbuf, recvbuf, count, datatype, op, root, comm, request,
                        )
                    },
                    || ::mpi::ffi::$plain(sendbuf, recvbuf, count, datatype, op, root, comm),
                )
            }
        }
    };
}
// Used beyond this file only by the large-count forms (src/large.rs).
#[cfg(large_count)]
pub(crate) use reduce_hook;

/// Defines `$name`, the body of a rootless reduction hook (`MPI_Allreduce`,
/// `MPI_Scan`) with a `$count` count: `$op` recorded, done by `$start` (the
/// nonblocking form) or by `$plain`.
macro_rules! allreduce_hook {
    ($name:ident, $count:ty, $op:expr, $start:ident, $plain:ident) => {
        #[allow(clippy::useless_conversion)]
        pub unsafe extern "C" fn $name(
            sendbuf: *const ::std::os::raw::c_void,
            recvbuf: *mut ::std::os::raw::c_void,
            count: $count,
            datatype: ::mpi::ffi::MPI_Datatype,
            op: ::mpi::ffi::MPI_Op,
            comm: ::mpi::ffi::MPI_Comm,
        ) -> ::std::os::raw::c_int {
            let moves = $crate::collective::Moves {
                root: None,
                count: count.into(),
                datatype,
                put: sendbuf,
                reduce: Some(op),
            };
            // SAFETY: the program's arguments, passed on as given.
            unsafe {
                $crate::collective::collective(
                    $op,
                    comm,
                    moves,
                    |request| {
                        ::mpi::ffi::$start(sendbuf, recvbuf, count, datatype, op, comm, request)
                    },
                    || ::mpi::ffi::$plain(sendbuf, recvbuf, count, datatype, op, comm),
                )
            }
        }
    };
}
pub(crate) use allreduce_hook;

/// Defines `$name`, the body of a hook with a send and a receive buffer
/// (`MPI_Scatter`, `MPI_Gather` with a root; `MPI_Allgather`,
/// `MPI_Alltoall` without): `$op` recorded with the count and datatype
/// `$side` picks from (send, receive), done by `$start` or by `$plain`.
macro_rules! exchange_hook {
    ($name:ident, $op:expr, root, $side:expr, $start:ident, $plain:ident) => {
        #[allow(clippy::too_many_arguments)]
        pub unsafe extern "C" fn $name(
            sendbuf: *const ::std::os::raw::c_void,
            sendcount: ::std::os::raw::c_int,
            sendtype: ::mpi::ffi::MPI_Datatype,
            recvbuf: *mut ::std::os::raw::c_void,
            recvcount: ::std::os::raw::c_int,
            recvtype: ::mpi::ffi::MPI_Datatype,
            root: ::std::os::raw::c_int,
            comm: ::mpi::ffi::MPI_Comm,
        ) -> ::std::os::raw::c_int {
            $crate::fold::note_buffer(sendbuf);
            $crate::fold::note_received(recvbuf.cast_const());
            let (count, datatype) = ($side)((sendcount, sendtype), (recvcount, recvtype));
            let moves = $crate::collective::Moves {
                root: Some(root),
                count: i64::from(count),
                datatype,
                put: sendbuf,
                reduce: None,
            };
            // SAFETY: the program's arguments, passed on as given.
            unsafe {
                $crate::collective::collective(
                    $op,
                    comm,
                    moves,
                    |request| {
                        ::mpi::ffi::$start(
                            sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm,
                            request,
                        )
                    },
                    || {
                        ::mpi::ffi::$plain(
                            sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm,
                        )
                    },
                )
            }
        }
    };
    ($name:ident, $op:expr, everyone, $side:expr, $start:ident, $plain:ident) => {
        #[allow(clippy::too_many_arguments)]
        pub unsafe extern "C" fn $name(
            sendbuf: *const ::std::os::raw::c_void,
            sendcount: ::std::os::raw::c_int,
            sendtype: ::mpi::ffi::MPI_Datatype,
            recvbuf: *mut ::std::os::raw::c_void,
            recvcount: ::std::os::raw::c_int,
            recvtype: ::mpi::ffi::MPI_Datatype,
            comm: ::mpi::ffi::MPI_Comm,
        ) -> ::std::os::raw::c_int {
            $crate::fold::note_buffer(sendbuf);
            let (count, datatype) = ($side)((sendcount, sendtype), (recvcount, recvtype));
            let moves = $crate::collective::Moves {
                root: None,
                count: i64::from(count),
                datatype,
                put: sendbuf,
                reduce: None,
            };
            // SAFETY: the program's arguments, passed on as given.
            unsafe {
                $crate::collective::collective(
                    $op,
                    comm,
                    moves,
                    |request| {
                        ::mpi::ffi::$start(
                            sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                            request,
                        )
                    },
                    || {
                        ::mpi::ffi::$plain(
                            sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                        )
                    },
                )
            }
        }
    };
}
pub(crate) use exchange_hook;

/// The count and datatype a call is recorded with: what this rank sends.
pub fn sent<T>(send: T, _recv: T) -> T {
    send
}

/// The count and datatype a call is recorded with: what this rank receives.
pub fn received<T>(_send: T, recv: T) -> T {
    recv
}

bcast_hook!(bcast, c_int, PMPI_Ibcast, PMPI_Bcast);
exchange_hook!(
    scatter,
    Op::Scatter,
    root,
    received,
    PMPI_Iscatter,
    PMPI_Scatter
);
exchange_hook!(gather, Op::Gather, root, sent, PMPI_Igather, PMPI_Gather);
reduce_hook!(reduce, c_int, PMPI_Ireduce, PMPI_Reduce);
allreduce_hook!(
    allreduce,
    c_int,
    Op::Allreduce,
    PMPI_Iallreduce,
    PMPI_Allreduce
);

/// `MPI_Comm_free`: shown by name, as the calls without a hook of their
/// own are (it moves no data and waits for no one); not mpi4py's own
/// freeing of its private communicators (`own`).
pub unsafe extern "C" fn comm_free(comm: *mut ffi::MPI_Comm) -> c_int {
    const NAME: &str = "MPI_Comm_free";
    let at = caller();
    // SAFETY: the program's communicator.
    let private = crate::own::frees_private(unsafe { *comm });
    let id = if recording() && !crate::fold::is_open() && !private {
        crate::begin_posted(|| Some(CallSpec::other(Text::Borrowed(NAME), site(at))))
    } else {
        None
    };
    // SAFETY: the program's communicator.
    comms::forget(unsafe { *comm });
    // SAFETY: the program's argument, passed on as given.
    let code = unsafe { ffi::PMPI_Comm_free(comm) };
    if let Some(id) = id {
        crate::step(|r| r.end_other(id, Text::Borrowed(NAME)));
    }
    code
}
