//! Rank 0 away from the teacher's terminal (on another host): the launcher
//! relays. mpiexec already carries rank 0's stdout back to the launcher and
//! the launcher's stdin to rank 0, across hosts, under MPICH and Open MPI
//! alike, so nothing new is opened to anyone: rank 0 draws on its stdout at
//! the size the launcher gave and reads keys (and resizes, in-band) from
//! its stdin; the launcher owns the terminal (see [`super::relay_front`]).

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, Ordering};

use super::relay_stream::wrap_last_words;

/// Set by the launcher for the ranks: it relays, and the teacher's
/// terminal has `COLSxROWS`. Set to anything else by the teacher, it asks
/// the launcher to relay even with rank 0 on this host.
pub const RELAY_ENV: &str = "MPI_TUTOR_RELAY";
/// Set by the launcher for the ranks: the host it runs on.
pub const HOST_ENV: &str = "MPI_TUTOR_HOST";

/// The size of the teacher's terminal, when the launcher relays.
pub fn offered() -> Option<(u16, u16)> {
    parse_size(&std::env::var(RELAY_ENV).ok()?)
}

/// `COLSxROWS`, both above zero.
pub fn parse_size(text: &str) -> Option<(u16, u16)> {
    let (columns, rows) = text.split_once('x')?;
    let size = (columns.parse().ok()?, rows.parse().ok()?);
    (size.0 > 0 && size.1 > 0).then_some(size)
}

/// `COLSxROWS`, as [`parse_size`] reads it.
pub fn size_text((columns, rows): (u16, u16)) -> String {
    format!("{columns}x{rows}")
}

/// Whether the teacher asked the launcher to relay (see [`RELAY_ENV`]).
pub fn asked() -> bool {
    std::env::var(RELAY_ENV).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// This machine's host name.
pub fn this_host() -> String {
    let mut name = [0u8; 256];
    // SAFETY: gethostname writes at most `len` bytes into our buffer.
    let ok = unsafe { libc::gethostname(name.as_mut_ptr().cast(), name.len()) } == 0;
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    if ok {
        String::from_utf8_lossy(&name[..end]).into_owned()
    } else {
        String::new()
    }
}

/// Whether the launcher said it runs on a host other than this one.
pub fn launcher_elsewhere() -> bool {
    std::env::var(HOST_ENV).is_ok_and(|host| !host.is_empty() && host != this_host())
}

/// How many ranks run on this host, as the MPI launcher says.
pub fn ranks_here() -> Option<u32> {
    ["MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.parse().ok())
}

/// Rank 0's own stdout, kept for the relayed view (a watched program's
/// output capture takes fd 1 over later), or -1.
static OUT: AtomicI32 = AtomicI32::new(-1);

/// A copy of fd 1 for the relayed view to draw on, taken once.
pub fn keep_stdout() -> Option<RawFd> {
    let kept = OUT.load(Ordering::SeqCst);
    if kept >= 0 {
        return Some(kept);
    }
    // SAFETY: duplicating our own stdout; the copy is kept for the run.
    let fd = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_DUPFD_CLOEXEC, 3) };
    (fd >= 0).then(|| {
        OUT.store(fd, Ordering::SeqCst);
        fd
    })
}

/// Says `line` through the relay: the launcher says it after mpiexec has
/// exited, last; false when the view is not relayed.
pub fn say_last(line: &str) -> bool {
    let fd = OUT.load(Ordering::SeqCst);
    if fd < 0 || offered().is_none() {
        return false;
    }
    let bytes = wrap_last_words(line);
    // SAFETY: write of our buffer to the fd kept by `keep_stdout`.
    let written = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
    written == bytes.len() as isize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_trip_and_nonsense_is_refused() {
        assert_eq!(parse_size(&size_text((132, 43))), Some((132, 43)));
        assert_eq!(parse_size("1"), None);
        assert_eq!(parse_size("0x0"), None);
        assert_eq!(parse_size("80x"), None);
    }
}
