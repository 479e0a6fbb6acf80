//! Waiting politely. A rank blocked inside MPI_Recv spins a whole core, and
//! five ranks on two cores then starve each other (see "Waiting burns CPU"
//! in docs/mpi-and-terminal-facts.md). Every wait in mpi-tutor is a
//! nonblocking request tested in a loop that spins briefly (short waits stay
//! as fast as MPI's own), then yields, then sleeps with a growing pause
//! (long waits cost about nothing).

use std::time::{Duration, Instant};

/// How a wait backs off: spin, then yield, then sleep longer and longer.
#[derive(Debug, Clone, Copy)]
struct Phases {
    /// Spin this long: a message that is on its way arrives within it.
    spin_for: Duration,
    /// Then give the core away but come back at once, until this long.
    yield_until: Duration,
    first_sleep: Duration,
    /// Sleeps stay at `first_sleep` until the wait has lasted this long,
    /// then double up to `longest_sleep`.
    short_sleeps_for: Duration,
    longest_sleep: Duration,
    /// Sleeps end when asked, not up to the system's timer slack later.
    precise: bool,
}

/// A rank's waits: as fast as MPI's own when short, free when long.
const RANK: Phases = Phases {
    spin_for: Duration::from_micros(20),
    yield_until: Duration::from_micros(200),
    first_sleep: Duration::from_micros(20),
    short_sleeps_for: Duration::ZERO,
    longest_sleep: Duration::from_millis(2),
    precise: false,
};

/// A background thread (rank 0's collector, the reporters) sleeps from its
/// first miss: nothing it waits for is latency-critical below a
/// millisecond, and every spin or yield of it takes a core from a rank on
/// a machine with few.
const BACKGROUND: Phases = Phases {
    spin_for: Duration::ZERO,
    yield_until: Duration::ZERO,
    first_sleep: Duration::from_micros(100),
    short_sleeps_for: Duration::ZERO,
    longest_sleep: Duration::from_millis(1),
    precise: false,
};

/// A wait the end of a run waits for (a rank's last batch, rank 0's word
/// that the run is over): it looks every 50 us for its first 20 ms, which
/// a thread that is otherwise done can afford (~400 looks), since the
/// ordinary back-off would add up to its longest sleep to every run's
/// end; a longer wait (a live view kept until `q`) then backs off. Its
/// sleeps are precise: Linux lets a sleep run 50 us past its end by
/// default (docs/watch-design.md: 40 us asked, 95 slept), and a run's end
/// goes through several such waits one after the other.
const PROMPT: Phases = Phases {
    spin_for: Duration::ZERO,
    yield_until: Duration::ZERO,
    first_sleep: Duration::from_micros(50),
    short_sleeps_for: Duration::from_millis(20),
    longest_sleep: Duration::from_millis(1),
    precise: true,
};

/// The timer slack of a precise sleep, in nanoseconds.
const PRECISE_SLACK_NS: libc::c_ulong = 1_000;

/// A wait this long is a real one: rank 0 should hear of it now. Not
/// sooner: waking the reporter takes a core from the ranks, and a 1 MiB
/// message takes ~75 us to arrive; no one sees a millisecond.
const BLOCKING_AFTER: Duration = Duration::from_millis(1);

/// Tests made before the back-off reads the clock: most waits of a busy
/// lesson end within a few tests, and a clock read (~22 ns here) costs
/// about as much as a test. A hundred tests take a few microseconds, well
/// inside the spin phase.
const UNTIMED_TESTS: u32 = 100;

#[derive(Debug)]
pub struct Backoff {
    phases: Phases,
    untimed: u32,
    start: Option<Instant>,
    sleep: Duration,
    told: bool,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

impl Backoff {
    pub fn new() -> Self {
        Self::with(RANK)
    }

    /// For a thread that only collects or forwards: sleeps at once.
    pub fn background() -> Self {
        Self::with(BACKGROUND)
    }

    /// For a wait the end of a run waits for: looks every 50 us at first.
    pub fn prompt() -> Self {
        Self::with(PROMPT)
    }

    fn with(phases: Phases) -> Self {
        Backoff {
            phases,
            untimed: if phases.spin_for.is_zero() {
                0
            } else {
                UNTIMED_TESTS
            },
            start: None,
            sleep: Duration::ZERO,
            told: false,
        }
    }

    /// Call once per unsuccessful test. Returns true once, when the wait
    /// has lasted long enough to count as blocking.
    pub fn snooze(&mut self) -> bool {
        self.snooze_with(std::thread::sleep)
    }

    /// As [`Backoff::snooze`], with `pause` in place of a sleep: a wait
    /// that something else can cut short (a channel's `recv_timeout`).
    pub fn snooze_with(&mut self, pause: impl FnOnce(Duration)) -> bool {
        if self.untimed > 0 {
            self.untimed -= 1;
            std::hint::spin_loop();
            return false;
        }
        let p = self.phases;
        let start = *self.start.get_or_insert_with(Instant::now);
        let waited = start.elapsed();
        if waited < p.spin_for {
            std::hint::spin_loop();
        } else if waited < p.yield_until {
            std::thread::yield_now();
        } else {
            self.sleep = if waited < p.short_sleeps_for {
                p.first_sleep
            } else {
                (self.sleep * 2).clamp(p.first_sleep, p.longest_sleep)
            };
            let _precise = p.precise.then(PreciseSleeps::begin);
            pause(self.sleep);
        }
        let now_blocking = !self.told && waited >= BLOCKING_AFTER;
        self.told |= now_blocking;
        now_blocking
    }

    /// Something happened: the next wait starts fast again.
    pub fn reset(&mut self) {
        *self = Self::with(self.phases);
    }
}

/// The calling thread's sleeps end within [`PRECISE_SLACK_NS`] of when
/// asked, until this is dropped: then the thread's own timer slack is
/// back (the thread may be the watched program's).
struct PreciseSleeps {
    previous: libc::c_ulong,
}

impl PreciseSleeps {
    fn begin() -> Option<Self> {
        // SAFETY: reads this thread's timer slack; no pointers.
        let previous = unsafe { libc::prctl(libc::PR_GET_TIMERSLACK) };
        let previous = libc::c_ulong::try_from(previous).ok()?;
        // SAFETY: sets this thread's timer slack; no pointers.
        let set = unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, PRECISE_SLACK_NS) };
        (set == 0).then_some(PreciseSleeps { previous })
    }
}

impl Drop for PreciseSleeps {
    fn drop(&mut self) {
        // SAFETY: as in `begin`.
        unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, self.previous) };
    }
}

/// Tests `request` until it completes, backing off between tests;
/// `blocking` runs once when the wait stops being brief.
pub fn wait_politely<'a, D: ?Sized, S: mpi::request::Scope<'a>>(
    request: mpi::request::Request<'a, D, S>,
    blocking: impl FnMut(),
) -> mpi::point_to_point::Status {
    wait_with(request, Backoff::new(), blocking)
}

/// Tests `request` until it completes, sleeping between tests from the
/// first: for the tutor's own background threads.
pub fn wait_in_background<'a, D: ?Sized, S: mpi::request::Scope<'a>>(
    request: mpi::request::Request<'a, D, S>,
) -> mpi::point_to_point::Status {
    wait_with(request, Backoff::background(), || {})
}

/// Tests `request` until it completes, every 50 us at first: for a wait
/// the end of a run waits for.
pub fn wait_promptly<'a, D: ?Sized, S: mpi::request::Scope<'a>>(
    request: mpi::request::Request<'a, D, S>,
) -> mpi::point_to_point::Status {
    wait_with(request, Backoff::prompt(), || {})
}

fn wait_with<'a, D: ?Sized, S: mpi::request::Scope<'a>>(
    mut request: mpi::request::Request<'a, D, S>,
    mut backoff: Backoff,
    mut blocking: impl FnMut(),
) -> mpi::point_to_point::Status {
    loop {
        match request.test() {
            Ok(status) => return status,
            Err(r) => {
                request = r;
                if backoff.snooze() {
                    blocking();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_wait_is_reported_once_and_then_sleeps() {
        let mut b = Backoff::new();
        let mut told = 0;
        for _ in 0..UNTIMED_TESTS {
            told += usize::from(b.snooze());
        }
        assert!(b.start.is_none(), "the first tests do not read the clock");
        told += usize::from(b.snooze());
        // By the back-off's own clock, so a descheduled test thread cannot
        // end the loop before a snooze has seen the long wait.
        while b
            .start
            .is_some_and(|s| s.elapsed() < Duration::from_millis(5))
        {
            told += usize::from(b.snooze());
        }
        told += usize::from(b.snooze());
        assert_eq!(told, 1);
        assert!(b.sleep > Duration::ZERO, "long waits end up sleeping");
        b.reset();
        assert!(!b.snooze(), "a fresh wait is not blocking yet");
    }

    #[test]
    fn a_prompt_wait_looks_often_at_first_then_backs_off() {
        let mut b = Backoff::prompt();
        let mut pauses = Vec::new();
        let mut note = |pause: Duration| {
            pauses.push(pause);
            std::thread::sleep(pause);
        };
        b.snooze_with(&mut note);
        let mut short = 1;
        // By the back-off's own clock, as above.
        while b
            .start
            .is_some_and(|s| s.elapsed() < PROMPT.short_sleeps_for)
        {
            b.snooze_with(&mut note);
            short += 1;
        }
        for _ in 0..8 {
            b.snooze_with(&mut note);
        }
        assert!(
            pauses[..short - 1].iter().all(|&p| p == PROMPT.first_sleep),
            "every look at first: {pauses:?}"
        );
        assert_eq!(
            pauses.last(),
            Some(&PROMPT.longest_sleep),
            "then it backs off"
        );
    }

    /// This thread's timer slack, in nanoseconds.
    fn timer_slack() -> i32 {
        // SAFETY: reads this thread's timer slack; no pointers.
        unsafe { libc::prctl(libc::PR_GET_TIMERSLACK) }
    }

    #[test]
    fn a_prompt_wait_sleeps_precisely_and_leaves_the_thread_as_it_was() {
        let own = timer_slack();
        assert!(own > PRECISE_SLACK_NS as i32, "Linux's default is 50 us");
        let mut slack_while_asleep = Vec::new();
        let mut prompt = Backoff::prompt();
        prompt.snooze_with(|_| slack_while_asleep.push(timer_slack()));
        assert_eq!(slack_while_asleep, [PRECISE_SLACK_NS as i32]);
        assert_eq!(timer_slack(), own, "the thread's own slack is back");
        let mut background = Backoff::background();
        background.snooze_with(|_| slack_while_asleep.push(timer_slack()));
        assert_eq!(slack_while_asleep[1], own, "other waits keep the slack");
    }
}
