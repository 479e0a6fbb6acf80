//! The bottom line: the most useful keys, from the key table.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::keys::KEYS;
use super::Theme;

pub struct Footer {
    pub theme: Theme,
}

impl Widget for &Footer {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let mut spans = vec![Span::raw(" ")];
        for row in KEYS.iter().filter(|row| !row.hint.is_empty()) {
            let key = row.label.split(' ').take(2).collect::<Vec<_>>().join("");
            spans.push(Span::styled(key, self.theme.key()));
            spans.push(Span::styled(format!(" {}  ", row.hint), self.theme.dim()));
        }
        Line::from(spans).render(area, buf);
    }
}
