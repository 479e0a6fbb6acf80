//! Fortran's MPI calls where the library's Fortran binding does not go
//! through the C `MPI_*` functions the other hooks define:
//! - Open MPI: `mpi_send_` (`use mpi`, `mpif.h`) is `ompi_send_f`, which
//!   calls `PMPI_Send`; `mpi_send_f08_` (`use mpi_f08`) calls
//!   `ompi_send_f`. The hooks take the `mpi_send_` names and `ompi_send_f`.
//! - MPICH: `mpi_send_` calls `MPI_Send` (seen already), and so do the
//!   `mpi_f08` calls with a buffer (`mpi_send_f08ts_`); the `mpi_f08` calls
//!   without one (`mpi_barrier_f08_`, `mpi_init_f08_`...) call `PMPI_*`.
//!
//! Each body does what the binding would: converts the Fortran handles to
//! C ones (`MPI_Comm_f2c`...), calls the C hook's body (which records the
//! call and does it through `PMPI_*`), and converts back what comes out
//! (requests, statuses, the error code). The trampolines note the return
//! address as the C hooks' do; when it is inside the binding library
//! (`mpi_f08`), `watch::site` walks on to the program's line.

use std::ffi::CStr;
use std::os::raw::c_int;
use std::sync::OnceLock;

use mpi::ffi;

use crate::hook;

#[cfg(mpi_family = "openmpi")]
mod buffers;
mod comms;
mod polls;
#[cfg(mpi_family = "openmpi")]
use buffers::{
    allreduce, bcast, gather, irecv, isend, recv, reduce, scatter, send, sendrecv, ssend,
};

use comms::{comm_dup, comm_free, comm_split};
use polls::{iprobe, probe, test};

/// `MPI_Fint`: a C `int` in both libraries (gfortran's default
/// `INTEGER`), which Open MPI's bindings for Rust do not name.
type Fint = c_int;

/// Where the library keeps its Fortran markers (`MPI_STATUS_IGNORE`...):
/// Fortran passes them by address, so they are told apart by address.
struct Markers {
    status_ignore: [usize; 2],
    statuses_ignore: [usize; 2],
}

/// The address of the library's symbol `name` (0: it has none).
pub(crate) fn address_of(name: &CStr) -> usize {
    // SAFETY: looks a name up in the loaded objects; nothing is called.
    unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) as usize }
}

fn markers() -> &'static Markers {
    static MARKERS: OnceLock<Markers> = OnceLock::new();
    MARKERS.get_or_init(|| Markers {
        // Open MPI's (`mpif.h`, `use mpi` and `mpi_f08` alike), then
        // MPICH's `mpi_f08` objects.
        status_ignore: [
            address_of(c"mpi_fortran_status_ignore_"),
            address_of(c"MPIR_F08_MPI_STATUS_IGNORE_OBJ"),
        ],
        statuses_ignore: [
            address_of(c"mpi_fortran_statuses_ignore_"),
            address_of(c"MPIR_F08_MPI_STATUSES_IGNORE_OBJ"),
        ],
    })
}

/// Whether `at` is one of the library's `markers` (those it has: an
/// absent one is 0), or null, which no status or status array is.
fn is_one_of(at: *const Fint, markers: &[usize]) -> bool {
    at.is_null() || markers.iter().any(|&m| m != 0 && m == at as usize)
}

/// The value behind a Fortran argument.
///
/// # Safety
/// `at` points to an integer, as Fortran passes every argument.
unsafe fn value(at: *const Fint) -> c_int {
    // SAFETY: as the caller guarantees.
    unsafe { *at }
}

/// The C communicator of a Fortran one.
///
/// # Safety
/// As [`value`].
unsafe fn comm(at: *const Fint) -> ffi::MPI_Comm {
    // SAFETY: as the caller guarantees; the conversion is MPI's own.
    unsafe { ffi::RSMPI_Comm_f2c(*at) }
}

/// Gives the program the call's error code, if it asked (`mpi_f08`'s
/// `ierror` is optional: null when left out).
///
/// # Safety
/// `ierr` is null or points to an integer.
unsafe fn answer(ierr: *mut Fint, code: c_int) {
    if !ierr.is_null() {
        // SAFETY: as the caller guarantees.
        unsafe { *ierr = code };
    }
}

/// How many Fortran integers one status takes (`MPI_STATUS_SIZE`): the
/// C status's size in both libraries.
const STATUS_INTEGERS: usize = std::mem::size_of::<ffi::MPI_Status>() / std::mem::size_of::<Fint>();

/// Runs `work` with a C status, then gives it to the Fortran `status`
/// unless that is `MPI_STATUS_IGNORE`.
///
/// # Safety
/// `status` is `MPI_STATUS_IGNORE` or a Fortran status.
unsafe fn with_status(
    status: *mut Fint,
    work: impl FnOnce(*mut ffi::MPI_Status) -> c_int,
) -> c_int {
    if is_one_of(status, &markers().status_ignore) {
        // SAFETY: reading MPI's constant.
        return work(unsafe { ffi::RSMPI_STATUS_IGNORE });
    }
    let mut got = crate::requests::empty_status();
    let code = work(&mut got);
    if code == crate::SUCCESS {
        // SAFETY: the program's status, as the caller guarantees.
        unsafe { ffi::PMPI_Status_c2f(&got, status) };
    }
    code
}

/// Defines the exported `$name`s, each a trampoline to `$body`.
macro_rules! fortran {
    ($body:path => $($name:ident),+) => {
        $(hook!($name => $body);)+
    };
}

#[cfg(mpi_family = "openmpi")]
mod names {
    use super::*;

    fortran!(init => mpi_init_, mpi_init__, ompi_init_f);
    fortran!(init_thread => mpi_init_thread_, mpi_init_thread__, ompi_init_thread_f);
    fortran!(finalize => mpi_finalize_, mpi_finalize__, ompi_finalize_f);
    fortran!(abort => mpi_abort_, mpi_abort__, ompi_abort_f);
    fortran!(barrier => mpi_barrier_, mpi_barrier__, ompi_barrier_f);
    fortran!(wait => mpi_wait_, mpi_wait__, ompi_wait_f);
    fortran!(waitall => mpi_waitall_, mpi_waitall__, ompi_waitall_f);
    fortran!(test => mpi_test_, mpi_test__, ompi_test_f);
    fortran!(iprobe => mpi_iprobe_, mpi_iprobe__, ompi_iprobe_f);
    fortran!(probe => mpi_probe_, mpi_probe__, ompi_probe_f);
    fortran!(comm_split => mpi_comm_split_, mpi_comm_split__, ompi_comm_split_f);
    fortran!(comm_dup => mpi_comm_dup_, mpi_comm_dup__, ompi_comm_dup_f);
    fortran!(comm_free => mpi_comm_free_, mpi_comm_free__, ompi_comm_free_f);
    fortran!(send => mpi_send_, mpi_send__, ompi_send_f);
    fortran!(ssend => mpi_ssend_, mpi_ssend__, ompi_ssend_f);
    fortran!(recv => mpi_recv_, mpi_recv__, ompi_recv_f);
    fortran!(isend => mpi_isend_, mpi_isend__, ompi_isend_f);
    fortran!(irecv => mpi_irecv_, mpi_irecv__, ompi_irecv_f);
    fortran!(sendrecv => mpi_sendrecv_, mpi_sendrecv__, ompi_sendrecv_f);
    fortran!(bcast => mpi_bcast_, mpi_bcast__, ompi_bcast_f);
    fortran!(reduce => mpi_reduce_, mpi_reduce__, ompi_reduce_f);
    fortran!(allreduce => mpi_allreduce_, mpi_allreduce__, ompi_allreduce_f);
    fortran!(scatter => mpi_scatter_, mpi_scatter__, ompi_scatter_f);
    fortran!(gather => mpi_gather_, mpi_gather__, ompi_gather_f);
}

#[cfg(mpi_family = "mpich")]
mod names {
    use super::*;

    // MPICH's `mpi_f08` calls without a buffer, which call `PMPI_*`.
    fortran!(init => mpi_init_f08_);
    fortran!(init_thread => mpi_init_thread_f08_);
    fortran!(finalize => mpi_finalize_f08_);
    fortran!(abort => mpi_abort_f08_);
    fortran!(barrier => mpi_barrier_f08_);
    fortran!(wait => mpi_wait_f08_);
    fortran!(waitall => mpi_waitall_f08_);
    fortran!(test => mpi_test_f08_);
    fortran!(iprobe => mpi_iprobe_f08_);
    fortran!(probe => mpi_probe_f08_);
    fortran!(comm_split => mpi_comm_split_f08_);
    fortran!(comm_dup => mpi_comm_dup_f08_);
    fortran!(comm_free => mpi_comm_free_f08_);
}

unsafe extern "C" fn init(ierr: *mut Fint) {
    // SAFETY: Fortran's MPI_Init has no arguments to pass on.
    unsafe {
        answer(
            ierr,
            crate::init::init(std::ptr::null_mut(), std::ptr::null_mut()),
        )
    }
}

unsafe extern "C" fn init_thread(required: *const Fint, provided: *mut Fint, ierr: *mut Fint) {
    // SAFETY: the program's arguments.
    unsafe {
        let code = crate::init::init_thread(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            value(required),
            provided,
        );
        answer(ierr, code);
    }
}

unsafe extern "C" fn finalize(ierr: *mut Fint) {
    // SAFETY: the program's arguments.
    unsafe { answer(ierr, crate::init::finalize()) }
}

unsafe extern "C" fn abort(comm_at: *const Fint, code: *const Fint, ierr: *mut Fint) {
    // SAFETY: the program's arguments.
    unsafe { answer(ierr, crate::init::abort(comm(comm_at), value(code))) }
}

unsafe extern "C" fn barrier(comm_at: *const Fint, ierr: *mut Fint) {
    // SAFETY: the program's arguments.
    unsafe { answer(ierr, crate::collective::barrier(comm(comm_at))) }
}

unsafe extern "C" fn wait(request: *mut Fint, status: *mut Fint, ierr: *mut Fint) {
    // SAFETY: the program's arguments; the conversions are MPI's own.
    unsafe {
        let mut waited = ffi::RSMPI_Request_f2c(*request);
        let code = with_status(status, |status| crate::requests::wait(&mut waited, status));
        if code == crate::SUCCESS {
            *request = ffi::RSMPI_Request_c2f(waited);
        }
        answer(ierr, code);
    }
}

unsafe extern "C" fn waitall(
    count: *const Fint,
    requests: *mut Fint,
    statuses: *mut Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments: `count` requests, and as many
    // statuses unless `MPI_STATUSES_IGNORE`.
    unsafe {
        let count = value(count).max(0) as usize;
        let fortran = std::slice::from_raw_parts_mut(requests, count);
        let mut waited: Vec<ffi::MPI_Request> =
            fortran.iter().map(|&r| ffi::RSMPI_Request_f2c(r)).collect();
        let ignored = is_one_of(statuses, &markers().statuses_ignore);
        let mut got = vec![crate::requests::empty_status(); count];
        let to = if ignored {
            ffi::RSMPI_STATUSES_IGNORE
        } else {
            got.as_mut_ptr()
        };
        let code = crate::requests::waitall(count as c_int, waited.as_mut_ptr(), to);
        if code == crate::SUCCESS {
            for (index, request) in waited.iter().enumerate() {
                fortran[index] = ffi::RSMPI_Request_c2f(*request);
                if !ignored {
                    ffi::PMPI_Status_c2f(&got[index], statuses.add(index * STATUS_INTEGERS));
                }
            }
        }
        answer(ierr, code);
    }
}
