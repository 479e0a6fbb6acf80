//! The one front end of the live view and the replay: inputs -> keys ->
//! actions -> what is shown -> frame. What is shown (a live run, or a
//! recorded one played back) is a [`Show`]; where the inputs come from is
//! an [`Inputs`]; what the frames are drawn on is any ratatui `Backend`. So
//! a test drives the whole application with scripted keys and ticks on a
//! `TestBackend`, and the terminal's set-up stays outside.

use std::time::Instant;

use ratatui::backend::Backend;

use super::inputs::{Input, Inputs};
use super::keymap::{action_for, Action, KeyMode};
use super::ui::{Painter, Panes};
use crate::model::{Deadlock, Model};
use crate::term::keys::Key;
use crate::view::{LessonInfo, StatusInfo};

/// What one frame shows besides the model and the panes.
pub struct FrameInfo<'a> {
    pub program: LessonInfo<'a>,
    pub status: StatusInfo,
    pub deadlock: Option<&'a Deadlock>,
    /// Time in the run's clock, for the animation.
    pub now: f64,
    /// Seconds an envelope takes to cross the screen.
    pub flight: f64,
    /// Whether the summary would be up by itself.
    pub summary_auto: bool,
}

/// What the front end shows: a live run, or a recorded one.
pub trait Show {
    /// What arrives besides keys and ticks (a live run's event batches).
    type Data;
    /// How the front end ended.
    type Ending;
    /// Which keys of the key table apply.
    fn key_mode(&self) -> KeyMode;
    fn model(&self) -> &Model;
    /// The text of the source file shown (the panes scroll it).
    fn source(&self) -> &str;
    /// Whether the summary comes up by itself at `now`.
    fn summary_auto(&self, now: Instant) -> bool;
    fn take(&mut self, data: Self::Data, now: Instant);
    /// An action the panes do not handle.
    fn act(&mut self, action: Action, now: Instant);
    /// No input will ever arrive again.
    fn closed(&mut self);
    /// Moves time on to `now`; true when the screen must be redrawn.
    fn advance(&mut self, now: Instant) -> bool;
    /// How the front end ends, once it must.
    fn ending(&mut self, now: Instant) -> Option<Self::Ending>;
    fn frame(&self, now: Instant) -> FrameInfo<'_>;
}

/// The owner loop's state: what is shown, the panes, the painter.
pub struct FrontEnd<B: Backend, S: Show> {
    pub show: S,
    pub panes: Panes,
    painter: Painter<B>,
    /// The screen no longer shows the state.
    dirty: bool,
    /// No key can reach us any more: the status bar says so.
    keys_unavailable: bool,
}

impl<B: Backend, S: Show> FrontEnd<B, S> {
    pub fn new(show: S, painter: Painter<B>) -> Self {
        FrontEnd {
            show,
            panes: Panes::new(),
            painter,
            dirty: true,
            keys_unavailable: false,
        }
    }

    /// Runs until the show ends; Err when the screen cannot be drawn.
    pub fn run<I: Inputs<Data = S::Data>>(&mut self, inputs: &mut I) -> Result<S::Ending, String> {
        loop {
            let input = inputs.next();
            if let Some(ending) = self.step(input, inputs.now(), inputs.size())? {
                return Ok(ending);
            }
        }
    }

    /// One turn of the loop: takes `input`, moves time on to `now`, and
    /// draws a frame if one is due; Some once the show has ended.
    pub fn step(
        &mut self,
        input: Input<S::Data>,
        now: Instant,
        size: Option<(u16, u16)>,
    ) -> Result<Option<S::Ending>, String> {
        match input {
            Input::Data(data) => {
                self.show.take(data, now);
                self.dirty = true;
            }
            Input::Key(key) => self.press(key, now),
            Input::Tick => {}
            Input::Closed => self.show.closed(),
        }
        self.dirty |= self.show.advance(now);
        if let Some(ending) = self.show.ending(now) {
            return Ok(Some(ending));
        }
        self.dirty |= self.painter.follow_size(size);
        self.paint(now)?;
        Ok(None)
    }

    /// A key: the panes' own keys, else the show's.
    fn press(&mut self, key: Key, now: Instant) {
        self.dirty = true;
        self.keys_unavailable |= key == Key::Unavailable;
        let Some(action) = action_for(key, self.show.key_mode()) else {
            return;
        };
        if let Action::SelectRank(r) = action {
            // The panes show the chosen rank in full; the show may use it too.
            if (r as usize) < self.show.model().ranks().len() {
                self.panes.selected = Some(r);
            }
        }
        let auto = self.show.summary_auto(now);
        if !(self.panes).act(action, self.show.model(), self.show.source(), auto) {
            self.show.act(action, now);
        }
    }

    /// Draws the frame if the screen is stale.
    fn paint(&mut self, now: Instant) -> Result<(), String> {
        if !self.dirty {
            return Ok(());
        }
        self.panes.width = self.painter.width();
        self.panes.height = self.painter.height();
        let mut frame = self.show.frame(now);
        frame.status.keys_unavailable = self.keys_unavailable;
        let mut screen = self.panes.screen(
            self.show.model(),
            frame.program,
            frame.status,
            frame.deadlock,
            frame.now,
            frame.summary_auto,
        );
        screen.flight = frame.flight;
        if self
            .painter
            .draw(now, |f| f.render_widget(&screen, f.area()))?
        {
            self.dirty = false;
        }
        Ok(())
    }

    /// What the frames were drawn on.
    pub fn backend(&self) -> &B {
        self.painter.backend()
    }
}
