//! Communicators made of groups and grids: `MPI_Comm_create` (collective
//! over the parent), `MPI_Cart_create` (a copy with a grid),
//! `MPI_Intercomm_create` (collective over each side's own communicator),
//! and `MPI_Cart_shift`, which only computes a rank's neighbours: local,
//! recorded with the neighbours as world ranks.

use std::os::raw::c_int;

use mpi::ffi;
use mpi_tutor::probe::CallSpec;
use mpi_tutor::trace::{Op, Shift};

use crate::split::making;
use crate::{begin_ended, caller, comms, recording, site, SUCCESS};

pub unsafe extern "C" fn comm_create(
    comm: ffi::MPI_Comm,
    group: ffi::MPI_Group,
    newcomm: *mut ffi::MPI_Comm,
) -> c_int {
    let at = caller();
    // SAFETY: the program's arguments, passed on as given.
    making(Op::CommCreate, at, comm, || unsafe {
        ffi::PMPI_Comm_create(comm, group, newcomm)
    })
}

pub unsafe extern "C" fn cart_create(
    comm: ffi::MPI_Comm,
    ndims: c_int,
    dims: *const c_int,
    periods: *const c_int,
    reorder: c_int,
    comm_cart: *mut ffi::MPI_Comm,
) -> c_int {
    let at = caller();
    // SAFETY: the program's arguments, passed on as given.
    making(Op::CartCreate, at, comm, || unsafe {
        ffi::PMPI_Cart_create(comm, ndims, dims, periods, reorder, comm_cart)
    })
}

pub unsafe extern "C" fn intercomm_create(
    local_comm: ffi::MPI_Comm,
    local_leader: c_int,
    peer_comm: ffi::MPI_Comm,
    remote_leader: c_int,
    tag: c_int,
    newintercomm: *mut ffi::MPI_Comm,
) -> c_int {
    let at = caller();
    // SAFETY: the program's arguments, passed on as given.
    making(Op::IntercommCreate, at, local_comm, || unsafe {
        ffi::PMPI_Intercomm_create(
            local_comm,
            local_leader,
            peer_comm,
            remote_leader,
            tag,
            newintercomm,
        )
    })
}

pub unsafe extern "C" fn cart_shift(
    comm: ffi::MPI_Comm,
    direction: c_int,
    disp: c_int,
    rank_source: *mut c_int,
    rank_dest: *mut c_int,
) -> c_int {
    let at = caller();
    // Local: computed first, then recorded with what it computed.
    // SAFETY: the program's arguments, passed on as given.
    let code = unsafe { ffi::PMPI_Cart_shift(comm, direction, disp, rank_source, rank_dest) };
    if !recording() || code != SUCCESS {
        return code;
    }
    let info = comms::info(comm);
    // SAFETY: MPI just wrote both ranks.
    let (source, dest) = unsafe { (*rank_source, *rank_dest) };
    let shift = Shift {
        source: info.world(source),
        dest: info.world(dest),
    };
    let spec = CallSpec::new(Op::CartShift, site(at)).on(info.number);
    begin_ended(Op::CartShift, || Some(spec.shifting(shift)));
    code
}
