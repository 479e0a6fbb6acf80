//! The lesson's source with a marker per rank on the line it is at
//! (`▶0 1`), and the lesson's explanation under it.

use std::collections::BTreeMap;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::help::reflow;
use super::hosts::with_hosts_note;
use super::{base_name, fit, LessonInfo, Theme};
use crate::model::Model;
use crate::trace::Rank;

/// Widest rank-marker gutter.
const MAX_MARKS: usize = 10;
/// The explanation shares the pane only when it is at least this high
/// (else it is in the help overlay).
const MIN_FOR_TEXT: u16 = 14;

pub struct LessonPane<'a> {
    pub model: &'a Model,
    pub lesson: &'a LessonInfo<'a>,
    /// First source line shown (0-based); None = follow the ranks.
    pub scroll: Option<usize>,
    pub focused: bool,
    pub theme: Theme,
}

impl LessonPane<'_> {
    /// Line number (1-based) -> ranks there, for ranks still running.
    pub fn markers(&self) -> BTreeMap<u32, Vec<Rank>> {
        let mut at: BTreeMap<u32, Vec<Rank>> = BTreeMap::new();
        for r in self.model.ranks() {
            if r.is_terminal() {
                continue;
            }
            if let Some(site) = &r.site {
                if same_file(&site.file, self.lesson.file) {
                    at.entry(site.line).or_default().push(r.rank);
                }
            }
        }
        at
    }

    /// First line shown so every marker (or as many as fit) is visible.
    pub fn auto_scroll(&self, height: usize, lines: usize) -> usize {
        let marks = self.markers();
        let (Some(first), Some(last)) = (marks.keys().next(), marks.keys().next_back()) else {
            return 0;
        };
        let (first, last) = (*first as usize - 1, *last as usize - 1);
        let top = if last - first < height {
            (first + last + 1).saturating_sub(height) / 2
        } else {
            first.saturating_sub(1)
        };
        top.min(lines.saturating_sub(height))
    }
}

fn same_file(site: &str, lesson: &str) -> bool {
    site == lesson || base_name(site) == base_name(lesson)
}

/// `▶0 1`, `▶0-3 5`: the ranks on one line, ranges compressed.
pub fn marker_text(ranks: &[Rank]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ranks.len() {
        let mut j = i;
        while j + 1 < ranks.len() && ranks[j + 1] == ranks[j] + 1 {
            j += 1;
        }
        parts.push(if j >= i + 2 {
            format!("{}-{}", ranks[i], ranks[j])
        } else if j == i + 1 {
            format!("{} {}", ranks[i], ranks[j])
        } else {
            ranks[i].to_string()
        });
        i = j + 1;
    }
    format!("▶{}", parts.join(" "))
}

impl Widget for &LessonPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        // A built-in lesson is a lesson; a watched program is its source.
        let kind = if self.lesson.is_lesson() {
            " lesson "
        } else {
            " source "
        };
        let name = base_name(self.lesson.file);
        let title = Line::from(vec![
            Span::raw(kind),
            Span::styled(
                if name.is_empty() {
                    String::new()
                } else {
                    format!("{name} ")
                },
                t.dim(),
            ),
        ]);
        let block = Block::bordered()
            .title(title)
            .border_style(t.border(self.focused));
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.is_empty() {
            return;
        }
        let show_text = !self.lesson.explanation.trim().is_empty() && inner.height >= MIN_FOR_TEXT;
        // A program without lines has no source to show: its explanation
        // (how to get lines) has the pane.
        let no_source = self.lesson.source.trim().is_empty();
        let [code, about] = if show_text && no_source {
            [Rect::new(inner.x, inner.y, inner.width, 0), inner]
        } else if show_text {
            let about_h = (inner.height / 3).max(3);
            Layout::vertical([Constraint::Fill(1), Constraint::Length(about_h)]).areas(inner)
        } else {
            [inner, Rect::new(inner.x, inner.bottom(), inner.width, 0)]
        };
        self.source(code, buf);
        if show_text {
            let block = Block::new()
                .borders(Borders::TOP)
                .title(" about ")
                .border_style(t.dim());
            // Reflowed to the pane: the explanation is hard-wrapped for a
            // wider terminal, and wrapping its lines again leaves stubs.
            // The run's hosts first: this run's facts, the lesson's after.
            let explanation = with_hosts_note(self.model.header(), self.lesson.explanation);
            let text = reflow(explanation.trim(), about.width as usize);
            Paragraph::new(text.into_iter().map(Line::from).collect::<Vec<_>>())
                .block(block)
                .render(about, buf);
        }
    }
}

impl LessonPane<'_> {
    fn source(&self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let lines: Vec<&str> = self.lesson.source.lines().collect();
        let marks = self.markers();
        let texts: BTreeMap<u32, String> = marks
            .iter()
            .map(|(l, r)| (*l, fit(&marker_text(r), MAX_MARKS)))
            .collect();
        let gutter = texts.values().map(|s| s.chars().count()).max().unwrap_or(0);
        let digits = lines.len().max(1).to_string().len();
        let h = area.height as usize;
        let top = self
            .scroll
            .unwrap_or_else(|| self.auto_scroll(h, lines.len()))
            .min(lines.len().saturating_sub(1));
        let w = area.width as usize;
        for (i, src) in lines.iter().enumerate().skip(top).take(h) {
            let y = area.y + (i - top) as u16;
            let no = i as u32 + 1;
            let mut x = area.x;
            if gutter > 0 {
                let mark = texts.get(&no).cloned().unwrap_or_default();
                buf.set_stringn(x, y, format!("{mark:<gutter$} "), w, t.marker());
                x += gutter as u16 + 1;
            }
            let style = if texts.contains_key(&no) {
                t.marker()
            } else {
                t.dim()
            };
            let used = (x - area.x) as usize;
            buf.set_stringn(
                x,
                y,
                format!("{no:>digits$} "),
                w.saturating_sub(used),
                style,
            );
            x += digits as u16 + 1;
            let room = w.saturating_sub((x - area.x) as usize);
            let code = src.replace('\t', "    ");
            buf.set_stringn(x, y, fit(&code, room), room, ratatui::style::Style::new());
        }
    }
}
