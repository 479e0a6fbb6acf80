//! `MPI_Comm_split` and `MPI_Comm_dup`: collectives over the parent
//! communicator that make new ones (numbered by their members, see
//! `comms`).

use std::os::raw::c_int;

use mpi::ffi;
use mpi_tutor::probe::{CallSpec, CollectiveSpec};
use mpi_tutor::trace::Op;

use crate::{begin_posted, caller, comms, recording, site, step};

/// A communicator-making collective of `op` over `comm`, done by `make`.
pub(crate) fn making(
    op: Op,
    at: usize,
    comm: ffi::MPI_Comm,
    make: impl FnOnce() -> c_int,
) -> c_int {
    if !recording() {
        return make();
    }
    let id = begin_posted(|| {
        let info = comms::info(comm);
        let spec = CollectiveSpec {
            root: None,
            count: 0,
            datatype: "MPI_Comm".into(),
            bytes: 0,
            members: info.size(),
        };
        Some(CallSpec::new(op, site(at)).on(info.number).collective(spec))
    });
    let Some(id) = id else {
        return make();
    };
    // MPI has no nonblocking split: say now that the rank may wait.
    step(|r| r.about_to_wait());
    let code = make();
    crate::end(id, op, &[], None);
    code
}

pub unsafe extern "C" fn comm_split(
    comm: ffi::MPI_Comm,
    color: c_int,
    key: c_int,
    newcomm: *mut ffi::MPI_Comm,
) -> c_int {
    let at = caller();
    // SAFETY: the program's arguments, passed on as given.
    making(Op::CommSplit, at, comm, || unsafe {
        ffi::PMPI_Comm_split(comm, color, key, newcomm)
    })
}

/// `MPI_Comm_dup`; the copy a pickled reduction makes of its
/// communicator (the call its fold took) is mpi4py's own (`own`).
pub unsafe extern "C" fn comm_dup(comm: ffi::MPI_Comm, newcomm: *mut ffi::MPI_Comm) -> c_int {
    let at = caller();
    let mut folded = false;
    // SAFETY: the program's arguments, passed on as given.
    let code = making(Op::CommDup, at, comm, || unsafe {
        folded = crate::fold::is_open();
        ffi::PMPI_Comm_dup(comm, newcomm)
    });
    if folded && code == crate::SUCCESS {
        // SAFETY: the copy was just made there.
        crate::own::note_private(unsafe { *newcomm });
    }
    code
}
