//! The top line: mode, speed, events, dropped events (never hidden), lesson.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{fit, LessonInfo, Mode, StatusInfo, Theme};
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

/// Where a replay is, in the place of the speed: `paused · event 3/40 ·
/// 4 ev/s` (paused as space pauses a live run).
pub fn replay_position(playing: bool, applied: usize, total: usize, speed: f64) -> String {
    let state = if playing { "playing" } else { "paused" };
    format!("{state} · event {applied}/{total} · {speed} ev/s")
}

/// How far the line is squeezed to fit, from 0 (everything in full) to
/// [`MOST_SQUEEZED`]: each level gives up one more thing, the least
/// needed first: the event count, the lesson's topic before its summary
/// (the lesson's name says it), the word `speed`, the failed badge's hint
/// (the footer says q too). The rank count and the alerts always stay.
const MOST_SQUEEZED: usize = 4;

impl StatusBar<'_> {
    /// ` RANK 1 FAILED · q ends the job ` while a failed rank is on screen
    /// (` RANK 1 FAILED ` when `short`).
    fn failed_badge(&self, short: bool) -> Option<String> {
        let failed: Vec<String> = (self.model.ranks().iter())
            .filter(|r| matches!(r.state, RankState::Failed { .. }))
            .map(|r| r.rank.to_string())
            .collect();
        let who = match failed.as_slice() {
            [] => return None,
            [one] => format!("RANK {one}"),
            many => format!("RANKS {}", many.join(" ")),
        };
        Some(if short {
            format!(" {who} FAILED ")
        } else {
            format!(" {who} FAILED · q ends the job ")
        })
    }

    /// The mode, then every alert (never left out), each a badge.
    fn badges(&self, short: bool) -> Vec<Span<'static>> {
        let t = self.theme;
        let s = self.status;
        let mut alerts = Vec::new();
        if s.dropped > 0 {
            alerts.push(format!(" ⚠ {} DROPPED ", s.dropped));
        }
        if s.trace_problems > 0 {
            alerts.push(format!(
                " ⚠ TRACE HAS {} PROBLEM(S), LISTED ON QUIT ",
                s.trace_problems
            ));
        }
        if s.recording_stopped {
            alerts.push(" ⚠ RECORDING STOPPED ".to_string());
        }
        alerts.extend(self.failed_badge(short));
        if self.deadlock {
            alerts.push(" DEADLOCK ".to_string());
        }
        if s.keys_unavailable {
            alerts.push(format!(" {} ", super::words::KEYS_UNAVAILABLE));
        }
        let mut spans = vec![
            Span::styled(format!(" {} ", s.mode.word()), t.badge(mode_color(s.mode))),
            Span::raw(" "),
        ];
        for alert in alerts {
            spans.push(Span::styled(alert, t.badge(Color::Red)));
            spans.push(Span::raw(" "));
        }
        spans
    }

    /// `send-recv: Send and receive: a receive waits for its message`, or
    /// without the topic (`send-recv: a receive waits for its message`)
    /// when `short`.
    fn lesson_words(&self, short: bool) -> (String, String) {
        let title = self.lesson.title;
        let summary = match title.split_once(": ") {
            Some((_, rest)) if short => rest,
            _ => title,
        };
        (self.lesson.name.to_string(), format!(": {summary}"))
    }

    /// The line at squeeze `level`; with `room`, the lesson's words cut to
    /// that many columns.
    fn line(&self, level: usize, room: Option<usize>) -> Line<'static> {
        let t = self.theme;
        let s = self.status;
        let sep = || Span::styled(" │ ", t.dim());
        let mut spans = self.badges(level >= 4);
        // `speed 2 calls/s`, but `full speed` and a replay's position as
        // they are.
        let says_speed = s.replaying || s.speed_label.ends_with("speed");
        spans.push(Span::raw(if level >= 3 || says_speed {
            s.speed_label.clone()
        } else {
            format!("speed {}", s.speed_label)
        }));
        spans.push(sep());
        if level < 1 {
            spans.push(Span::raw(format!("events {}", s.received)));
            spans.push(sep());
        }
        let (name, summary) = self.lesson_words(level >= 2);
        let (name, summary) = match room {
            Some(room) if name.chars().count() >= room => (fit(&name, room), String::new()),
            Some(room) => {
                let left = room - name.chars().count();
                (name, fit(&summary, left))
            }
            None => (name, summary),
        };
        spans.push(Span::styled(
            name,
            Style::new().add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::raw(summary));
        spans.push(sep());
        spans.push(Span::raw(format!("{} ranks", self.model.ranks().len())));
        Line::from(spans)
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
        let width = area.width as usize;
        let line = (0..=MOST_SQUEEZED)
            .map(|level| self.line(level, None))
            .find(|line| line.width() <= width)
            .unwrap_or_else(|| {
                // Still too wide: the lesson's words give up the rest.
                let squeezed = self.line(MOST_SQUEEZED, None);
                let (name, summary) = self.lesson_words(true);
                let words = name.chars().count() + summary.chars().count();
                let room = words.saturating_sub(squeezed.width() - width);
                self.line(MOST_SQUEEZED, Some(room))
            });
        line.render(area, buf);
    }
}
