//! Shown instead of everything when the terminal is below 80x24.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub struct TooSmall {
    pub width: u16,
    pub height: u16,
}

impl Widget for TooSmall {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let text = vec![
            Line::from("mpi-tutor needs a bigger terminal"),
            Line::from(format!(
                "this one is {}x{}, it needs at least {MIN_WIDTH}x{MIN_HEIGHT}",
                self.width, self.height
            )),
            Line::from("enlarge the window (or press q to quit)"),
        ];
        let h = 6u16.min(area.height);
        let body = area.centered_vertically(Constraint::Length(h));
        Paragraph::new(text)
            .centered()
            .wrap(Wrap { trim: true })
            .render(body, buf);
    }
}
