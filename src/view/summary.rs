//! The run in numbers: traffic per pair, time waited, checks, outcome.
//!
//! Laid out row by row before drawing: a table's rows never wrap (the
//! overlay is as wide as the widest of them, and never narrower than
//! [`MIN_WIDTH`], whatever the prose), prose wraps under its own indent,
//! and when the rows outgrow the screen the pair list folds up, and then
//! the blank rows between the parts go, until the checks below fit.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::wrap::wrap_line;
use super::Mode;
use super::{words, Theme};
use crate::model::{Deadlock, Model, Summary};
use crate::trace::display::bytes;
use crate::trace::Outcome;

/// Pairs listed before "and N more", when the screen has room.
const MAX_PAIRS: usize = 8;
/// Pairs listed however short the screen.
const MIN_PAIRS: usize = 1;
/// Ranks whose time waited is listed one by one.
const MAX_WAITED: usize = 10;
/// Ranks per row where they are listed one by one.
const RANKS_PER_ROW: usize = 5;
/// The overlay's width, border included, when its tables are narrower.
const MIN_WIDTH: u16 = 64;

/// A row of the summary as built, before it is laid out.
enum Row {
    /// A table's row: kept whole on one screen row.
    Table(Line<'static>),
    /// Words that wrap at the overlay's width, the screen rows after the
    /// first this many columns in.
    Prose(Line<'static>, usize),
}

impl Row {
    fn line(&self) -> &Line<'static> {
        match self {
            Row::Table(line) | Row::Prose(line, _) => line,
        }
    }

    /// An empty row between parts, left out where rows are short.
    fn is_gap(&self) -> bool {
        matches!(self, Row::Table(line) if line.width() == 0)
    }

    /// The screen rows this row takes at `width` columns.
    fn laid_out(self, width: usize) -> Vec<Line<'static>> {
        match self {
            Row::Table(line) => vec![line],
            Row::Prose(line, hang) => wrap_line(&line, width, hang),
        }
    }
}

/// An empty row, between the summary's parts.
fn gap() -> Row {
    Row::Table(Line::from(""))
}

/// A bold row that heads a part.
fn heading(text: impl Into<String>) -> Row {
    Row::Table(Line::styled(
        text.into(),
        Style::new().add_modifier(Modifier::BOLD),
    ))
}

pub struct SummaryOverlay<'a> {
    pub model: &'a Model,
    /// The deadlock the screen shows, if any: the run has not ended, but
    /// these ranks never will.
    pub deadlock: Option<&'a Deadlock>,
    /// How the screen runs: a live run the teacher paused says so.
    pub mode: Mode,
    pub theme: Theme,
    /// A built-in lesson, whose checks are counted even before they ran;
    /// a watched program has none, so it shows no checks unless some came.
    pub lesson: bool,
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
    /// The summary's lines as built, each pair listed up to [`MAX_PAIRS`],
    /// before they are wrapped to the overlay.
    pub fn lines(&self) -> Vec<Line<'static>> {
        let s = self.model.summary();
        let rows = self.rows(&s, MAX_PAIRS);
        rows.iter().map(Row::line).cloned().collect()
    }

    /// The overlay's width and its screen rows in `area`: every pair up to
    /// [`MAX_PAIRS`] when the rows fit, else the fewest pairs folded for
    /// them to fit; if even one pair is too many, without the blank rows
    /// between the parts too (and again as many pairs as fit).
    fn laid_out(&self, area: Rect) -> (u16, Vec<Line<'static>>) {
        let s = self.model.summary();
        let most = MAX_PAIRS.min(s.pairs.len()).max(MIN_PAIRS);
        let tries = [true, false]
            .into_iter()
            .flat_map(|gaps| (MIN_PAIRS..=most).rev().map(move |pairs| (pairs, gaps)));
        let mut last = None;
        for (most_pairs, gaps) in tries {
            let mut rows = self.rows(&s, most_pairs);
            if !gaps {
                rows.retain(|row| !row.is_gap());
            }
            let width = overlay_width(&rows, area.width);
            // Inside the border, and a column to spare before it.
            let inner = usize::from(width.saturating_sub(3));
            let lines: Vec<Line> = (rows.into_iter())
                .flat_map(|row| row.laid_out(inner))
                .collect();
            if lines.len() + 2 <= usize::from(area.height) {
                return (width, lines);
            }
            last = Some((width, lines));
        }
        last.expect("a layout tried")
    }

    /// Every row: the outcome, the traffic, the time waited, the checks.
    fn rows(&self, s: &Summary, most_pairs: usize) -> Vec<Row> {
        let mut out: Vec<Row> = self.outcome_rows(s);
        out.push(gap());
        out.extend(self.pair_rows(s, most_pairs));
        out.extend(collective_rows(s));
        out.extend(communicator_rows(s));
        out.extend(one_sided_rows(s));
        out.extend(host_rows(s, self.theme));
        out.push(gap());
        out.push(heading("seconds waiting in MPI calls"));
        out.extend(per_rank_rows(&s.waited));
        if s.held.iter().any(|&h| h > 0.0) {
            // The teacher's pace, never counted as waiting.
            out.push(heading(format!(
                "seconds {} (the teacher's pace)",
                super::words::HELD
            )));
            out.extend(per_rank_rows(&s.held));
        }
        out.push(gap());
        out.extend(self.check_rows(s));
        out.extend(self.failure_rows(s));
        out
    }

    /// `outcome  deadlock: rank 0 ...`, or how far the run is; a long
    /// outcome wraps under its first word. A failed rank whose failure
    /// the others then wait for forever has the deadlock on a row of its
    /// own under it.
    fn outcome_rows(&self, s: &Summary) -> Vec<Row> {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let label = "outcome  ";
        let mut first = vec![Span::styled(label, bold)];
        first.extend(self.outcome(s));
        let mut out = vec![Row::Prose(Line::from(first), label.len())];
        let failed_first = s.outcome.is_none() && !s.failures.is_empty();
        if let Some(d) = self.deadlock.filter(|_| failed_first) {
            let mut then = vec![Span::raw(" ".repeat(label.len()))];
            then.extend(self.deadlock_spans(d));
            out.push(Row::Prose(Line::from(then), label.len()));
        }
        out
    }

    /// How the run ended, as recorded; else what the screen shows: a
    /// failed rank, a deadlock, the teacher's pause, or how far it is.
    fn outcome(&self, s: &Summary) -> Vec<Span<'static>> {
        if let Some((o, detail)) = &s.outcome {
            return self.ended(*o, detail);
        }
        if let Some(f) = s.failures.first() {
            let detail = words::rank_failed(f.rank, &f.message, f.site.as_ref());
            return self.ended(Outcome::RankFailed, &detail);
        }
        if let Some(d) = self.deadlock {
            return self.deadlock_spans(d);
        }
        let now = match self.mode {
            _ if self.model.all_done() => "all ranks ended",
            Mode::Paused | Mode::Stepping => words::PAUSED_BY_TEACHER,
            _ => "still running",
        };
        vec![Span::raw(now)]
    }

    /// `deadlock: rank 0 recv(from 1, tag 1) ... waits for rank 0`, and a
    /// message no receive takes: the words the headless end records.
    fn deadlock_spans(&self, d: &Deadlock) -> Vec<Span<'static>> {
        self.ended(Outcome::Deadlock, &words::deadlock_detail(d))
    }

    /// The outcome's word, in green or red, then its detail.
    fn ended(&self, o: Outcome, detail: &str) -> Vec<Span<'static>> {
        let style = if o == Outcome::Completed {
            self.theme.ok()
        } else {
            self.theme.error()
        };
        let mut v = vec![Span::styled(outcome_word(o).to_string(), style)];
        if !detail.is_empty() {
            v.push(Span::raw(format!(": {detail}")));
        }
        v
    }

    /// The messages and bytes of each pair of ranks, up to `most_pairs`
    /// of them, then the total.
    fn pair_rows(&self, s: &Summary, most_pairs: usize) -> Vec<Row> {
        let row = |from: &str, to: &str, messages: &str, amount: &str| {
            let cells = format!(" {from:>4} → {to:<4} {messages:>8}  {amount:>10}");
            cells.trim_end().to_string()
        };
        let mut out = vec![heading(row("from", "to", "messages", "bytes"))];
        for p in s.pairs.iter().take(most_pairs) {
            let (from, to) = (p.from.to_string(), p.to.to_string());
            let line = row(&from, &to, &p.messages.to_string(), &bytes(p.bytes));
            out.push(Row::Table(Line::from(line)));
        }
        if s.pairs.len() > most_pairs {
            out.push(Row::Table(Line::styled(
                format!(" ... and {} more pairs", s.pairs.len() - most_pairs),
                self.theme.dim(),
            )));
        }
        out.push(Row::Table(Line::from(format!(
            " {:<11} {:>8}  {:>10}",
            "total",
            s.total_messages(),
            bytes(s.total_bytes())
        ))));
        out
    }

    /// `checks   3 passed, 1 failed`, then the first failed checks;
    /// nothing for a run without checks that is not a lesson.
    fn check_rows(&self, s: &Summary) -> Vec<Row> {
        if !self.lesson && s.checks.is_empty() {
            return Vec::new();
        }
        let t = self.theme;
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let (ok, bad) = (s.checks_passed(), s.checks_failed());
        let mut out = vec![Row::Table(Line::from(vec![
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
        ]))];
        for c in s.checks.iter().filter(|c| !c.passed).take(5) {
            let line = Line::styled(format!("  FAILED rank {}: {}", c.rank, c.what), t.error());
            out.push(Row::Prose(line, 4));
        }
        out
    }

    /// `failures none`, or how many and the first of them.
    fn failure_rows(&self, s: &Summary) -> Vec<Row> {
        let t = self.theme;
        if s.failures.is_empty() {
            let bold = Style::new().add_modifier(Modifier::BOLD);
            return vec![Row::Table(Line::from(vec![
                Span::styled("failures ", bold),
                Span::raw("none"),
            ]))];
        }
        let mut out = vec![Row::Table(Line::styled(
            format!("failures {}", s.failures.len()),
            t.error(),
        ))];
        for f in s.failures.iter().take(5) {
            let site = f
                .site
                .as_ref()
                .map(|s| format!(" at {s}"))
                .unwrap_or_default();
            let line = Line::styled(format!("  rank {}: {}{site}", f.rank, f.message), t.error());
            out.push(Row::Prose(line, 4));
        }
        out
    }
}

/// A kind of data movement in a table: its name, how many transfers,
/// their bytes, and which way the data goes (empty on the total).
struct Kind {
    name: String,
    transfers: u64,
    bytes: u64,
    way: &'static str,
}

/// The name column's width in the tables of kinds: wide enough for
/// `iallreduce sum`, and wider for a longer name.
const KIND_WIDTH: usize = 14;

/// A table of kinds under a bold `title` row, the columns as wide as the
/// longest name.
fn kind_table(title: &str, kinds: &[Kind]) -> Vec<Row> {
    let name_width = (kinds.iter())
        .map(|k| k.name.chars().count())
        .fold(KIND_WIDTH, usize::max);
    let row = |name: &str, transfers: &str, bytes: &str, way: &str| {
        let cells = format!(" {name:<name_width$} {transfers:>9}  {bytes:>10}  {way}");
        cells.trim_end().to_string()
    };
    let mut out = vec![gap(), heading(row(title, "transfers", "bytes", ""))];
    for k in kinds {
        let (transfers, amount) = (k.transfers.to_string(), bytes(k.bytes));
        out.push(Row::Table(Line::from(row(
            &k.name, &transfers, &amount, k.way,
        ))));
    }
    out
}

/// The data each kind of collective moved, and the total: counted apart
/// from the point-to-point messages above.
fn collective_rows(s: &Summary) -> Vec<Row> {
    if s.collectives.is_empty() {
        return Vec::new();
    }
    let mut kinds: Vec<Kind> = (s.collectives.iter())
        .filter_map(|k| {
            let op = k.op?;
            Some(Kind {
                name: words::collective_name(op, k.reduce.as_deref()),
                transfers: k.flows,
                bytes: k.bytes,
                way: words::movement(op),
            })
        })
        .collect();
    kinds.push(Kind {
        name: "total".into(),
        transfers: s.collective_flows(),
        bytes: s.collective_bytes(),
        way: "",
    });
    let mut out = kind_table("collective", &kinds);
    out.push(note(words::COLLECTIVE_NOTE));
    out
}

/// The data each kind of one-sided transfer moved, then the window calls,
/// which move none.
fn one_sided_rows(s: &Summary) -> Vec<Row> {
    let kinds: Vec<Kind> = (s.one_sided.iter())
        .map(|k| Kind {
            name: k.op.name().to_string(),
            transfers: k.transfers,
            bytes: k.bytes,
            way: words::one_sided_movement(k.op),
        })
        .collect();
    let mut out = Vec::new();
    if !kinds.is_empty() {
        out = kind_table("one-sided", &kinds);
    }
    out.extend(calls_rows(
        words::window_call_counts(&s.window_calls),
        words::WINDOW_CALLS_NOTE,
    ));
    out
}

/// The calls that make communicators, which move no data: on a line of
/// their own under the collectives, or apart when there are none.
fn communicator_rows(s: &Summary) -> Vec<Row> {
    let counts = words::communicator_call_counts(&s.communicator_calls);
    let rows = calls_rows(counts, words::COMMUNICATOR_CALLS_NOTE);
    if rows.is_empty() || !s.collectives.is_empty() {
        return rows;
    }
    std::iter::once(gap()).chain(rows).collect()
}

/// ` KIND calls: first 1, second 3` continued under its first call, then
/// its `note`; nothing without `counts`.
fn calls_rows(counts: Option<String>, note_text: &str) -> Vec<Row> {
    let Some(counts) = counts else {
        return Vec::new();
    };
    // Continued under the first call, past `KIND calls: `.
    let hang = counts.find(": ").map_or(1, |at| at + 3);
    vec![
        Row::Prose(Line::from(format!(" {counts}")), hang),
        note(note_text),
    ]
}

/// ` (what the numbers above mean)`, continued inside its parenthesis.
fn note(text: &str) -> Row {
    Row::Prose(Line::from(format!(" ({text})")), 2)
}

/// Across hosts: each kind of traffic within a host and across hosts.
fn host_rows(s: &Summary, theme: Theme) -> Vec<Row> {
    let Some(h) = &s.hosts else {
        return Vec::new();
    };
    let mut out = vec![gap(), heading(" hosts")];
    for (line, crossed) in words::host_split_lines(h) {
        let style = if crossed {
            theme.crossing()
        } else {
            Style::new()
        };
        out.push(Row::Prose(Line::styled(format!(" {line}"), style), 3));
    }
    out
}

/// Each rank's seconds (waited, or held), [`RANKS_PER_ROW`] to a row, when
/// there are few ranks; else the ranks with the most and what all of them
/// had on average, so the checks below stay on screen with 64 ranks.
fn per_rank_rows(waited: &[f64]) -> Vec<Row> {
    per_rank_lines(waited)
        .into_iter()
        .map(|text| Row::Table(Line::from(text)))
        .collect()
}

fn per_rank_lines(waited: &[f64]) -> Vec<String> {
    let one = |(r, w): (usize, &f64)| format!("{r}: {w:.3}");
    if waited.len() <= MAX_WAITED {
        let all: Vec<String> = waited.iter().enumerate().map(one).collect();
        return (all.chunks(RANKS_PER_ROW))
            .map(|row| format!(" {}", row.join("   ")))
            .collect();
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

/// As wide as the widest table row, a column to spare before the right
/// border, at least [`MIN_WIDTH`], at most `room`.
fn overlay_width(rows: &[Row], room: u16) -> u16 {
    let widest = (rows.iter())
        .filter_map(|row| match row {
            Row::Table(line) => Some(line.width()),
            Row::Prose(..) => None,
        })
        .max()
        .unwrap_or(0);
    let width = u16::try_from(widest + 3).unwrap_or(u16::MAX);
    width.max(MIN_WIDTH).min(room)
}

impl Widget for &SummaryOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (width, lines) = self.laid_out(area);
        let h = (lines.len() as u16 + 2).min(area.height);
        let popup = area.centered(Constraint::Length(width), Constraint::Length(h));
        Clear.render(popup, buf);
        Paragraph::new(lines)
            .block(
                Block::bordered()
                    .title(" summary ")
                    .title_bottom(Line::from(" s to close ").right_aligned())
                    .border_style(self.theme.border(true)),
            )
            .render(popup, buf);
    }
}
