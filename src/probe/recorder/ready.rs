//! A recorder made before its job has started (a watched rank's, made
//! inside the program's `MPI_Init` while the tutor's communicators and
//! rank 0's settings are still on their way) waits here, before its first
//! event, for what it needs from the start: its clock's offset from
//! rank 0's and the teacher's gate.

use std::sync::Mutex;

use crate::probe::latch::Latch;
use crate::probe::pace::Gate;

/// What the start hands the recorder, once; see the module documentation.
#[derive(Default)]
pub struct Ready {
    /// Seconds between the run's start (rank 0's clock) and the moment
    /// the recorder was made. Set last: once it is known, so is the gate.
    offset: Latch<f64>,
    gate: Mutex<Option<(Box<dyn Gate>, bool)>>,
}

impl Ready {
    pub fn new() -> Self {
        Ready::default()
    }

    /// The start is done: the recorder's clock is `offset` seconds past
    /// the run's start, and `gate` holds it (from its first call on if
    /// `held`). Later calls change nothing.
    pub fn set(&self, offset: f64, gate: Box<dyn Gate>, held: bool) {
        let mut slot = self.gate.lock().unwrap_or_else(|e| e.into_inner());
        if self.offset.get().is_none() {
            *slot = Some((gate, held));
            drop(slot);
            self.offset.set(offset);
        }
    }

    /// The offset, waiting (asleep) until the start has set it.
    pub(super) fn offset(&self) -> f64 {
        *self.offset.wait()
    }

    /// The gate and whether it holds from the first call, after waiting
    /// for the start; `None` once taken.
    pub(super) fn take_gate(&self) -> Option<(Box<dyn Gate>, bool)> {
        self.offset.wait();
        self.gate.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}
