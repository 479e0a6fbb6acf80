//! Deciding that a deadlock is real. The model answers for the events it
//! has; events of different ranks arrive with small delays, so a deadlock is
//! declared only when the model has reported it, with no new event, for a
//! grace period (well under the second a class waits for the banner). A
//! poll that finds nothing is no news: a rank in a loop of polls reports
//! its count now and then, and stays as stuck as it was.

use std::time::{Duration, Instant};

use crate::model::{Deadlock, Model};

const GRACE: Duration = Duration::from_millis(400);

#[derive(Default)]
pub struct DeadlockWatch {
    since: Option<(Instant, u64)>,
    confirmed: Option<Deadlock>,
}

impl DeadlockWatch {
    /// Call on every tick; returns the deadlock once it is certain.
    pub fn check(&mut self, model: &Model, now: Instant) -> Option<&Deadlock> {
        let events = model.progress_events();
        if self.confirmed.is_some() {
            // A deadlock never ends, but more ranks may walk into it (the
            // others, after a rank failed): the banner names them too.
            if self.since.is_some_and(|(_, seen)| seen != events) {
                self.since = self.since.map(|(t, _)| (t, events));
                if let Some(d) = model.deadlock() {
                    self.confirmed = Some(d);
                }
            }
        } else {
            match (model.deadlock(), self.since) {
                (None, _) => self.since = None,
                (Some(_), Some((t, seen))) if seen == events => {
                    if now.duration_since(t) >= GRACE {
                        self.confirmed = model.deadlock();
                    }
                }
                (Some(_), _) => self.since = Some((now, events)),
            }
        }
        self.confirmed.as_ref()
    }

    /// The deadlock, once [`DeadlockWatch::check`] has found it certain.
    pub fn confirmed(&self) -> Option<&Deadlock> {
        self.confirmed.as_ref()
    }
}
