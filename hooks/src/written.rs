//! `write` and `writev`, seen on their way to the C library: a write to
//! fd 1 or 2 is output the capture must read before the program's next
//! MPI call (`mpi_tutor::watch::output`). Python's `print`, Fortran's and
//! C++'s streams and a C program's own `write(1, ...)` come this way; C's
//! `stdout` and `stderr` write inside the C library, where they are
//! counted instead.

use std::os::raw::{c_int, c_void};
use std::sync::atomic::{AtomicPtr, Ordering};

use mpi_tutor::watch::output::note_write;

type Write = unsafe extern "C" fn(c_int, *const c_void, usize) -> isize;
type Writev = unsafe extern "C" fn(c_int, *const libc::iovec, c_int) -> isize;

static WRITE: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());
static WRITEV: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());

/// The next definition of `name` after this library's (the C library's),
/// looked up once.
fn next(cache: &AtomicPtr<c_void>, name: &std::ffi::CStr) -> *mut c_void {
    let mut found = cache.load(Ordering::Relaxed);
    if found.is_null() {
        // SAFETY: a symbol lookup by a nul-terminated name.
        found = unsafe { libc::dlsym(libc::RTLD_NEXT, name.as_ptr()) };
        cache.store(found, Ordering::Relaxed);
    }
    found
}

#[no_mangle]
pub unsafe extern "C" fn write(fd: c_int, buffer: *const c_void, count: usize) -> isize {
    let real = next(&WRITE, c"write");
    let written = if real.is_null() {
        // SAFETY: the caller's arguments, for the system call itself.
        unsafe { libc::syscall(libc::SYS_write, fd, buffer, count) as isize }
    } else {
        // SAFETY: `real` is the C library's `write`; the caller's arguments.
        unsafe { std::mem::transmute::<*mut c_void, Write>(real)(fd, buffer, count) }
    };
    note_write(fd);
    written
}

#[no_mangle]
pub unsafe extern "C" fn writev(fd: c_int, vectors: *const libc::iovec, count: c_int) -> isize {
    let real = next(&WRITEV, c"writev");
    let written = if real.is_null() {
        // SAFETY: the caller's arguments, for the system call itself.
        unsafe { libc::syscall(libc::SYS_writev, fd, vectors, count) as isize }
    } else {
        // SAFETY: `real` is the C library's `writev`; the caller's arguments.
        unsafe { std::mem::transmute::<*mut c_void, Writev>(real)(fd, vectors, count) }
    };
    note_write(fd);
    written
}
