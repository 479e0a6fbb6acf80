//! The bottom line: the most useful keys.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{Theme, KEYS};

pub struct Footer {
    pub theme: Theme,
}

impl Widget for &Footer {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let mut spans = vec![Span::raw(" ")];
        for (key, _, hint) in KEYS.iter().filter(|k| !k.2.is_empty()) {
            let key = key.split(' ').take(2).collect::<Vec<_>>().join("");
            spans.push(Span::styled(key, self.theme.key()));
            spans.push(Span::styled(format!(" {hint}  "), self.theme.dim()));
        }
        Line::from(spans).render(area, buf);
    }
}
