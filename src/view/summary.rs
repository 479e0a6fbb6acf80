//! The run in numbers: traffic per pair, time waited, checks, outcome.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use super::{words, Theme};
use crate::model::{Model, Summary};
use crate::trace::display::bytes;
use crate::trace::Outcome;

/// Pairs listed before "and N more".
const MAX_PAIRS: usize = 8;
/// Ranks whose time waited is listed one by one.
const MAX_WAITED: usize = 10;

pub struct SummaryOverlay<'a> {
    pub model: &'a Model,
    pub theme: Theme,
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Completed => "completed",
        Outcome::CheckFailed => "a check failed",
        Outcome::Deadlock => "deadlock",
        Outcome::RankFailed => "a rank failed",
        Outcome::Quit => "quit",
        Outcome::Interrupted => "interrupted",
    }
}

impl SummaryOverlay<'_> {
    pub fn lines(&self) -> Vec<Line<'static>> {
        let s = self.model.summary();
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let mut out: Vec<Line> = vec![self.outcome_line(&s), Line::from("")];
        out.extend(self.pair_lines(&s));
        out.extend(collective_lines(&s));
        out.extend(one_sided_lines(&s));
        out.extend(host_lines(&s, self.theme));
        out.push(Line::from(""));
        out.push(Line::styled("seconds waiting in MPI calls", bold));
        out.extend(per_rank_lines(&s.waited).into_iter().map(Line::from));
        if s.held.iter().any(|&h| h > 0.0) {
            // The teacher's pace, never counted as waiting.
            out.push(Line::styled(
                format!("seconds {} (the teacher's pace)", super::words::HELD),
                bold,
            ));
            out.extend(per_rank_lines(&s.held).into_iter().map(Line::from));
        }
        out.push(Line::from(""));
        out.extend(self.check_lines(&s));
        out.extend(self.failure_lines(&s));
        out
    }

    /// `outcome  deadlock: rank 0 ...`, or how far the run is.
    fn outcome_line(&self, s: &Summary) -> Line<'static> {
        let t = self.theme;
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let outcome = match &s.outcome {
            Some((o, detail)) => {
                let style = if *o == Outcome::Completed {
                    t.ok()
                } else {
                    t.error()
                };
                let mut v = vec![Span::styled(outcome_word(*o).to_string(), style)];
                if !detail.is_empty() {
                    v.push(Span::raw(format!(": {detail}")));
                }
                v
            }
            None if self.model.all_done() => vec![Span::raw("all ranks ended")],
            None => vec![Span::raw("still running")],
        };
        let mut first = vec![Span::styled("outcome  ", bold)];
        first.extend(outcome);
        Line::from(first)
    }

    /// The messages and bytes of each pair of ranks, then the total.
    fn pair_lines(&self, s: &Summary) -> Vec<Line<'static>> {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let mut out = vec![Line::styled(" from → to    messages       bytes", bold)];
        for p in s.pairs.iter().take(MAX_PAIRS) {
            out.push(Line::from(format!(
                " {:>4} → {:<4} {:>8}  {:>10}",
                p.from,
                p.to,
                p.messages,
                bytes(p.bytes)
            )));
        }
        if s.pairs.len() > MAX_PAIRS {
            out.push(Line::styled(
                format!(" ... and {} more pairs", s.pairs.len() - MAX_PAIRS),
                self.theme.dim(),
            ));
        }
        out.push(Line::from(format!(
            " {:<11} {:>8}  {:>10}",
            "total",
            s.total_messages(),
            bytes(s.total_bytes())
        )));
        out
    }

    /// `checks   3 passed, 1 failed`, then the first failed checks.
    fn check_lines(&self, s: &Summary) -> Vec<Line<'static>> {
        let t = self.theme;
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let (ok, bad) = (s.checks_passed(), s.checks_failed());
        let mut out = vec![Line::from(vec![
            Span::styled("checks   ", bold),
            Span::styled(
                format!("{ok} passed"),
                if ok > 0 { t.ok() } else { Style::new() },
            ),
            Span::raw(", "),
            Span::styled(
                format!("{bad} failed"),
                if bad > 0 { t.error() } else { Style::new() },
            ),
        ])];
        for c in s.checks.iter().filter(|c| !c.passed).take(5) {
            out.push(Line::styled(
                format!("  FAILED rank {}: {}", c.rank, c.what),
                t.error(),
            ));
        }
        out
    }

    /// `failures none`, or how many and the first of them.
    fn failure_lines(&self, s: &Summary) -> Vec<Line<'static>> {
        let t = self.theme;
        if s.failures.is_empty() {
            let bold = Style::new().add_modifier(Modifier::BOLD);
            return vec![Line::from(vec![
                Span::styled("failures ", bold),
                Span::raw("none"),
            ])];
        }
        let mut out = vec![Line::styled(
            format!("failures {}", s.failures.len()),
            t.error(),
        )];
        for f in s.failures.iter().take(5) {
            let site = f
                .site
                .as_ref()
                .map(|s| format!(" at {s}"))
                .unwrap_or_default();
            out.push(Line::styled(
                format!("  rank {}: {}{site}", f.rank, f.message),
                t.error(),
            ));
        }
        out
    }
}

/// The data each kind of collective moved, and the total: counted apart
/// from the point-to-point messages above.
fn collective_lines(s: &Summary) -> Vec<Line<'static>> {
    if s.collectives.is_empty() {
        return Vec::new();
    }
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut out = vec![
        Line::from(""),
        Line::styled(" collective      transfers       bytes", bold),
    ];
    for k in &s.collectives {
        let Some(op) = k.op else { continue };
        out.push(Line::from(format!(
            " {:<14} {:>9}  {:>10}  {}",
            words::collective_name(op, k.reduce.as_deref()),
            k.flows,
            bytes(k.bytes),
            words::movement(op)
        )));
    }
    out.push(Line::from(format!(
        " {:<14} {:>9}  {:>10}",
        "total",
        s.collective_flows(),
        bytes(s.collective_bytes())
    )));
    out.push(Line::from(format!(" ({})", words::COLLECTIVE_NOTE)));
    out
}

/// The data each kind of one-sided transfer moved, then the window calls,
/// which move none.
fn one_sided_lines(s: &Summary) -> Vec<Line<'static>> {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut out = Vec::new();
    if !s.one_sided.is_empty() {
        out.push(Line::from(""));
        out.push(Line::styled(" one-sided       transfers       bytes", bold));
    }
    for k in &s.one_sided {
        out.push(Line::from(format!(
            " {:<14} {:>9}  {:>10}  {}",
            k.op.name(),
            k.transfers,
            bytes(k.bytes),
            words::one_sided_movement(k.op)
        )));
    }
    if let Some(line) = words::window_calls(&s.window_calls) {
        out.push(Line::from(format!(" {line}")));
    }
    out
}

/// Across hosts: each kind of traffic within a host and across hosts.
fn host_lines(s: &Summary, theme: Theme) -> Vec<Line<'static>> {
    let Some(h) = &s.hosts else {
        return Vec::new();
    };
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut out = vec![Line::from(""), Line::styled(" hosts", bold)];
    for (line, crossed) in words::host_split_lines(h) {
        let style = if crossed {
            theme.crossing()
        } else {
            Style::new()
        };
        out.push(Line::styled(format!(" {line}"), style));
    }
    out
}

/// Each rank's seconds (waited, or held) when they fit on one line; else
/// the ranks with the most and what all of them had on average, so the
/// checks below stay on screen with 64 ranks.
fn per_rank_lines(waited: &[f64]) -> Vec<String> {
    let one = |(r, w): (usize, &f64)| format!("{r}: {w:.3}");
    if waited.len() <= MAX_WAITED {
        let all: Vec<String> = waited.iter().enumerate().map(one).collect();
        return vec![format!(" {}", all.join("   "))];
    }
    let mut order: Vec<(usize, &f64)> = waited.iter().enumerate().collect();
    order.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(&b.0)));
    let most: Vec<String> = order.iter().take(4).map(|&p| one(p)).collect();
    let mean = waited.iter().sum::<f64>() / waited.len() as f64;
    let (least, at) = order.last().map_or((0.0, 0), |&(r, w)| (*w, r));
    vec![
        format!(" longest  {}", most.join("   ")),
        format!(
            " all {} ranks: {mean:.3} on average, least {least:.3} (rank {at})",
            waited.len()
        ),
    ]
}

impl Widget for &SummaryOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let lines = self.lines();
        let h = (lines.len() as u16 + 2).min(area.height);
        let w = 64.min(area.width);
        let popup = area.centered(Constraint::Length(w), Constraint::Length(h));
        Clear.render(popup, buf);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(
                Block::bordered()
                    .title(" summary ")
                    .title_bottom(Line::from(" s to close ").right_aligned())
                    .border_style(self.theme.border(true)),
            )
            .render(popup, buf);
    }
}
