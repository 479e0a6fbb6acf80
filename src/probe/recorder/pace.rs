//! The recorder's side of the teacher's pace: how this rank runs now (free,
//! at its own classroom pace, or stopped until permitted), and holding it
//! before a call when it must. Ranks pace themselves, so no rank ever waits
//! for another's permission (docs/pacing.md).

use std::time::{Duration, Instant};

use crate::probe::pace::{Control, Gate, NoGate};

/// How often a rank running free looks for a command from rank 0.
const CHECK_EVERY: Duration = Duration::from_millis(2);

/// How often a rank sitting out its pace looks for a command (a pause, a
/// new speed): short beside any time per call, and ~1% of a core.
const CHECK_WHILE_HELD: Duration = Duration::from_millis(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Free,
    /// At least this long from one call's start to the next one's.
    Paced(Duration),
    /// Stopped before every call until rank 0 permits it.
    Gated,
}

pub(super) struct Pace {
    gate: Box<dyn Gate>,
    mode: Mode,
    /// When (since the recorder started) the rank last looked.
    last_check: Duration,
    /// When this rank's last call began, while paced.
    last_call: Option<Instant>,
    /// How long the rank has been held so far, all holds together.
    held: Duration,
}

impl Pace {
    /// Never held.
    pub(super) fn free() -> Self {
        Pace::new(Box::new(NoGate), false)
    }

    /// `held`: stopped before the first call until rank 0 says how to go.
    pub(super) fn new(gate: Box<dyn Gate>, held: bool) -> Self {
        Pace {
            gate,
            mode: if held { Mode::Gated } else { Mode::Free },
            last_check: Duration::ZERO,
            last_call: None,
            held: Duration::ZERO,
        }
    }

    /// How long the rank has been held before its calls so far.
    pub(super) fn held(&self) -> Duration {
        self.held
    }

    /// Whether the teacher sets the pace now (paced or stopped).
    pub(super) fn is_held(&self) -> bool {
        self.mode != Mode::Free
    }

    /// Whether the rank must stop before its next call. `now` is the last
    /// event's stamp, not a clock read of its own: a rank running free
    /// stamps events all the time, and looks for commands only every
    /// [`CHECK_EVERY`].
    pub(super) fn must_hold(&mut self, now: Duration) -> bool {
        if self.mode != Mode::Free || now.saturating_sub(self.last_check) >= CHECK_EVERY {
            self.last_check = now;
            while let Some(c) = self.gate.poll() {
                // A permit that finds the rank running is stale: ignored.
                self.obey(c);
            }
        }
        match self.mode {
            Mode::Free => false,
            Mode::Gated => true,
            Mode::Paced(per_call) => !self.pace_left(per_call).is_zero(),
        }
    }

    /// Holds the rank until its call may begin: rank 0 permits it, sets it
    /// free, or (paced) its time per call is up.
    pub(super) fn hold(&mut self) {
        let since = Instant::now();
        self.hold_until_let_go();
        self.held += since.elapsed();
    }

    fn hold_until_let_go(&mut self) {
        loop {
            match self.mode {
                Mode::Free => return,
                Mode::Gated => {
                    let c = self.gate.wait();
                    if self.obey(c) {
                        return;
                    }
                }
                Mode::Paced(per_call) => {
                    let left = self.pace_left(per_call);
                    if left.is_zero() {
                        return;
                    }
                    std::thread::sleep(left.min(CHECK_WHILE_HELD));
                    while let Some(c) = self.gate.poll() {
                        if self.obey(c) {
                            return;
                        }
                    }
                }
            }
        }
    }

    /// A call begins now: the next one is paced from here.
    pub(super) fn call_begins(&mut self) {
        if self.mode != Mode::Free {
            self.last_call = Some(Instant::now());
        }
    }

    /// Takes command `c`; true when it lets a held call go at once.
    fn obey(&mut self, c: Control) -> bool {
        match c {
            Control::Permit | Control::Exit => true,
            Control::Free => {
                self.mode = Mode::Free;
                true
            }
            Control::Gated => {
                self.mode = Mode::Gated;
                false
            }
            Control::Paced(per_call) => {
                self.mode = Mode::Paced(per_call);
                false
            }
        }
    }

    /// How much of its time per call the rank has still to sit out.
    fn pace_left(&self, per_call: Duration) -> Duration {
        self.last_call
            .map_or(Duration::ZERO, |t| per_call.saturating_sub(t.elapsed()))
    }
}
