//! The other ranks on this host, watched through pidfds: a rank killed
//! from outside (SIGKILL) says nothing, so rank 0 and the guardian notice
//! its process end. Ranks are found as rank 0's siblings (children of the
//! same hydra proxy or Open MPI daemon) carrying the launcher's rank in
//! their environment; ranks on other hosts are not watched.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::mpsc::{channel, Receiver};

use super::exits::{exit_signal, EndOrder};

const RANK_VARIABLES: [&str; 3] = ["PMI_RANK=", "OMPI_COMM_WORLD_RANK=", "PMIX_RANK="];

#[derive(Default)]
pub struct Vigil {
    watched: Vec<Watched>,
    /// Ranks as they end, from the watching thread.
    news: Option<Receiver<(u32, Option<i32>)>>,
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
        let watched = all_sibling_ranks()
            .into_iter()
            .filter_map(|(rank, pid)| {
                Some(Watched {
                    rank,
                    pid,
                    fd: pidfd(pid)?,
                })
            })
            .collect();
        let mut vigil = Vigil {
            watched,
            news: None,
        };
        // From now on, so that the order the ranks end in is known.
        vigil.news = Some(vigil.watch_in_thread());
        vigil
    }

    /// Each watched rank's process.
    pub fn processes(&self) -> Vec<RankProcess> {
        (self.watched.iter())
            .map(|w| (w.rank, w.pid, w.fd.as_raw_fd()))
            .collect()
    }

    /// Ranks whose process has ended since the last look, in the order
    /// they ended, with the signal that killed each when it could still be
    /// read.
    pub fn vanished(&mut self) -> Vec<(u32, Option<i32>)> {
        (self.news.as_ref()).map_or_else(Vec::new, |news| news.try_iter().collect())
    }

    /// A thread waits on the pidfds, so that the rank that ended first is
    /// known first (the launcher kills the others moments later), in the
    /// order they ended (see [`EndOrder`]).
    fn watch_in_thread(&self) -> Receiver<(u32, Option<i32>)> {
        let (tx, rx) = channel();
        let left: Vec<(u32, i32, OwnedFd)> = (self.watched.iter())
            .filter_map(|w| Some((w.rank, w.pid, w.fd.try_clone().ok()?)))
            .collect();
        let _ = std::thread::Builder::new()
            .name("mpi-tutor-vigil".into())
            .spawn(move || {
                let Some(order) = EndOrder::new() else { return };
                for (key, w) in left.iter().enumerate() {
                    order.add(w.2.as_raw_fd(), key as u64);
                }
                let mut remaining = left.len();
                while remaining > 0 {
                    for key in order.wait(-1) {
                        let (rank, pid, fd) = &left[key as usize];
                        order.remove(fd.as_raw_fd());
                        remaining -= 1;
                        if tx.send((*rank, exit_signal(*pid, fd.as_raw_fd()))).is_err() {
                            return;
                        }
                    }
                }
            });
        rx
    }
}

pub fn pidfd(pid: i32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    // SAFETY: a fresh fd that nothing else owns.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// How many ranks run on this host, as the launcher says.
const LOCAL_SIZE_VARIABLES: [&str; 2] = ["MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE"];

/// How long the other ranks on this host may take to appear: a launcher
/// may still be starting some when rank 0 gets here.
const GATHERING: std::time::Duration = std::time::Duration::from_secs(3);

/// The sibling ranks, once as many as the launcher says run on this host
/// are there (or after a short wait, with those found).
fn all_sibling_ranks() -> Vec<(u32, i32)> {
    let expected = LOCAL_SIZE_VARIABLES
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse::<usize>().ok())
        .map_or(0, |n| n.saturating_sub(1));
    let deadline = std::time::Instant::now() + GATHERING;
    loop {
        let found = sibling_ranks();
        if found.len() >= expected || std::time::Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
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
