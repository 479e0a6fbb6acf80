//! The launcher's end of the relay (see [`super::relay`]): it owns the
//! teacher's terminal. It writes the keys into mpiexec's stdin with each
//! resize as a private sequence among them
//! ([`super::keys::resize_sequence`]), and passes mpiexec's output on to
//! the terminal: when the view enters the alternate screen the terminal
//! goes raw under a guardian (which gives it back if the launcher is
//! killed), and it is given back the moment the view leaves it.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::guardian::{self, Terminal};
use super::keys::resize_sequence;
use super::relay::{size_text, this_host, HOST_ENV, RELAY_ENV};
use super::relay_stream::{Piece, RelayStream};
use super::tty::{self, Saved};

/// How long mpiexec's output may go on after it exited (a process that
/// still holds it open must not hold the launcher).
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

/// What the key thread is woken for, through its wake pipe.
const WOKEN_BY_RESIZE: u8 = b'w';
const WOKEN_TO_STOP: u8 = b's';

/// The teacher's terminal, raw and guarded, before mpiexec starts.
pub struct RelayFront {
    terminal: File,
    saved: Saved,
    /// mpiexec's stdin, until it is handed over.
    keys_for_mpiexec: Option<OwnedFd>,
    keys_writer: File,
    wake_reader: File,
    wake_writer: File,
}

/// What the output has said so far.
#[derive(Default)]
struct Seen {
    on_alternate_screen: bool,
    last_words: String,
}

/// The relay while mpiexec runs.
pub struct Running {
    terminal: File,
    saved: Saved,
    seen: Arc<Mutex<Seen>>,
    output_ended: Receiver<()>,
    wake_writer: File,
}

impl RelayFront {
    /// Opens the terminal at `path`; it stays as it is until the view
    /// comes up (rank 0 may show the log instead).
    pub fn begin(path: &str) -> std::io::Result<RelayFront> {
        // Run in the background (`&`), the launcher fails to read keys
        // instead of being stopped, and the view says that none can reach
        // it (mpiexec and the ranks inherit the ignored signals; rank 0
        // ignores them itself anyway).
        let terminal = tty::open_terminal(path)?;
        let fd = terminal.as_raw_fd();
        let saved = Saved::of(fd).ok_or_else(|| std::io::Error::other("not a terminal"))?;
        let (keys_for_mpiexec, keys_writer) = pipe()?;
        let (wake_reader, wake_writer) = pipe()?;
        // A signal handler writes to it: it must never block.
        // SAFETY: setting a flag on an fd we own.
        unsafe { libc::fcntl(wake_writer.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) };
        Ok(RelayFront {
            terminal,
            saved,
            keys_for_mpiexec: Some(keys_for_mpiexec),
            keys_writer: File::from(keys_writer),
            wake_reader: File::from(wake_reader),
            wake_writer: File::from(wake_writer),
        })
    }

    /// mpiexec gets the keys as its stdin and its output is ours to pass
    /// on; the ranks learn the terminal's size and this host's name.
    pub fn prepare(&mut self, cmd: &mut Command) {
        let size = tty::size(self.terminal.as_raw_fd()).unwrap_or((80, 24));
        cmd.env(RELAY_ENV, size_text(size))
            .env(HOST_ENV, this_host())
            .stdout(Stdio::piped());
        if let Some(keys) = self.keys_for_mpiexec.take() {
            cmd.stdin(Stdio::from(keys));
        }
    }

    /// mpiexec did not start: the terminal as it was.
    pub fn give_back(self) {
        self.saved.restore_settings();
        guardian::dismiss();
    }

    /// mpiexec has started: keys flow in, frames flow out.
    pub fn start(self, child: &mut Child) -> std::io::Result<Running> {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (ended_tx, output_ended) = channel();
        if let Some(output) = child.stdout.take() {
            let terminal = self.terminal.try_clone()?;
            let (saved, seen) = (self.saved, seen.clone());
            std::thread::Builder::new()
                .name("mpi-tutor-frames".into())
                .spawn(move || pass_output(output, terminal, saved, &seen, ended_tx))?;
        }
        WAKE.store(self.wake_writer.as_raw_fd(), Ordering::SeqCst);
        // SAFETY: the handler only writes a byte to a pipe.
        unsafe { libc::signal(libc::SIGWINCH, on_resize as *const () as libc::sighandler_t) };
        let terminal = self.terminal.try_clone()?;
        let (keys, wake) = (self.keys_writer, self.wake_reader);
        std::thread::Builder::new()
            .name("mpi-tutor-keys".into())
            .spawn(move || pass_keys(terminal, keys, wake))?;
        Ok(Running {
            terminal: self.terminal,
            saved: self.saved,
            seen,
            output_ended,
            wake_writer: self.wake_writer,
        })
    }
}

impl Running {
    /// mpiexec has exited: the rest of its output is passed on, the
    /// terminal given back (if the view did not leave it) and the guardian
    /// dismissed. Returns the last words that came through the relay.
    pub fn finish(mut self) -> String {
        let _ = self.output_ended.recv_timeout(OUTPUT_GRACE);
        WAKE.store(-1, Ordering::SeqCst);
        let _ = self.wake_writer.write_all(&[WOKEN_TO_STOP]);
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if self.saved.changed() {
            self.saved.restore_settings();
        }
        if seen.on_alternate_screen {
            let _ = self.terminal.write_all(tty::LEAVE);
        }
        guardian::dismiss();
        seen.last_words.clone()
    }
}

/// Passes mpiexec's output on to the terminal, noting what it says.
fn pass_output(
    mut output: ChildStdout,
    mut terminal: File,
    saved: Saved,
    seen: &Mutex<Seen>,
    ended: Sender<()>,
) {
    let mut stream = RelayStream::default();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match output.read(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for piece in stream.feed(&buf[..n]) {
            let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
            match piece {
                Piece::Bytes(bytes) => {
                    let _ = terminal.write_all(&bytes);
                }
                Piece::Screen(true) => {
                    seen.on_alternate_screen = true;
                    take_over(&terminal, &saved);
                }
                Piece::Screen(false) => {
                    seen.on_alternate_screen = false;
                    // The view is over: what follows is for a cooked
                    // terminal (lines ending in a bare newline).
                    saved.restore_settings();
                }
                Piece::LastWords(line) => {
                    seen.last_words.push_str(&line);
                    seen.last_words.push('\n');
                }
            }
        }
    }
    let _ = terminal.write_all(&stream.finish());
    let _ = ended.send(());
}

/// The view is up: the terminal goes raw (keys one by one, unechoed,
/// Ctrl-C a key for the view), guarded from now on.
fn take_over(terminal: &File, saved: &Saved) {
    let fd = terminal.as_raw_fd();
    if !tty::make_raw(fd) {
        return;
    }
    if let Some(raw) = Saved::of(fd) {
        guardian::start(Some(Terminal {
            fd,
            original: saved.termios(),
            raw: raw.termios(),
        }));
    }
}

/// Passes the keys typed on the terminal, and each resize, to mpiexec's
/// stdin until it closes or the launcher says stop.
fn pass_keys(mut terminal: File, mut keys: File, mut wake: File) {
    let mut buf = [0u8; 256];
    loop {
        let mut fds = [poll_for(terminal.as_raw_fd()), poll_for(wake.as_raw_fd())];
        // SAFETY: poll on two fds we hold, with a valid array.
        if unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) } < 0 {
            continue;
        }
        if fds[1].revents != 0 {
            let Ok(n) = wake.read(&mut buf) else { return };
            if n == 0 || buf[..n].contains(&WOKEN_TO_STOP) {
                return;
            }
            let size = tty::size(terminal.as_raw_fd()).unwrap_or((80, 24));
            if keys.write_all(&resize_sequence(size.0, size.1)).is_err() {
                return;
            }
        }
        if fds[0].revents != 0 {
            let n = match terminal.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if keys.write_all(&buf[..n]).is_err() {
                return;
            }
        }
    }
}

fn poll_for(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// The wake pipe's write end, for the SIGWINCH handler (-1: none).
static WAKE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_resize(_: libc::c_int) {
    let fd = WAKE.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: write is async-signal-safe; a full pipe only drops a
        // wake-up that an earlier one already stands for.
        unsafe { libc::write(fd, [WOKEN_BY_RESIZE].as_ptr().cast(), 1) };
    }
}

/// A pipe: (read end, write end), both close-on-exec.
fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two fds that nothing else owns.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: fresh fds, each owned once.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}
