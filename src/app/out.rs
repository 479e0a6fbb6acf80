//! Where rank 0's headless log and last words go: standard output and
//! error, unless a watched program's own output took their place (it is
//! captured, see `watch::output`); then the fds they were moved to.

use std::io::Write;
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;
use std::sync::atomic::{AtomicI32, Ordering};

static LOG_FD: AtomicI32 = AtomicI32::new(-1);
static ERROR_FD: AtomicI32 = AtomicI32::new(-1);

/// From now on the log goes to `out` and last words to `err`.
pub fn redirect(out: i32, err: i32) {
    LOG_FD.store(out, Ordering::SeqCst);
    ERROR_FD.store(err, Ordering::SeqCst);
}

/// Writes `text` to the log's output.
pub fn log(text: &str) {
    write_to(&LOG_FD, text, false);
}

/// Says `text` as a line on the error output.
pub fn say_error(text: &str) {
    write_to(&ERROR_FD, &format!("{text}\n"), true);
}

fn write_to(fd: &AtomicI32, text: &str, error: bool) {
    let fd = fd.load(Ordering::SeqCst);
    if fd < 0 {
        let _ = if error {
            std::io::stderr().lock().write_all(text.as_bytes())
        } else {
            std::io::stdout().lock().write_all(text.as_bytes())
        };
        return;
    }
    // SAFETY: `fd` was handed over by `redirect` and stays open while the
    // app runs; ManuallyDrop keeps this File from closing it.
    let mut file = ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(fd) });
    let _ = file.write_all(text.as_bytes());
}
