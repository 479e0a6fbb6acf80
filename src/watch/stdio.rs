//! Whether the C library's `stdout` or `stderr` wrote anything since the
//! capture last read its pipe, known without a system call. glibc adds the
//! bytes a stream writes to the stream's `_offset` when that field is not
//! negative (it is -1 for a pipe, which has no position, and `fflush` puts
//! it back to -1). Set to 0 when the pipe is read ([`flush_and_arm`]), it
//! stays 0 until the stream writes again ([`may_have_written`]).
//!
//! The fields are glibc's own, at fixed places in `FILE` on x86-64 (the
//! `_IO_FILE` layout is part of its ABI); a stream that does not look like
//! glibc's (its magic number and fd where expected) is not armed.

use std::os::raw::c_int;

/// Where `FILE`'s fields sit in glibc's x86-64 layout.
#[cfg(all(target_env = "gnu", target_arch = "x86_64"))]
mod layout {
    /// `_flags`: its high half is glibc's magic number.
    pub const FLAGS_AT: usize = 0;
    /// `_fileno`.
    pub const FILENO_AT: usize = 112;
    /// `_offset`: the stream's position, or a count of what it wrote.
    pub const OFFSET_AT: usize = 144;
    pub const MAGIC: u32 = 0xFBAD_0000;
    pub const MAGIC_MASK: u32 = 0xFFFF_0000;
}

#[cfg(all(target_env = "gnu", target_arch = "x86_64"))]
extern "C" {
    /// A stream's own (recursive) lock, as C's `flockfile(3)`.
    fn flockfile(stream: *mut libc::FILE);
    fn funlockfile(stream: *mut libc::FILE);
}

/// Flushes `stream` and arms it: from now on it counts what it writes.
/// Both happen under the stream's lock, so no other thread's write falls
/// between them. False (flushed, not armed) if `stream` does not look
/// like glibc's stream on `fd`: the program closed it, or another C library.
///
/// # Safety
/// `stream` is the C library's `stdout` or `stderr`.
#[cfg(all(target_env = "gnu", target_arch = "x86_64"))]
pub unsafe fn flush_and_arm(stream: *mut libc::FILE, fd: c_int) -> bool {
    use layout::*;
    let base = stream.cast::<u8>();
    // SAFETY: the stream's lock is recursive, so `fflush` takes it again;
    // the fields read and written are those of a glibc FILE (checked by
    // its magic number and fd before the write), as the caller guarantees.
    unsafe {
        flockfile(stream);
        libc::fflush(stream);
        let flags = base.add(FLAGS_AT).cast::<u32>().read_volatile();
        let fileno = base.add(FILENO_AT).cast::<c_int>().read_volatile();
        let glibc = flags & MAGIC_MASK == MAGIC && fileno == fd;
        if glibc {
            base.add(OFFSET_AT).cast::<i64>().write_volatile(0);
        }
        funlockfile(stream);
        glibc
    }
}

/// Whether an armed `stream` may have written since [`flush_and_arm`]:
/// it counted bytes, or lost count (flushed or repositioned).
///
/// # Safety
/// `stream` is a stream [`flush_and_arm`] armed.
#[cfg(all(target_env = "gnu", target_arch = "x86_64"))]
pub unsafe fn may_have_written(stream: *mut libc::FILE) -> bool {
    // SAFETY: an aligned 8-byte field of a glibc FILE, read whole; a
    // write under way in another thread gives the old or the new value.
    let offset = unsafe {
        stream
            .cast::<u8>()
            .add(layout::OFFSET_AT)
            .cast::<i64>()
            .read_volatile()
    };
    offset != 0
}

/// Another C library: flushed, never armed.
///
/// # Safety
/// `stream` is the C library's `stdout` or `stderr`.
#[cfg(not(all(target_env = "gnu", target_arch = "x86_64")))]
pub unsafe fn flush_and_arm(stream: *mut libc::FILE, _fd: c_int) -> bool {
    // SAFETY: as the caller guarantees.
    unsafe { libc::fflush(stream) };
    false
}

/// Another C library: anything may have been written.
///
/// # Safety
/// None needed; the same signature as glibc's.
#[cfg(not(all(target_env = "gnu", target_arch = "x86_64")))]
pub unsafe fn may_have_written(_stream: *mut libc::FILE) -> bool {
    true
}

#[cfg(all(test, target_env = "gnu", target_arch = "x86_64"))]
mod tests {
    use super::{flush_and_arm, may_have_written};

    #[test]
    fn an_armed_stream_tells_when_it_wrote_and_when_it_was_flushed() {
        // SAFETY: a stream of this test's own, on /dev/null, closed at the
        // end; nothing else uses it.
        unsafe {
            let stream = libc::fopen(c"/dev/null".as_ptr(), c"w".as_ptr());
            assert!(!stream.is_null());
            let fd = libc::fileno(stream);
            libc::setvbuf(stream, std::ptr::null_mut(), libc::_IOLBF, 0);
            assert!(!flush_and_arm(stream, fd + 1), "another fd's stream");
            assert!(flush_and_arm(stream, fd));
            assert!(!may_have_written(stream));
            libc::fputs(c"half a line".as_ptr(), stream);
            assert!(!may_have_written(stream), "still in the buffer");
            libc::fputs(c", ended\n".as_ptr(), stream);
            assert!(may_have_written(stream));
            assert!(flush_and_arm(stream, fd));
            assert!(!may_have_written(stream));
            libc::fputs(c"no end".as_ptr(), stream);
            libc::fflush(stream);
            assert!(may_have_written(stream), "flushed by the program");
            libc::fclose(stream);
        }
    }
}
