//! The other ranks on this host, watched through pidfds: a rank killed
//! from outside (SIGKILL) says nothing, so rank 0 and the guardian notice
//! its process end. Ranks are found as rank 0's siblings (children of the
//! same hydra proxy or Open MPI daemon) carrying the launcher's rank in
//! their environment; ranks on other hosts are not watched.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

const RANK_VARIABLES: [&str; 3] = ["PMI_RANK=", "OMPI_COMM_WORLD_RANK=", "PMIX_RANK="];

#[derive(Default)]
pub struct Vigil {
    watched: Vec<Watched>,
}

/// A rank's process: its rank, pid and pidfd.
struct Watched {
    rank: u32,
    pid: i32,
    fd: OwnedFd,
}

/// A rank on this host: rank, pid, pidfd.
pub type RankProcess = (u32, i32, RawFd);

impl Vigil {
    /// The ranks of this job on this host, other than this process.
    pub fn of_job() -> Vigil {
        if !crate::launcher::under_launcher() {
            return Vigil::default();
        }
        let watched = sibling_ranks()
            .into_iter()
            .filter_map(|(rank, pid)| {
                Some(Watched {
                    rank,
                    pid,
                    fd: pidfd(pid)?,
                })
            })
            .collect();
        Vigil { watched }
    }

    /// Each watched rank's process.
    pub fn processes(&self) -> Vec<RankProcess> {
        (self.watched.iter())
            .map(|w| (w.rank, w.pid, w.fd.as_raw_fd()))
            .collect()
    }

    /// Ranks whose process has ended since the last look, with the signal
    /// that killed it when it can still be read (no longer watched from
    /// now on).
    pub fn vanished(&mut self) -> Vec<(u32, Option<i32>)> {
        let mut polls: Vec<libc::pollfd> = (self.watched.iter())
            .map(|w| libc::pollfd {
                fd: w.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // SAFETY: poll on our own array, without waiting.
        let n = unsafe { libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, 0) };
        if n <= 0 {
            return Vec::new();
        }
        let mut gone = Vec::new();
        for (i, p) in polls.iter().enumerate().rev() {
            if p.revents != 0 {
                let w = self.watched.remove(i);
                gone.push((w.rank, exit_signal(w.pid)));
            }
        }
        gone.reverse();
        gone
    }
}

fn pidfd(pid: i32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    // SAFETY: a fresh fd that nothing else owns.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// (rank, pid) of the processes with our parent that carry a rank.
fn sibling_ranks() -> Vec<(u32, i32)> {
    let me = std::process::id() as i32;
    // SAFETY: getppid cannot fail.
    let parent = unsafe { libc::getppid() };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != me && parent_of(pid) == Some(parent))
        .filter_map(|pid| Some((rank_of(pid)?, pid)))
        .collect()
}

pub fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; fields resume after the last ')'.
    let after = &stat[stat.rfind(')')? + 2..];
    after.split_whitespace().nth(1)?.parse().ok()
}

fn rank_of(pid: i32) -> Option<u32> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    environ.split(|&b| b == 0).find_map(|var| {
        let var = std::str::from_utf8(var).ok()?;
        RANK_VARIABLES
            .iter()
            .find_map(|name| var.strip_prefix(name)?.parse().ok())
    })
}

/// The signal that ended `pid`, read from its entry while it is a zombie
/// (its parent, the MPI launcher, reaps it within moments: then None).
pub fn exit_signal(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    // Field 52 of proc(5), the 50th after the command name: the status as
    // waitpid(2) reports it.
    let status: i32 = after.split_whitespace().nth(49)?.parse().ok()?;
    let signal = status & 0x7f;
    (signal != 0).then_some(signal)
}
