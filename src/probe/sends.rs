//! Synchronous-send mode (`--sync-sends`): every standard send of this
//! process behaves as a synchronous one, so a program that works only
//! because MPI buffered its small messages deadlocks, and is diagnosed.
//! Lessons' sends (through [`crate::probe::Comm`]) and a watched
//! program's (through the hooks) both ask here.

use std::sync::atomic::{AtomicBool, Ordering};

static SYNCHRONOUS: AtomicBool = AtomicBool::new(false);

/// Whether a standard send is to be done as a synchronous one.
pub fn synchronous() -> bool {
    SYNCHRONOUS.load(Ordering::Relaxed)
}

/// Turns synchronous-send mode on or off for this process.
pub fn make_synchronous(on: bool) {
    SYNCHRONOUS.store(on, Ordering::Relaxed);
}
