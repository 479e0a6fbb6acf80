//! The deadlock banner: who waits for whom, one line per rank of the cycle,
//! each with the lesson line it is stuck on.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::ranks::wrap;
use super::{fit, words, Theme};
use crate::model::Deadlock;

/// Unreceived messages the banner names; the log lists them all.
const UNRECEIVED_SHOWN: usize = 3;

pub struct DeadlockBanner<'a> {
    pub deadlock: &'a Deadlock,
    /// Why the rank the waits lead to failed, when it did
    /// ([`words::failure`]): the banner covers the failed rank's detail.
    pub failure: Option<String>,
    pub theme: Theme,
}

impl DeadlockBanner<'_> {
    pub fn lines(&self, width: usize) -> Vec<Line<'static>> {
        let t = self.theme;
        let d = self.deadlock;
        let mut out = Vec::new();
        // Read down: each rank waits for the one on the next line.
        for (i, w) in d.cycle.iter().enumerate() {
            let lead = if i == 0 { "" } else { "waits for " };
            out.push(Line::from(vec![
                Span::styled(lead, t.error()),
                Span::raw(fit(&words::waiter(w), width.saturating_sub(lead.len()))),
            ]));
        }
        let close = match (d.dead_end, d.cycle.first()) {
            (Some(r), _) => Some(match &self.failure {
                Some(why) => format!("waits for rank {r}, which failed {why}"),
                None => format!("waits for rank {r}, which has ended: it will never answer"),
            }),
            (None, Some(first)) if d.cycle.len() == 1 => Some(format!(
                "waits for itself (rank {}): it can never move",
                first.rank
            )),
            (None, Some(first)) => Some(format!(
                "waits for rank {}: back to the start, nobody can move",
                first.rank
            )),
            (None, None) => None,
        };
        if let Some(close) = close {
            out.extend(
                wrap(&close, width, 3)
                    .into_iter()
                    .map(|l| Line::styled(l, t.error())),
            );
        }
        // Why a receive waits: a message it does not take (most often a
        // tag or a source that differs), the first few.
        for u in d.unreceived.iter().take(UNRECEIVED_SHOWN) {
            out.extend(
                wrap(&words::unreceived(u), width, 3)
                    .into_iter()
                    .map(Line::from),
            );
        }
        if d.unreceived.len() > UNRECEIVED_SHOWN {
            let more = d.unreceived.len() - UNRECEIVED_SHOWN;
            out.push(Line::from(fit(
                &format!("and {more} more such messages"),
                width,
            )));
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
                        fit(
                            &format!(" DEADLOCK: {} ", words::deadlock_title(self.deadlock)),
                            area.width.saturating_sub(2) as usize,
                        ),
                        self.theme.error(),
                    ))
                    .border_style(self.theme.error()),
            )
            .render(banner, buf);
    }
}
