//! What the front end draws with: the painter (fixed viewport, resized by
//! polling, at most a frame a tick) and the state of the panes (focus,
//! scrolling, overlays) with the keys for them.

use std::fs::File;
use std::io::BufWriter;
use std::time::Instant;

use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::layout::Rect;
use ratatui::{Frame, Terminal, TerminalOptions, Viewport};

use super::inputs::TICK;
use super::keymap::Action;
use crate::model::{Deadlock, Model};
use crate::term::screen::Screen;
use crate::view::{self, LessonInfo, MainPanel, Pane, SpaceTimeView, StatusInfo};

/// Draws frames on a ratatui backend: the terminal the app owns, or a
/// test's buffer.
pub struct Painter<B: Backend> {
    terminal: Terminal<B>,
    area: Rect,
    last_draw: Option<Instant>,
}

/// The painter of the terminal the app owns.
pub type TerminalPainter = Painter<CrosstermBackend<BufWriter<File>>>;

/// A painter on `screen`, at its size (80x24 if it cannot tell).
pub fn terminal_painter(screen: &Screen) -> Result<TerminalPainter, String> {
    let writer = screen.writer().map_err(|e| format!("cannot draw: {e}"))?;
    let backend = CrosstermBackend::new(BufWriter::with_capacity(1 << 16, writer));
    Painter::new(backend, screen.size().unwrap_or((80, 24)))
}

impl<B: Backend> Painter<B> {
    pub fn new(backend: B, (width, height): (u16, u16)) -> Result<Painter<B>, String> {
        let area = Rect::new(0, 0, width, height);
        // A fixed viewport: ratatui then never asks the terminal for its
        // size or cursor, which fails on a terminal that is not our
        // controlling one (MPICH). The front end polls the size itself.
        let terminal = Terminal::with_options(
            backend,
            TerminalOptions {
                viewport: Viewport::Fixed(area),
            },
        )
        .map_err(|e| format!("cannot draw: {e}"))?;
        Ok(Painter {
            terminal,
            area,
            last_draw: None,
        })
    }

    /// Columns of the terminal drawn on.
    pub fn width(&self) -> u16 {
        self.area.width
    }

    /// Rows of the terminal drawn on.
    pub fn height(&self) -> u16 {
        self.area.height
    }

    /// What the frames were drawn on.
    pub fn backend(&self) -> &B {
        self.terminal.backend()
    }

    /// Follows a resized terminal; true when the size changed.
    pub fn follow_size(&mut self, size: Option<(u16, u16)>) -> bool {
        let Some((w, h)) = size else {
            return false;
        };
        let now = Rect::new(0, 0, w, h);
        if now == self.area {
            return false;
        }
        self.area = now;
        let _ = self.terminal.resize(now);
        true
    }

    /// Draws if a frame is due at `now`; false when it was too soon (draw
    /// again on the next tick, or the screen stays stale).
    pub fn draw(&mut self, now: Instant, render: impl FnOnce(&mut Frame)) -> Result<bool, String> {
        if self
            .last_draw
            .is_some_and(|t| now.saturating_duration_since(t) < TICK)
        {
            return Ok(false);
        }
        self.terminal
            .draw(render)
            .map_err(|e| format!("cannot draw: {e}"))?;
        self.last_draw = Some(now);
        Ok(true)
    }
}

/// The panes' state: which has focus, how far each is scrolled, which
/// overlay is open.
pub struct Panes {
    pub focus: Pane,
    pub log_scroll: usize,
    pub source_scroll: Option<usize>,
    pub show_help: bool,
    /// None: shown when the run is over; Some: the user's choice.
    pub show_summary: Option<bool>,
    pub color: bool,
    pub main_panel: MainPanel,
    pub spacetime: SpaceTimeView,
    /// Width of the last frame: how many columns the space-time panel has.
    pub width: u16,
    /// Height of the last frame: how many ranks the space-time panel shows.
    pub height: u16,
    /// The rank chosen with its number key, shown in full.
    pub selected: Option<u32>,
    /// Whether the values messages carry are shown.
    pub values: bool,
}

impl Panes {
    pub fn new() -> Self {
        Panes {
            focus: Pane::World,
            log_scroll: 0,
            source_scroll: None,
            show_help: false,
            show_summary: None,
            color: std::env::var_os("NO_COLOR").is_none(),
            main_panel: MainPanel::World,
            spacetime: SpaceTimeView::default(),
            width: 80,
            height: 24,
            selected: None,
            values: true,
        }
    }

    /// Handles the keys of the panes; false for any other action.
    pub fn act(&mut self, a: Action, model: &Model, source: &str, summary_auto: bool) -> bool {
        match a {
            Action::ToggleHelp => self.show_help = !self.show_help,
            Action::ToggleSummary => self.show_summary = Some(!self.summary(summary_auto)),
            Action::FocusNext => self.focus = self.focus.next(),
            Action::FocusPrev => self.focus = self.focus.next().next(),
            Action::ScrollUp => self.scroll(-1, model, source),
            Action::ScrollDown => self.scroll(1, model, source),
            Action::PageUp => self.scroll(-10, model, source),
            Action::PageDown => self.scroll(10, model, source),
            Action::Top => self.scroll(-1_000_000, model, source),
            Action::Bottom => self.scroll(1_000_000, model, source),
            Action::ShowWorld => self.main_panel = MainPanel::World,
            Action::ShowSpaceTime => self.main_panel = MainPanel::SpaceTime,
            Action::ShowMatrix => self.main_panel = MainPanel::Matrix,
            Action::ToggleValues => self.values = !self.values,
            Action::ZoomIn => self.spacetime.zoom_in(model, self.width),
            Action::ZoomOut => self.spacetime.zoom_out(model, self.width),
            Action::Earlier => self.spacetime.scroll(model, self.width, -10),
            Action::Later => self.spacetime.scroll(model, self.width, 10),
            _ => return false,
        }
        true
    }

    /// Scrolls the focused pane; positive is down (towards newer lines).
    fn scroll(&mut self, by: i64, model: &Model, source: &str) {
        match self.focus {
            Pane::Log => {
                let up = self.log_scroll as i64 - by;
                self.log_scroll = up.clamp(0, model.recent().len() as i64) as usize;
            }
            Pane::Lesson => {
                let lines = source.lines().count() as i64;
                let from = self.source_scroll.unwrap_or(0) as i64;
                self.source_scroll = Some((from + by).clamp(0, lines.saturating_sub(1)) as usize);
            }
            // The space-time diagram shows one row per rank: with many
            // ranks, the arrows bring the others into view.
            Pane::World if self.main_panel == MainPanel::SpaceTime => {
                let panel = view::top_panel(Rect::new(0, 0, self.width, self.height));
                self.spacetime.scroll_ranks(model, panel.height, by);
            }
            Pane::World => {}
        }
    }

    /// Whether the summary is up, given whether it would come up by itself.
    pub fn summary(&self, auto: bool) -> bool {
        self.show_summary.unwrap_or(auto)
    }

    /// One frame's worth of view.
    pub fn screen<'a>(
        &self,
        model: &'a Model,
        lesson: LessonInfo<'a>,
        status: StatusInfo,
        deadlock: Option<&'a Deadlock>,
        now: f64,
        summary_auto: bool,
    ) -> view::Screen<'a> {
        view::Screen {
            model,
            lesson,
            status,
            focus: self.focus,
            log_scroll: self.log_scroll,
            source_scroll: self.source_scroll,
            show_help: self.show_help,
            show_summary: self.summary(summary_auto),
            deadlock,
            now,
            flight: view::FLIGHT_SECONDS,
            color: self.color,
            main_panel: self.main_panel,
            spacetime: self.spacetime,
            selected: self.selected,
            values: self.values,
        }
    }
}

impl Default for Panes {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::Script;

    #[test]
    fn with_the_world_focused_the_arrows_scroll_the_space_time_ranks() {
        let mut s = Script::new("many", 64);
        for r in 0..64 {
            s.say(r, "here");
        }
        let m = s.model();
        let mut p = Panes::new();
        (p.width, p.height) = (80, 24);
        // The world panel itself has nothing to scroll.
        p.act(Action::ScrollDown, &m, "", false);
        assert_eq!(p.spacetime.first_rank, 0);
        p.main_panel = MainPanel::SpaceTime;
        p.act(Action::ScrollDown, &m, "", false);
        assert_eq!(p.spacetime.first_rank, 1);
        p.act(Action::PageDown, &m, "", false);
        assert_eq!(p.spacetime.first_rank, 11);
        // 80x24: a 12-row panel shows 9 ranks, so 55 is the last top row.
        p.act(Action::Bottom, &m, "", false);
        assert_eq!(p.spacetime.first_rank, 55);
        p.act(Action::ScrollUp, &m, "", false);
        assert_eq!(p.spacetime.first_rank, 54);
        p.act(Action::Top, &m, "", false);
        assert_eq!(p.spacetime.first_rank, 0);
        // Another pane focused: its own scrolling, not the ranks'.
        p.focus = Pane::Log;
        p.act(Action::ScrollDown, &m, "", false);
        assert_eq!(p.spacetime.first_rank, 0);
    }
}
