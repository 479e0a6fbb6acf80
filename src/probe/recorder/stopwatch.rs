//! The recorder's clock: the monotonic clock read straight, as
//! `Instant::now` reads it, and kept as nanoseconds. `Instant::elapsed`
//! checks its subtraction as a pair of seconds and nanoseconds, which cost
//! as much as the read itself, and a watched call reads the clock twice.

use std::time::Duration;

/// When it was started, on the monotonic clock.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    started: u64,
}

impl Stopwatch {
    /// Running from now.
    pub fn start() -> Self {
        Stopwatch {
            started: monotonic_nanos(),
        }
    }

    /// The time since it was started.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(monotonic_nanos().saturating_sub(self.started))
    }
}

/// Nanoseconds on the monotonic clock (since some moment at boot).
fn monotonic_nanos() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a timespec to write; CLOCK_MONOTONIC always exists
    // on the systems MPI runs on, and cannot fail with a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    (now.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(now.tv_nsec as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_reads_the_clock_the_standard_one_reads() {
        let watch = Stopwatch::start();
        let standard = std::time::Instant::now();
        std::thread::sleep(Duration::from_millis(20));
        let theirs = standard.elapsed();
        let ours = watch.elapsed();
        assert!(theirs >= Duration::from_millis(20), "{theirs:?}");
        // The same clock: the stretch started before and read after
        // theirs holds theirs.
        assert!(ours >= theirs, "{ours:?} {theirs:?}");
    }
}
