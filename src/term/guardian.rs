//! The guardian: a small process that outlives rank 0 and the launcher and
//! gives the terminal back the moment the view's owner disappears, even
//! when it is killed with SIGKILL, then says why the run ended.
//!
//! It is forked from rank 0 (not exec'd: under `watch` rank 0 is the
//! student's program, and the tutor lives in a preloaded library), moves to
//! a session of its own (out of reach of a launcher's process-group kill),
//! and keeps only what it needs: the read end of a pipe from its owner, the
//! terminal, and a pidfd per rank on this host. Rank 0 tells it, through
//! the pipe, the line to say if a rank vanishes ("L"), which ranks ended
//! well ("E"), and that it gave the terminal back itself ("D"). End of file
//! on the pipe means rank 0 is gone: the guardian restores the terminal,
//! unless someone has changed it since the view set it raw, and says the
//! line of the first rank that vanished (rank 0's own if none did).

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, OnceLock};

use super::bare::{self, BareLauncher};
use super::vigil::{pidfd, RankProcess, Vigil};
use super::watching::Watch;

pub use super::watching::LAST_WORDS_BOUND;

/// Environment variable naming a FIFO where the launcher waits for the
/// last words, to say them after mpiexec has exited (so the shell's prompt
/// cannot come before them).
pub const LAST_WORDS_ENV: &str = "MPI_TUTOR_LAST_WORDS";

/// Where the lines told to the guardian name the signal, once known
/// (" (SIGKILL)"), or nothing when it is not.
pub const SIGNAL_SLOT: &str = "{signal}";

/// The guardian's process name, as `ps` shows it.
pub const GUARDIAN_NAME: &std::ffi::CStr = c"mpi-tutor-guard";

/// The terminal as the guardian must know it.
#[derive(Clone, Copy)]
pub struct Terminal {
    pub fd: RawFd,
    pub original: libc::termios,
    pub raw: libc::termios,
}

struct Owner {
    /// Where rank 0's news goes: the guardian's pipe or the keeper's socket.
    pipe: OwnedFd,
    /// The news goes to the launcher's keeper, whose socket may close with
    /// a killed launcher: sent so that rank 0 is not ended by SIGPIPE.
    to_keeper: bool,
    vigil: Vigil,
    /// Whether the guardian holds a terminal to speak on.
    speaks: bool,
    /// The bare mpiexec the guardian speaks after, if any.
    launcher: Option<i32>,
}

static OWNER: OnceLock<Mutex<Option<Owner>>> = OnceLock::new();

fn owner() -> std::sync::MutexGuard<'static, Option<Owner>> {
    OWNER
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Starts the guardian of this run, once; `terminal` is None for a run
/// without a screen (the guardian then only says why a rank vanished).
/// The fd the guardian speaks through instead of fd 2, when fd 2 is a
/// watched program's output capture (-1: fd 2 itself).
pub(super) static STDERR: AtomicI32 = AtomicI32::new(-1);

/// Fd 2 now feeds the output capture, and `stderr` is the process's own
/// stderr: the guardian must not hold the capture's pipe open (its reader
/// waits for the end of it) and speaks through `stderr` instead.
pub fn speak_through(stderr: RawFd) {
    STDERR.store(stderr, Ordering::Relaxed);
}

/// Starts the guardian of a run without a screen on a thread of its own,
/// at the caller's priority, while the caller goes on: the fork takes
/// ~0.5 ms in a small C rank and more in a Python one, and the app's
/// thread, which would do it otherwise, runs in the idle class and may
/// not get a core until the program's ranks block (measured: the seed's
/// guardian started only at its end). Whoever needs the guardian first
/// (`start`, `ended`...) waits for this start to be done.
pub fn start_beside() {
    let _ = std::thread::Builder::new()
        .name("mpi-tutor-guard".into())
        .spawn(|| start(None));
}

pub fn start(terminal: Option<Terminal>) {
    let mut slot = owner();
    if slot.is_some() {
        return;
    }
    let vigil = Vigil::of_job();
    // A failure rank 0 reports itself (a panic) is not a rank vanishing.
    crate::probe::on_fatal(dismiss);
    // No terminal to give back: the launcher's keeper watches instead, if
    // it runs on this host (see `keeper`), and nothing is forked.
    if let Some(line) = terminal.is_none().then(super::keeper::reach).flatten() {
        *slot = Some(Owner {
            pipe: line,
            to_keeper: true,
            vigil,
            speaks: false,
            launcher: None,
        });
        return;
    }
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two fds; both are ours.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return;
    }
    let last_words = open_last_words();
    let bare = BareLauncher::find();
    let parent = std::process::id() as i32;
    let (ranks, own, life) = ranks_with_own(&vigil, parent);
    // SAFETY: the child only makes system calls and small allocations
    // (glibc's malloc is safe after fork) and never returns.
    match unsafe { libc::fork() } {
        0 => {
            let bare = bare.as_ref().map(BareLauncher::parts);
            Watch::new(parent, fds[0], terminal, last_words, ranks, bare).keep()
        }
        child if child > 0 => {
            // SAFETY: the fds are ours; the write end is kept.
            unsafe {
                libc::close(fds[0]);
                if last_words >= 0 {
                    libc::close(last_words);
                }
                drop(own);
                if let Some(life) = life {
                    libc::close(life);
                }
                let pipe = std::os::fd::FromRawFd::from_raw_fd(fds[1]);
                let speaks = terminal.is_some() || bare.is_some();
                let launcher = bare.as_ref().map(|b| b.pid);
                drop(bare);
                *slot = Some(Owner {
                    pipe,
                    to_keeper: false,
                    vigil,
                    speaks,
                    launcher,
                });
            }
        }
        _ => {
            // SAFETY: no child: the fds are closed again.
            unsafe {
                libc::close(fds[0]);
                libc::close(fds[1]);
            }
        }
    }
}

/// The ranks to watch, rank 0 (`parent`) among them, with the pidfd and
/// the read end of the pipe that watch rank 0. Rank 0 is watched as the
/// others are, so that whichever ended first is known: by a line of its
/// own, a pipe nothing is written to, whose end is rank 0's files closing
/// (its news pipe cannot tell: data on it would put it first in the ready
/// list, however late it ends).
fn ranks_with_own(
    vigil: &Vigil,
    parent: i32,
) -> (Vec<RankProcess>, Option<OwnedFd>, Option<RawFd>) {
    let own = pidfd(parent);
    let life = own_line();
    let mut ranks = vigil.processes();
    ranks.extend(
        own.as_ref()
            .map(|fd| (0, parent, fd.as_raw_fd(), life.unwrap_or(fd.as_raw_fd()))),
    );
    (ranks, own, life)
}

/// The read end of a pipe whose write end rank 0 holds until it ends
/// (never closed on purpose; close-on-exec, so no other program gets it),
/// at the top of its fd table, like the other ranks' lines.
fn own_line() -> Option<RawFd> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two fds; both are ours, the write end kept.
    let made = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } == 0;
    made.then(|| {
        super::vigil::to_the_top(fds[1]);
        fds[0]
    })
}

/// The FIFO of the launcher's last words, opened for writing, or -1.
fn open_last_words() -> RawFd {
    let Some(path) = std::env::var_os(LAST_WORDS_ENV) else {
        return -1;
    };
    let Ok(path) = std::ffi::CString::new(path.as_encoded_bytes()) else {
        return -1;
    };
    // SAFETY: plain open; non-blocking so a launcher that is gone cannot
    // hold us up (ENXIO then, and -1).
    unsafe {
        libc::open(
            path.as_ptr(),
            libc::O_WRONLY | libc::O_NONBLOCK | libc::O_CLOEXEC,
        )
    }
}

/// Says `line` through the launcher, which says it after mpiexec has
/// exited, last; false when no launcher waits for it.
pub fn say_last(line: &str) -> bool {
    let fd = open_last_words();
    if fd < 0 {
        // Another host's launcher: through the relay, if it relays.
        return super::relay::say_last(line);
    }
    let text = format!("{line}\n");
    // SAFETY: write of our buffer to the fd just opened, then closed.
    let written = unsafe {
        let n = libc::write(fd, text.as_ptr().cast(), text.len());
        libc::close(fd);
        n
    };
    written == text.len() as isize
}

fn send(message: &[u8]) {
    if let Some(o) = owner().as_ref() {
        let (fd, bytes, length) = (o.pipe.as_raw_fd(), message.as_ptr().cast(), message.len());
        // SAFETY: send or write of our buffer to our socket or pipe; a
        // short write of a line this small does not happen.
        unsafe {
            if o.to_keeper {
                libc::send(fd, bytes, length, libc::MSG_NOSIGNAL);
            } else {
                libc::write(fd, bytes, length);
            }
        }
    }
}

/// The line to say if `rank` vanishes from now on.
pub fn tell(rank: u32, line: &str) {
    let line = line.replace('\n', " ");
    send(format!("L{rank} {line}\n").as_bytes());
}

/// `rank` ended as it should: its process ending is no news.
pub fn ended(rank: u32) {
    send(format!("E{rank}\n").as_bytes());
}

/// Rank 0 gave the terminal back; the guardian says `line` on it once
/// rank 0 has exited, and a bare mpiexec too (so nothing rank 0 or
/// mpiexec prints comes after it). False when no guardian holds a
/// terminal.
pub fn hand_over(line: &str) -> bool {
    if !owner().as_ref().is_some_and(|o| o.speaks) {
        return false;
    }
    let line = line.replace('\n', " ");
    send(format!("F{line}\n").as_bytes());
    // The guardian holds a bare mpiexec on this line: the job's end,
    // which follows, must find it held.
    let launcher = owner().as_ref().and_then(|o| o.launcher);
    if let Some(launcher) = launcher {
        bare::wait_until_held(launcher);
    }
    owner().take();
    true
}

/// Rank 0 gave the terminal back and says its own last words: the
/// guardian leaves quietly.
pub fn dismiss() {
    send(b"D\n");
    owner().take();
}

/// Ranks on this host whose process has ended since the last look, with
/// the signal that ended it when known.
pub fn vanished() -> Vec<(u32, Option<i32>)> {
    owner()
        .as_mut()
        .map(|o| o.vigil.vanished())
        .unwrap_or_default()
}
