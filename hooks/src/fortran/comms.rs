//! The Fortran calls that make and free communicators, through the C
//! hooks' bodies: a split is a collective of its parent, as in C.

use mpi::ffi;

use super::{answer, comm, value, Fint};
use crate::{collective, split};

/// Gives the program the Fortran number of the communicator `work` made.
///
/// # Safety
/// `made` points to a Fortran communicator.
unsafe fn giving(made: *mut Fint, work: impl FnOnce(*mut ffi::MPI_Comm) -> i32) -> i32 {
    // SAFETY: reading MPI's constant.
    let mut new = unsafe { ffi::RSMPI_COMM_NULL };
    let code = work(&mut new);
    if code == crate::SUCCESS {
        // SAFETY: the program's communicator; the conversion is MPI's own.
        unsafe { *made = ffi::RSMPI_Comm_c2f(new) };
    }
    code
}

pub unsafe extern "C" fn comm_split(
    comm_at: *const Fint,
    color: *const Fint,
    key: *const Fint,
    made: *mut Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let (parent, color, key) = (comm(comm_at), value(color), value(key));
        let code = giving(made, |new| split::comm_split(parent, color, key, new));
        answer(ierr, code);
    }
}

pub unsafe extern "C" fn comm_dup(comm_at: *const Fint, made: *mut Fint, ierr: *mut Fint) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let parent = comm(comm_at);
        answer(ierr, giving(made, |new| split::comm_dup(parent, new)));
    }
}

pub unsafe extern "C" fn comm_free(freed: *mut Fint, ierr: *mut Fint) {
    // SAFETY: the program's arguments, as Fortran passes them; the
    // conversions are MPI's own.
    unsafe {
        let mut gone = ffi::RSMPI_Comm_f2c(*freed);
        let code = collective::comm_free(&mut gone);
        if code == crate::SUCCESS {
            *freed = ffi::RSMPI_Comm_c2f(gone);
        }
        answer(ierr, code);
    }
}
