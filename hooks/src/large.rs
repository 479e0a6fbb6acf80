//! The MPI-4 large-count forms (`MPI_Send_c`...), where the library has
//! them (MPICH 4; see build.rs): mpi4py 4 calls these, not the plain ones.
//! Same bodies as the plain forms, with an `MPI_Count`.

use std::os::raw::{c_int, c_void};

use mpi::ffi;
use mpi::ffi::MPI_Count;
use mpi_tutor::trace::Op;

use crate::collective::{allreduce_hook, bcast_hook, reduce_hook};
use crate::p2p::{
    blocking_recv_hook, blocking_send_hook, started_recv_hook, started_send_hook,
    synchronous_when_asked,
};

blocking_send_hook!(
    standard_send_c,
    MPI_Count,
    Op::Send,
    PMPI_Isend_c,
    PMPI_Send_c
);
blocking_send_hook!(ssend_c, MPI_Count, Op::Ssend, PMPI_Issend_c, PMPI_Ssend_c);
blocking_recv_hook!(recv_c, MPI_Count, PMPI_Irecv_c, PMPI_Recv_c);
started_send_hook!(standard_isend_c, MPI_Count, PMPI_Isend_c);
synchronous_when_asked!(send_c, MPI_Count, standard_send_c, ssend_c);
synchronous_when_asked!(
    isend_c,
    MPI_Count,
    standard_isend_c,
    crate::payload::large_count::issend_c,
    request
);
started_recv_hook!(irecv_c, MPI_Count, PMPI_Irecv_c);

bcast_hook!(bcast_c, MPI_Count, PMPI_Ibcast_c, PMPI_Bcast_c);
reduce_hook!(reduce_c, MPI_Count, PMPI_Ireduce_c, PMPI_Reduce_c);
allreduce_hook!(
    allreduce_c,
    MPI_Count,
    Op::Allreduce,
    PMPI_Iallreduce_c,
    PMPI_Allreduce_c
);
allreduce_hook!(scan_c, MPI_Count, Op::Scan, PMPI_Iscan_c, PMPI_Scan_c);

/// The counts as the plain forms take them, when they fit an `int`.
fn narrowed<const N: usize>(counts: [MPI_Count; N]) -> Option<[c_int; N]> {
    let mut narrow = [0; N];
    for (to, from) in narrow.iter_mut().zip(counts) {
        *to = c_int::try_from(from).ok()?;
    }
    Some(narrow)
}

/// mpi4py 4's `comm.Sendrecv` (a halo exchange): recorded by the plain
/// form's hook when its counts fit an `int`, else passed on unrecorded.
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn sendrecv_c(
    sendbuf: *const c_void,
    sendcount: MPI_Count,
    sendtype: ffi::MPI_Datatype,
    dest: c_int,
    sendtag: c_int,
    recvbuf: *mut c_void,
    recvcount: MPI_Count,
    recvtype: ffi::MPI_Datatype,
    source: c_int,
    recvtag: c_int,
    comm: ffi::MPI_Comm,
    status: *mut ffi::MPI_Status,
) -> c_int {
    let Some([send, recv]) = narrowed([sendcount, recvcount]) else {
        // SAFETY: the program's arguments, passed on as given.
        return unsafe {
            ffi::PMPI_Sendrecv_c(
                sendbuf, sendcount, sendtype, dest, sendtag, recvbuf, recvcount, recvtype, source,
                recvtag, comm, status,
            )
        };
    };
    // SAFETY: the program's arguments, the counts narrowed without loss.
    unsafe {
        crate::sendrecv::sendrecv(
            sendbuf, send, sendtype, dest, sendtag, recvbuf, recv, recvtype, source, recvtag, comm,
            status,
        )
    }
}

/// Defines `$name`, the large-count form of a rooted collective with a
/// send and a receive buffer: as `sendrecv_c`, through the plain hook
/// `$hook`, or passed on to `$large` unrecorded.
macro_rules! narrowed_exchange_hook {
    ($(#[$doc:meta])* $name:ident, $large:ident, $hook:path) => {
        $(#[$doc])*
        #[allow(clippy::too_many_arguments)]
        pub unsafe extern "C" fn $name(
            sendbuf: *const c_void,
            sendcount: MPI_Count,
            sendtype: ffi::MPI_Datatype,
            recvbuf: *mut c_void,
            recvcount: MPI_Count,
            recvtype: ffi::MPI_Datatype,
            root: c_int,
            comm: ffi::MPI_Comm,
        ) -> c_int {
            let Some([send, recv]) = narrowed([sendcount, recvcount]) else {
                // SAFETY: the program's arguments, passed on as given.
                return unsafe {
                    ffi::$large(
                        sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm,
                    )
                };
            };
            // SAFETY: the program's arguments, the counts narrowed without loss.
            unsafe { $hook(sendbuf, send, sendtype, recvbuf, recv, recvtype, root, comm) }
        }
    };
}

narrowed_exchange_hook!(
    /// mpi4py 4's `comm.Scatter`: as `sendrecv_c`, through the plain hook.
    scatter_c,
    PMPI_Scatter_c,
    crate::collective::scatter
);
narrowed_exchange_hook!(
    /// mpi4py 4's `comm.Gather`: as `sendrecv_c`, through the plain hook.
    gather_c,
    PMPI_Gather_c,
    crate::collective::gather
);
