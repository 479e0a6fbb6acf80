//! The return addresses on the calling thread's stack, read with the C
//! unwinder (the objects' `.eh_frame`, no frame pointers needed): for an
//! MPI call the program made through a binding library (Fortran's
//! `mpi_send_` calling `MPI_Send`), the frame of the program's own line.

use std::ffi::c_void;
use std::os::raw::c_int;

/// How many frames the walk reads at most: the hook's own (more in a
/// debug build), the binding's, then the program's.
const DEPTH: usize = 96;

/// `_URC_NO_REASON`: go on to the next frame.
const NO_REASON: c_int = 0;
/// `_URC_END_OF_STACK`: stop here.
const END_OF_STACK: c_int = 5;

extern "C" {
    // libgcc_s's unwinder, which Rust's standard library links already.
    fn _Unwind_Backtrace(
        trace: extern "C" fn(*mut c_void, *mut c_void) -> c_int,
        data: *mut c_void,
    ) -> c_int;
    fn _Unwind_GetIP(context: *mut c_void) -> usize;
}

/// Adds one frame's address to the `Vec<usize>` behind `data`.
extern "C" fn collect(context: *mut c_void, data: *mut c_void) -> c_int {
    // SAFETY: `data` is the vector `return_addresses` passed, alive for
    // the whole walk, and `context` the unwinder's own for this frame.
    let (addresses, address) = unsafe { (&mut *data.cast::<Vec<usize>>(), _Unwind_GetIP(context)) };
    addresses.push(address);
    if addresses.len() < DEPTH {
        NO_REASON
    } else {
        END_OF_STACK
    }
}

/// The return addresses on this thread's stack, innermost first.
fn return_addresses() -> Vec<usize> {
    let mut addresses: Vec<usize> = Vec::with_capacity(DEPTH);
    // SAFETY: `collect` only pushes to the vector, which outlives the walk.
    unsafe { _Unwind_Backtrace(collect, (&mut addresses as *mut Vec<usize>).cast()) };
    addresses
}

/// Among the frames that called the one returning to `return_address`,
/// the innermost return address `inside_binding` says is not in a binding
/// library. None when `return_address` is not on this thread's stack (a
/// signal handler's faulting address) or every frame is in one.
pub fn first_outside(
    return_address: usize,
    mut inside_binding: impl FnMut(usize) -> bool,
) -> Option<usize> {
    let stack = return_addresses();
    let at = stack.iter().position(|&a| a == return_address)?;
    stack[at + 1..]
        .iter()
        .copied()
        .find(|&a| !inside_binding(a))
}
