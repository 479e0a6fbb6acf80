//! Styles. With colour off (NO_COLOR) only modifiers remain, and every
//! state is also spelt out in words, so nothing depends on colour alone.

use ratatui::style::{Color, Modifier, Style};

use crate::model::{RankState, RankView};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Self {
        Theme { color }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// The style of a rank's state word.
    pub fn state(self, r: &RankView, deadlocked: bool) -> Style {
        if deadlocked {
            return self.error();
        }
        match &r.state {
            RankState::NotStarted => self.dim(),
            RankState::Running => self.fg(Color::Green),
            RankState::Held(_) => self.fg(Color::Magenta),
            RankState::InCall { .. } if r.is_waiting() => self.waiting(),
            RankState::InCall { .. } => self.fg(Color::Cyan),
            RankState::Finished => self.dim(),
            RankState::Failed { .. } => self.error(),
        }
    }

    /// A rank waiting for another one.
    pub fn waiting(self) -> Style {
        self.fg(Color::Yellow)
    }

    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }

    pub fn dim(self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn message(self) -> Style {
        self.fg(Color::Cyan)
    }

    /// Data that crosses between hosts (the network); its mark [`CROSSES`]
    /// says the same without colour.
    ///
    /// [`CROSSES`]: super::hosts::CROSSES
    pub fn crossing(self) -> Style {
        self.fg(Color::LightMagenta)
    }

    pub fn marker(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// A cell of the communication matrix, by traffic from 1 (least) to 4.
    pub fn heat(self, level: usize) -> Style {
        self.fg(match level {
            0 | 1 => Color::Blue,
            2 => Color::Cyan,
            3 => Color::Yellow,
            _ => Color::Red,
        })
    }

    /// Numbers written over a heat-map cell.
    pub fn heat_text(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn border(self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.dim()
        }
    }

    /// A highlighted word in the status bar (reversed: readable without colour).
    pub fn badge(self, c: Color) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(c)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
}
