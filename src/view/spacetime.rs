//! The space-time diagram: a row per rank, time to the right. Each MPI call
//! is a span (`▒` waiting for another rank, `█` any other call), a stretch
//! the tutor held the rank `┈`, the time between calls a thin line, and
//! each message an elbow from the moment its send began down (or up) to the
//! moment the receive that took it ended, on cells no other message uses.
//!
//! Times are the model's timeline times, which respect causality: a receive
//! never ends before its send began, even when the ranks' clocks disagree,
//! so no message line goes backwards.

use std::collections::HashSet;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::hosts;
use super::ranks::top_rule;
use super::Theme;
use crate::model::{is_blocking, Model};
use crate::trace::{Header, Rank};

/// A stretch the tutor held the rank before a call: not waiting in MPI,
/// not running the program.
const HELD: &str = "┈";
/// How many columns later than its receive a message's line may go down
/// when the receive's own column is taken by another message.
const SHIFT_LIMIT: i64 = 6;

/// About how many columns apart the time axis is labelled.
const TICK_COLUMNS: f64 = 12.0;
/// The finest zoom: a microsecond per column.
const FINEST: f64 = 1e-6;

/// Which stretch of time the diagram shows, and which ranks when they do
/// not all fit. The default fits the whole run so far into the panel, from
/// rank 0 down.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SpaceTimeView {
    /// Seconds per column; None fits the whole run.
    pub zoom: Option<f64>,
    /// Time at the left edge (seconds, like event times) while zoomed.
    pub offset: f64,
    /// The rank on the top row, when there are more ranks than rows.
    pub first_rank: usize,
}

impl SpaceTimeView {
    /// Seconds per column and the time at the left edge, for the panel
    /// `width` columns wide.
    pub fn window(&self, model: &Model, width: u16) -> (f64, f64) {
        match self.zoom {
            Some(z) if z.is_finite() && z > 0.0 => (z, self.offset.max(0.0)),
            _ => (fit(model.timeline().now(), track_width(model, width)), 0.0),
        }
    }

    /// Twice the detail, keeping the middle of the panel where it is.
    pub fn zoom_in(&mut self, model: &Model, width: u16) {
        self.rescale(model, width, 0.5);
    }

    /// Half the detail; back to fitting the run once it all fits.
    pub fn zoom_out(&mut self, model: &Model, width: u16) {
        self.rescale(model, width, 2.0);
        let whole = fit(model.timeline().now(), track_width(model, width));
        if self.zoom.is_some_and(|z| z >= whole) {
            *self = SpaceTimeView::default();
        }
    }

    /// Moves the window by `columns` (negative: earlier).
    pub fn scroll(&mut self, model: &Model, width: u16, columns: i32) {
        let (per, offset) = self.window(model, width);
        self.zoom = Some(per);
        self.offset = (offset + f64::from(columns) * per).max(0.0);
    }

    /// Moves the ranks shown by `by` rows (negative: towards rank 0) in a
    /// panel `height` rows high, stopping when the last rank is in view.
    pub fn scroll_ranks(&mut self, model: &Model, height: u16, by: i64) {
        let n = model.ranks().len();
        let last_first = n - rows_of(model, height).1.min(n);
        let first = self.first_rank.min(last_first) as i64 + by;
        self.first_rank = first.clamp(0, last_first as i64) as usize;
    }

    fn rescale(&mut self, model: &Model, width: u16, factor: f64) {
        let (per, offset) = self.window(model, width);
        let half = f64::from(track_width(model, width)) / 2.0;
        let middle = offset + per * half;
        let per = (per * factor).max(FINEST);
        self.zoom = Some(per);
        self.offset = (middle - per * half).max(0.0);
    }
}

/// Columns left for time once the rank labels are drawn.
fn track_width(model: &Model, width: u16) -> u16 {
    width.saturating_sub(label_width(model)).max(1)
}

/// How the rows of a panel `height` rows high (its title included) go to
/// `n` ranks: (rows per rank, ranks shown). A free row between ranks for
/// the message lines when there is room; else a row per rank, unless the
/// messages mostly `jump` over ranks (a halo's grid neighbours): their
/// lines would run through the ranks between, so fewer ranks are shown,
/// with their free rows, and the rest scrolled to; else as many as fit,
/// with a row left to say how to see the others.
fn rows_for(n: usize, height: u16, jump: bool) -> (usize, usize) {
    // The title rule and the time axis.
    let below = height.saturating_sub(2) as usize;
    // Ranks shown with free rows, a row left for the scrolling hint.
    let spaced = below / 2;
    if (2 * n).saturating_sub(1) <= below {
        (2, n)
    } else if jump && spaced >= MIN_SPACED {
        (2, spaced)
    } else if n <= below {
        (1, n)
    } else {
        (1, below.saturating_sub(1))
    }
}

/// Fewest ranks worth showing with free rows rather than all on rows of
/// their own.
const MIN_SPACED: usize = 3;

/// [`rows_for`] the model's ranks, as its messages go: more than a quarter
/// of them further than the next rank is jumping.
fn rows_of(model: &Model, height: u16) -> (usize, usize) {
    let links = model.timeline().links();
    let total = links.len();
    let far = links.filter(|l| l.msg.from.abs_diff(l.msg.to) > 1).count();
    rows_for(model.ranks().len(), height, far * 4 > total)
}

/// `12 ` for up to 100 ranks; `h2 12 ` across hosts.
fn label_width(model: &Model) -> u16 {
    let ranks = model.ranks().len().saturating_sub(1).to_string().len() as u16 + 1;
    ranks + host_width(model.header())
}

/// The host names before the rank numbers, across hosts: the widest
/// short name and a blank; 0 on one host.
fn host_width(header: &Header) -> u16 {
    let widest = (header.hosts.iter())
        .map(|h| hosts::short_host(h, MAX_HOST_LABEL).chars().count())
        .max();
    match widest {
        Some(w) if header.spans_hosts() => w as u16 + 1,
        _ => 0,
    }
}

/// Widest host name before the rank numbers.
const MAX_HOST_LABEL: usize = 8;

/// Round numbers of seconds per column, times a power of ten: fine enough
/// steps that the whole run fills most of the panel.
const FIT_STEPS: [f64; 10] = [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0];
/// Steps between labelled ticks.
const TICK_STEPS: [f64; 4] = [1.0, 2.0, 5.0, 10.0];

/// The round number of seconds per column that fits `until` into `columns`.
fn fit(until: f64, columns: u16) -> f64 {
    round_up(until / f64::from(columns.max(1)), &FIT_STEPS)
}

/// The smallest of `steps` times a power of ten that is at least `x`.
fn round_up(x: f64, steps: &[f64]) -> f64 {
    if !(x.is_finite() && x > FINEST) {
        return FINEST;
    }
    let p = 10f64.powf(x.log10().floor());
    let m = x / p;
    let step = steps
        .iter()
        .copied()
        .find(|s| m <= s * (1.0 + 1e-9))
        .unwrap_or(10.0);
    step * p
}

/// `20 ms`, `1.5 s`, `250 µs`, `10.002 s`: in the unit that suits `t`,
/// with the decimals that tell times `step` apart.
pub fn time_label(t: f64, step: f64) -> String {
    label_in(t, step, t.abs().max(step))
}

/// Like [`time_label`], in the unit that suits times up to `size`, so that
/// the labels of one axis share a unit.
fn label_in(t: f64, step: f64, size: f64) -> String {
    let (scale, unit) = if size >= 1.0 {
        (1.0, "s")
    } else if size >= 1e-3 {
        (1e3, "ms")
    } else {
        (1e6, "µs")
    };
    let fine = step * scale;
    let decimals = if fine >= 1.0 {
        0
    } else {
        ((-fine.log10() - 1e-9).ceil() as usize).min(6)
    };
    format!("{:.*} {unit}", decimals, t * scale)
}

pub struct SpaceTime<'a> {
    pub model: &'a Model,
    pub view: SpaceTimeView,
    pub focused: bool,
    pub theme: Theme,
}

impl Widget for &SpaceTime<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        self.draw(area, buf);
    }
}

impl SpaceTime<'_> {
    /// Draws the diagram; returns how many messages found no path of their
    /// own (none, unless a few columns hold more messages than they can).
    pub fn draw(&self, area: Rect, buf: &mut Buffer) -> usize {
        let t = self.theme;
        let (per, offset) = self.view.window(self.model, area.width);
        let n = self.model.ranks().len();
        let (step, shown) = rows_of(self.model, area.height);
        // The ranks on screen: from `first`, scrolled with ↑↓.
        let first = self.view.first_rank.min(n - shown.min(n));
        let block = top_rule(self.title(per, first, shown), t.border(self.focused));
        let inner = block.inner(area);
        block.render(area, buf);
        let lw = label_width(self.model);
        if inner.height < 2 || inner.width <= lw + 1 || n == 0 {
            return 0;
        }
        let plot = Plot {
            x0: inner.x + lw,
            cols: inner.width - lw,
            per,
            offset,
        };
        plot.axis(inner.y, buf, t);
        let rows = Rows {
            top: inner.y + 1,
            first,
            shown,
            step,
        };
        self.ranks(&plot, &rows, (inner.x, lw), buf);
        let shared = self.messages(&plot, &rows, buf);
        self.footnote(inner, lw, &rows, buf);
        shared
    }
}

/// Rows: a rank, a row for message lines, the next rank... when there is
/// room (`step` 2); else ranks only (`step` 1); else as many as fit.
struct Rows {
    /// The first rank's row.
    top: u16,
    /// The first rank shown, and how many are.
    first: usize,
    shown: usize,
    step: usize,
}

impl Rows {
    /// Rank `r`'s row, if it is shown.
    fn of(&self, r: usize) -> Option<u16> {
        (self.first..self.first + self.shown)
            .contains(&r)
            .then(|| self.top + ((r - self.first) * self.step) as u16)
    }

    /// The rows the shown ranks take, message rows between them included.
    fn used(&self) -> u16 {
        if self.shown == 0 {
            0
        } else {
            ((self.shown - 1) * self.step + 1) as u16
        }
    }
}

impl SpaceTime<'_> {
    /// ` space-time · 1 column = 20 ms · whole run `, and which ranks are
    /// shown when not all are.
    fn title(&self, per: f64, first: usize, shown: usize) -> Line<'static> {
        let t = self.theme;
        let n = self.model.ranks().len();
        let mode = if self.view.zoom.is_some() {
            "zoomed"
        } else {
            "whole run"
        };
        let mut title = vec![
            Span::raw(" space-time "),
            Span::styled(
                format!("· 1 column = {} · {mode} ", time_label(per, per)),
                t.dim(),
            ),
        ];
        if shown < n && shown > 0 {
            title.push(Span::styled(
                format!("· ranks {first}–{} of {n} ", first + shown - 1),
                t.marker(),
            ));
        }
        Line::from(title)
    }

    /// Each shown rank: its label, a line while it is active, its calls
    /// on top (waiting ones first, so the short other calls stay visible).
    fn ranks(&self, plot: &Plot, rows: &Rows, (x, lw): (u16, u16), buf: &mut Buffer) {
        let t = self.theme;
        let tl = self.model.timeline();
        let now = tl.now();
        let ranks = self.model.ranks().iter().enumerate();
        for (r, rv) in ranks.skip(rows.first).take(rows.shown) {
            let y = rows.of(r).expect("shown");
            let header = self.model.header();
            let hw = host_width(header) as usize;
            let host = match header.host(r as u32).filter(|_| hw > 0) {
                Some(h) => hosts::short_host(h, MAX_HOST_LABEL),
                None => String::new(),
            };
            buf.set_stringn(
                x,
                y,
                format!("{host:<hw$}{:>w$}", r, w = lw as usize - 1 - hw),
                lw as usize,
                t.state(rv, false).add_modifier(Modifier::BOLD),
            );
            let rank = r as u32;
            if let Some((first, last)) = tl.active(rank) {
                let last = if rv.is_terminal() { last } else { now };
                plot.fill(buf, first, last, y, "─", t.dim());
            }
            for held in tl.held_spans(rank) {
                plot.fill(buf, held.start, held.end.unwrap_or(now), y, HELD, t.dim());
            }
            for waiting in [true, false] {
                for s in tl.spans(rank) {
                    if is_blocking(s.call.op) != waiting {
                        continue;
                    }
                    let style = if s.end.is_some() && !s.returned {
                        t.error()
                    } else if waiting {
                        t.waiting()
                    } else {
                        t.message()
                    };
                    let sym = if waiting { "▒" } else { "█" };
                    plot.fill(buf, s.start, s.end.unwrap_or(now), y, sym, style);
                }
            }
        }
    }

    /// The messages between shown ranks, their arrivals (last: a line
    /// passing by must not hide one), and the ones still in flight. Each
    /// message gets a path of its own ([`Routes`]): lines cross, they never
    /// run along the same cells.
    fn messages(&self, plot: &Plot, rows: &Rows, buf: &mut Buffer) -> usize {
        let tl = self.model.timeline();
        let arrow_style = self.theme.message().add_modifier(Modifier::BOLD);
        let mut routes = Routes::default();
        let mut arrows = Vec::new();
        for l in tl.links() {
            let (Some(ys), Some(yr)) = (rows.of(l.msg.from as usize), rows.of(l.msg.to as usize))
            else {
                continue;
            };
            if ys == yr {
                continue;
            }
            let pen = self.pen(l.msg.from, l.msg.to);
            let c = routes.draw(
                plot,
                buf,
                (ys, l.sent),
                (yr, l.received),
                rows.step == 2,
                pen,
            );
            let arrow = if yr > ys { "▼" } else { "▲" };
            arrows.push((c, yr, arrow, pen.style.add_modifier(Modifier::BOLD)));
        }
        // From a rank scrolled out of view: the arrival alone, pointing
        // the way the sender is.
        for l in tl.links() {
            let (from, to) = (l.msg.from as usize, l.msg.to as usize);
            let Some(yr) = rows.of(to) else { continue };
            if from == to || rows.of(from).is_some() {
                continue;
            }
            let arrow = if from < to { "▼" } else { "▲" };
            let c = plot.col(l.received).max(plot.col(l.sent));
            plot.put(buf, c, yr, arrow, arrow_style);
        }
        for (c, yr, arrow, style) in arrows {
            plot.put(buf, c, yr, arrow, style);
        }
        self.in_flight(plot, rows, buf);
        routes.shared
    }

    /// The pen of a message from `from` to `to`: double, in its own
    /// colour, when it crosses hosts.
    fn pen(&self, from: Rank, to: Rank) -> Pen {
        if self.model.header().crosses_hosts(from, to) {
            Pen {
                style: self.theme.crossing(),
                double: true,
            }
        } else {
            Pen {
                style: self.theme.message(),
                double: false,
            }
        }
    }

    /// Sent, not received yet: a dashed line from the send to now.
    fn in_flight(&self, plot: &Plot, rows: &Rows, buf: &mut Buffer) {
        let tl = self.model.timeline();
        let now = tl.now();
        let mut flying: Vec<_> = tl.unreceived().collect();
        flying.sort_by_key(|f| f.0);
        for (id, _, sent) in flying {
            let (Some(ys), Some(yr)) = (rows.of(id.from as usize), rows.of(id.to as usize)) else {
                continue;
            };
            if rows.step == 2 && ys != yr {
                let yc = if yr > ys { ys + 1 } else { ys - 1 };
                let span = (plot.col(sent), plot.col(now));
                plot.elbow(buf, ys, yc, span, DASHED, self.pen(id.from, id.to));
            }
        }
    }

    /// Below the ranks, after a blank row if there is one: the ranks not
    /// shown, or the legend.
    fn footnote(&self, inner: Rect, lw: u16, rows: &Rows, buf: &mut Buffer) {
        let n = self.model.ranks().len();
        let below_ranks = rows.top + rows.used();
        let spare = (below_ranks + 1).min(inner.bottom().saturating_sub(1));
        if spare < below_ranks {
            return;
        }
        let text = if rows.shown < n {
            let hidden = n - rows.shown;
            format!("… {hidden} more ranks: ↑↓ PgUp PgDn scroll them into view")
        } else {
            let mut legend = format!(
                "▒ waiting  █ other call  {HELD} held by the tutor  ─ running  ▼▲ message arrives"
            );
            let with_hosts = format!("{legend}  {}", super::hosts::DOUBLE_LEGEND);
            let room = (inner.width - lw) as usize;
            if self.model.header().spans_hosts() && with_hosts.chars().count() <= room {
                legend = with_hosts;
            }
            legend
        };
        buf.set_stringn(
            inner.x + lw,
            spare,
            text,
            (inner.width - lw) as usize,
            self.theme.dim(),
        );
    }
}

/// Where time is on screen.
struct Plot {
    x0: u16,
    cols: u16,
    per: f64,
    offset: f64,
}

impl Plot {
    /// The column of time `t`, off screen included (saturating).
    fn col(&self, t: f64) -> i64 {
        ((t - self.offset) / self.per).floor() as i64
    }

    fn visible(&self, c: i64) -> bool {
        c >= 0 && c < i64::from(self.cols)
    }

    /// Sets one cell, joining crossing lines into `┼`.
    fn put(&self, buf: &mut Buffer, c: i64, y: u16, sym: &str, style: Style) {
        if !self.visible(c) {
            return;
        }
        let cell = &mut buf[(self.x0 + c as u16, y)];
        let sym = match (cell.symbol(), sym) {
            ("─", "│") | ("│", "─") | ("┼", _) => "┼",
            _ => sym,
        };
        cell.set_symbol(sym).set_style(style);
    }

    /// Fills the columns from time `a` to time `b` (at least one column).
    fn fill(&self, buf: &mut Buffer, a: f64, b: f64, y: u16, sym: &str, style: Style) {
        let (c0, c1) = (self.col(a).max(0), self.col(b.max(a)));
        let c1 = c1.min(i64::from(self.cols) - 1);
        for c in c0..=c1 {
            self.put(buf, c, y, sym, style);
        }
    }

    /// Labels about every `TICK_COLUMNS` columns, at round times.
    fn axis(&self, y: u16, buf: &mut Buffer, t: Theme) {
        let step = round_up(self.per * TICK_COLUMNS, &TICK_STEPS);
        let mut k = (self.offset / step).ceil();
        let mut free = 0i64;
        let end = self.offset + self.per * f64::from(self.cols);
        loop {
            let at = k * step;
            let c = self.col(at + self.per * 1e-6);
            if c >= i64::from(self.cols) {
                break;
            }
            let text = format!("╵{}", label_in(at, step, end.max(step)));
            let w = text.chars().count() as i64;
            if c >= free && c + w <= i64::from(self.cols) {
                buf.set_string(self.x0 + c as u16, y, &text, t.dim());
                free = c + w + 1;
            }
            k += 1.0;
        }
    }

    /// On row `yc` beside the sender's row `ys`: leaves the sender at `cs`,
    /// runs along to `cr`, and turns towards the receiver there.
    /// A dashed `run` (still in flight) has no turn at its end.
    fn elbow(&self, buf: &mut Buffer, ys: u16, yc: u16, (cs, cr): (i64, i64), run: &str, pen: Pen) {
        let (down, s) = (yc > ys, pen.style);
        if cs == cr {
            self.put(buf, cs, yc, pen.down(), s);
            return;
        }
        let [leave_down, leave_up, turn_down, turn_up] = pen.corners();
        self.put(buf, cs, yc, if down { leave_down } else { leave_up }, s);
        let (from, to) = (cs + 1, cr.min(i64::from(self.cols)));
        for c in from.max(0)..to {
            self.put(buf, c, yc, run, s);
        }
        if run != DASHED {
            self.put(buf, cr, yc, if down { turn_down } else { turn_up }, s);
        }
    }
}

/// A still-travelling message's line.
const DASHED: &str = "┄";

/// How a message's line is drawn: single within a host, double and in its
/// own colour across hosts (the network), as the world's arrows are.
#[derive(Debug, Clone, Copy)]
struct Pen {
    style: Style,
    double: bool,
}

impl Pen {
    fn along(self) -> &'static str {
        if self.double {
            "═"
        } else {
            "─"
        }
    }

    fn down(self) -> &'static str {
        if self.double {
            "║"
        } else {
            "│"
        }
    }

    /// Leaving the sender downwards, upwards; turning down, up.
    fn corners(self) -> [&'static str; 4] {
        if self.double {
            ["╚", "╔", "╗", "╝"]
        } else {
            ["╰", "╭", "╮", "╯"]
        }
    }
}

/// The cells message lines already run along, across and down: a new line
/// may cross them, never share them.
#[derive(Default)]
struct Routes {
    across: HashSet<(i64, u16)>,
    down: HashSet<(i64, u16)>,
    /// Messages drawn over another's line, for want of a free one.
    shared: usize,
}

impl Routes {
    /// Draws one message and returns the column it arrives in: an elbow
    /// along the free row beside the sender (`gap`) when that row is free
    /// from its send to its receive, else a line straight down (or up) at
    /// the receive's column or a few later, the first that is free.
    fn draw(
        &mut self,
        plot: &Plot,
        buf: &mut Buffer,
        (ys, sent): (u16, f64),
        (yr, received): (u16, f64),
        gap: bool,
        pen: Pen,
    ) -> i64 {
        // Never backwards, whatever the times say.
        let (cs, cr) = (plot.col(sent), plot.col(received).max(plot.col(sent)));
        let down = yr > ys;
        let step = |y: u16| if down { y + 1 } else { y - 1 };
        let between = |from: u16| {
            let mut v = Vec::new();
            let mut y = from;
            while y != yr {
                v.push(y);
                y = step(y);
            }
            v
        };
        if gap {
            let yc = step(ys);
            let along: Vec<(i64, u16)> = (cs..=cr).map(|c| (c, yc)).collect();
            let downs: Vec<(i64, u16)> = between(step(yc)).into_iter().map(|y| (cr, y)).collect();
            let corners = [(cs, yc), (cr, yc)];
            if self.free(&along, &downs) && corners.iter().all(|k| !self.down.contains(k)) {
                self.across.extend(along);
                self.down.extend(downs.iter().copied().chain(corners));
                plot.elbow(buf, ys, yc, (cs, cr), pen.along(), pen);
                downs
                    .iter()
                    .for_each(|&(c, y)| plot.put(buf, c, y, pen.down(), pen.style));
                return cr;
            }
        }
        let column =
            |c: i64| -> Vec<(i64, u16)> { between(step(ys)).into_iter().map(|y| (c, y)).collect() };
        let c = (cr..=cr + SHIFT_LIMIT)
            .find(|&c| self.free(&[], &column(c)))
            .unwrap_or_else(|| {
                self.shared += 1;
                cr
            });
        for (c, y) in column(c) {
            self.down.insert((c, y));
            plot.put(buf, c, y, pen.down(), pen.style);
        }
        c
    }

    fn free(&self, along: &[(i64, u16)], downs: &[(i64, u16)]) -> bool {
        along.iter().all(|k| !self.across.contains(k))
            && downs.iter().all(|k| !self.down.contains(k))
    }
}
