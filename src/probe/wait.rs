//! Waiting politely. A rank blocked inside MPI_Recv spins a whole core, and
//! five ranks on two cores then starve each other (see
//! shared/notes/mpi-and-terminal-facts.md). Every wait in mpi-tutor is a
//! nonblocking request tested in a loop that spins briefly (short waits stay
//! fast), then yields, then sleeps with a growing pause (long waits cost
//! about nothing).

use std::time::Duration;

const SPINS: u32 = 64;
const YIELDS: u32 = 64;
const FIRST_SLEEP: Duration = Duration::from_micros(20);
const LONGEST_SLEEP: Duration = Duration::from_millis(2);

#[derive(Debug, Default)]
pub struct Backoff {
    round: u32,
    sleep: Duration,
}

impl Backoff {
    pub fn new() -> Self {
        Self::default()
    }

    /// Call once per unsuccessful test. Returns true once, when the brief
    /// spinning is over and the wait becomes a real one.
    pub fn snooze(&mut self) -> bool {
        self.round = self.round.saturating_add(1);
        if self.round <= SPINS {
            std::hint::spin_loop();
        } else if self.round <= SPINS + YIELDS {
            std::thread::yield_now();
        } else {
            self.sleep = if self.sleep.is_zero() {
                FIRST_SLEEP
            } else {
                (self.sleep * 2).min(LONGEST_SLEEP)
            };
            std::thread::sleep(self.sleep);
        }
        self.round == SPINS + 1
    }

    /// Something happened: the next wait starts fast again.
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// Tests `request` until it completes, backing off between tests;
/// `blocking` runs once when the wait stops being brief.
pub fn wait_politely<'a, D: ?Sized, S: mpi::request::Scope<'a>>(
    mut request: mpi::request::Request<'a, D, S>,
    mut blocking: impl FnMut(),
) -> mpi::point_to_point::Status {
    let mut backoff = Backoff::new();
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
