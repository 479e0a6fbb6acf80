//! The recorder's side of the teacher's pace: whether the rank is held, and
//! when it last looked for a command.

use std::time::Duration;

use crate::probe::pace::{Control, Gate, NoGate};

/// How often a rank running free looks for a "hold" from rank 0.
const CHECK_EVERY: Duration = Duration::from_millis(2);

pub(super) struct Pace {
    gate: Box<dyn Gate>,
    held: bool,
    /// When (since the recorder started) the rank last looked.
    last_check: Duration,
}

impl Pace {
    /// Never held.
    pub(super) fn free() -> Self {
        Pace::new(Box::new(NoGate), false)
    }

    pub(super) fn new(gate: Box<dyn Gate>, held: bool) -> Self {
        Pace {
            gate,
            held,
            last_check: Duration::ZERO,
        }
    }

    pub(super) fn is_held(&self) -> bool {
        self.held
    }

    /// Whether the rank must stop before its next call. `now` is the last
    /// event's stamp, not a clock read of its own: a rank making calls
    /// stamps events all the time.
    pub(super) fn must_hold(&mut self, now: Duration) -> bool {
        if !self.held && now.saturating_sub(self.last_check) >= CHECK_EVERY {
            self.last_check = now;
            while let Some(c) = self.gate.poll() {
                if c == Control::Gated {
                    self.held = true;
                }
            }
        }
        self.held
    }

    /// Waits until rank 0 lets the held call go (or frees the rank).
    pub(super) fn wait_for_permit(&mut self) {
        loop {
            match self.gate.wait() {
                Control::Permit | Control::Exit => return,
                Control::Free => {
                    self.held = false;
                    return;
                }
                Control::Gated => {}
            }
        }
    }
}
