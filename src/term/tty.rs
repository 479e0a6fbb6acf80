//! Small, careful wrappers over the terminal system calls.

use std::ffi::CStr;
use std::os::fd::RawFd;

/// The terminal this process writes to, if stdout (or stdin) is one.
pub fn own_terminal() -> Option<String> {
    [libc::STDOUT_FILENO, libc::STDIN_FILENO]
        .into_iter()
        .find_map(tty_name)
}

pub fn tty_name(fd: RawFd) -> Option<String> {
    // SAFETY: isatty/ttyname only read the descriptor; ttyname's result is
    // copied out at once.
    unsafe {
        if libc::isatty(fd) != 1 {
            return None;
        }
        let p = libc::ttyname(fd);
        if p.is_null() {
            return None;
        }
        Some(CStr::from_ptr(p).to_string_lossy().into_owned())
    }
}

/// Opens the terminal at `path` to draw on and read from, ignoring
/// SIGTTOU and SIGTTIN from now on: setting or reading a terminal from a
/// background process group (Open MPI's ranks, a launcher run with `&`)
/// must fail, not stop the process.
pub fn open_terminal(path: &str) -> std::io::Result<std::fs::File> {
    // SAFETY: ignoring signals.
    unsafe {
        libc::signal(libc::SIGTTOU, libc::SIG_IGN);
        libc::signal(libc::SIGTTIN, libc::SIG_IGN);
    }
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        std::fs::OpenOptions::new().read(true).write(true),
        libc::O_NOCTTY | libc::O_CLOEXEC,
    )
    .open(path)
}

/// (columns, rows) of the terminal open on `fd`.
pub fn size(fd: RawFd) -> Option<(u16, u16)> {
    // SAFETY: winsize is a C struct of integers: all zeros is a valid one.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes a winsize into `ws`.
    let ok = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0).then_some((ws.ws_col, ws.ws_row))
}

/// Cursor shown, alternate screen left: what a full-screen view writes
/// when it gives the terminal back.
pub const LEAVE: &[u8] = b"\x1b[?25h\x1b[?1049l";

/// A terminal's settings, to put back exactly as they were.
#[derive(Clone, Copy)]
pub struct Saved {
    fd: RawFd,
    termios: libc::termios,
}

impl Saved {
    /// Opens `path` and remembers its settings (the launcher's safety net:
    /// whatever happens to rank 0, the terminal comes back).
    pub fn capture(path: &str) -> Option<Saved> {
        let c = std::ffi::CString::new(path).ok()?;
        // SAFETY: plain open of a path; the fd is kept for the restore.
        let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC) };
        if fd < 0 {
            return None;
        }
        Saved::of(fd)
    }

    pub fn of(fd: RawFd) -> Option<Saved> {
        // SAFETY: termios is a C struct of integers and arrays of them: all
        // zeros is a valid one, and tcgetattr overwrites it.
        let mut termios: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: tcgetattr fills `termios`.
        (unsafe { libc::tcgetattr(fd, &mut termios) } == 0).then_some(Saved { fd, termios })
    }

    pub fn fd(&self) -> RawFd {
        self.fd
    }

    /// The settings as they were captured.
    pub fn termios(&self) -> libc::termios {
        self.termios
    }

    /// Whether the terminal's settings still differ from these (the view
    /// left it raw): then it needs restoring.
    pub fn changed(&self) -> bool {
        Saved::of(self.fd).is_some_and(|now| {
            let (a, b) = (&now.termios, &self.termios);
            (a.c_iflag, a.c_oflag, a.c_cflag, a.c_lflag)
                != (b.c_iflag, b.c_oflag, b.c_cflag, b.c_lflag)
        })
    }

    /// Puts the settings back, and nothing else.
    pub fn restore_settings(&self) {
        // SAFETY: fd and termios came from `of`.
        unsafe { libc::tcsetattr(self.fd, libc::TCSANOW, &self.termios) };
    }

    /// Puts the settings back, leaves the alternate screen and shows the
    /// cursor. Safe to call more than once.
    pub fn restore(&self) {
        // SAFETY: fd and termios came from `of`; write of a static buffer.
        unsafe {
            libc::tcsetattr(self.fd, libc::TCSANOW, &self.termios);
            libc::write(self.fd, LEAVE.as_ptr().cast(), LEAVE.len());
        }
    }
}

/// Puts the terminal on `fd` in raw mode: keys arrive one byte at a time,
/// unechoed, and Ctrl-C is a key (byte 3), not a signal.
pub fn make_raw(fd: RawFd) -> bool {
    // SAFETY: termios is a C struct of integers and arrays of them: all
    // zeros is a valid one, and tcgetattr overwrites it.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: termios round trip on an open terminal fd.
    unsafe {
        if libc::tcgetattr(fd, &mut t) != 0 {
            return false;
        }
        libc::cfmakeraw(&mut t);
        libc::tcsetattr(fd, libc::TCSANOW, &t) == 0
    }
}

/// While alive, SIGINT and SIGQUIT do not end this process (the launcher
/// waits for mpiexec, which handles them, and then restores the terminal).
pub struct IgnoreInterrupts {
    old_int: libc::sighandler_t,
    old_quit: libc::sighandler_t,
}

impl IgnoreInterrupts {
    pub fn new() -> Self {
        // SAFETY: installing SIG_IGN, restored in Drop.
        unsafe {
            IgnoreInterrupts {
                old_int: libc::signal(libc::SIGINT, libc::SIG_IGN),
                old_quit: libc::signal(libc::SIGQUIT, libc::SIG_IGN),
            }
        }
    }
}

impl Default for IgnoreInterrupts {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for IgnoreInterrupts {
    fn drop(&mut self) {
        // SAFETY: putting back the handlers saved in `new`.
        unsafe {
            libc::signal(libc::SIGINT, self.old_int);
            libc::signal(libc::SIGQUIT, self.old_quit);
        }
    }
}
