//! The help overlay: the lesson's explanation and the key table.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::hosts::with_hosts_note;
use super::keys::KEYS;
use super::ranks::wrap;
use super::Theme;
use crate::trace::Header;

/// The keys, and the lesson's explanation (which the lesson pane only has
/// room for on tall terminals).
pub struct HelpOverlay<'a> {
    /// The lesson's name, for the command that prints the rest.
    pub name: &'a str,
    pub title: &'a str,
    pub explanation: &'a str,
    /// Where the run's ranks are (`with_hosts_note`): the note comes first
    /// when the run spans hosts.
    pub header: &'a Header,
    pub theme: Theme,
}

impl Widget for &HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let kw = KEYS
            .iter()
            .map(|k| k.label.chars().count())
            .max()
            .unwrap_or(0);
        let mut lines: Vec<Line> = Vec::new();
        let explanation = with_hosts_note(self.header, self.explanation);
        let text = explanation.trim();
        let w = 76.min(area.width);
        if !text.is_empty() {
            lines.push(Line::styled(
                format!(" {}", self.title),
                Style::new().add_modifier(Modifier::BOLD),
            ));
            // The explanation's own lines and indents carry its structure
            // (GOAL, WATCH FOR, numbered exercises): wrap each on its own.
            let room = area.height.saturating_sub(KEYS.len() as u16 + 5) as usize;
            let mut shown = reflow(text, (w as usize).saturating_sub(4));
            if shown.len() > room {
                shown.truncate(room.saturating_sub(1));
                shown.push(format!(
                    "… (more: mpi-tutor lesson {} --explain)",
                    self.name
                ));
            }
            lines.extend(shown.into_iter().map(|l| Line::from(format!(" {l}"))));
            lines.push(Line::from(""));
        }
        lines.extend(KEYS.iter().map(|row| {
            Line::from(vec![
                Span::styled(format!(" {:>kw$}  ", row.label), t.key()),
                Span::raw(row.what),
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

/// An explanation's paragraphs wrapped to `width` columns, each keeping
/// its indent, a bullet's or a numbered item's text hanging under its text.
pub(super) fn reflow(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for p in paragraphs(text) {
        if p.text.is_empty() {
            out.push(String::new());
            continue;
        }
        let room = width.saturating_sub(p.indent + p.hang).max(8);
        for (i, l) in wrap(&p.text, room, usize::MAX).into_iter().enumerate() {
            let pad = p.indent + if i == 0 { 0 } else { p.hang };
            out.push(format!("{}{l}", " ".repeat(pad)));
        }
    }
    out
}

/// A paragraph of an explanation: its indent, and the hanging indent of
/// its continuation lines (a bullet's or a numbered item's text).
struct Para {
    indent: usize,
    hang: usize,
    text: String,
}

/// Joins an explanation's hard-wrapped lines back into paragraphs: a new
/// one starts at a blank line, a heading (no indent), a bullet `- ` or a
/// numbered item `1. `; other lines continue the one before.
fn paragraphs(text: &str) -> Vec<Para> {
    let mut out: Vec<Para> = Vec::new();
    for line in text.lines() {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let marker = if body.starts_with("- ") {
            2
        } else {
            body.find(". ")
                .filter(|&i| i > 0 && body[..i].chars().all(|c| c.is_ascii_digit()))
                .map_or(0, |i| i + 2)
        };
        let continues = !body.is_empty()
            && indent > 0
            && marker == 0
            && out
                .last()
                .is_some_and(|p| !p.text.is_empty() && p.indent > 0);
        match out.last_mut() {
            Some(p) if continues => {
                p.text.push(' ');
                p.text.push_str(body);
            }
            _ => out.push(Para {
                indent,
                hang: marker,
                text: body.to_string(),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::paragraphs;

    #[test]
    fn hard_wrapped_lines_become_paragraphs() {
        let p = paragraphs("GOAL\n  one two\n  three\n\nWATCH\n  - a b\n    c\n  2. d\n");
        let texts: Vec<(&str, usize, usize)> = p
            .iter()
            .map(|p| (p.text.as_str(), p.indent, p.hang))
            .collect();
        assert_eq!(
            texts,
            vec![
                ("GOAL", 0, 0),
                ("one two three", 2, 0),
                ("", 0, 0),
                ("WATCH", 0, 0),
                ("- a b c", 2, 2),
                ("2. d", 2, 3),
            ]
        );
    }
}
