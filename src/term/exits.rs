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

/// The signal that ended `pid` (its `pidfd` held): asked of the pidfd
/// (Linux 6.15 and later keep it after the process is reaped), else read
/// from its /proc entry while it is a zombie, else unknown.
pub fn exit_signal(pid: i32, pidfd: RawFd) -> Option<i32> {
    let status = exit_status_of_pidfd(pidfd).or_else(|| exit_status_in_proc(pid))?;
    let signal = status & 0x7f;
    (signal != 0).then_some(signal)
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
    let state = after.split_whitespace().next()?;
    (state == "Z" || status != 0).then_some(status)
}
