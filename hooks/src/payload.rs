//! The MPI calls inside mpi4py's pickled methods that no other hook sees
//! (mpi4py 4 makes them in their large-count form): each counts towards the
//! open fold (see `fold`), so the fold ends with the method's last call;
//! outside a fold each passes straight to MPI, unrecorded. Only an MPI
//! with the large-count calls (`cfg(large_count)`, see build.rs) has them.
#![cfg(large_count)]

use std::os::raw::c_int;

use mpi_tutor::probe::CallSpec;
use mpi_tutor::trace::Op;

use crate::{begin, caller, fold, recording, site};

/// Runs `work` as one MPI call of the open fold, if there is one.
fn in_fold(op: Op, work: impl FnOnce() -> c_int) -> c_int {
    let at = caller();
    if !recording() || !fold::is_open() {
        return work();
    }
    let id = begin(|| Some(CallSpec::new(op, site(at))));
    let code = work();
    if let Some(id) = id {
        crate::end(id, op, &[], None);
    }
    code
}

/// Defines `$name`, a payload hook of `$op` with the C signature given,
/// done by `$pmpi` with the same arguments.
/// Its first argument, a buffer, is noted: a pickle the fold may read.
macro_rules! payload_hook {
    ($name:ident, $op:expr, $pmpi:ident, ($first:ident: $first_ty:ty, $($arg:ident: $ty:ty),* $(,)?)) => {
        #[allow(clippy::too_many_arguments)]
        pub unsafe extern "C" fn $name($first: $first_ty, $($arg: $ty),*) -> c_int {
            $crate::fold::note_buffer($first as *const c_void);
            // SAFETY: the program's arguments, passed on as given.
            in_fold($op, || unsafe { ffi::$pmpi($first, $($arg),*) })
        }
    };
}

pub mod large_count {
    use std::os::raw::{c_int, c_void};

    use mpi::ffi;
    use mpi::ffi::{MPI_Aint, MPI_Count};
    use mpi_tutor::trace::Op;

    use super::in_fold;

    payload_hook!(mrecv_c, Op::Mrecv, PMPI_Mrecv_c, (
        buf: *mut c_void, count: MPI_Count, datatype: ffi::MPI_Datatype,
        message: *mut ffi::MPI_Message, status: *mut ffi::MPI_Status,
    ));
    payload_hook!(scatterv_c, Op::Scatterv, PMPI_Scatterv_c, (
        sendbuf: *const c_void, sendcounts: *const MPI_Count, displs: *const MPI_Aint,
        sendtype: ffi::MPI_Datatype, recvbuf: *mut c_void, recvcount: MPI_Count,
        recvtype: ffi::MPI_Datatype, root: c_int, comm: ffi::MPI_Comm,
    ));
    payload_hook!(gatherv_c, Op::Gatherv, PMPI_Gatherv_c, (
        sendbuf: *const c_void, sendcount: MPI_Count, sendtype: ffi::MPI_Datatype,
        recvbuf: *mut c_void, recvcounts: *const MPI_Count, displs: *const MPI_Aint,
        recvtype: ffi::MPI_Datatype, root: c_int, comm: ffi::MPI_Comm,
    ));

    /// Defines `$name`, the large-count form of a rootless exchange: the
    /// plain form's hook `$hook` when both counts fit an `int` (mpi4py
    /// 4's pickled allgather and alltoall begin so), else `$large`
    /// unrecorded.
    macro_rules! narrowed_everyone_hook {
        ($name:ident, $large:ident, $hook:path) => {
            pub unsafe extern "C" fn $name(
                sendbuf: *const c_void,
                sendcount: MPI_Count,
                sendtype: ffi::MPI_Datatype,
                recvbuf: *mut c_void,
                recvcount: MPI_Count,
                recvtype: ffi::MPI_Datatype,
                comm: ffi::MPI_Comm,
            ) -> c_int {
                match (c_int::try_from(sendcount), c_int::try_from(recvcount)) {
                    // SAFETY: the program's arguments, narrowed without loss.
                    (Ok(send), Ok(recv)) => unsafe {
                        $hook(sendbuf, send, sendtype, recvbuf, recv, recvtype, comm)
                    },
                    // SAFETY: the program's arguments, passed on as given.
                    _ => unsafe {
                        ffi::$large(
                            sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                        )
                    },
                }
            }
        };
    }

    crate::p2p::started_send_hook!(issend_c, MPI_Count, PMPI_Issend_c);
    narrowed_everyone_hook!(allgather_c, PMPI_Allgather_c, crate::gathers::allgather);
    narrowed_everyone_hook!(alltoall_c, PMPI_Alltoall_c, crate::gathers::alltoall);
}
