//! The teacher's pace, as a recorder sees it: rank 0 sends pace commands,
//! and a rank that is held stops before each call until rank 0 lets it go.
//! How the commands travel is the [`Gate`]'s business (MPI control
//! messages in a real run, `control.rs`), so the recorder needs no MPI.

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
}

impl Control {
    /// The command's one-byte code on the wire.
    pub(super) fn code(self) -> u8 {
        match self {
            Control::Permit => 1,
            Control::Gated => 2,
            Control::Free => 3,
            Control::Exit => 4,
        }
    }

    pub(super) fn from_code(c: u8) -> Option<Self> {
        Some(match c {
            1 => Control::Permit,
            2 => Control::Gated,
            3 => Control::Free,
            4 => Control::Exit,
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
