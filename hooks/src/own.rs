//! mpi4py's own bookkeeping, which no student wrote: the lock table and
//! the private communicator it keeps on a communicator (attributes under
//! keyvals of its own, `commimpl.pxi` and `pympicommctx.h`), made inside
//! its pickled calls, freed with the communicator they hang on or when
//! the interpreter exits. Three rules tell those calls from a student's
//! own `comm.Set_attr`, `MPI.Comm.Create_keyval`, `comm.Dup()` or
//! `comm.Free()`:
//!
//! - a call with no hook of its own made while the student's line calls
//!   a pickled method is that method's (the fold takes the hooked ones);
//! - a call made once the interpreter has ended runs no student's code:
//!   mpi4py's exit clears its attributes (and frees its communicators);
//! - a communicator that mpi4py duplicated inside a pickled call is its
//!   own: its `MPI_Comm_free`, from the attribute's delete callback inside
//!   the student's `Free` of the parent or at exit, is mpi4py's too.

use std::sync::Mutex;

use mpi::ffi;
use mpi_tutor::trace::Op;
use mpi_tutor::watch::python;

/// The communicators mpi4py made for itself, by handle (few: one per
/// communicator a reduction ran on).
static PRIVATE: Mutex<Vec<u64>> = Mutex::new(Vec::new());

/// Whether a call of `op`, begun in a Python program, is mpi4py's own
/// bookkeeping rather than a call of the student's: `in_pickled` says
/// the student's line calls a pickled method (whose first call did not
/// open a fold: a fold takes its method's hooked calls itself).
pub fn is_bookkeeping(op: Op, in_pickled: bool) -> bool {
    (in_pickled && op == Op::Other) || python::has_ended()
}

/// `comm`, made by a call a pickled method's fold took, is mpi4py's.
pub fn note_private(comm: ffi::MPI_Comm) {
    let mut private = PRIVATE.lock().unwrap_or_else(|e| e.into_inner());
    private.push(crate::handle_key(comm));
}

/// Whether `comm`, about to be freed, is one mpi4py made for itself
/// (then forgotten: its handle may name another communicator next).
pub fn frees_private(comm: ffi::MPI_Comm) -> bool {
    let key = crate::handle_key(comm);
    let mut private = PRIVATE.lock().unwrap_or_else(|e| e.into_inner());
    let found = private.iter().position(|&k| k == key);
    found.map(|index| private.swap_remove(index)).is_some()
}
