//! The launcher's side of the last words: a FIFO that rank 0 and the
//! guardian write the run's one-line ending to, read once mpiexec has
//! exited, so the line comes after everything else the job printed and
//! before the shell's prompt.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long to wait for a guardian still restoring the terminal: longer
/// than it can take, so that its line is never said after we exit (and
/// after the shell's prompt).
const GRACE: Duration = crate::term::guardian::LAST_WORDS_BOUND;

pub struct LastWords {
    path: PathBuf,
    fifo: OwnedFd,
    /// What has been read so far.
    said: Vec<u8>,
    /// When the first words arrived.
    first_said: Option<Instant>,
}

impl LastWords {
    /// A FIFO of our own in the temporary directory, open for reading.
    pub fn create() -> Option<LastWords> {
        let path = std::env::temp_dir().join(format!("mpi-tutor-{}.last", std::process::id()));
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
        // SAFETY: mkfifo and open of a path we own; the fd is owned below.
        let fd = unsafe {
            libc::unlink(c.as_ptr());
            if libc::mkfifo(c.as_ptr(), 0o600) != 0 {
                return None;
            }
            libc::open(
                c.as_ptr(),
                libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            let _ = std::fs::remove_file(&path);
            return None;
        }
        // SAFETY: a fresh fd that nothing else owns.
        let fifo = unsafe { OwnedFd::from_raw_fd(fd) };
        Some(LastWords {
            path,
            fifo,
            said: Vec::new(),
            first_said: None,
        })
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Reads what has been written so far; Some(0) at the end of file
    /// (no writer left), None when nothing is there yet.
    fn read_some(&mut self) -> Option<usize> {
        let mut buf = [0u8; 1024];
        // SAFETY: read into our buffer from our fd.
        let n = unsafe { libc::read(self.fifo.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            return None;
        }
        self.said.extend_from_slice(&buf[..n as usize]);
        if n > 0 {
            self.first_said.get_or_insert_with(Instant::now);
        }
        Some(n as usize)
    }

    /// How long ago the job's last words arrived (its end has begun),
    /// reading what is there without waiting.
    pub fn said_since(&mut self) -> Option<Duration> {
        while self.read_some().is_some_and(|n| n > 0) {}
        self.first_said.map(|t| t.elapsed())
    }

    /// Everything written, once every writer has closed it, the guardian
    /// included (or after a grace, for a writer that hangs).
    pub fn collect(mut self) -> String {
        let deadline = Instant::now() + GRACE;
        while Instant::now() < deadline {
            match self.read_some() {
                Some(0) => break,
                Some(_) => {}
                None => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        String::from_utf8_lossy(&self.said).into_owned()
    }
}

impl Drop for LastWords {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
