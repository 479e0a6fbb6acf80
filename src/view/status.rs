//! The top line: mode, speed, events, dropped events (never hidden), lesson.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{LessonInfo, Mode, StatusInfo, Theme};
use crate::model::{Model, RankState};

pub struct StatusBar<'a> {
    pub model: &'a Model,
    pub lesson: &'a LessonInfo<'a>,
    pub status: &'a StatusInfo,
    /// A deadlock is being shown.
    pub deadlock: bool,
    pub theme: Theme,
}

/// The pace of a live run, in the place of the speed: `full speed`,
/// `2 calls/s`, `4 s per call`.
pub fn pace_words(full_speed: bool, calls_per_second: f64) -> String {
    if full_speed {
        "full speed".to_string()
    } else if calls_per_second < 1.0 {
        format!("{} s per call", 1.0 / calls_per_second)
    } else {
        format!("{calls_per_second} calls/s")
    }
}

/// Where a replay is, in the place of the speed: `stopped · event 3/40 ·
/// 4 ev/s`.
pub fn replay_position(playing: bool, applied: usize, total: usize, speed: f64) -> String {
    let state = if playing { "playing" } else { "stopped" };
    format!("{state} · event {applied}/{total} · {speed} ev/s")
}

impl StatusBar<'_> {
    /// ` RANK 1 FAILED · q ends the job ` while a failed rank is on screen.
    fn failed_badge(&self) -> Option<String> {
        let failed: Vec<String> = (self.model.ranks().iter())
            .filter(|r| matches!(r.state, RankState::Failed { .. }))
            .map(|r| r.rank.to_string())
            .collect();
        let who = match failed.as_slice() {
            [] => return None,
            [one] => format!("RANK {one}"),
            many => format!("RANKS {}", many.join(" ")),
        };
        Some(format!(" {who} FAILED · q ends the job "))
    }
}

fn mode_color(m: Mode) -> Color {
    match m {
        Mode::Live => Color::Green,
        Mode::Paused => Color::Yellow,
        Mode::Stepping => Color::Cyan,
        Mode::Done => Color::Blue,
        Mode::Replay => Color::Magenta,
    }
}

impl Widget for &StatusBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let s = self.status;
        let sep = || Span::styled(" │ ", t.dim());
        let mut spans = vec![
            Span::styled(format!(" {} ", s.mode.word()), t.badge(mode_color(s.mode))),
            Span::raw(" "),
        ];
        if s.dropped > 0 {
            spans.push(Span::styled(
                format!(" ⚠ {} DROPPED ", s.dropped),
                t.badge(Color::Red),
            ));
            spans.push(Span::raw(" "));
        }
        if s.trace_problems > 0 {
            spans.push(Span::styled(
                format!(
                    " ⚠ TRACE HAS {} PROBLEM(S), LISTED ON QUIT ",
                    s.trace_problems
                ),
                t.badge(Color::Red),
            ));
            spans.push(Span::raw(" "));
        }
        if s.recording_stopped {
            spans.push(Span::styled(" ⚠ RECORDING STOPPED ", t.badge(Color::Red)));
            spans.push(Span::raw(" "));
        }
        if let Some(badge) = self.failed_badge() {
            spans.push(Span::styled(badge, t.badge(Color::Red)));
            spans.push(Span::raw(" "));
        }
        if self.deadlock {
            spans.push(Span::styled(" DEADLOCK ", t.badge(Color::Red)));
            spans.push(Span::raw(" "));
        }
        if s.keys_unavailable {
            let words = format!(" {} ", super::words::KEYS_UNAVAILABLE);
            spans.push(Span::styled(words, t.badge(Color::Yellow)));
            spans.push(Span::raw(" "));
        }
        spans.extend([
            Span::raw(format!("speed {}", s.speed_label)),
            sep(),
            Span::raw(format!("events {}", s.received)),
            sep(),
            Span::styled(
                self.lesson.name.to_string(),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(": {}", self.lesson.title)),
            sep(),
            Span::raw(format!("{} ranks", self.model.ranks().len())),
        ]);
        Line::from(spans).render(area, buf);
    }
}
