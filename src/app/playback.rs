//! A recorded run played back in the front end: stepped event by event,
//! forwards and backwards, or played at a chosen pace. No MPI needed.

use std::time::Instant;

use super::front::{FrameInfo, Show};
use super::keymap::{Action, KeyMode};
use super::player::Player;
use super::program::{Program, SourceFile};
use crate::model::{Deadlock, Model};
use crate::trace::PackedTrace;
use crate::view::{self, Mode, StatusInfo};

/// Events per second the replay can play at.
const SPEEDS: [f64; 8] = [0.5, 1.0, 2.0, 4.0, 8.0, 32.0, 128.0, 1024.0];
/// How long messages keep moving after the step that sent them.
const MOVING_SECONDS: f64 = 2.0;

/// A recorded run and where the replay is in it.
pub struct Playback {
    program: Program,
    player: Player,
    /// The model's deadlock at the current position.
    deadlock: Option<Deadlock>,
    playing: bool,
    /// Events per second while playing.
    speed: f64,
    last_step: Instant,
    quit: bool,
    /// What the check of the trace found (said in the status bar).
    trace_problems: usize,
}

impl Playback {
    /// The replay of `trace`, stopped before its first event at `now`.
    pub fn new(trace: PackedTrace, now: Instant) -> Playback {
        Playback {
            program: Program::from_header(&trace.header),
            player: Player::new(trace.header, trace.events),
            deadlock: None,
            playing: false,
            speed: 4.0,
            last_step: now,
            quit: false,
            trace_problems: trace.check.count,
        }
    }

    /// Events applied so far.
    pub fn position(&self) -> usize {
        self.player.position()
    }

    /// Events in the recording.
    pub fn len(&self) -> usize {
        self.player.len()
    }

    pub fn is_empty(&self) -> bool {
        self.player.is_empty()
    }

    fn at_end(&self) -> bool {
        self.position() == self.len()
    }

    /// Moves the replay to `target` events applied.
    fn seek(&mut self, target: usize, now: Instant) {
        self.player.seek(target);
        self.deadlock = self.player.model().deadlock();
        self.last_step = now;
    }

    fn shown_file(&self) -> Option<&SourceFile> {
        self.program.shown_source(self.player.model(), None)
    }
}

impl Show for Playback {
    /// A replay has all its events from the start.
    type Data = std::convert::Infallible;
    type Ending = ();

    fn key_mode(&self) -> KeyMode {
        KeyMode::Replay
    }

    fn model(&self) -> &Model {
        self.player.model()
    }

    fn source(&self) -> &str {
        self.shown_file().map_or("", |f| f.text.as_str())
    }

    fn summary_auto(&self, _: Instant) -> bool {
        self.at_end()
    }

    fn take(&mut self, data: Self::Data, _: Instant) {
        match data {}
    }

    fn act(&mut self, action: Action, now: Instant) {
        let at = self.position();
        match action {
            Action::Quit => self.quit = true,
            Action::TogglePause => self.playing = !self.playing,
            Action::Step => self.seek(at + 1, now),
            Action::StepBack => self.seek(at.saturating_sub(1), now),
            Action::JumpStart => self.seek(0, now),
            Action::JumpEnd => self.seek(self.len(), now),
            Action::Faster => self.speed = step_speed(self.speed, true),
            Action::Slower => self.speed = step_speed(self.speed, false),
            _ => {}
        }
    }

    fn closed(&mut self) {
        self.quit = true;
    }

    fn advance(&mut self, now: Instant) -> bool {
        let since = now.saturating_duration_since(self.last_step);
        if !self.playing || since.as_secs_f64() < 1.0 / self.speed {
            return false;
        }
        self.seek(self.position() + 1, now);
        self.playing &= !self.at_end();
        true
    }

    fn ending(&mut self, _: Instant) -> Option<()> {
        self.quit.then_some(())
    }

    fn frame(&self, now: Instant) -> FrameInfo<'_> {
        let model = self.player.model();
        let since = now.saturating_duration_since(self.last_step);
        FrameInfo {
            program: self.program.info(self.shown_file()),
            status: StatusInfo {
                mode: if self.at_end() {
                    Mode::Done
                } else {
                    Mode::Replay
                },
                speed_label: view::replay_position(
                    self.playing,
                    self.position(),
                    self.len(),
                    self.speed,
                ),
                replaying: true,
                received: self.position() as u64,
                dropped: 0,
                trace_problems: self.trace_problems,
                recording_stopped: false,
                keys_unavailable: false,
            },
            deadlock: self.deadlock.as_ref(),
            now: model.now() + since.as_secs_f64().min(MOVING_SECONDS),
            flight: view::FLIGHT_SECONDS,
            summary_auto: self.at_end(),
        }
    }
}

/// The next speed up or down the list; the same at either end.
fn step_speed(speed: f64, faster: bool) -> f64 {
    if faster {
        SPEEDS.iter().copied().find(|&s| s > speed).unwrap_or(speed)
    } else {
        SPEEDS
            .iter()
            .rev()
            .copied()
            .find(|&s| s < speed)
            .unwrap_or(speed)
    }
}
