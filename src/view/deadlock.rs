//! The deadlock banner: who waits for whom, one line per rank of the cycle,
//! each with the lesson line it is stuck on.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::{fit, words, Theme};
use crate::model::Deadlock;

pub struct DeadlockBanner<'a> {
    pub deadlock: &'a Deadlock,
    pub theme: Theme,
}

impl DeadlockBanner<'_> {
    pub fn lines(&self, width: usize) -> Vec<Line<'static>> {
        let t = self.theme;
        let d = self.deadlock;
        let mut out = Vec::new();
        for (i, w) in d.cycle.iter().enumerate() {
            let arrow = if i == 0 { "  " } else { "→ " };
            out.push(Line::from(vec![
                Span::styled(arrow, t.error()),
                Span::raw(fit(&words::waiter(w), width.saturating_sub(2))),
            ]));
        }
        match (d.dead_end, d.cycle.first()) {
            (Some(r), _) => out.push(Line::styled(
                format!("→ rank {r} has ended: it will never answer"),
                t.error(),
            )),
            (None, Some(first)) => out.push(Line::styled(
                format!("→ back to rank {}: nobody can move", first.rank),
                t.error(),
            )),
            _ => {}
        }
        let others: Vec<String> = d
            .ranks
            .iter()
            .filter(|r| !d.cycle.iter().any(|w| w.rank == **r))
            .map(|r| r.to_string())
            .collect();
        if !others.is_empty() {
            out.push(Line::styled(
                fit(&format!("also stuck: ranks {}", others.join(" ")), width),
                t.error(),
            ));
        }
        out
    }
}

impl Widget for &DeadlockBanner<'_> {
    /// Drawn over the bottom of `area` (the world), below the rank boxes'
    /// state lines.
    fn render(self, area: Rect, buf: &mut Buffer) {
        let w = area.width.saturating_sub(2) as usize;
        let lines = self.lines(w);
        let h = (lines.len() as u16 + 2).min(area.height);
        let banner = Rect::new(area.x, area.bottom() - h, area.width, h);
        Clear.render(banner, buf);
        Paragraph::new(lines)
            .style(Style::new())
            .block(
                Block::bordered()
                    .title(Span::styled(
                        " DEADLOCK: these ranks wait for each other forever ",
                        self.theme.error(),
                    ))
                    .border_style(self.theme.error()),
            )
            .render(banner, buf);
    }
}
