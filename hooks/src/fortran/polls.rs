//! The Fortran calls a polling loop makes (`MPI_Test`, `MPI_Iprobe`) and
//! `MPI_Probe`: through the C hooks' bodies, so a loop of them is counted
//! as one, as in C.

use std::os::raw::c_int;

use mpi::ffi;

use super::{answer, comm, value, with_status, Fint};
use crate::{probe, requests};

pub unsafe extern "C" fn test(
    request: *mut Fint,
    flag: *mut Fint,
    status: *mut Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them; the
    // conversions are MPI's own.
    unsafe {
        let mut tested = ffi::RSMPI_Request_f2c(*request);
        let mut done: c_int = 0;
        let code = with_status(status, |status| {
            requests::test(&mut tested, &mut done, status)
        });
        if code == crate::SUCCESS {
            *flag = done;
            *request = ffi::RSMPI_Request_c2f(tested);
        }
        answer(ierr, code);
    }
}

pub unsafe extern "C" fn iprobe(
    source: *const Fint,
    tag: *const Fint,
    comm_at: *const Fint,
    flag: *mut Fint,
    status: *mut Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let (source, tag, communicator) = (value(source), value(tag), comm(comm_at));
        let mut found: c_int = 0;
        let code = with_status(status, |status| {
            probe::iprobe(source, tag, communicator, &mut found, status)
        });
        if code == crate::SUCCESS {
            *flag = found;
        }
        answer(ierr, code);
    }
}

pub unsafe extern "C" fn probe(
    source: *const Fint,
    tag: *const Fint,
    comm_at: *const Fint,
    status: *mut Fint,
    ierr: *mut Fint,
) {
    // SAFETY: the program's arguments, as Fortran passes them.
    unsafe {
        let (source, tag, communicator) = (value(source), value(tag), comm(comm_at));
        let code = with_status(status, |status| {
            probe::probe(source, tag, communicator, status)
        });
        answer(ierr, code);
    }
}
