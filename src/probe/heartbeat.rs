//! Each rank's reporter says "still here" to rank 0 when it has had
//! nothing to send for a while, and rank 0's collector notes when it last
//! heard from each rank. MPI itself may hang silently when a host becomes
//! unreachable (a link cut for good: docs/multihost-facts.md); a rank
//! silent for longer than the silence limit is then the tool's own signal
//! that the job cannot go on. The beats come from the reporter thread,
//! which never waits on the program's MPI calls, so a rank blocked in a
//! receive for minutes still beats; a beat stuck behind a cut link is
//! exactly the silence looked for.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// Tag of the beats on the events communicator (no bytes).
pub const BEAT_TAG: i32 = 3;

/// How often a rank with nothing else to send says it is still there.
pub const BEAT_EVERY: Duration = Duration::from_secs(1);

/// When rank 0 last heard from each rank, on [`clock_ms`].
struct Heard {
    last: Vec<AtomicU64>,
}

static HEARD: OnceLock<Heard> = OnceLock::new();

/// Milliseconds on the monotonic clock, which a signal handler can read
/// too (so the moment a stop signal came compares with these).
pub fn clock_ms() -> u64 {
    // SAFETY: timespec is plain data.
    let mut now: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: clock_gettime fills our struct; it is async-signal-safe.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec as u64 * 1000 + now.tv_nsec as u64 / 1_000_000
}

/// Rank 0 starts listening to `size` ranks: each counts as heard now.
pub fn listen(size: u32) {
    let now = clock_ms();
    let _ = HEARD.set(Heard {
        last: (0..size).map(|_| AtomicU64::new(now)).collect(),
    });
}

/// Rank 0 heard from `rank` (a beat, or a batch of events).
pub fn heard_from(rank: u32) {
    let Some(heard) = HEARD.get() else { return };
    if let Some(last) = heard.last.get(rank as usize) {
        last.fetch_max(clock_ms(), Ordering::Relaxed);
    }
}

/// Rank 0 was not listening (its app was behind) until now: nobody's
/// silence during that time counts.
pub fn heard_from_all() {
    let Some(heard) = HEARD.get() else { return };
    let now = clock_ms();
    heard.last.iter().for_each(|l| {
        l.fetch_max(now, Ordering::Relaxed);
    });
}

/// When rank 0 last heard from `rank`, on [`clock_ms`] (now when not
/// listening).
pub fn last_heard(rank: u32) -> u64 {
    let last = HEARD.get().and_then(|h| h.last.get(rank as usize));
    last.map_or_else(clock_ms, |l| l.load(Ordering::Relaxed))
}

/// How long rank 0 has not heard from `rank` (zero when not listening).
pub fn silent_for(rank: u32) -> Duration {
    Duration::from_millis(clock_ms().saturating_sub(last_heard(rank)))
}

/// Set by a signal that will end this rank: its reporter says "still
/// here" at once, so that rank 0 can tell the ranks that are still there
/// from those already lost.
static BEAT_NOW: AtomicBool = AtomicBool::new(false);

/// Asks for a beat now (async-signal-safe).
pub fn beat_soon() {
    BEAT_NOW.store(true, Ordering::Relaxed);
}

/// Whether a beat was asked for since the last call.
pub fn beat_asked() -> bool {
    BEAT_NOW.swap(false, Ordering::Relaxed)
}

/// How long a rank may stay silent before rank 0 ends the job, unless
/// `--silence-limit` says otherwise. Long enough for a link that comes
/// back (measured: both MPIs resume after a 10 s cut), short enough that
/// a class is not left waiting.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(30);

/// The limit in milliseconds; 0: none.
static LIMIT_MS: AtomicU64 = AtomicU64::new(DEFAULT_LIMIT.as_millis() as u64);

/// `--silence-limit SECS` (0: wait for ever); None keeps the default.
pub fn set_limit(secs: Option<u64>) {
    if let Some(secs) = secs {
        LIMIT_MS.store(secs.saturating_mul(1000), Ordering::Relaxed);
    }
}

/// The silence limit, if there is one.
pub fn limit() -> Option<Duration> {
    match LIMIT_MS.load(Ordering::Relaxed) {
        0 => None,
        ms => Some(Duration::from_millis(ms)),
    }
}

/// Whether `rank` has been silent for longer than the limit.
pub fn past_limit(rank: u32) -> bool {
    limit().is_some_and(|limit| silent_for(rank) > limit)
}
