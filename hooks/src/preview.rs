//! A preview of the values a program sends: the first few and the last
//! elements of its buffer, read for the basic datatypes only (contiguous,
//! named, of the size the name says); nothing for derived types. Taken
//! raw: rank 0 writes their text, off the program's thread.

use std::os::raw::{c_int, c_long, c_void};

use mpi::ffi;
use mpi_tutor::probe::preview::TEXT_CHARS;
use mpi_tutor::probe::preview::{preview_chars, preview_read, values_on, Byte, Shown, Values};
use mpi_tutor::probe::{this_thread, ThisThread};

use crate::comms;

/// The preview of `count` elements of `datatype` at `buf`; None when the
/// previews are off or the datatype is not a basic one.
///
/// # Safety
/// `buf` holds `count` elements of `datatype`, as MPI requires of a send
/// buffer (or is `MPI_IN_PLACE`, `MPI_BOTTOM` or null).
pub unsafe fn values(
    buf: *const c_void,
    count: i64,
    datatype: ffi::MPI_Datatype,
) -> Option<Values> {
    // SAFETY: as the caller guarantees.
    this_thread(|thread| unsafe { values_from(thread, buf, count, datatype) })
}

/// [`values`] for a hook that has its thread's [`ThisThread`] at hand.
///
/// # Safety
/// As [`values`].
pub unsafe fn values_from(
    thread: &ThisThread,
    buf: *const c_void,
    count: i64,
    datatype: ffi::MPI_Datatype,
) -> Option<Values> {
    if !values_on() || count <= 0 || !is_buffer(buf) {
        return None;
    }
    let (name, size) = comms::datatype_on(thread, datatype);
    let n = count as usize;
    // SAFETY: as the caller guarantees, for each type its name says.
    unsafe {
        match (name.as_ref(), size) {
            ("MPI_DOUBLE" | "MPI_DOUBLE_PRECISION" | "MPI_REAL8", 8) => read::<f64>(buf, n),
            ("MPI_FLOAT" | "MPI_REAL" | "MPI_REAL4", 4) => read::<f32>(buf, n),
            ("MPI_INT" | "MPI_INT32_T" | "MPI_INTEGER", 4) => read::<i32>(buf, n),
            ("MPI_UNSIGNED" | "MPI_UINT32_T", 4) => read::<u32>(buf, n),
            ("MPI_LONG", s) if s as usize == size_of::<c_long>() => read::<c_long>(buf, n),
            ("MPI_LONG_LONG" | "MPI_LONG_LONG_INT" | "MPI_INT64_T", 8) => read::<i64>(buf, n),
            ("MPI_UNSIGNED_LONG" | "MPI_UINT64_T", 8) => read::<u64>(buf, n),
            ("MPI_SHORT" | "MPI_INT16_T", 2) => read::<i16>(buf, n),
            ("MPI_C_BOOL", 1) => read::<bool>(buf, n),
            ("MPI_UNSIGNED_CHAR" | "MPI_UINT8_T", 1) => read::<u8>(buf, n),
            ("MPI_BYTE", 1) => read::<Byte>(buf, n),
            ("MPI_CHAR" | "MPI_SIGNED_CHAR", 1) => Some(text(buf, n)),
            _ => None,
        }
    }
}

/// How a reduction's operation is named: `sum`, `max`...; None for a
/// program's own operation.
pub fn op_name(op: ffi::MPI_Op) -> Option<&'static str> {
    // SAFETY: reading MPI's constants.
    let known = unsafe {
        [
            (ffi::RSMPI_SUM, "sum"),
            (ffi::RSMPI_PROD, "product"),
            (ffi::RSMPI_MAX, "max"),
            (ffi::RSMPI_MIN, "min"),
            (ffi::RSMPI_LAND, "logical and"),
            (ffi::RSMPI_LOR, "logical or"),
            (ffi::RSMPI_BAND, "bitwise and"),
            (ffi::RSMPI_BOR, "bitwise or"),
        ]
    };
    known.iter().find(|(o, _)| *o == op).map(|(_, name)| *name)
}

/// Whether `buf` points to data: not null, and not one of the small or
/// all-ones markers MPI libraries use for `MPI_IN_PLACE` and `MPI_BOTTOM`.
fn is_buffer(buf: *const c_void) -> bool {
    let at = buf as usize;
    at >= 4096 && at != usize::MAX
}

/// The preview of `n` values of `T` at `buf`: the first and the last.
///
/// # Safety
/// `buf` holds `n` values of `T`.
unsafe fn read<T: Shown>(buf: *const c_void, n: usize) -> Option<Values> {
    let at = buf.cast::<T>();
    // SAFETY: the preview reads indices below `n` only.
    Some(preview_read(n, |i| unsafe { at.add(i).read_unaligned() }))
}

/// Characters as text: `"hello"`.
///
/// # Safety
/// `buf` holds `n` bytes.
unsafe fn text(buf: *const c_void, n: usize) -> Values {
    // SAFETY: at most `n` bytes are read.
    let bytes = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), n.min(TEXT_CHARS)) };
    preview_chars(bytes, n)
}

/// Whether this process is rank `root` of `comm`.
pub fn is_root(comm: ffi::MPI_Comm, root: c_int) -> bool {
    let mut rank = -1;
    // SAFETY: the program's communicator, just passed to MPI.
    unsafe { ffi::PMPI_Comm_rank(comm, &mut rank) };
    rank == root
}
