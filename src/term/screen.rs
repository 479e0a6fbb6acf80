//! Finding rank 0's terminal and owning it while the view is up.
//!
//! Three ways in (docs/mpi-and-terminal-facts.md, "The terminal of rank 0"):
//! - started by our own launcher: `MPI_TUTOR_TTY` names the terminal,
//!   mpiexec's stdin is empty, and rank 0 reads keys from the terminal;
//! - a bare `mpiexec -n 5 mpi-tutor ...` typed in a terminal: rank 0 finds
//!   the terminal mpiexec writes to, draws there, and reads the keys that
//!   mpiexec forwards to its stdin (the terminal is raw, so byte by byte);
//! - relayed by our own launcher (rank 0 on another host): rank 0 draws on
//!   its stdout and reads keys from its stdin (see [`super::relay`]).

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, OnceLock};

use super::guardian::{self, Terminal};
use super::keys::{Key, KeyDecoder};
use super::relay;
use super::tty::{self, Saved};
use crate::launcher::TTY_ENV;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Read keys from the terminal itself.
    Terminal,
    /// Read keys from stdin, forwarded there by mpiexec.
    Stdin,
    /// The launcher relays: draw on `out` (a copy of stdout) at the size
    /// it gave, read keys and resizes from stdin.
    Relayed { out: RawFd, size: (u16, u16) },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenTarget {
    pub path: String,
    pub keys: KeySource,
}

/// Why rank 0 has no screen to draw on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screenless {
    /// No terminal (output piped: tests, CI, `| tee`).
    NoTerminal,
    /// Rank 0 runs on `host`, away from the terminal of the run.
    Away { host: String },
}

const LAUNCHERS: [&str; 6] = [
    "mpiexec",
    "mpirun",
    "mpiexec.hydra",
    "mpiexec.mpich",
    "orterun",
    "prterun",
];

/// The daemons that start ranks on a host for a launcher elsewhere.
const DAEMONS: [&str; 3] = ["hydra_pmi_proxy", "orted", "prted"];

/// Where rank 0 can draw, if anywhere. A launcher whose output is piped
/// (tests, CI, `| tee`) means no terminal: the headless log is used.
pub fn find_screen() -> Result<ScreenTarget, Screenless> {
    let away = || Screenless::Away {
        host: relay::this_host(),
    };
    if let Some(size) = relay::offered() {
        let out = relay::keep_stdout().ok_or(Screenless::NoTerminal)?;
        return Ok(ScreenTarget {
            path: "the relay through mpiexec".into(),
            keys: KeySource::Relayed { out, size },
        });
    }
    if let Ok(path) = std::env::var(TTY_ENV) {
        if relay::launcher_elsewhere() {
            return Err(away());
        }
        return Ok(ScreenTarget {
            path,
            keys: KeySource::Terminal,
        });
    }
    match launcher_ancestor() {
        Ancestor::Launcher(pid) => match launcher_terminal(pid) {
            Ok(path) => {
                let keys = if launcher_in_background(pid, &path) {
                    KeySource::Terminal
                } else {
                    KeySource::Stdin
                };
                Ok(ScreenTarget { path, keys })
            }
            Err(true) => Err(away()),
            Err(false) => Err(Screenless::NoTerminal),
        },
        Ancestor::Daemon => Err(away()),
        Ancestor::Neither => Err(Screenless::NoTerminal),
    }
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
/// terminal it writes to), when there is one on this host.
pub fn bare_launcher() -> Option<(u32, String)> {
    match launcher_ancestor() {
        Ancestor::Launcher(pid) => launcher_terminal(pid).ok().map(|path| (pid, path)),
        _ => None,
    }
}

/// What started this rank, looking up its parents.
enum Ancestor {
    /// mpiexec, on this host.
    Launcher(u32),
    /// A launcher's daemon with no launcher above it: mpiexec runs on
    /// another host.
    Daemon,
    Neither,
}

fn launcher_ancestor() -> Ancestor {
    let mut pid = std::os::unix::process::parent_id();
    let mut daemon = false;
    for _ in 0..8 {
        if pid <= 1 {
            break;
        }
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let comm = comm.trim();
        if LAUNCHERS.contains(&comm) || comm.starts_with("mpiexec") || comm.starts_with("mpirun") {
            return Ancestor::Launcher(pid);
        }
        daemon |= DAEMONS.contains(&comm);
        let parent = super::vigil::parent_of(pid as i32).and_then(|p| u32::try_from(p).ok());
        match parent {
            Some(parent) => pid = parent,
            None => break,
        }
    }
    if daemon {
        Ancestor::Daemon
    } else {
        Ancestor::Neither
    }
}

/// The terminal the launcher `pid` writes to, if it writes to one this
/// host can open; Err(true) when that terminal is another host's (the
/// same path here names another device, or none).
fn launcher_terminal(pid: u32) -> Result<String, bool> {
    let link = format!("/proc/{pid}/fd/1");
    let out = std::fs::read_link(&link).map_err(|_| false)?;
    let out = out.to_string_lossy().into_owned();
    if !(out.starts_with("/dev/pts/") || out.starts_with("/dev/tty")) {
        return Err(false);
    }
    let theirs = std::fs::metadata(&link).map_err(|_| false)?;
    let same = std::fs::metadata(&out)
        .is_ok_and(|ours| (ours.dev(), ours.ino()) == (theirs.dev(), theirs.ino()));
    if !same {
        return Err(true);
    }
    Ok(out)
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
    /// When relayed: the size the launcher last told, as
    /// `columns << 16 | rows` (the key thread updates it).
    relayed_size: Option<Arc<AtomicU32>>,
}

/// Alternate screen, hidden cursor, cleared. Not ratatui's clear(), which
/// asks the terminal for the cursor position and fails here.
const ENTER: &[u8] = b"\x1b[?1049h\x1b[?25l\x1b[2J\x1b[H";

impl Screen {
    pub fn open(target: &ScreenTarget) -> std::io::Result<Screen> {
        if let KeySource::Relayed { out, size } = target.keys {
            return Screen::relayed(out, size);
        }
        // A terminal shared with mpiexec, from a background process group
        // (Open MPI): setting it must not stop us, reading it (keys, once
        // stdin ends) fails instead of stopping.
        let file = tty::open_terminal(&target.path)?;
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
        // SAFETY: write of a static buffer to our open fd.
        unsafe { libc::write(fd, ENTER.as_ptr().cast(), ENTER.len()) };
        Ok(Screen {
            file,
            relayed_size: None,
        })
    }

    /// The view on `out`, relayed by mpiexec to the launcher, which owns
    /// the terminal: no settings to change here, nothing to give back but
    /// the screen.
    fn relayed(out: RawFd, size: (u16, u16)) -> std::io::Result<Screen> {
        // SAFETY: duplicating the fd kept by `relay::keep_stdout`.
        let fd = unsafe { libc::fcntl(out, libc::F_DUPFD_CLOEXEC, 3) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: a fresh fd that nothing else owns.
        let mut file = unsafe { File::from_raw_fd(fd) };
        guardian::start(None);
        std::io::Write::write_all(&mut file, ENTER)?;
        Ok(Screen {
            file,
            relayed_size: Some(Arc::new(AtomicU32::new(pack(size)))),
        })
    }

    pub fn size(&self) -> Option<(u16, u16)> {
        match &self.relayed_size {
            Some(size) => Some(unpack(size.load(Ordering::Relaxed))),
            None => tty::size(self.file.as_raw_fd()),
        }
    }

    pub fn writer(&self) -> std::io::Result<File> {
        self.file.try_clone()
    }

    /// Starts a thread that turns key presses into `Key`s.
    pub fn read_keys(&self, source: &KeySource, keys: Sender<Key>) -> std::io::Result<()> {
        // The relay has no terminal here to fall back on.
        let terminal = match source {
            KeySource::Relayed { .. } => None,
            _ => Some(self.file.try_clone()?),
        };
        let stdin = match source {
            KeySource::Terminal => None,
            // SAFETY: duplicating our own stdin descriptor.
            _ => Some(unsafe { File::from_raw_fd(libc::dup(libc::STDIN_FILENO)) }),
        };
        let size = self.relayed_size.clone();
        std::thread::Builder::new()
            .name("mpi-tutor-keys".into())
            .spawn(move || {
                // Stdin ends when mpiexec stops forwarding it (run in a
                // background process group, by `timeout` for one): the
                // terminal itself is read then, if it lets us.
                if let Some(stdin) = stdin {
                    if read_loop(stdin, &keys, size.as_deref()).is_err() {
                        return;
                    }
                }
                if terminal
                    .map_or(Ok(()), |t| read_loop(t, &keys, None))
                    .is_ok()
                {
                    let _ = keys.send(Key::Unavailable);
                }
            })?;
        Ok(())
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        if self.relayed_size.is_some() {
            let _ = std::io::Write::write_all(&mut self.file, tty::LEAVE);
        } else {
            restore_terminal();
        }
    }
}

fn pack((columns, rows): (u16, u16)) -> u32 {
    (columns as u32) << 16 | rows as u32
}

fn unpack(size: u32) -> (u16, u16) {
    ((size >> 16) as u16, size as u16)
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
/// A resize relayed in the key stream is kept in `size` (when relayed).
fn read_loop(mut input: File, keys: &Sender<Key>, size: Option<&AtomicU32>) -> Result<(), ()> {
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
                    if let (Key::Resize(columns, rows), Some(size)) = (k, size) {
                        size.store(pack((columns, rows)), Ordering::Relaxed);
                    }
                    keys.send(k).map_err(|_| ())?;
                }
            }
        }
    }
}
