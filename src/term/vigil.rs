//! The other ranks on this host, watched through pidfds: a rank killed
//! from outside (SIGKILL) says nothing, so rank 0 and the guardian notice
//! its process end. Ranks are found as rank 0's siblings (children of the
//! same hydra proxy or Open MPI daemon) carrying the launcher's rank in
//! their environment; ranks on other hosts are not watched.

use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

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
    /// A connection to the line the rank keeps open (see
    /// [`keep_a_line_open`]): it ends the moment the rank's files close,
    /// before its launcher hears of it.
    line: Option<OwnedFd>,
}

/// A rank on this host: rank, pid, pidfd, and the fd whose end is the
/// rank's end (its line, else its pidfd).
pub type RankProcess = (u32, i32, RawFd, RawFd);

impl Vigil {
    /// The ranks of this job on this host, other than this process.
    pub fn of_job() -> Vigil {
        if !crate::launcher::under_launcher() {
            return Vigil::default();
        }
        // SAFETY: getpid and getppid cannot fail.
        let (me, parent) = unsafe { (libc::getpid(), libc::getppid()) };
        let expected =
            local_size(|name| std::env::var(name).ok()).map_or(0, |n| n.saturating_sub(1));
        let mut vigil = Vigil::of(parent, all_ranks_under(parent, Some(me), expected));
        // From now on, so that the order the ranks end in is known.
        vigil.news = Some(vigil.watch_in_thread());
        vigil
    }

    /// Rank 0's process `rank0` and the ranks beside it (started by the
    /// same launcher process on this host), for a watch kept outside the
    /// job: nothing watches them until the caller does.
    pub fn beside(rank0: i32) -> Vigil {
        let Some(parent) = parent_of(rank0) else {
            return Vigil::default();
        };
        let environ = environ_of(rank0);
        let expected = local_size(|name| variable_in(&environ, name));
        Vigil::of(parent, all_ranks_under(parent, None, expected.unwrap_or(0)))
    }

    /// The ranks `(rank, pid)`, children of `parent`, watched.
    fn of(parent: i32, ranks: Vec<(u32, i32)>) -> Vigil {
        let watched = ranks
            .into_iter()
            .filter_map(|(rank, pid)| {
                Some(Watched {
                    rank,
                    pid,
                    fd: pidfd(pid)?,
                    line: connect_line(parent, rank),
                })
            })
            .collect();
        Vigil {
            watched,
            news: None,
        }
    }

    /// Each watched rank's process.
    pub fn processes(&self) -> Vec<RankProcess> {
        (self.watched.iter())
            .map(|w| (w.rank, w.pid, w.fd.as_raw_fd(), w.end_fd()))
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
        let left: Vec<(u32, i32, OwnedFd, OwnedFd)> = (self.watched.iter())
            .filter_map(|w| {
                let end = (w.line.as_ref().unwrap_or(&w.fd)).try_clone().ok()?;
                Some((w.rank, w.pid, w.fd.try_clone().ok()?, end))
            })
            .collect();
        let _ = std::thread::Builder::new()
            .name("mpi-tutor-vigil".into())
            .spawn(move || {
                let Some(order) = EndOrder::new() else { return };
                for (key, w) in left.iter().enumerate() {
                    order.add(w.3.as_raw_fd(), key as u64);
                }
                let mut remaining = left.len();
                while remaining > 0 {
                    for key in order.wait(-1) {
                        let (rank, pid, fd, end) = &left[key as usize];
                        order.remove(end.as_raw_fd());
                        remaining -= 1;
                        let signal = exit_signal_once_ended(*pid, fd.as_raw_fd());
                        if tx.send((*rank, signal)).is_err() {
                            return;
                        }
                    }
                }
            });
        rx
    }
}

/// How long a rank whose line has ended may take to end as a process.
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// The signal that ended `pid`, read as its line ends. Its line ends as
/// its files close, after each of its threads has set its exit status
/// (do_exit sets it first): a killed rank's signal is known at once, so
/// the news is not held up. Only a status without a signal waits for the
/// whole process to end, when it is final (a main thread that ended
/// before the others shows a status of 0 until then).
fn exit_signal_once_ended(pid: i32, pidfd: RawFd) -> Option<i32> {
    exit_signal(pid, pidfd).or_else(|| {
        wait_for_the_end(pidfd, EXIT_WAIT);
        exit_signal(pid, pidfd)
    })
}

/// Waits until the process of `pidfd` has ended (its pidfd is readable
/// then), at most `bound`, resuming after a signal.
fn wait_for_the_end(pidfd: RawFd, bound: Duration) {
    let deadline = Instant::now() + bound;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if !wait_for_end_or_signal(pidfd, left) || left.is_zero() {
            return;
        }
    }
}

/// Waits until the process of `pidfd` has ended, at most `bound`, or
/// until a signal reaches this thread: true if a signal cut it short.
pub fn wait_for_end_or_signal(pidfd: RawFd, bound: Duration) -> bool {
    let mut ended = libc::pollfd {
        fd: pidfd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: poll on one pollfd of ours; a pidfd is readable once its
    // process has ended.
    let n = unsafe { libc::poll(&mut ended, 1, bound.as_millis() as i32) };
    n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
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
const GATHERING: Duration = Duration::from_secs(3);

/// How many ranks run on this host, as the launcher told a rank whose
/// environment variables `variable` looks up.
fn local_size(variable: impl Fn(&str) -> Option<String>) -> Option<usize> {
    LOCAL_SIZE_VARIABLES
        .iter()
        .find_map(|name| variable(name)?.parse().ok())
}

/// The ranks among `parent`'s children (but `except`), once `expected`
/// are there (or after a short wait, with those found).
fn all_ranks_under(parent: i32, except: Option<i32>, expected: usize) -> Vec<(u32, i32)> {
    let deadline = Instant::now() + GATHERING;
    loop {
        let found = ranks_under(parent, except);
        if found.len() >= expected || Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// (rank, pid) of `parent`'s children (but `except`) that carry a rank.
fn ranks_under(parent: i32, except: Option<i32>) -> Vec<(u32, i32)> {
    let candidates = children_of(parent).unwrap_or_else(every_process);
    candidates
        .into_iter()
        .filter(|&pid| Some(pid) != except && parent_of(pid) == Some(parent))
        .filter_map(|pid| Some((rank_of(pid)?, pid)))
        .collect()
}

/// The children of `parent`, as its threads list them (`/proc/PID/task/
/// TID/children`): a read per thread of the launcher's process instead of
/// one per process on the machine (1-1.5 ms at the end of a short run,
/// measured). None where the system does not list them.
fn children_of(parent: i32) -> Option<Vec<i32>> {
    let tasks = std::fs::read_dir(format!("/proc/{parent}/task")).ok()?;
    let mut children = Vec::new();
    for task in tasks {
        let listed = std::fs::read_to_string(task.ok()?.path().join("children")).ok()?;
        children.extend(
            listed
                .split_whitespace()
                .filter_map(|p| p.parse::<i32>().ok()),
        );
    }
    Some(children)
}

/// Every process on the machine.
fn every_process() -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .collect()
}

/// The parent of process `pid`, from `/proc` (any process, not only ours).
pub fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; fields resume after the last ')'.
    let after = &stat[stat.rfind(')')? + 2..];
    after.split_whitespace().nth(1)?.parse().ok()
}

fn rank_of(pid: i32) -> Option<u32> {
    variables(&environ_of(pid)).find_map(|var| {
        RANK_VARIABLES
            .iter()
            .find_map(|name| var.strip_prefix(name)?.parse().ok())
    })
}

/// The environment process `pid` started with, as `/proc` gives it.
fn environ_of(pid: i32) -> Vec<u8> {
    std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default()
}

/// The `NAME=value` variables of `environ`.
fn variables(environ: &[u8]) -> impl Iterator<Item = &str> {
    environ
        .split(|&b| b == 0)
        .filter_map(|var| std::str::from_utf8(var).ok())
}

/// The value of the variable `name` in `environ`.
fn variable_in(environ: &[u8], name: &str) -> Option<String> {
    variables(environ).find_map(|var| {
        let value = var.strip_prefix(name)?.strip_prefix('=')?;
        Some(value.to_string())
    })
}

impl Watched {
    fn end_fd(&self) -> RawFd {
        self.line.as_ref().unwrap_or(&self.fd).as_raw_fd()
    }
}

/// The abstract socket name of `rank`'s line, among the ranks that share
/// `parent` (the launcher's process on this host).
fn line_name(parent: i32, rank: u32) -> Vec<u8> {
    format!("\0mpi-tutor-line-{parent}-{rank}").into_bytes()
}

/// Every rank keeps a listening socket open for as long as it lives.
/// When a rank is killed its files close before its launcher notices
/// (hydra ends the job as the rank's PMI socket closes), so rank 0 and
/// the guardian, connected to it, learn of its end before the launcher's
/// clean-up can end any other rank: the first line to end is the cause.
/// The line is the highest fd of the process (see [`to_the_top`]), so it
/// closes before the PMI socket, not after. Called before the process
/// starts any thread: moving the line up grows the fd table, which waits
/// for an RCU grace period while another thread runs (13 ms, measured).
pub fn keep_a_line_open() {
    let Some(rank) = crate::launcher::launcher_rank() else {
        return;
    };
    // SAFETY: getppid cannot fail.
    let name = line_name(unsafe { libc::getppid() }, rank);
    // Its fd is kept open until the process ends, on purpose.
    if let Some(line) = listening_on(&name) {
        to_the_top(line.into_raw_fd());
    }
}

/// The fds a process keeps above everything it opens itself.
const TOP_FDS: libc::rlim_t = 8;
/// The highest fd table a line may grow the process's to.
const TOP_LIMIT: libc::rlim_t = 4096;

/// Moves `fd` to near the top of the fd table and returns its new number
/// (`fd` itself when it cannot). A process killed by a signal releases its
/// files highest fd first (the kernel queues each release as the table
/// is walked upwards, then runs the queue newest first), and a release can
/// be preempted before the next: a line kept at a low fd closed after the
/// rank's PMI socket, and under load hydra had killed the other ranks (and
/// their lines had closed) before the killed rank's line did. Kept at the
/// top, the line closes before any socket a launcher or a peer watches.
pub fn to_the_top(fd: RawFd) -> RawFd {
    // SAFETY: getrlimit fills a plain struct.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: reads this process's limit into our struct.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return fd;
    }
    let floor = limit.rlim_cur.min(TOP_LIMIT).saturating_sub(TOP_FDS);
    if floor <= fd as libc::rlim_t {
        return fd;
    }
    // SAFETY: duplicates our fd to the lowest free number from `floor`
    // (close-on-exec), then closes the original.
    unsafe {
        let moved = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, floor as libc::c_int);
        if moved < 0 {
            return fd;
        }
        libc::close(fd);
        moved
    }
}

/// A connection to the line of `rank` (a child of `parent`), if it keeps
/// one.
fn connect_line(parent: i32, rank: u32) -> Option<OwnedFd> {
    connect_to(&line_name(parent, rank))
}

/// A connection to the abstract Unix socket `name`, if one listens there.
pub(super) fn connect_to(name: &[u8]) -> Option<OwnedFd> {
    let (address, length) = unix_address(name);
    let fd = stream_socket()?;
    // SAFETY: connect of our socket to an address of the length given.
    let done = unsafe { libc::connect(fd.as_raw_fd(), std::ptr::addr_of!(address).cast(), length) };
    (done == 0).then_some(fd)
}

/// A socket listening on the abstract Unix socket `name`.
pub(super) fn listening_on(name: &[u8]) -> Option<OwnedFd> {
    let (address, length) = unix_address(name);
    let fd = stream_socket()?;
    // SAFETY: bind of our socket to an address of the length given.
    let bound = unsafe { libc::bind(fd.as_raw_fd(), std::ptr::addr_of!(address).cast(), length) };
    // SAFETY: listen on our bound socket.
    (bound == 0 && unsafe { libc::listen(fd.as_raw_fd(), 8) } == 0).then_some(fd)
}

/// A new Unix stream socket of our own (close-on-exec).
fn stream_socket() -> Option<OwnedFd> {
    // SAFETY: socket returns a new fd or -1.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    // SAFETY: a fresh fd that nothing else owns.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

fn unix_address(name: &[u8]) -> (libc::sockaddr_un, libc::socklen_t) {
    // SAFETY: sockaddr_un is plain data.
    let mut address: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    address.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let length = name.len().min(address.sun_path.len());
    for (slot, byte) in address.sun_path.iter_mut().zip(&name[..length]) {
        *slot = *byte as libc::c_char;
    }
    let total = std::mem::size_of::<libc::sa_family_t>() + length;
    (address, total as libc::socklen_t)
}
