//! The large-count forms (`MPI_Send_c` and kin, MPI 4): mpi4py 4.x calls
//! them whenever the library has them (MPICH 4). A call whose counts fit
//! an `int` is the same call as the plain form, and is recorded by the
//! plain form's hook; a larger one goes to the library's own `_c` function
//! unrecorded. The library is asked for them by name, as Open MPI 4 has
//! none and a hook library must load under either MPI.

use std::ffi::CStr;
use std::os::raw::{c_int, c_void};

use mpi::ffi;
use mpi::ffi::MPI_Count as Count;

use crate::{collective, p2p, sendrecv};

/// The MPI library's own function `name`, if it has one.
fn library_function(name: &CStr) -> Option<*mut c_void> {
    // SAFETY: dlsym with RTLD_DEFAULT only reads the loader's tables; the
    // hooks define no `PMPI_` names, so the library's is found.
    let found = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!found.is_null()).then_some(found)
}

/// Defines the body of a `_c` hook: the plain hook `$plain` when every
/// count fits an `int`, else the library's `$library` function.
macro_rules! large {
    ($name:ident => $plain:path, $library:literal,
     ($($arg:ident: $ty:ty),*), counts($($count:ident),+)) => {
        #[allow(clippy::too_many_arguments)]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> c_int {
            if let ($(Ok($count),)+) = ($(c_int::try_from($count),)+) {
                // SAFETY: the program's arguments, the counts narrowed
                // without loss.
                return unsafe { $plain($($arg),*) };
            }
            let Some(found) = library_function($library) else {
                return ffi::MPI_ERR_OTHER as c_int;
            };
            // SAFETY: the library's function of that name has this
            // signature (the MPI standard's); the program's arguments are
            // passed on as given.
            unsafe {
                let function: unsafe extern "C" fn($($ty),*) -> c_int =
                    std::mem::transmute::<*mut c_void, _>(found);
                function($($arg),*)
            }
        }
    };
}

type Datatype = ffi::MPI_Datatype;
type Comm = ffi::MPI_Comm;

large!(send_c => p2p::send, c"PMPI_Send_c",
    (buf: *const c_void, count: Count, datatype: Datatype, dest: c_int, tag: c_int, comm: Comm),
    counts(count));
large!(ssend_c => p2p::ssend, c"PMPI_Ssend_c",
    (buf: *const c_void, count: Count, datatype: Datatype, dest: c_int, tag: c_int, comm: Comm),
    counts(count));
large!(recv_c => p2p::recv, c"PMPI_Recv_c",
    (buf: *mut c_void, count: Count, datatype: Datatype, source: c_int, tag: c_int, comm: Comm,
     status: *mut ffi::MPI_Status),
    counts(count));
large!(isend_c => p2p::isend, c"PMPI_Isend_c",
    (buf: *const c_void, count: Count, datatype: Datatype, dest: c_int, tag: c_int, comm: Comm,
     request: *mut ffi::MPI_Request),
    counts(count));
large!(irecv_c => p2p::irecv, c"PMPI_Irecv_c",
    (buf: *mut c_void, count: Count, datatype: Datatype, source: c_int, tag: c_int, comm: Comm,
     request: *mut ffi::MPI_Request),
    counts(count));
large!(sendrecv_c => sendrecv::sendrecv, c"PMPI_Sendrecv_c",
    (sendbuf: *const c_void, sendcount: Count, sendtype: Datatype, dest: c_int, sendtag: c_int,
     recvbuf: *mut c_void, recvcount: Count, recvtype: Datatype, source: c_int, recvtag: c_int,
     comm: Comm, status: *mut ffi::MPI_Status),
    counts(sendcount, recvcount));
large!(bcast_c => collective::bcast, c"PMPI_Bcast_c",
    (buf: *mut c_void, count: Count, datatype: Datatype, root: c_int, comm: Comm),
    counts(count));
large!(scatter_c => collective::scatter, c"PMPI_Scatter_c",
    (sendbuf: *const c_void, sendcount: Count, sendtype: Datatype, recvbuf: *mut c_void,
     recvcount: Count, recvtype: Datatype, root: c_int, comm: Comm),
    counts(sendcount, recvcount));
large!(gather_c => collective::gather, c"PMPI_Gather_c",
    (sendbuf: *const c_void, sendcount: Count, sendtype: Datatype, recvbuf: *mut c_void,
     recvcount: Count, recvtype: Datatype, root: c_int, comm: Comm),
    counts(sendcount, recvcount));
large!(reduce_c => collective::reduce, c"PMPI_Reduce_c",
    (sendbuf: *const c_void, recvbuf: *mut c_void, count: Count, datatype: Datatype,
     op: ffi::MPI_Op, root: c_int, comm: Comm),
    counts(count));
large!(allreduce_c => collective::allreduce, c"PMPI_Allreduce_c",
    (sendbuf: *const c_void, recvbuf: *mut c_void, count: Count, datatype: Datatype,
     op: ffi::MPI_Op, comm: Comm),
    counts(count));
