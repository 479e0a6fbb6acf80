//! The event log: the same lines as the headless log, newest at the bottom.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::hosts::{event_crosses, CROSSES};
use super::{fit, Theme};
use crate::model::Model;
use crate::trace::display::log_line_with;
use crate::trace::{Event, EventKind};

pub struct LogPane<'a> {
    pub model: &'a Model,
    /// Lines scrolled up from the newest.
    pub scroll: usize,
    pub focused: bool,
    /// Whether the values calls carry are shown.
    pub values: bool,
    pub theme: Theme,
}

impl LogPane<'_> {
    fn style(&self, e: &Event) -> Style {
        let t = self.theme;
        match &e.event {
            EventKind::Failed { .. } => t.error(),
            EventKind::Check { passed: false, .. } => t.error(),
            EventKind::Check { passed: true, .. } => t.ok(),
            EventKind::Say { .. } => Style::new(),
            EventKind::RunEnded { .. } => Style::new().add_modifier(ratatui::style::Modifier::BOLD),
            _ => t.dim(),
        }
    }
}

impl Widget for &LogPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let total = self.model.recent().len();
        let inner_h = area.height.saturating_sub(2) as usize;
        let scroll = self.scroll.min(total.saturating_sub(inner_h));
        let mut title = vec![
            Span::raw(" log "),
            Span::styled(
                format!("· {} events ", self.model.events_applied()),
                t.dim(),
            ),
        ];
        if scroll > 0 {
            title.push(Span::styled(format!("↑{scroll} "), t.marker()));
        }
        let block = Block::bordered()
            .title(Line::from(title))
            .border_style(t.border(self.focused));
        let inner = block.inner(area);
        block.render(area, buf);
        let h = inner.height as usize;
        let w = inner.width as usize;
        let shown: Vec<&Event> = self.model.recent().rev().skip(scroll).take(h).collect();
        // Across hosts, a column for the mark of the lines that cross.
        let header = self.model.header();
        let mark_w = if header.spans_hosts() { 2 } else { 0 };
        let w = w.saturating_sub(mark_w);
        // Oldest first, so the newest line is the lowest one.
        for (i, e) in shown.iter().rev().enumerate() {
            let y = inner.y + i as u16;
            if mark_w > 0 && event_crosses(header, e) {
                buf.set_string(inner.x, y, CROSSES, t.crossing());
            }
            buf.set_stringn(
                inner.x + mark_w as u16,
                y,
                fit(&log_line_with(e, self.values), w),
                w,
                self.style(e),
            );
        }
    }
}
