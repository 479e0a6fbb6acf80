//! Rank 0 steers the pace of the real ranks with small control messages on
//! a communicator of its own: the lesson's communicator never carries them.

use std::sync::Arc;

use mpi::point_to_point::MatchedReceiveVec;
use mpi::traits::*;

use super::pace::{Control, Gate};
use super::shared_comm::SharedComm;
use super::wait::Backoff;

pub const CONTROL_TAG: i32 = 2;

/// Sends `c` to `rank` (rank 0 only). Control messages are a few bytes
/// and go out eagerly, so this returns at once.
pub fn send_control(comm: &SharedComm, rank: u32, c: Control) {
    let bytes = c.encode();
    comm.0
        .process_at_rank(rank as i32)
        .send_with_tag(&bytes[..], CONTROL_TAG);
}

/// A control message, if one has arrived.
pub fn poll_control(comm: &SharedComm) -> Option<Control> {
    let probed = comm
        .0
        .process_at_rank(0)
        .immediate_matched_probe_with_tag(CONTROL_TAG)?;
    let (bytes, _) = probed.matched_receive_vec::<u8>();
    Control::decode(&bytes)
}

/// Waits politely for the next control message.
pub fn wait_control(comm: &SharedComm) -> Control {
    let mut backoff = Backoff::new();
    loop {
        if let Some(c) = poll_control(comm) {
            return c;
        }
        backoff.snooze();
    }
}

/// Waits for rank 0's word that the run is over: without a view it comes
/// within milliseconds of the last rank's `Finished`, so it is looked for
/// promptly (see `wait::PROMPT`).
pub fn wait_for_exit(comm: &SharedComm) {
    let mut backoff = Backoff::prompt();
    loop {
        match poll_control(comm) {
            Some(Control::Exit) => return,
            Some(_) => {}
            None => {
                backoff.snooze();
            }
        }
    }
}

/// A rank's gate: the pace commands rank 0 sends on the control
/// communicator.
pub struct ControlGate(pub Arc<SharedComm>);

impl Gate for ControlGate {
    fn poll(&mut self) -> Option<Control> {
        poll_control(&self.0)
    }

    fn wait(&mut self) -> Control {
        wait_control(&self.0)
    }
}
