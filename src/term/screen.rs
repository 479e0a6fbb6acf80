//! Finding rank 0's terminal and owning it while the view is up.
//!
//! Two ways in (docs/mpi-and-terminal-facts.md, "The terminal of rank 0"):
//! - started by our own launcher: `MPI_TUTOR_TTY` names the terminal,
//!   mpiexec's stdin is empty, and rank 0 reads keys from the terminal;
//! - a bare `mpiexec -n 5 mpi-tutor ...` typed in a terminal: rank 0 finds
//!   the terminal mpiexec writes to, draws there, and reads the keys that
//!   mpiexec forwards to its stdin (the terminal is raw, so byte by byte).

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::mpsc::Sender;
use std::sync::{Mutex, OnceLock};

use super::guardian::{self, Terminal};
use super::keys::{Key, KeyDecoder};
use super::tty::{self, Saved};
use crate::launcher::TTY_ENV;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Read keys from the terminal itself.
    Terminal,
    /// Read keys from stdin, forwarded there by mpiexec.
    Stdin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenTarget {
    pub path: String,
    pub keys: KeySource,
}

const LAUNCHERS: [&str; 6] = [
    "mpiexec",
    "mpirun",
    "mpiexec.hydra",
    "mpiexec.mpich",
    "orterun",
    "prterun",
];

/// Where rank 0 can draw, if anywhere. A launcher whose output is piped
/// (tests, CI, `| tee`) means no terminal: the headless log is used.
pub fn find_screen() -> Option<ScreenTarget> {
    if let Ok(path) = std::env::var(TTY_ENV) {
        return Some(ScreenTarget {
            path,
            keys: KeySource::Terminal,
        });
    }
    let (launcher, path) = bare_launcher()?;
    let keys = if launcher_in_background(launcher, &path) {
        KeySource::Terminal
    } else {
        KeySource::Stdin
    };
    Some(ScreenTarget { path, keys })
}

/// Whether a bare mpiexec runs in the background of the terminal at
/// `path` that is also ours (Open MPI's ranks share its session): run
/// under `timeout`, Open MPI's mpiexec then forwards no keys, yet never
/// ends rank 0's stdin either, so rank 0 must read the terminal itself,
/// in the foreground (taken while the view is up, then given back).
fn launcher_in_background(launcher: u32, path: &str) -> bool {
    let Ok(terminal) = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOCTTY | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
    else {
        return false;
    };
    let fd = terminal.as_raw_fd();
    // SAFETY: queries of the terminal's session and groups, and of ours.
    unsafe {
        let ours = libc::tcgetsid(fd) == libc::getsid(0);
        let foreground = libc::tcgetpgrp(fd);
        ours && foreground > 0 && foreground != libc::getpgid(launcher as libc::pid_t)
    }
}

/// The mpiexec typed in a terminal that runs this rank (its pid, and the
/// terminal it writes to), when there is one.
pub fn bare_launcher() -> Option<(u32, String)> {
    let mut pid = std::os::unix::process::parent_id();
    for _ in 0..8 {
        if pid <= 1 {
            break;
        }
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if LAUNCHERS.contains(&comm.trim()) || comm.trim().starts_with("mpiexec") {
            let out = std::fs::read_link(format!("/proc/{pid}/fd/1")).ok()?;
            let out = out.to_string_lossy().into_owned();
            let is_tty = out.starts_with("/dev/pts/") || out.starts_with("/dev/tty");
            return is_tty.then_some((pid, out));
        }
        pid = parent_of(pid)?;
    }
    None
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; fields resume after the last ')'.
    let after = &stat[stat.rfind(')')? + 2..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// What must be undone, reachable from the panic hook and signal paths.
struct Restore {
    saved: Saved,
    foreground: Option<libc::pid_t>,
}

static RESTORE: OnceLock<Mutex<Option<Restore>>> = OnceLock::new();

/// Puts the terminal back as it was: settings, screen, cursor, foreground
/// process group. Idempotent; callable from any thread.
pub fn restore_terminal() {
    let Some(slot) = RESTORE.get() else { return };
    let taken = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(r) = taken {
        r.saved.restore();
        if let Some(pgrp) = r.foreground {
            // SAFETY: handing the foreground back to the group that had it.
            unsafe { libc::tcsetpgrp(r.saved.fd(), pgrp) };
        }
    }
}

/// The terminal, open, raw and on the alternate screen until dropped.
pub struct Screen {
    file: File,
}

impl Screen {
    pub fn open(target: &ScreenTarget) -> std::io::Result<Screen> {
        // Writing settings of a terminal we share with mpiexec from a
        // background process group would stop us with SIGTTOU (Open MPI);
        // reading it so (keys, once stdin ends) fails instead of stopping.
        // SAFETY: ignoring signals.
        unsafe {
            libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            libc::signal(libc::SIGTTIN, libc::SIG_IGN);
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY | libc::O_CLOEXEC)
            .open(&target.path)?;
        let fd = file.as_raw_fd();
        let saved = Saved::of(fd)
            .ok_or_else(|| std::io::Error::other(format!("{} is not a terminal", target.path)))?;
        let original = saved.termios();
        let foreground = (target.keys == KeySource::Terminal)
            .then(|| take_foreground(fd))
            .flatten();
        RESTORE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace(Restore { saved, foreground });
        crate::probe::on_fatal(restore_terminal);
        if !tty::make_raw(fd) {
            restore_terminal();
            return Err(std::io::Error::other("cannot put the terminal in raw mode"));
        }
        if let Some(raw) = Saved::of(fd) {
            guardian::start(Some(Terminal {
                fd,
                original,
                raw: raw.termios(),
            }));
        }
        // Alternate screen, hidden cursor, cleared. Not ratatui's clear(),
        // which asks the terminal for the cursor position and fails here.
        let enter = b"\x1b[?1049h\x1b[?25l\x1b[2J\x1b[H";
        // SAFETY: write of a static buffer to our open fd.
        unsafe { libc::write(fd, enter.as_ptr().cast(), enter.len()) };
        Ok(Screen { file })
    }

    pub fn size(&self) -> Option<(u16, u16)> {
        tty::size(self.file.as_raw_fd())
    }

    pub fn writer(&self) -> std::io::Result<File> {
        self.file.try_clone()
    }

    /// Starts a thread that turns key presses into `Key`s.
    pub fn read_keys(&self, source: &KeySource, keys: Sender<Key>) -> std::io::Result<()> {
        let terminal = self.file.try_clone()?;
        let stdin = match source {
            KeySource::Terminal => None,
            // SAFETY: duplicating our own stdin descriptor.
            KeySource::Stdin => Some(unsafe {
                use std::os::fd::FromRawFd;
                File::from_raw_fd(libc::dup(libc::STDIN_FILENO))
            }),
        };
        std::thread::Builder::new()
            .name("mpi-tutor-keys".into())
            .spawn(move || {
                // Stdin ends when mpiexec stops forwarding it (run in a
                // background process group, by `timeout` for one): the
                // terminal itself is read then, if it lets us.
                if let Some(stdin) = stdin {
                    if read_loop(stdin, &keys).is_err() {
                        return;
                    }
                }
                if read_loop(terminal, &keys).is_ok() {
                    let _ = keys.send(Key::Unavailable);
                }
            })?;
        Ok(())
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore_terminal();
    }
}

/// When the terminal is our controlling one but we are in the background
/// (Open MPI), take the foreground so reads do not stop us; returns the
/// group to give it back to.
fn take_foreground(fd: RawFd) -> Option<libc::pid_t> {
    // SAFETY: querying and setting the terminal's process group.
    unsafe {
        if libc::tcgetsid(fd) != libc::getsid(0) {
            return None;
        }
        let old = libc::tcgetpgrp(fd);
        let mine = libc::getpgrp();
        if old < 0 || old == mine {
            return None;
        }
        (libc::tcsetpgrp(fd, mine) == 0).then_some(old)
    }
}

/// Sends the keys read from `input` until it ends (Ok) or the view has
/// gone (Err).
fn read_loop(mut input: File, keys: &Sender<Key>) -> Result<(), ()> {
    let mut decoder = KeyDecoder::default();
    let mut buf = [0u8; 256];
    loop {
        match input.read(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Ok(0) | Err(_) => return Ok(()),
            Ok(n) => {
                // A read that ends inside an escape sequence is rare enough
                // that treating its ESC as the Esc key would confuse; wait
                // for more only when the chunk ends right after ESC + '['.
                let more = buf[..n].ends_with(b"\x1b[") || buf[..n].ends_with(b"\x1bO");
                for k in decoder.feed(&buf[..n], more) {
                    keys.send(k).map_err(|_| ())?;
                }
            }
        }
    }
}
