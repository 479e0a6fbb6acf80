//! The teacher's pace, as a recorder sees it. Each rank paces itself: at
//! the classroom pace it lets at least a set time pass between the starts
//! of two of its own calls, so every rank runs at once and the only waits
//! between ranks are MPI's. Rank 0 only says how fast (`Paced`), stop
//! (`Gated`), one call (`Permit`), full speed (`Free`) or the end (`Exit`).
//! How the commands travel is the [`Gate`]'s business (MPI control
//! messages in a real run, `control.rs`), so the recorder needs no MPI.
//! docs/pacing.md tells the whole design.

use std::time::Duration;

/// A pace command from rank 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Enter the call you are held before.
    Permit,
    /// Stop before every MPI call until permitted.
    Gated,
    /// Run at full speed.
    Free,
    /// The run is over: finalise and exit.
    Exit,
    /// Run on your own, with at least this long from the start of one call
    /// to the start of the next.
    Paced(Duration),
}

/// The longest a wire message of a command is: a code and a `u32`.
pub const CONTROL_BYTES: usize = 5;

impl Control {
    /// The command on the wire: a one-byte code, then for `Paced` the time
    /// per call in microseconds (little-endian `u32`).
    pub(super) fn encode(self) -> Vec<u8> {
        let code = match self {
            Control::Permit => 1,
            Control::Gated => 2,
            Control::Free => 3,
            Control::Exit => 4,
            Control::Paced(_) => 5,
        };
        let mut out = vec![code];
        if let Control::Paced(per_call) = self {
            let micros = u32::try_from(per_call.as_micros()).unwrap_or(u32::MAX);
            out.extend_from_slice(&micros.to_le_bytes());
        }
        out
    }

    pub(super) fn decode(bytes: &[u8]) -> Option<Self> {
        Some(match bytes.first()? {
            1 => Control::Permit,
            2 => Control::Gated,
            3 => Control::Free,
            4 => Control::Exit,
            5 => {
                let micros: [u8; 4] = bytes.get(1..CONTROL_BYTES)?.try_into().ok()?;
                Control::Paced(Duration::from_micros(u32::from_le_bytes(micros).into()))
            }
            _ => return None,
        })
    }
}

/// Where a recorder hears rank 0's pace commands. The recorder asks
/// [`Gate::poll`] every couple of milliseconds while it runs free, and
/// waits in [`Gate::wait`] before each call while it is held.
pub trait Gate: Send {
    /// The next pace command if one has arrived; never waits.
    fn poll(&mut self) -> Option<Control>;
    /// Waits, without spinning a core, for the next pace command.
    fn wait(&mut self) -> Control;
}

/// A gate that never holds: for a recorder with no teacher at the other end
/// (tests, tools that only record).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoGate;

impl Gate for NoGate {
    fn poll(&mut self) -> Option<Control> {
        None
    }

    fn wait(&mut self) -> Control {
        Control::Free
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_reads_back_from_the_wire() {
        let all = [
            Control::Permit,
            Control::Gated,
            Control::Free,
            Control::Exit,
            Control::Paced(Duration::from_millis(500)),
        ];
        for c in all {
            let bytes = c.encode();
            assert!(bytes.len() <= CONTROL_BYTES);
            assert_eq!(Control::decode(&bytes), Some(c));
        }
        assert_eq!(Control::decode(&[5, 1]), None, "a cut-off pace");
        assert_eq!(Control::decode(&[9]), None);
    }
}
