//! The collectives that spread a result or exchange counts of their own:
//! reduce_scatter (a count for each rank, or one for all), exscan,
//! allgatherv and alltoallv, with their nonblocking and large-count forms.
//! Each is recorded with the values this rank contributes.

use std::os::raw::{c_int, c_void};

use mpi::ffi;

use crate::comms;
use crate::started::moves;

/// The sum of `counts`, one per rank of `comm` (none if there are none).
fn total<T: Copy + Into<i64>>(comm: ffi::MPI_Comm, counts: *const T) -> i64 {
    if counts.is_null() {
        return 0;
    }
    let ranks = comms::info(comm).size() as usize;
    // SAFETY: MPI takes one count for each rank of `comm` here.
    let counts = unsafe { std::slice::from_raw_parts(counts, ranks) };
    counts.iter().map(|&c| c.into()).sum()
}

/// Defines `$name`, the body of the hook of blocking collective `$op`
/// with the arguments `$arg`, done by `$start` (its nonblocking form)
/// completed, or by `$plain`; `$describe` gives the communicator and what
/// moves.
macro_rules! blocking_collective {
    ($name:ident, $op:expr, $start:ident, $plain:ident, ($($arg:ident: $ty:ty),* $(,)?), $describe:expr) => {
        #[allow(clippy::too_many_arguments, clippy::useless_conversion)]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> ::std::os::raw::c_int {
            let (comm, moves): (::mpi::ffi::MPI_Comm, $crate::collective::Moves) = $describe;
            // SAFETY: the program's arguments, passed on as given.
            unsafe {
                $crate::collective::collective(
                    $op,
                    comm,
                    moves,
                    |request| ::mpi::ffi::$start($($arg,)* request),
                    || ::mpi::ffi::$plain($($arg),*),
                )
            }
        }
    };
}

/// Defines both hooks (blocking, nonblocking) of one collective of the
/// five, for one count type.
macro_rules! both_forms {
    ($blocking:ident, $started:ident, $op:expr, $iop:expr, $plain:ident, $start:ident,
     ($($arg:ident: $ty:ty),* $(,)?), $describe:expr) => {
        blocking_collective!($blocking, $op, $start, $plain, ($($arg: $ty),*), $describe);
        $crate::started::started_collective!($started, $iop, $start, ($($arg: $ty),*), $describe);
    };
}

/// Defines the hooks of the five for counts of `$count` and
/// displacements of `$displ`, named as `$names` lists them: blocking and
/// nonblocking reduce_scatter, reduce_scatter_block, exscan, allgatherv,
/// alltoallv, each with its `PMPI_` pair.
macro_rules! spreading {
    ($count:ty, $displ:ty,
     [$rs:ident $irs:ident $prs:ident $pirs:ident]
     [$rsb:ident $irsb:ident $prsb:ident $pirsb:ident]
     [$ex:ident $iex:ident $pex:ident $piex:ident]
     [$agv:ident $iagv:ident $pagv:ident $piagv:ident]
     [$atv:ident $iatv:ident $patv:ident $piatv:ident]) => {
        both_forms!($rs, $irs, Op::ReduceScatter, Op::IreduceScatter, $prs, $pirs,
            (sendbuf: *const c_void, recvbuf: *mut c_void, recvcounts: *const $count,
             datatype: ffi::MPI_Datatype, op: ffi::MPI_Op, comm: ffi::MPI_Comm),
            (comm, moves(None, total(comm, recvcounts), datatype)));
        both_forms!($rsb, $irsb, Op::ReduceScatterBlock, Op::IreduceScatterBlock, $prsb, $pirsb,
            (sendbuf: *const c_void, recvbuf: *mut c_void, recvcount: $count,
             datatype: ffi::MPI_Datatype, op: ffi::MPI_Op, comm: ffi::MPI_Comm),
            (comm, moves(None, i64::from(recvcount) * i64::from(comms::info(comm).size()), datatype)));
        both_forms!($ex, $iex, Op::Exscan, Op::Iexscan, $pex, $piex,
            (sendbuf: *const c_void, recvbuf: *mut c_void, count: $count,
             datatype: ffi::MPI_Datatype, op: ffi::MPI_Op, comm: ffi::MPI_Comm),
            (comm, moves(None, count.into(), datatype)));
        both_forms!($agv, $iagv, Op::Allgatherv, Op::Iallgatherv, $pagv, $piagv,
            (sendbuf: *const c_void, sendcount: $count, sendtype: ffi::MPI_Datatype,
             recvbuf: *mut c_void, recvcounts: *const $count, displs: *const $displ,
             recvtype: ffi::MPI_Datatype, comm: ffi::MPI_Comm),
            (comm, moves(None, sendcount.into(), sendtype)));
        both_forms!($atv, $iatv, Op::Alltoallv, Op::Ialltoallv, $patv, $piatv,
            (sendbuf: *const c_void, sendcounts: *const $count, sdispls: *const $displ,
             sendtype: ffi::MPI_Datatype, recvbuf: *mut c_void, recvcounts: *const $count,
             rdispls: *const $displ, recvtype: ffi::MPI_Datatype, comm: ffi::MPI_Comm),
            (comm, moves(None, total(comm, sendcounts), sendtype)));
    };
}

pub mod plain {
    use super::*;
    use mpi_tutor::trace::Op;

    spreading!(c_int, c_int,
        [reduce_scatter ireduce_scatter PMPI_Reduce_scatter PMPI_Ireduce_scatter]
        [reduce_scatter_block ireduce_scatter_block PMPI_Reduce_scatter_block
            PMPI_Ireduce_scatter_block]
        [exscan iexscan PMPI_Exscan PMPI_Iexscan]
        [allgatherv iallgatherv PMPI_Allgatherv PMPI_Iallgatherv]
        [alltoallv ialltoallv PMPI_Alltoallv PMPI_Ialltoallv]);
}

#[cfg(large_count)]
pub mod large {
    use super::*;
    use mpi::ffi::{MPI_Aint, MPI_Count};
    use mpi_tutor::trace::Op;

    spreading!(MPI_Count, MPI_Aint,
        [reduce_scatter_c ireduce_scatter_c PMPI_Reduce_scatter_c PMPI_Ireduce_scatter_c]
        [reduce_scatter_block_c ireduce_scatter_block_c PMPI_Reduce_scatter_block_c
            PMPI_Ireduce_scatter_block_c]
        [exscan_c iexscan_c PMPI_Exscan_c PMPI_Iexscan_c]
        [allgatherv_c iallgatherv_c PMPI_Allgatherv_c PMPI_Iallgatherv_c]
        [alltoallv_c ialltoallv_c PMPI_Alltoallv_c PMPI_Ialltoallv_c]);
}
