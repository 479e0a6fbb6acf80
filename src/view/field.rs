//! The pure part of the heat map: which blocks are shown, which block edges
//! two ranks share, which of those edges carry a message right now, the
//! colour and character ramps, and how grid cells map onto terminal cells.
//! No buffer here, so all of it is tested without drawing.

use std::collections::BTreeSet;
use std::ops::Range;

use ratatui::style::Color;

use super::messages::shown_arriving;

use crate::model::{Message, Model, MsgState};
use crate::trace::{FieldBlock, Rank};

/// Seconds an edge stays lit after its message arrived on screen.
pub const EDGE_GLOW_SECONDS: f64 = 0.5;

/// Cold to hot, for terminals without colour: one character per level.
pub const CHAR_RAMP: &str = " .:-=+*#%@";

/// The largest grid drawn, in cells (the halo lesson's is at most 256 x
/// 256). The heat map holds a value per grid cell, so a damaged trace's
/// grid of billions of cells is left out rather than allocated.
pub const MAX_GRID_CELLS: u64 = 1 << 20;

/// Every rank's latest block on the grid of the lowest rank that has one.
/// Blocks of another grid or shape, or of a grid larger than
/// [`MAX_GRID_CELLS`] (a malformed event) are left out rather than drawn in
/// the wrong place.
pub fn blocks(model: &Model) -> Vec<(Rank, &FieldBlock)> {
    let mut out: Vec<(Rank, &FieldBlock)> = Vec::new();
    for r in model.ranks() {
        let Some(b) = &r.field else { continue };
        let fits = b.row0.checked_add(b.rows).is_some_and(|e| e <= b.grid_rows)
            && b.col0.checked_add(b.cols).is_some_and(|e| e <= b.grid_cols)
            && b.values.len() as u64 == u64::from(b.rows) * u64::from(b.cols)
            && u64::from(b.grid_rows) * u64::from(b.grid_cols) <= MAX_GRID_CELLS
            && b.rows > 0
            && b.cols > 0;
        let same = match out.first() {
            None => true,
            Some((_, f)) => {
                f.grid_rows == b.grid_rows && f.grid_cols == b.grid_cols && f.name == b.name
            }
        };
        if fits && same {
            out.push((r.rank, b));
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A vertical line at grid column `at` (a left of it, b right of it).
    Vertical,
    /// A horizontal line at grid row `at` (a above it, b below it).
    Horizontal,
}

/// A stretch of block border two ranks share, in grid coordinates: the line
/// at `at`, from `span.start` to `span.end` along it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub a: Rank,
    pub b: Rank,
    pub side: Side,
    pub at: u32,
    pub span: Range<u32>,
}

impl Edge {
    /// The two ranks, lower first.
    pub fn pair(&self) -> (Rank, Rank) {
        (self.a.min(self.b), self.a.max(self.b))
    }
}

/// The borders shared by two blocks. Blocks touching only at a corner share
/// none: in the halo lesson such ranks never exchange anything.
pub fn shared_edges(blocks: &[(Rank, &FieldBlock)]) -> Vec<Edge> {
    let mut out = Vec::new();
    for (i, (ra, a)) in blocks.iter().enumerate() {
        for (rb, b) in &blocks[i + 1..] {
            for (first, second, fa, fb) in [(ra, rb, a, b), (rb, ra, b, a)] {
                // `first` left of `second`?
                let rows = fa.row0.max(fb.row0)..(fa.row0 + fa.rows).min(fb.row0 + fb.rows);
                if fa.col0 + fa.cols == fb.col0 && !rows.is_empty() {
                    out.push(Edge {
                        a: *first,
                        b: *second,
                        side: Side::Vertical,
                        at: fb.col0,
                        span: rows,
                    });
                }
                // `first` above `second`?
                let cols = fa.col0.max(fb.col0)..(fa.col0 + fa.cols).min(fb.col0 + fb.cols);
                if fa.row0 + fa.rows == fb.row0 && !cols.is_empty() {
                    out.push(Edge {
                        a: *first,
                        b: *second,
                        side: Side::Horizontal,
                        at: fb.row0,
                        span: cols,
                    });
                }
            }
        }
    }
    out
}

/// Whether a message still lights its edge: until it is received, and for
/// a moment after the view shows it arriving (the world's arrows take
/// `flight` seconds to cross, however fast MPI was).
pub fn glows(m: &Message, now: f64, flight: f64) -> bool {
    match m.state {
        MsgState::InFlight | MsgState::Unexpected => true,
        MsgState::Delivered => {
            shown_arriving(m, flight).is_some_and(|d| now < d + EDGE_GLOW_SECONDS)
        }
    }
}

/// The pairs of neighbouring ranks (lower first, sorted) whose shared edge
/// has a message on it at `now`. Messages between ranks whose blocks do not
/// touch light nothing.
pub fn active_edges(model: &Model, now: f64, flight: f64) -> Vec<(Rank, Rank)> {
    let edges = shared_edges(&blocks(model));
    let touching: BTreeSet<(Rank, Rank)> = edges.iter().map(Edge::pair).collect();
    let lit: BTreeSet<(Rank, Rank)> = model
        .messages()
        .filter(|m| glows(m, now, flight))
        .map(|m| (m.id.from.min(m.id.to), m.id.from.max(m.id.to)))
        .filter(|p| touching.contains(p))
        .collect();
    lit.into_iter().collect()
}

/// Where `v` lies between `lo` and `hi`, 0 to 1 (0 when they are equal).
pub fn level(v: f32, lo: f32, hi: f32) -> f64 {
    if hi - lo > f32::EPSILON * hi.abs().max(1.0) {
        (f64::from(v - lo) / f64::from(hi - lo)).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// The colour of level `x` (0 to 1) in the 6x6x6 cube of 256-colour
/// terminals (each channel 0 to 5): blue, cyan, yellow, red, 16 steps.
/// The cube rather than RGB because 256 colours work in far more terminals.
pub fn ramp(x: f64) -> (u8, u8, u8) {
    let step = (x.clamp(0.0, 1.0) * 15.0).round() as u8;
    let f = step % 5;
    match step / 5 {
        0 => (0, f, 5),
        1 => (f, 5, 5 - f),
        2 => (5, 5 - f, 0),
        _ => (5, 0, 0),
    }
}

pub fn heat_color(x: f64) -> Color {
    let (r, g, b) = ramp(x);
    Color::Indexed(16 + 36 * r + 6 * g + b)
}

/// The character of level `x` (0 to 1): ` ` cold to `@` hot.
pub fn heat_char(x: f64) -> char {
    let n = CHAR_RAMP.chars().count();
    let i = (x.clamp(0.0, 1.0) * (n - 1) as f64).round() as usize;
    CHAR_RAMP.chars().nth(i).unwrap_or(' ')
}

/// The grid coordinates where a block starts or ends, 0 and `len` included.
pub fn bounds(
    blocks: &[(Rank, &FieldBlock)],
    len: u32,
    start: impl Fn(&FieldBlock) -> (u32, u32),
) -> Vec<u32> {
    let mut set: BTreeSet<u32> = [0, len].into();
    for (_, b) in blocks {
        let (s, n) = start(b);
        set.insert(s);
        set.insert(s + n);
    }
    set.into_iter().collect()
}

/// Terminal cells per grid column so that the map fits in `room` (columns,
/// rows) with a line at every bound. A grid cell is one column wide and
/// half a row high (`▀` draws two per character), so it comes out square.
/// Whole numbers when enlarging, so every cell is as big as the next; 0 if
/// nothing fits.
pub fn scale(grid: (u32, u32), lines: (usize, usize), room: (u16, u16)) -> f64 {
    let (rows, cols) = grid;
    let (ly, lx) = lines;
    if rows == 0 || cols == 0 {
        return 0.0;
    }
    let w = f64::from(room.0) - lx as f64;
    let h = 2.0 * (f64::from(room.1) - ly as f64);
    let s = (w / f64::from(cols)).min(h / f64::from(rows)).min(4.0);
    if s >= 1.0 {
        s.floor()
    } else {
        s.max(0.0)
    }
}

/// One axis of the map on screen: a line at every bound, the grid cells
/// between two bounds spread evenly over the terminal cells between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub bounds: Vec<u32>,
    /// Offset from the map's edge of the line at each bound.
    pub lines: Vec<u16>,
    /// Samples per terminal cell: 2 down the rows (half blocks), 1 across.
    sub: u16,
}

impl Axis {
    /// `per_cell`: terminal cells per grid cell along this axis.
    pub fn new(bounds: Vec<u32>, per_cell: f64, sub: u16) -> Axis {
        let lines = bounds
            .iter()
            .enumerate()
            .map(|(k, &b)| k as u16 + (per_cell * f64::from(b)).round() as u16)
            .collect();
        Axis { bounds, lines, sub }
    }

    /// Terminal cells, first line to last included.
    pub fn len(&self) -> u16 {
        self.lines.last().map_or(0, |l| l + 1)
    }

    /// The offset of the line at grid coordinate `b`, if it is a bound.
    pub fn line(&self, b: u32) -> Option<u16> {
        let k = self.bounds.binary_search(&b).ok()?;
        Some(self.lines[k])
    }

    /// Whether every stretch between two lines has a terminal cell.
    pub fn every_gap(&self) -> bool {
        self.lines.windows(2).all(|w| w[1] > w[0] + 1)
    }

    /// The offset of the terminal cell where grid coordinate `g` starts
    /// (its first sample), if `g` lies strictly inside the axis.
    pub fn offset_of(&self, g: u32) -> Option<u16> {
        let (first, last) = (*self.bounds.first()?, *self.bounds.last()?);
        if g <= first || g >= last {
            return None;
        }
        (1..self.len())
            .find(|&o| (0..self.sub).any(|i| self.cells(o, i).is_some_and(|c| c.contains(&g))))
    }

    /// The grid cells sample `i` (0 to sub-1) of the terminal cell at
    /// `offset` shows; None on a line or past the end.
    pub fn cells(&self, offset: u16, i: u16) -> Option<Range<u32>> {
        let k = self
            .lines
            .windows(2)
            .position(|w| w[0] < offset && offset < w[1])?;
        let (start, len) = (self.bounds[k], self.bounds[k + 1] - self.bounds[k]);
        let samples = u32::from((self.lines[k + 1] - self.lines[k] - 1) * self.sub);
        let at = u32::from((offset - self.lines[k] - 1) * self.sub + i);
        let lo = at * len / samples;
        let hi = ((at + 1) * len / samples).max(lo + 1);
        Some(start + lo..start + hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(row0: u32, col0: u32, rows: u32, cols: u32) -> FieldBlock {
        FieldBlock {
            name: "heat".into(),
            iteration: 0,
            grid_rows: 16,
            grid_cols: 16,
            row0,
            col0,
            rows,
            cols,
            values: vec![0.0; (rows * cols) as usize],
        }
    }

    #[test]
    fn the_ramp_runs_blue_cyan_yellow_red() {
        assert_eq!(ramp(0.0), (0, 0, 5));
        assert_eq!(ramp(1.0 / 3.0), (0, 5, 5));
        assert_eq!(ramp(2.0 / 3.0), (5, 5, 0));
        assert_eq!(ramp(1.0), (5, 0, 0));
        assert_eq!(ramp(-3.0), ramp(0.0));
        assert_eq!(ramp(7.0), ramp(1.0));
        assert_eq!(heat_color(0.0), Color::Indexed(16 + 5));
        assert_eq!(heat_color(1.0), Color::Indexed(16 + 36 * 5));
        // Each step changes one channel by one: no jumps.
        for i in 0..15 {
            let (a, b) = (ramp(i as f64 / 15.0), ramp((i + 1) as f64 / 15.0));
            let d = a.0.abs_diff(b.0) + a.1.abs_diff(b.1) + a.2.abs_diff(b.2);
            assert!(d == 1 || d == 2, "{a:?} -> {b:?}");
        }
    }

    #[test]
    fn the_character_ramp_goes_from_blank_to_at() {
        assert_eq!(heat_char(0.0), ' ');
        assert_eq!(heat_char(1.0), '@');
        assert_eq!(heat_char(4.0 / 9.0), '=');
        let levels: Vec<char> = (0..=9).map(|i| heat_char(f64::from(i) / 9.0)).collect();
        assert_eq!(levels.iter().collect::<String>(), CHAR_RAMP);
    }

    #[test]
    fn level_is_relative_to_the_range_shown() {
        assert_eq!(level(50.0, 0.0, 100.0), 0.5);
        assert_eq!(level(3.0, 3.0, 3.0), 0.0);
        assert_eq!(level(200.0, 0.0, 100.0), 1.0);
    }

    #[test]
    fn two_by_two_blocks_share_four_edges_and_no_corner() {
        let b = [
            block(0, 0, 8, 8),
            block(0, 8, 8, 8),
            block(8, 0, 8, 8),
            block(8, 8, 8, 8),
        ];
        let blocks: Vec<(Rank, &FieldBlock)> =
            b.iter().enumerate().map(|(r, f)| (r as Rank, f)).collect();
        let edges = shared_edges(&blocks);
        let pairs: BTreeSet<_> = edges.iter().map(Edge::pair).collect();
        assert_eq!(pairs, [(0, 1), (0, 2), (1, 3), (2, 3)].into());
        let e01 = edges.iter().find(|e| e.pair() == (0, 1)).unwrap();
        assert_eq!(
            (e01.side, e01.at, e01.span.clone()),
            (Side::Vertical, 8, 0..8)
        );
        let e02 = edges.iter().find(|e| e.pair() == (0, 2)).unwrap();
        assert_eq!(
            (e02.side, e02.at, e02.span.clone()),
            (Side::Horizontal, 8, 0..8)
        );
        assert_eq!(bounds(&blocks, 16, |f| (f.row0, f.rows)), vec![0, 8, 16]);
    }

    #[test]
    fn strips_share_edges_only_with_the_next_strip() {
        let b = [block(0, 0, 5, 16), block(5, 0, 5, 16), block(10, 0, 6, 16)];
        let blocks: Vec<(Rank, &FieldBlock)> =
            b.iter().enumerate().map(|(r, f)| (r as Rank, f)).collect();
        let pairs: Vec<_> = shared_edges(&blocks).iter().map(Edge::pair).collect();
        assert_eq!(pairs, vec![(0, 1), (1, 2)]);
    }

    #[test]
    fn a_sixteen_grid_in_two_blocks_maps_one_to_one() {
        // 16 columns + 3 lines in 19 columns; 16 rows (8 text rows) + 3 lines.
        assert_eq!(scale((16, 16), (3, 3), (19, 11)), 1.0);
        assert_eq!(scale((16, 16), (3, 3), (60, 11)), 1.0);
        assert_eq!(scale((16, 16), (3, 3), (60, 20)), 2.0);
        assert!(scale((16, 16), (3, 3), (19, 7)) < 1.0);
        assert_eq!(scale((16, 16), (3, 3), (3, 3)), 0.0);
        let x = Axis::new(vec![0, 8, 16], 1.0, 1);
        assert_eq!(x.lines, vec![0, 9, 18]);
        assert_eq!(x.len(), 19);
        assert_eq!(x.cells(0, 0), None);
        assert_eq!(x.cells(1, 0), Some(0..1));
        assert_eq!(x.cells(8, 0), Some(7..8));
        assert_eq!(x.cells(9, 0), None);
        assert_eq!(x.cells(10, 0), Some(8..9));
        assert_eq!(x.cells(19, 0), None);
        let y = Axis::new(vec![0, 8, 16], 0.5, 2);
        assert_eq!(y.lines, vec![0, 5, 10]);
        assert_eq!((y.cells(1, 0), y.cells(1, 1)), (Some(0..1), Some(1..2)));
        assert_eq!(y.cells(6, 1), Some(9..10));
        assert_eq!(y.line(8), Some(5));
        assert_eq!(y.line(4), None);
    }

    #[test]
    fn shrinking_averages_neighbouring_cells() {
        // 8 grid columns in 4 terminal columns: two per column.
        let x = Axis::new(vec![0, 8], 0.5, 1);
        assert_eq!(x.len(), 6);
        let got: Vec<_> = (1..5).map(|o| x.cells(o, 0).unwrap()).collect();
        assert_eq!(got, vec![0..2, 2..4, 4..6, 6..8]);
    }
}
