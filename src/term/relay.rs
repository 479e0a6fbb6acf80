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

/// Whether `host` (a name or an address, as given to `--hosts`) is this
/// machine: its own name, a loopback name or address, or a name that
/// resolves to one of this machine's addresses. A name that does not
/// resolve is taken for another machine (relaying then costs little).
pub fn is_this_machine(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let short = |name: &str| name.split('.').next().unwrap_or_default().to_string();
    if host == "localhost" || short(&host) == short(&this_host().to_ascii_lowercase()) {
        return true;
    }
    let Ok(addresses) = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), 0)) else {
        return false;
    };
    let own = own_addresses();
    addresses
        .map(|a| a.ip())
        .any(|ip| ip.is_loopback() || own.contains(&ip))
}

/// The addresses of this machine's network interfaces.
fn own_addresses() -> Vec<std::net::IpAddr> {
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list`, freed below.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut entry = list;
    while !entry.is_null() {
        // SAFETY: an entry of the list getifaddrs made, not yet freed.
        let ifaddr = unsafe { &*entry };
        found.extend(ip_of(ifaddr.ifa_addr));
        entry = ifaddr.ifa_next;
    }
    // SAFETY: the list from getifaddrs, freed once.
    unsafe { libc::freeifaddrs(list) };
    found
}

/// The address in a socket address of the IPv4 or IPv6 family.
fn ip_of(address: *const libc::sockaddr) -> Option<std::net::IpAddr> {
    if address.is_null() {
        return None;
    }
    // SAFETY: a socket address from getifaddrs; its family says which
    // struct it is, and only that one is read.
    unsafe {
        match (*address).sa_family as i32 {
            libc::AF_INET => {
                let v4 = &*(address as *const libc::sockaddr_in);
                Some(std::net::Ipv4Addr::from(u32::from_be(v4.sin_addr.s_addr)).into())
            }
            libc::AF_INET6 => {
                let v6 = &*(address as *const libc::sockaddr_in6);
                Some(std::net::Ipv6Addr::from(v6.sin6_addr.s6_addr).into())
            }
            _ => None,
        }
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

    #[test]
    fn this_machine_is_known_by_name_and_address() {
        assert!(is_this_machine("localhost"));
        assert!(is_this_machine("127.0.0.1"));
        assert!(is_this_machine(&this_host()));
        assert!(is_this_machine(&this_host().to_ascii_uppercase()));
        // A documentation address (RFC 5737): never this machine's.
        assert!(!is_this_machine("192.0.2.7"));
    }
}
