//! Writes to fds 1 and 2 that the C library's `stdout` and `stderr` do not
//! count (`mpi_tutor::watch::output`), seen on their way: `write` and
//! `writev` (Python's `print`, Fortran's and C++'s streams, a C program's
//! own `write(1, ...)`), and a child process waited for (`system`,
//! `pclose`, `waitpid`, `wait`), which printed on the same fds. Each is
//! passed to the next definition (the C library's) and then noted, so the
//! capture reads its pipe before the program's next MPI call.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicPtr, Ordering};

use mpi_tutor::watch::output::note_write;

/// The next definition of `name` after this library's (the C library's),
/// looked up once into `cache`; null if there is none.
fn next(cache: &AtomicPtr<c_void>, name: &CStr) -> *mut c_void {
    let mut found = cache.load(Ordering::Relaxed);
    if found.is_null() {
        // SAFETY: a symbol lookup by a nul-terminated name.
        found = unsafe { libc::dlsym(libc::RTLD_NEXT, name.as_ptr()) };
        cache.store(found, Ordering::Relaxed);
    }
    found
}

/// Defines `$name` (`$c_name` in C) as the C library's own, then runs
/// `$after`; `$missing` is what it does if the C library has none.
macro_rules! passed_on {
    ($c_name:literal, fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty,
     missing: $missing:expr, after: $after:expr) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            static NEXT: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());
            let real = next(&NEXT, $c_name);
            let result = if real.is_null() {
                $missing
            } else {
                // SAFETY: `real` is the C library's function of this
                // name and signature; the caller's arguments.
                unsafe {
                    std::mem::transmute::<*mut c_void, unsafe extern "C" fn($($ty),*) -> $ret>(
                        real,
                    )($($arg),*)
                }
            };
            $after;
            result
        }
    };
}

passed_on!(c"write", fn write(fd: c_int, buffer: *const c_void, count: usize) -> isize,
    // SAFETY: the caller's arguments, for the system call itself.
    missing: unsafe { libc::syscall(libc::SYS_write, fd, buffer, count) as isize },
    after: note_write(fd));

passed_on!(c"writev", fn writev(fd: c_int, vectors: *const libc::iovec, count: c_int) -> isize,
    // SAFETY: the caller's arguments, for the system call itself.
    missing: unsafe { libc::syscall(libc::SYS_writev, fd, vectors, count) as isize },
    after: note_write(fd));

// A child waited for may have printed on fds 1 and 2: noted as a write.

passed_on!(c"system", fn system(command: *const c_char) -> c_int,
    missing: -1,
    after: note_write(1));

passed_on!(c"pclose", fn pclose(stream: *mut libc::FILE) -> c_int,
    missing: -1,
    after: note_write(1));

passed_on!(c"waitpid", fn waitpid(pid: libc::pid_t, status: *mut c_int, options: c_int) -> libc::pid_t,
    // SAFETY: the caller's arguments, for the system call itself.
    missing: unsafe { libc::syscall(libc::SYS_wait4, pid, status, options, 0) as libc::pid_t },
    after: note_write(1));

passed_on!(c"wait", fn wait(status: *mut c_int) -> libc::pid_t,
    // SAFETY: the caller's arguments, for the system call itself.
    missing: unsafe { libc::syscall(libc::SYS_wait4, -1, status, 0, 0) as libc::pid_t },
    after: note_write(1));
