//! The lesson's field (the halo lesson's heat) as a heat map: the whole grid
//! with each rank's block outlined and numbered, a block edge drawn heavy
//! (and yellow) while a message between the two ranks crosses it, and a
//! legend from the coldest to the hottest value shown.
//!
//! With many ranks the outlines would leave no room for the heat (64 ranks
//! on an 80x24 terminal: 8 x 8 blocks, 9 lines each way): the map then
//! draws the heat alone in one frame, and marks where blocks meet with
//! ticks on the frame (`┬` `├`), heavy and yellow while a message crosses
//! that line somewhere.
//!
//! With colour, each character shows two grid rows (`▀`: foreground the
//! upper, background the lower), so cells come out square. Without colour
//! (NO_COLOR) a character ramp ` .:-=+*#%@` carries the heat instead.

use std::collections::BTreeMap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::field::{
    active_edges, blocks, bounds, heat_char, heat_color, level, scale, shared_edges, Axis, Side,
};
use super::ranks::top_rule;
use super::{fit, Theme};
use crate::model::Model;
use crate::trace::{FieldBlock, Rank};
use std::collections::BTreeSet;

/// Width of the legend's colour bar.
const BAR: u16 = 2;

pub struct HeatMap<'a> {
    pub model: &'a Model,
    /// Time in the run's clock, to light the edges messages are crossing.
    pub now: f64,
    /// Seconds an envelope takes to cross the world panel.
    pub flight: f64,
    pub theme: Theme,
    pub focused: bool,
}

/// Whether the lesson has shown a field: the panel is only drawn then.
pub fn has_field(model: &Model) -> bool {
    model.ranks().iter().any(|r| r.field.is_some())
}

/// The grid as reported so far: a value per cell, None where no block is.
struct Field {
    rows: u32,
    cols: u32,
    v: Vec<Option<f32>>,
    lo: f32,
    hi: f32,
}

impl Field {
    fn new(blocks: &[(Rank, &FieldBlock)]) -> Option<Field> {
        let (_, first) = blocks.first()?;
        let (rows, cols) = (first.grid_rows, first.grid_cols);
        let mut v = vec![None; rows as usize * cols as usize];
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for (_, b) in blocks {
            for (k, &x) in b.values.iter().enumerate() {
                if !x.is_finite() {
                    continue;
                }
                let (i, j) = (b.row0 + k as u32 / b.cols, b.col0 + k as u32 % b.cols);
                v[(i * cols + j) as usize] = Some(x);
                lo = lo.min(x);
                hi = hi.max(x);
            }
        }
        if lo > hi {
            (lo, hi) = (0.0, 0.0);
        }
        Some(Field {
            rows,
            cols,
            v,
            lo,
            hi,
        })
    }

    /// The mean of the cells shown, on the colour scale (0 to 1).
    fn mean(&self, rows: std::ops::Range<u32>, cols: std::ops::Range<u32>) -> Option<f64> {
        let (mut sum, mut n) = (0.0f64, 0u32);
        for i in rows {
            for j in cols.clone() {
                if let Some(Some(x)) = self.v.get((i * self.cols + j) as usize) {
                    sum += f64::from(*x);
                    n += 1;
                }
            }
        }
        (n > 0).then(|| level((sum / f64::from(n)) as f32, self.lo, self.hi))
    }
}

/// Where everything goes in the panel's inner area.
struct Plan {
    x: Axis,
    y: Axis,
    map: Rect,
    legend: Rect,
    /// Block bounds marked on the frame rather than drawn across the map.
    ticks: Option<Ticks>,
}

/// Where blocks meet, as (grid coordinate, offset from the map's edge):
/// the lines between columns of blocks (`x`), between rows (`y`).
struct Ticks {
    x: Vec<(u32, u16)>,
    y: Vec<(u32, u16)>,
}

impl Plan {
    /// Outlines every block when each gets at least a character each way;
    /// else the heat alone, block bounds as ticks on its frame.
    fn new(blocks: &[(Rank, &FieldBlock)], field: &Field, area: Rect) -> Option<Plan> {
        let bx = bounds(blocks, field.cols, |b| (b.col0, b.cols));
        let by = bounds(blocks, field.rows, |b| (b.row0, b.rows));
        if let Some(p) = Plan::with_lines(field, bx.clone(), by.clone(), area) {
            if p.x.every_gap() && p.y.every_gap() {
                return Some(p);
            }
        }
        let (len_x, len_y) = (field.cols, field.rows);
        let mut p = Plan::with_lines(field, vec![0, len_x], vec![0, len_y], area)?;
        let inner = |b: &Vec<u32>, axis: &Axis| -> Vec<(u32, u16)> {
            b.iter()
                .filter_map(|&g| Some((g, axis.offset_of(g)?)))
                .collect()
        };
        p.ticks = Some(Ticks {
            x: inner(&bx, &p.x),
            y: inner(&by, &p.y),
        });
        Some(p)
    }

    /// A line at each of `bx` (columns) and `by` (rows), the map as large
    /// as `area` allows with its legend.
    fn with_lines(field: &Field, bx: Vec<u32>, by: Vec<u32>, area: Rect) -> Option<Plan> {
        let lw = legend_width(field);
        // A column of margin on the left, one between map and legend.
        let room_w = area.width.checked_sub(2 + lw)?;
        let s = scale(
            (field.rows, field.cols),
            (by.len(), bx.len()),
            (room_w, area.height),
        );
        if s <= 0.0 {
            return None;
        }
        let (x, y) = (Axis::new(bx, s, 1), Axis::new(by, s / 2.0, 2));
        let used = x.len() + 2 + lw;
        let left = area.x + area.width.saturating_sub(used) / 2 + 1;
        let map = Rect::new(left, area.y, x.len(), y.len()).intersection(area);
        let legend = Rect::new(map.right() + 1, area.y, lw, y.len()).intersection(area);
        Some(Plan {
            x,
            y,
            map,
            legend,
            ticks: None,
        })
    }
}

impl HeatMap<'_> {
    /// Columns the panel wants when `height` rows high: the map as large
    /// as the height allows, with its legend and margins.
    pub fn width_for(&self, height: u16) -> u16 {
        let bs = blocks(self.model);
        let Some(field) = Field::new(&bs) else {
            return 0;
        };
        let wide = Rect::new(0, 0, 1000, height.saturating_sub(1));
        Plan::new(&bs, &field, wide).map_or(0, |p| p.map.width + 2 + p.legend.width)
    }

    fn iterations(bs: &[(Rank, &FieldBlock)]) -> (u64, u64) {
        let its = bs.iter().map(|(_, b)| b.iteration);
        (its.clone().min().unwrap_or(0), its.max().unwrap_or(0))
    }
}

impl Widget for &HeatMap<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let bs = blocks(self.model);
        let (first, last) = HeatMap::iterations(&bs);
        let name = bs.first().map_or("field", |(_, b)| b.name.as_str());
        let its = if first == last {
            format!("· it {last} ")
        } else {
            format!("· it {first}–{last} ")
        };
        let lit = active_edges(self.model, self.now, self.flight);
        let field = Field::new(&bs);
        let inner = Rect {
            y: area.y.saturating_add(1),
            height: area.height.saturating_sub(1),
            ..area
        };
        let plan = field.as_ref().and_then(|f| Plan::new(&bs, f, inner));
        let mut title = vec![Span::raw(format!(" {name} ")), Span::styled(its, t.dim())];
        if !lit.is_empty() {
            let mark = if plan.as_ref().is_some_and(|p| p.ticks.is_some()) {
                "┳ "
            } else {
                "━ "
            };
            title.push(Span::styled(mark, t.marker()));
            title.push(Span::styled("exchange ", t.dim()));
        }
        let block = top_rule(Line::from(title), t.border(self.focused));
        block.render(area, buf);
        let Some(field) = field else {
            return;
        };
        if inner.is_empty() {
            return;
        }
        let Some(plan) = plan else {
            buf.set_stringn(inner.x, inner.y, "too small", inner.width as usize, t.dim());
            return;
        };
        self.cells(&plan, &field, buf);
        match &plan.ticks {
            None => self.outlines(&plan, &bs, &lit, first != last, buf),
            Some(ticks) => self.ticks(&plan, ticks, &bs, &lit, buf),
        }
        self.legend(&plan, &field, buf);
    }
}

impl HeatMap<'_> {
    fn cells(&self, p: &Plan, field: &Field, buf: &mut Buffer) {
        for ty in 0..p.map.height {
            for tx in 0..p.map.width {
                let Some(cols) = p.x.cells(tx, 0) else {
                    continue;
                };
                let (Some(up), Some(down)) = (p.y.cells(ty, 0), p.y.cells(ty, 1)) else {
                    continue;
                };
                let (up, down) = (field.mean(up, cols.clone()), field.mean(down, cols));
                let cell = &mut buf[(p.map.x + tx, p.map.y + ty)];
                if self.theme.color {
                    match (up, down) {
                        (Some(u), Some(d)) => {
                            cell.set_char('▀')
                                .set_fg(heat_color(u))
                                .set_bg(heat_color(d));
                        }
                        (Some(u), None) => {
                            cell.set_char('▀').set_fg(heat_color(u));
                        }
                        (None, Some(d)) => {
                            cell.set_char('▄').set_fg(heat_color(d));
                        }
                        (None, None) => {}
                    }
                } else if let Some(x) = match (up, down) {
                    (Some(u), Some(d)) => Some((u + d) / 2.0),
                    (u, d) => u.or(d),
                } {
                    cell.set_char(heat_char(x));
                }
            }
        }
    }

    /// Every block's border, shared lines drawn once, lit ones heavy; the
    /// rank (and its iteration when the ranks are at different ones) on
    /// the top border.
    fn outlines(
        &self,
        p: &Plan,
        bs: &[(Rank, &FieldBlock)],
        lit: &[(Rank, Rank)],
        show_iterations: bool,
        buf: &mut Buffer,
    ) {
        let t = self.theme;
        let mut canvas = Canvas::default();
        let labels = borders(p, bs, show_iterations, &mut canvas);
        light(p, bs, lit, &mut canvas);
        for (&(x, y), &mask) in &canvas.mask {
            let on = canvas.lit.contains(&(x, y));
            let style = if on { t.marker() } else { t.dim() };
            let pos = (p.map.x + x, p.map.y + y);
            if p.map.contains(pos.into()) {
                buf[pos].set_char(box_char(mask, on)).set_style(style);
            }
        }
        let bold = Style::new().add_modifier(Modifier::BOLD);
        for (x, y, room, text, short) in labels {
            let (x, y) = (p.map.x + x, p.map.y + y);
            if !p.map.contains((x, y).into()) {
                continue;
            }
            let room = (room as usize).min((p.map.right() - x) as usize);
            let text = if text.chars().count() <= room {
                text
            } else {
                fit(&short, room)
            };
            buf.set_stringn(x, y, text, room, bold);
        }
    }

    /// The map's frame, with a tick where blocks meet: on the top and
    /// bottom for the lines between columns of blocks, on the sides for
    /// those between rows; heavy where a message crosses that line.
    fn ticks(
        &self,
        p: &Plan,
        ticks: &Ticks,
        bs: &[(Rank, &FieldBlock)],
        lit: &[(Rank, Rank)],
        buf: &mut Buffer,
    ) {
        let t = self.theme;
        let (w, h) = (p.x.len(), p.y.len());
        if w < 2 || h < 2 {
            return;
        }
        let mut canvas = Canvas::default();
        canvas.across(0, 0, w - 1);
        canvas.across(h - 1, 0, w - 1);
        canvas.down(0, 0, h - 1);
        canvas.down(w - 1, 0, h - 1);
        // Which lines carry a message now.
        let hot: BTreeSet<(bool, u32)> = shared_edges(bs)
            .into_iter()
            .filter(|e| lit.contains(&e.pair()))
            .map(|e| (e.side == Side::Vertical, e.at))
            .collect();
        let mut marks = Vec::new();
        for &(g, x) in &ticks.x {
            if x > 0 && x + 1 < w {
                canvas.add(x, 0, DOWN);
                canvas.add(x, h - 1, UP);
                let on = hot.contains(&(true, g));
                marks.push(((x, 0), on));
                marks.push(((x, h - 1), on));
            }
        }
        for &(g, y) in &ticks.y {
            if y > 0 && y + 1 < h {
                canvas.add(0, y, RIGHT);
                canvas.add(w - 1, y, LEFT);
                let on = hot.contains(&(false, g));
                marks.push(((0, y), on));
                marks.push(((w - 1, y), on));
            }
        }
        for (&(x, y), &mask) in &canvas.mask {
            let on = marks.iter().any(|&(at, on)| on && at == (x, y));
            let pos = (p.map.x + x, p.map.y + y);
            if p.map.contains(pos.into()) {
                let style = if on { t.marker() } else { t.dim() };
                buf[pos].set_char(tick_char(mask, on)).set_style(style);
            }
        }
    }

    /// The hottest value shown on top, the coldest at the bottom, the
    /// ramp between them.
    fn legend(&self, p: &Plan, field: &Field, buf: &mut Buffer) {
        let a = p.legend;
        if a.height < 2 || a.width == 0 {
            return;
        }
        let w = a.width as usize;
        buf.set_stringn(a.x, a.y, short(field.hi), w, Style::new());
        buf.set_stringn(a.x, a.bottom() - 1, short(field.lo), w, Style::new());
        let n = a.height - 2;
        // Sample k of the 2n half rows, top (hot) to bottom (cold).
        let at = |k: u16| 1.0 - f64::from(k) / f64::from((2 * n).max(2) - 1);
        for i in 0..n {
            let y = a.y + 1 + i;
            for x in a.x..a.x + BAR.min(a.width) {
                let cell = &mut buf[(x, y)];
                if self.theme.color {
                    cell.set_char('▀')
                        .set_fg(heat_color(at(2 * i)))
                        .set_bg(heat_color(at(2 * i + 1)));
                } else {
                    let x = 1.0 - f64::from(i) / f64::from(n.max(2) - 1);
                    cell.set_char(heat_char(x));
                }
            }
        }
    }
}

/// The legend's width: its labels, at least the bar.
fn legend_width(field: &Field) -> u16 {
    let w = short(field.lo)
        .chars()
        .count()
        .max(short(field.hi).chars().count());
    (w as u16).max(BAR)
}

/// A value in a few characters: `100`, `12.5`, `0.03`, `0`.
fn short(v: f32) -> String {
    let a = v.abs();
    let s = if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if s.contains('.') {
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".into()
        } else {
            s.into()
        }
    } else {
        s
    }
}

const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;

/// Border lines by map cell: which way each one connects.
#[derive(Default)]
struct Canvas {
    mask: BTreeMap<(u16, u16), u8>,
    lit: Vec<(u16, u16)>,
}

impl Canvas {
    fn add(&mut self, x: u16, y: u16, dir: u8) {
        *self.mask.entry((x, y)).or_default() |= dir;
    }

    /// A horizontal line on row `y` from `x0` to `x1`.
    fn across(&mut self, y: u16, x0: u16, x1: u16) {
        for x in x0..x1 {
            self.add(x, y, RIGHT);
            self.add(x + 1, y, LEFT);
        }
    }

    /// A vertical line in column `x` from `y0` to `y1`.
    fn down(&mut self, x: u16, y0: u16, y1: u16) {
        for y in y0..y1 {
            self.add(x, y, DOWN);
            self.add(x, y + 1, UP);
        }
    }
}

/// A frame piece, its tick heavy when `lit`.
fn tick_char(mask: u8, lit: bool) -> char {
    match (mask, lit) {
        (m, true) if m == DOWN | LEFT | RIGHT => '┳',
        (m, true) if m == UP | LEFT | RIGHT => '┻',
        (m, true) if m == UP | DOWN | RIGHT => '┣',
        (m, true) if m == UP | DOWN | LEFT => '┫',
        (m, _) => box_char(m, false),
    }
}

/// The box-drawing character joining `mask`'s directions; straight pieces
/// heavy when `lit` (heavy reads without colour too).
fn box_char(mask: u8, lit: bool) -> char {
    match (mask, lit) {
        (m, true) if m == LEFT | RIGHT => '━',
        (m, true) if m == UP | DOWN => '┃',
        (m, _) if m & (UP | DOWN) == 0 => '─',
        (m, _) if m & (LEFT | RIGHT) == 0 => '│',
        (m, _) if m == DOWN | RIGHT => '┌',
        (m, _) if m == DOWN | LEFT => '┐',
        (m, _) if m == UP | RIGHT => '└',
        (m, _) if m == UP | LEFT => '┘',
        (m, _) if m == UP | DOWN | RIGHT => '├',
        (m, _) if m == UP | DOWN | LEFT => '┤',
        (m, _) if m == DOWN | LEFT | RIGHT => '┬',
        (m, _) if m == UP | LEFT | RIGHT => '┴',
        _ => '┼',
    }
}

/// A block's label on its top border: where it starts, the room it has,
/// the label, and the shorter one (the rank alone) for when it does not fit.
type Label = (u16, u16, u16, String, String);

/// Draws every block's four sides on `canvas`; returns their labels.
fn borders(
    p: &Plan,
    bs: &[(Rank, &FieldBlock)],
    show_iterations: bool,
    canvas: &mut Canvas,
) -> Vec<Label> {
    let mut labels = Vec::new();
    for (r, b) in bs {
        let lines = (
            p.x.line(b.col0),
            p.x.line(b.col0 + b.cols),
            p.y.line(b.row0),
            p.y.line(b.row0 + b.rows),
        );
        let (Some(l), Some(r_), Some(top), Some(bottom)) = lines else {
            continue;
        };
        canvas.across(top, l, r_);
        canvas.across(bottom, l, r_);
        canvas.down(l, top, bottom);
        canvas.down(r_, top, bottom);
        let text = if show_iterations {
            format!("{r} it{}", b.iteration)
        } else {
            r.to_string()
        };
        labels.push((l + 1, top, (r_ - l).saturating_sub(1), text, r.to_string()));
    }
    labels
}

/// Marks lit on `canvas` the shared edges of the pairs in `lit`.
fn light(p: &Plan, bs: &[(Rank, &FieldBlock)], lit: &[(Rank, Rank)], canvas: &mut Canvas) {
    for e in shared_edges(bs) {
        if !lit.contains(&e.pair()) {
            continue;
        }
        let ends = match e.side {
            Side::Vertical => (p.x.line(e.at), p.y.line(e.span.start), p.y.line(e.span.end)),
            Side::Horizontal => (p.y.line(e.at), p.x.line(e.span.start), p.x.line(e.span.end)),
        };
        let (Some(at), Some(from), Some(to)) = ends else {
            continue;
        };
        for k in from + 1..to {
            let xy = match e.side {
                Side::Vertical => (at, k),
                Side::Horizontal => (k, at),
            };
            canvas.lit.push(xy);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_chars_join_their_neighbours() {
        assert_eq!(box_char(LEFT | RIGHT, false), '─');
        assert_eq!(box_char(LEFT | RIGHT, true), '━');
        assert_eq!(box_char(UP | DOWN, true), '┃');
        assert_eq!(box_char(UP | DOWN | LEFT | RIGHT, true), '┼');
        assert_eq!(box_char(DOWN | RIGHT, false), '┌');
        assert_eq!(box_char(UP | LEFT | RIGHT, false), '┴');
    }

    #[test]
    fn short_values() {
        assert_eq!(short(100.0), "100");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(12.5), "12.5");
        assert_eq!(short(0.034), "0.03");
        assert_eq!(short(-0.001), "0");
    }
}
