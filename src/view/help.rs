//! Key hints: the footer line and the help overlay share one list.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::ranks::wrap;
use super::Theme;

/// (key, what it does, short hint for the footer or "" to leave it out).
pub const KEYS: &[(&str, &str, &str)] = &[
    ("space", "pause / resume the ranks", "pause"),
    ("n", "while paused: let one held call go (also →)", "step"),
    ("0-9", "choose the rank that n lets go first", ""),
    ("+ -", "faster / slower", "speed"),
    ("f", "full speed / classroom pace", ""),
    ("tab", "move focus: world, lesson, log", "focus"),
    ("w t m", "top panel: world, space-time diagram, matrix", ""),
    ("< > [ ]", "space-time: zoom out / in; earlier / later", ""),
    ("↑ ↓ PgUp PgDn", "scroll the focused pane", "scroll"),
    ("s", "show / hide the summary", "summary"),
    ("?", "show / hide this help", "help"),
    ("q", "quit, ending every rank (also Esc, Ctrl-C)", "quit"),
];

/// The keys, and the lesson's explanation (which the lesson pane only has
/// room for on tall terminals).
pub struct HelpOverlay<'a> {
    pub title: &'a str,
    pub explanation: &'a str,
    pub theme: Theme,
}

impl Widget for &HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let kw = KEYS.iter().map(|k| k.0.chars().count()).max().unwrap_or(0);
        let mut lines: Vec<Line> = Vec::new();
        let text = self.explanation.trim();
        let w = 64.min(area.width);
        // The keys always fit; the explanation gets what is left (the
        // border, its title and a blank line take 4 rows).
        let room = (area.height as usize).saturating_sub(KEYS.len() + 4).min(8);
        if !text.is_empty() && room > 0 {
            lines.push(Line::styled(
                format!(" {}", self.title),
                Style::new().add_modifier(Modifier::BOLD),
            ));
            for l in wrap(text, w.saturating_sub(4) as usize, room) {
                lines.push(Line::from(format!(" {l}")));
            }
            lines.push(Line::from(""));
        }
        lines.extend(KEYS.iter().map(|(k, what, _)| {
            Line::from(vec![
                Span::styled(format!(" {k:>kw$}  "), t.key()),
                Span::raw(*what),
            ])
        }));
        let h = (lines.len() as u16 + 2).min(area.height);
        let popup = area.centered(Constraint::Length(w), Constraint::Length(h));
        Clear.render(popup, buf);
        Paragraph::new(lines)
            .block(
                Block::bordered()
                    .title(" help ")
                    .title_bottom(Line::from(" ? to close ").right_aligned())
                    .border_style(t.border(true)),
            )
            .render(popup, buf);
    }
}
