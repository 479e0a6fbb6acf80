//! Processes' ends in the order they happened. When one rank is killed,
//! hydra's proxy kills every other rank within a fraction of a millisecond
//! (measured: 0.2 ms, SIGKILL too), so a watcher that wakes late finds
//! several ended at once and cannot tell the cause from the clean-up by
//! time or by signal. An epoll set can: its ready list keeps pidfds in the
//! order they became readable, which is the order the processes ended
//! (the cause ends before its parent hears of it, and so before the
//! clean-up begins).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// An epoll set of fds, each with a key, waited on in order of readiness.
pub struct EndOrder {
    epoll: OwnedFd,
}

impl EndOrder {
    pub fn new() -> Option<EndOrder> {
        // SAFETY: epoll_create1 returns a new fd or -1.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        (fd >= 0).then(|| EndOrder {
            // SAFETY: a fresh fd that nothing else owns.
            epoll: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    pub fn add(&self, fd: RawFd, key: u64) {
        let mut event = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: key,
        };
        // SAFETY: registers `fd` in our epoll set with our event.
        unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut event) };
    }

    pub fn remove(&self, fd: RawFd) {
        // SAFETY: removal from our epoll set; the event is ignored.
        unsafe {
            libc::epoll_ctl(
                self.epoll.as_raw_fd(),
                libc::EPOLL_CTL_DEL,
                fd,
                std::ptr::null_mut(),
            )
        };
    }

    /// The keys of the ready fds, first ready first; empty after
    /// `timeout_ms` (-1: none) or an interruption.
    pub fn wait(&self, timeout_ms: i32) -> Vec<u64> {
        let mut events = [libc::epoll_event { events: 0, u64: 0 }; 64];
        // SAFETY: epoll_wait fills at most `events.len()` of our array.
        let n = unsafe {
            libc::epoll_wait(
                self.epoll.as_raw_fd(),
                events.as_mut_ptr(),
                events.len() as i32,
                timeout_ms,
            )
        };
        (events.iter().take(n.max(0) as usize))
            .map(|e| e.u64)
            .collect()
    }
}

/// The signal that ended `pid` (its `pidfd` held), when one did and its
/// exit status is known (see [`exit_status`]).
pub fn exit_signal(pid: i32, pidfd: RawFd) -> Option<i32> {
    exit_status(pid, pidfd).and_then(signal_in)
}

/// The signal in an exit status as waitpid(2) reports it, if any.
fn signal_in(status: i32) -> Option<i32> {
    let signal = status & 0x7f;
    (signal != 0).then_some(signal)
}

/// The exit status of `pid` (its `pidfd` held), once it is set. The
/// kernel keeps it in one place at a time: in `/proc/PID/stat` from the
/// moment the process starts to exit (its main thread's status, final
/// once the whole process has ended) until its parent reaps it, then in
/// the pidfd's exit info (Linux 6.15 and later), which the reap fills in
/// before the pid leaves `/proc`. Our process is not the parent, and the
/// parent (the launcher's proxy) reaps at any moment: asked the pidfd
/// and then `/proc`, both missed when the reap came between the two
/// reads; asked the pidfd once more after `/proc`, one of them answers.
fn exit_status(pid: i32, pidfd: RawFd) -> Option<i32> {
    exit_status_of_pidfd(pidfd)
        .or_else(|| exit_status_in_proc(pid))
        .or_else(|| exit_status_of_pidfd(pidfd))
}

/// `struct pidfd_info` as of its first version (64 bytes).
#[repr(C)]
#[derive(Default)]
struct PidfdInfo {
    mask: u64,
    cgroup_id: u64,
    ids: [u32; 11],
    exit_code: i32,
}

const PIDFD_INFO_EXIT: u64 = 1 << 3;
/// _IOWR(0xFF, 11, struct pidfd_info) with the 64-byte struct.
const PIDFD_GET_INFO: libc::c_ulong = 0xC040_FF0B;

fn exit_status_of_pidfd(pidfd: RawFd) -> Option<i32> {
    let mut info = PidfdInfo {
        mask: PIDFD_INFO_EXIT,
        ..Default::default()
    };
    // SAFETY: the ioctl fills at most the 64 bytes its number names.
    let done = unsafe { libc::ioctl(pidfd, PIDFD_GET_INFO, &mut info as *mut PidfdInfo) };
    (done == 0 && info.mask & PIDFD_INFO_EXIT != 0).then_some(info.exit_code)
}

fn exit_status_in_proc(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    // Field 52 of proc(5), the 50th after the command name: the status as
    // waitpid(2) reports it (0 while the process runs).
    let status: i32 = after.split_whitespace().nth(49)?.parse().ok()?;
    // Z: a zombie; X: being reaped. Either has set its status, even 0.
    let state = after.split_whitespace().next()?;
    (state == "Z" || state == "X" || status != 0).then_some(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::term::vigil::pidfd;

    /// A child of ours that ends as `end` says (in the child: only
    /// async-signal-safe calls), with its pidfd.
    fn child(end: fn()) -> (i32, OwnedFd) {
        // SAFETY: the child calls nothing but `end`, which does not return.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            end();
        }
        (pid, pidfd(pid).expect("pidfd_open works here"))
    }

    fn wait_until_readable(fd: &OwnedFd) {
        let mut ended = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll on one pollfd of ours, with no bound: the child ends.
        unsafe { libc::poll(&mut ended, 1, -1) };
    }

    fn reap(pid: i32) -> i32 {
        let mut status = 0;
        // SAFETY: waits for our own child.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        status
    }

    #[test]
    fn the_signal_that_killed_a_process_is_read_before_and_after_its_reap() {
        // SAFETY: async-signal-safe calls only.
        let (pid, fd) = child(|| unsafe {
            libc::pause();
            libc::_exit(0)
        });
        // SAFETY: a signal to our own child.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        wait_until_readable(&fd);
        assert_eq!(exit_signal(pid, fd.as_raw_fd()), Some(libc::SIGKILL));
        let status = reap(pid);
        assert_eq!(signal_in(status), Some(libc::SIGKILL));
        // Linux 6.15 and later keep it for the pidfd once /proc has lost it.
        assert_eq!(exit_signal(pid, fd.as_raw_fd()), Some(libc::SIGKILL));
    }

    #[test]
    fn a_process_that_exits_has_no_signal_but_its_status() {
        // SAFETY: async-signal-safe.
        let (pid, fd) = child(|| unsafe { libc::_exit(3) });
        wait_until_readable(&fd);
        assert_eq!(exit_status(pid, fd.as_raw_fd()), Some(3 << 8));
        assert_eq!(exit_signal(pid, fd.as_raw_fd()), None);
        reap(pid);
        assert_eq!(exit_status(pid, fd.as_raw_fd()), Some(3 << 8));
    }
}
