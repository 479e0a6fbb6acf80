//! A rank's own output (stdout and stderr), captured: a pipe takes the
//! place of both, and its lines are reported as the rank's. Nothing the
//! program prints draws over the view, and the headless log prints each
//! line whole, in causal order.
//!
//! The pipe is read before each of the program's MPI calls
//! ([`drain_before_call`]), so what it printed before a call is reported
//! before the call; a tutor thread reads what it prints between calls.
//! Reading an empty pipe is a system call, as long as sending a small
//! message, so it is skipped when nothing can have been written to fds 1
//! and 2 since the last read: C's `stdout` and `stderr` keep count
//! themselves ([`super::stdio`]) and the interposer's `write` counts the
//! rest, and its `system` and `waitpid` a child's ([`note_write`]). What
//! none sees (a copy of fd 1, `dprintf`, a child not waited for) is still
//! reported by the tutor thread, a moment later.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::probe::process_recorder;

/// The capture under way; [`Capture::stop`] puts the output back.
pub struct Capture {
    /// Where fds 1 and 2 pointed before: the tutor's own output.
    saved_out: RawFd,
    saved_err: RawFd,
}

/// The pipe's read end and the start of a line not yet ended.
struct Pipe {
    fd: RawFd,
    partial: Vec<u8>,
    ended: bool,
}

static PIPE: Mutex<Option<Pipe>> = Mutex::new(None);

/// Whether C's `stdout` and `stderr` tell when they write (armed).
static ARMED: AtomicBool = AtomicBool::new(false);

/// Writes to fd 1 or 2 outside C's streams (the interposer's `write`), and
/// how many of them the pipe has been read after.
static OTHER_WRITES: AtomicU64 = AtomicU64::new(0);
static OTHER_READ: AtomicU64 = AtomicU64::new(0);

/// Reads of the pipe under way: their lines are not reported yet.
static DRAINING: AtomicU32 = AtomicU32::new(0);

/// The size of C's `stdout` line buffer.
const LINE_BUFFER: usize = 4096;

extern "C" {
    /// The C library's `stdout` and `stderr` streams.
    static mut stdout: *mut libc::FILE;
    static mut stderr: *mut libc::FILE;
    /// How many bytes a stream holds, not yet written.
    fn __fpending(stream: *mut libc::FILE) -> libc::size_t;
}

impl Capture {
    /// Points fds 1 and 2 at a pipe and starts reading it.
    /// `own`: where fds 1 and 2 pointed before, which they point at again
    /// once the capture stops.
    pub fn start(own: &Saved) -> std::io::Result<Capture> {
        let (saved_out, saved_err) = (own.0, own.1);
        let mut ends = [0; 2];
        // SAFETY: plain fd calls on fds this function owns (the pipe's
        // ends) or that the process has (1 and 2); the C stream is flushed
        // before its fd moves.
        unsafe {
            libc::fflush(std::ptr::null_mut());
            if libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The program's writes must block when the pipe is full.
            libc::fcntl(ends[1], libc::F_SETFL, 0);
            libc::dup2(ends[1], 1);
            libc::dup2(ends[1], 2);
            libc::close(ends[1]);
            // A pipe makes C's stdout block-buffered: lines would come late
            // and out of step with the calls around them. MPICH's MPI_Init
            // has made it unbuffered, with a buffer of one byte that a
            // line-buffered stream would keep: a write every few bytes. The
            // stream keeps its new buffer to the end of the process.
            let buffer = Box::leak(vec![0u8; LINE_BUFFER].into_boxed_slice());
            libc::setvbuf(
                stdout,
                buffer.as_mut_ptr().cast(),
                libc::_IOLBF,
                LINE_BUFFER,
            );
        }
        crate::term::guardian::speak_through(saved_err);
        *lock() = Some(Pipe {
            fd: ends[0],
            partial: Vec::new(),
            ended: false,
        });
        arm_streams();
        // Never joined: it ends by itself once the pipe has ended.
        std::thread::Builder::new()
            .name("mpi-tutor-output".into())
            .spawn(read_between_calls)?;
        Ok(Capture {
            saved_out,
            saved_err,
        })
    }

    /// Puts fds 1 and 2 back and reports every line left. The fds they
    /// pointed at before stay open (rank 0's log may still be written to
    /// them) until their owner closes them ([`Saved::close`]). The tutor
    /// thread is not waited for (on a busy machine, a wait for a thread to
    /// be scheduled): its read under way holds the pipe until its lines are
    /// reported, and this reads the rest.
    pub fn stop(self) {
        // SAFETY: the saved fds are open until their owner closes them;
        // dup2 closes the pipe's write ends, so reading it comes to its end.
        unsafe {
            libc::fflush(std::ptr::null_mut());
            libc::dup2(self.saved_out, 1);
            libc::dup2(self.saved_err, 2);
        }
        drain();
        if let Some(pipe) = lock().take() {
            // SAFETY: the read end is the capture's, read no more.
            unsafe { libc::close(pipe.fd) };
        }
    }
}

/// The tutor's own output: copies of fds 1 and 2 made before a capture
/// takes them, which rank 0's log is written to.
pub struct Saved(RawFd, RawFd);

impl Saved {
    /// Copies of fds 1 and 2 as they are now (-1 for one that is closed).
    pub fn of_standard() -> Saved {
        // SAFETY: duplicating the process's standard fds.
        unsafe {
            Saved(
                libc::fcntl(1, libc::F_DUPFD_CLOEXEC, 3),
                libc::fcntl(2, libc::F_DUPFD_CLOEXEC, 3),
            )
        }
    }

    pub fn out(&self) -> RawFd {
        self.0
    }

    pub fn err(&self) -> RawFd {
        self.1
    }

    /// Closes them: nothing writes to them any more.
    pub fn close(self) {
        // SAFETY: the copies are ours, no longer in use.
        unsafe {
            libc::close(self.0);
            libc::close(self.1);
        }
    }
}

/// A write to `fd` outside C's streams: the interposer's `write` tells
/// of every one, whatever the fd, and a child waited for is told as a
/// write to fd 1.
pub fn note_write(fd: libc::c_int) {
    if fd == 1 || fd == 2 {
        OTHER_WRITES.fetch_add(1, Ordering::SeqCst);
    }
}

/// Flushes C's `stdout` and arms both streams: they tell when they write
/// again. Once a stream cannot be armed (the program closed it), the pipe
/// is read before every call.
fn arm_streams() {
    // SAFETY: the C library's own streams, by their fds.
    let armed =
        unsafe { super::stdio::flush_and_arm(stdout, 1) && super::stdio::flush_and_arm(stderr, 2) };
    ARMED.store(armed, Ordering::SeqCst);
}

/// Whether the program may have printed since the pipe was last read, or
/// another thread's read of it has lines not yet reported.
fn may_have_printed() -> bool {
    if !ARMED.load(Ordering::SeqCst) {
        return true;
    }
    // SAFETY: reads how full C's stdout is, and whether the armed streams
    // wrote, as `fflush` would.
    let streams = unsafe {
        __fpending(stdout) > 0
            || super::stdio::may_have_written(stdout)
            || super::stdio::may_have_written(stderr)
    };
    streams
        || OTHER_WRITES.load(Ordering::SeqCst) != OTHER_READ.load(Ordering::SeqCst)
        || DRAINING.load(Ordering::SeqCst) > 0
}

/// Reports, as this rank's, every whole line the program printed before
/// the MPI call it is about to make: reads the pipe only if the program
/// may have printed since it was last read.
pub fn drain_before_call() {
    if may_have_printed() {
        drain();
    }
}

/// Reports, as this rank's, every whole line the program has printed so
/// far.
pub fn drain() {
    DRAINING.fetch_add(1, Ordering::SeqCst);
    // Every write counted now is in the pipe, and read below.
    let others = OTHER_WRITES.load(Ordering::SeqCst);
    if ARMED.load(Ordering::SeqCst) {
        arm_streams();
    } else {
        // SAFETY: flushes C's stdout (stderr is unbuffered), as the program
        // could at any time; its other streams (files) are left alone.
        unsafe { libc::fflush(stdout) };
    }
    read_and_report(others);
    DRAINING.fetch_sub(1, Ordering::SeqCst);
}

/// Reads the pipe to its end and reports its whole lines, holding it so
/// that a call of another thread's drain waits for them; `others`: the
/// writes of [`note_write`] now read.
fn read_and_report(others: u64) {
    let mut guard = lock();
    let Some(pipe) = guard.as_mut() else {
        return;
    };
    let mut buffer = [0u8; 4096];
    loop {
        // SAFETY: reads into a buffer of this length from the pipe's
        // (non-blocking) read end.
        let got = unsafe { libc::read(pipe.fd, buffer.as_mut_ptr().cast(), buffer.len()) };
        match got {
            0 => {
                pipe.ended = true;
                break;
            }
            n if n < 0 => break,
            n => pipe.partial.extend_from_slice(&buffer[..n as usize]),
        }
    }
    for line in take_lines(&mut pipe.partial, pipe.ended) {
        super::traceback::note_output(&line);
        process_recorder().with(|r| r.say(line));
    }
    OTHER_READ.fetch_max(others, Ordering::SeqCst);
}

/// The whole lines at the start of `partial` (and the rest, at the end).
fn take_lines(partial: &mut Vec<u8>, ended: bool) -> Vec<String> {
    let cut = match partial.iter().rposition(|&b| b == b'\n') {
        Some(at) => at + 1,
        None if ended => partial.len(),
        None => return Vec::new(),
    };
    let whole: Vec<u8> = partial.drain(..cut).collect();
    let mut lines: Vec<String> = String::from_utf8_lossy(&whole)
        .lines()
        .map(str::to_string)
        .collect();
    if ended && !partial.is_empty() {
        lines.push(String::from_utf8_lossy(partial).into_owned());
        partial.clear();
    }
    lines
}

/// The tutor's thread: reports what the program prints while it makes no
/// MPI call, until the pipe ends or the capture stops. It reads only in
/// [`drain`], under the pipe's lock: once the capture has closed the pipe,
/// a poll on its old fd number reads nothing.
fn read_between_calls() {
    loop {
        let fd = match lock().as_ref() {
            Some(pipe) if !pipe.ended => pipe.fd,
            _ => return,
        };
        let mut poll = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one pollfd, for the pipe's read end.
        unsafe { libc::poll(&mut poll, 1, 100) };
        drain();
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn lock() -> std::sync::MutexGuard<'static, Option<Pipe>> {
    PIPE.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::take_lines;

    #[test]
    fn only_whole_lines_are_taken_until_the_end() {
        let mut partial = b"0: Hello!\n0: sen".to_vec();
        assert_eq!(take_lines(&mut partial, false), vec!["0: Hello!"]);
        assert_eq!(partial, b"0: sen");
        partial.extend_from_slice(b"ding");
        assert_eq!(take_lines(&mut partial, true), vec!["0: sending"]);
        assert!(partial.is_empty());
    }
}
