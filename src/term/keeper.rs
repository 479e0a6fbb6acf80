//! The keeper: the guardian's watch (`watching.rs`) kept by a thread of
//! the launcher, for a run without a terminal of rank 0's to give back.
//!
//! The launcher that started the job outlives rank 0 anyway and waits
//! for the run's last words on this host, so rank 0 need not fork a
//! guardian: on a two-core machine the fork of a rank just out of
//! `MPI_Init` held every thread of rank 0 for ~0.7 ms (the memory map is
//! the child's to copy meanwhile) and cost copies of the pages it shared,
//! ~1.9 ms of a two-rank job's 50 (docs/watch-design.md). Rank 0 connects
//! to the launcher's socket instead (an abstract name, so only on the
//! launcher's host: elsewhere the connection fails and rank 0 forks as
//! before) and tells it what it would have told the guardian; the keeper
//! finds the ranks beside rank 0 itself, watches them as the guardian
//! would, and says the line through the last words.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};

use super::vigil::{connect_to, listening_on, Vigil};
use super::watching::Watch;

/// Where the keeper is in its watch.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// No rank 0 has connected.
    Waiting,
    /// Rank 0 connected: the line, if any, is still to come.
    Watching,
    /// The watch is over and its line said.
    Done,
}

/// The launcher's side: a thread waiting for rank 0, then watching.
pub struct Keeper {
    state: Arc<(Mutex<State>, Condvar)>,
    listener: Arc<OwnedFd>,
}

/// The keeper's socket name for the launcher whose last words go to
/// `last_words` (a path of that launcher's own, so the name is too); None
/// when it would not fit a socket address.
fn name_for(last_words: &Path) -> Option<Vec<u8>> {
    let mut name = b"\0mpi-tutor-keeper:".to_vec();
    name.extend_from_slice(last_words.as_os_str().as_encoded_bytes());
    // sockaddr_un's path holds 108 bytes.
    (name.len() <= 108).then_some(name)
}

impl Keeper {
    /// Starts the keeper of the job whose last words go to `last_words`.
    pub fn listen(last_words: &Path) -> Option<Keeper> {
        let listener = Arc::new(listening_on(&name_for(last_words)?)?);
        let state = Arc::new((Mutex::new(State::Waiting), Condvar::new()));
        let (shared, listening) = (state.clone(), listener.clone());
        let path = last_words.to_path_buf();
        std::thread::Builder::new()
            .name("mpi-tutor-keeper".into())
            .spawn(move || {
                let Some(rank0) = take_rank0(&listening, &shared) else {
                    return;
                };
                watch(rank0, &path);
                set(&shared, State::Done);
            })
            .ok()?;
        Some(Keeper { state, listener })
    }

    /// Once mpiexec has ended: waits for the watch's line, if rank 0
    /// connected (even if the keeper has yet to take the connection), at
    /// most as long as a guardian may take to say it.
    pub fn finish(self) {
        let (lock, ended) = &*self.state;
        let state = lock.lock().unwrap_or_else(|e| e.into_inner());
        let pending = *state == State::Waiting && connection_waits(&self.listener, 0) == Some(true);
        let _ = ended.wait_timeout_while(state, super::guardian::LAST_WORDS_BOUND, |s| {
            *s == State::Watching || (pending && *s == State::Waiting)
        });
    }
}

fn set(state: &(Mutex<State>, Condvar), to: State) {
    *state.0.lock().unwrap_or_else(|e| e.into_inner()) = to;
    state.1.notify_all();
}

/// Waits for rank 0's connection (the first from a process of our own
/// user) and takes it, with its pid. The state says `Watching` from
/// before the connection is taken: `Keeper::finish` never finds it
/// neither waiting on the socket nor being watched.
fn take_rank0(listener: &OwnedFd, state: &(Mutex<State>, Condvar)) -> Option<(OwnedFd, i32)> {
    loop {
        if !connection_waits(listener, UNTIL_ONE_DOES)? {
            continue;
        }
        set(state, State::Watching);
        match accept_one(listener)? {
            Some(rank0) => return Some(rank0),
            None => set(state, State::Waiting),
        }
    }
}

/// Whether a connection waits on `listener` to be taken, looking for up
/// to `timeout_ms` ([`UNTIL_ONE_DOES`]: as long as it takes); None if the
/// socket cannot be polled.
fn connection_waits(listener: &OwnedFd, timeout_ms: libc::c_int) -> Option<bool> {
    loop {
        let mut ready = libc::pollfd {
            fd: listener.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll of one pollfd of ours.
        match unsafe { libc::poll(&mut ready, 1, timeout_ms) } {
            1 => return Some(true),
            0 => return Some(false),
            _ if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted => {}
            _ => return None,
        }
    }
}

/// [`connection_waits`] without a bound.
const UNTIL_ONE_DOES: libc::c_int = -1;

/// Takes the connection waiting on `listener`: Some(None) if it is from
/// another user's process (dropped), None if taking failed.
fn accept_one(listener: &OwnedFd) -> Option<Option<(OwnedFd, i32)>> {
    let fd = loop {
        // SAFETY: accept on our listening socket; the fd is owned below.
        let fd = unsafe {
            libc::accept4(
                listener.as_raw_fd(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                libc::SOCK_CLOEXEC,
            )
        };
        if fd >= 0 {
            break fd;
        }
        if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return None;
        }
    };
    // SAFETY: a fresh fd that nothing else owns.
    let connection = unsafe { OwnedFd::from_raw_fd(fd) };
    match peer(connection.as_raw_fd()) {
        // SAFETY: getuid cannot fail.
        Some((pid, uid)) if uid == unsafe { libc::getuid() } => Some(Some((connection, pid))),
        _ => Some(None),
    }
}

/// The pid and user of the process at the other end of `fd`.
fn peer(fd: RawFd) -> Option<(i32, u32)> {
    // SAFETY: ucred is plain data that getsockopt fills.
    let mut credentials: libc::ucred = unsafe { std::mem::zeroed() };
    let mut length = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: SO_PEERCRED into our struct of the size given.
    let read = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            std::ptr::addr_of_mut!(credentials).cast(),
            &mut length,
        )
    };
    (read == 0).then_some((credentials.pid, credentials.uid))
}

/// Watches rank 0 (`connection` from process `pid`) and the ranks beside
/// it until rank 0 has gone or dismissed the watch; the line goes to the
/// FIFO of the last words at `last_words`.
fn watch((connection, pid): (OwnedFd, i32), last_words: &Path) {
    let ranks = Vigil::beside(pid);
    let fifo = open_for_writing(last_words);
    let words = fifo.as_ref().map_or(-1, AsRawFd::as_raw_fd);
    let mut watch = Watch::new(
        pid,
        connection.as_raw_fd(),
        None,
        words,
        ranks.processes(),
        None,
    );
    watch.keep_to_the_end();
    // The connection, the ranks' fds and the FIFO close here, after the
    // watch: the launcher reads the last words to their end.
}

/// The FIFO at `path`, open for writing without waiting (its reader, the
/// launcher, has it open).
fn open_for_writing(path: &Path) -> Option<OwnedFd> {
    let path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
    // SAFETY: plain open of our own FIFO; the fd is owned below.
    let fd = unsafe {
        libc::open(
            path.as_ptr(),
            libc::O_WRONLY | libc::O_NONBLOCK | libc::O_CLOEXEC,
        )
    };
    // SAFETY: a fresh fd that nothing else owns.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Rank 0's side: a connection to the keeper of the launcher that started
/// this job, if that launcher runs on this host.
pub fn reach() -> Option<OwnedFd> {
    reach_for(Path::new(&std::env::var_os(
        super::guardian::LAST_WORDS_ENV,
    )?))
}

/// A connection to the keeper of the launcher whose last words go to
/// `last_words`.
fn reach_for(last_words: &Path) -> Option<OwnedFd> {
    connect_to(&name_for(last_words)?)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::term::last_words::LastWords;

    #[test]
    fn the_line_told_for_rank_0_is_said_through_the_last_words_once_it_goes() {
        let words = LastWords::create().unwrap();
        let keeper = Keeper::listen(words.path()).unwrap();
        let mut rank0 = std::fs::File::from(reach_for(words.path()).unwrap());
        rank0
            .write_all(b"L0 rank 0 was killed{signal} at ring.c:7\n")
            .unwrap();
        // Rank 0's end: its connection closes, whatever it was doing.
        drop(rank0);
        keeper.finish();
        assert_eq!(
            words.collect(),
            "mpi-tutor: rank 0 was killed at ring.c:7\n"
        );
    }
}
