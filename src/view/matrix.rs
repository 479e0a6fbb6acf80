//! The communication matrix: who sent how much to whom. A row per sender,
//! a column per receiver; each cell shaded by the bytes sent (`░▒▓█`, so
//! the heat map reads without colour too), with the message count where it
//! fits; totals per sender on the right and per receiver at the bottom.
//! With more ranks than rows, neighbouring ranks share a cell (`0-3`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::hosts::{self, rank_ranges};
use super::ranks::top_rule;
use super::Theme;
use crate::model::{Model, PairStats, Summary};
use crate::trace::display::bytes;
use crate::trace::{Header, Rank};

/// Shades from least to most traffic; a cell with none shows `·`.
pub const SHADES: [&str; 4] = ["░", "▒", "▓", "█"];
/// Widest cell: room for `12 · 1.5 KiB`.
const MAX_CELL: u16 = 14;
/// Widest host name before the rank labels.
const MAX_HOST_LABEL: usize = 8;

pub struct Matrix<'a> {
    pub model: &'a Model,
    pub focused: bool,
    pub theme: Theme,
}

/// Traffic summed per block of `k` senders by `k` receivers, the ranks
/// in `order` (each host's side by side when the run spans hosts).
struct Grid {
    k: usize,
    groups: usize,
    cells: Vec<(u64, u64)>,
    order: Vec<Rank>,
}

impl Grid {
    fn new(pairs: &[PairStats], order: &[Rank], k: usize) -> Grid {
        let n = order.len();
        let groups = n.div_ceil(k);
        let mut place = vec![usize::MAX; n];
        for (at, &r) in order.iter().enumerate() {
            if let Some(p) = place.get_mut(r as usize) {
                *p = at;
            }
        }
        let block = |r: Rank| place.get(r as usize).map(|&at| at / k);
        let mut cells = vec![(0, 0); groups * groups];
        for p in pairs {
            if let (Some(i), Some(j)) = (block(p.from), block(p.to)) {
                if i < groups && j < groups {
                    let c = &mut cells[i * groups + j];
                    c.0 += p.messages;
                    c.1 += p.bytes;
                }
            }
        }
        Grid {
            k,
            groups,
            cells,
            order: order.to_vec(),
        }
    }

    fn at(&self, i: usize, j: usize) -> (u64, u64) {
        self.cells[i * self.groups + j]
    }

    fn row(&self, i: usize) -> (u64, u64) {
        (0..self.groups).map(|j| self.at(i, j)).fold((0, 0), add)
    }

    fn column(&self, j: usize) -> (u64, u64) {
        (0..self.groups).map(|i| self.at(i, j)).fold((0, 0), add)
    }

    /// The ranks of block `i`.
    fn block(&self, i: usize) -> &[Rank] {
        let n = self.order.len();
        &self.order[(i * self.k).min(n)..((i + 1) * self.k).min(n)]
    }

    /// `3`, or `0-7` when ranks share a cell.
    fn label(&self, i: usize) -> String {
        let mut ranks = self.block(i).to_vec();
        ranks.sort_unstable();
        rank_ranges(&ranks)
    }
}

fn add(a: (u64, u64), b: (u64, u64)) -> (u64, u64) {
    (a.0 + b.0, a.1 + b.1)
}

/// Columns the host names take before the rank labels: none on one host.
fn host_width(header: &Header) -> u16 {
    let widest = (header.spans_hosts())
        .then(|| {
            (header.hosts.iter())
                .map(|h| hosts::short_host(h, MAX_HOST_LABEL).chars().count())
                .max()
        })
        .flatten();
    widest.map_or(0, |w| w as u16 + 1)
}

/// `3 · 24 B`
fn amount((messages, b): (u64, u64)) -> String {
    format!("{messages} · {}", bytes(b))
}

/// The shaded part of a cell: a column of space keeps wide cells apart.
fn fill_width(cw: u16) -> u16 {
    if cw >= 3 {
        cw - 1
    } else {
        cw
    }
}

/// 1 to 4 by the share of the largest cell; 0 for none.
fn level(value: u64, max: u64) -> usize {
    if value == 0 || max == 0 {
        0
    } else {
        ((value as f64 / max as f64 * 4.0).ceil() as usize).clamp(1, 4)
    }
}

/// Where everything goes: the grid of cells, the label column `lw` wide,
/// cells `cw` wide, and whether the totals column fits.
struct Placement {
    area: Rect,
    grid: Grid,
    /// The host of each block's first rank, when the run spans hosts.
    hosts: Vec<Option<String>>,
    /// Columns of the label column the host names take (0: none).
    host_w: u16,
    /// Rows for senders (the area less the header and the totals row).
    rows: usize,
    lw: u16,
    cw: u16,
    totals: bool,
    /// All messages and bytes.
    total: (u64, u64),
    /// The largest cell's weight, which gets the darkest shade.
    max: u64,
}

impl Placement {
    /// Ranks share cells (`k` senders by `k` receivers) until the cells
    /// fit `area` at least one column wide. None when nothing fits.
    fn new(pairs: &[PairStats], header: &Header, ranks: usize, area: Rect) -> Option<Placement> {
        let total = pairs
            .iter()
            .map(|p| (p.messages, p.bytes))
            .fold((0, 0), add);
        // A header row and a totals row around the senders.
        if ranks == 0 || area.height < 3 || area.width < 8 {
            return None;
        }
        let rows = (area.height - 2) as usize;
        let totals_w = (amount(total).chars().count() as u16 + 2).max(7);
        let mut k = ranks.div_ceil(rows).max(1);
        let order = hosts::rank_order(header, ranks);
        let host_w = host_width(header);
        let (grid, lw, cw, totals) = loop {
            let grid = Grid::new(pairs, &order, k);
            let widest = (0..grid.groups).map(|i| grid.label(i).len()).max();
            let lw = host_w + widest.unwrap_or(0).max(4) as u16 + 1;
            let g = grid.groups as u16;
            let room = area.width.saturating_sub(lw);
            // Totals column when there is room for it beside the cells.
            let (cw, totals) = if room >= g + totals_w {
                (((room - totals_w) / g).min(MAX_CELL), true)
            } else {
                ((room / g).min(MAX_CELL), false)
            };
            if cw >= 1 || k >= ranks {
                break (grid, lw, cw.max(1), totals);
            }
            k += 1;
        };
        let hosts = (0..grid.groups)
            .map(|i| (host_w > 0).then(|| grid.block(i).first().and_then(|&r| header.host(r))))
            .map(|h| h.flatten().map(str::to_string))
            .collect();
        let mut placement = Placement {
            area,
            grid,
            hosts,
            host_w,
            rows,
            lw,
            cw,
            totals,
            total,
            max: 0,
        };
        placement.max = (placement.grid.cells.iter())
            .map(|&c| placement.weight(c))
            .max()
            .unwrap_or(0);
        Some(placement)
    }

    /// A sender's label: its ranks, after its host on the first row of
    /// each host.
    fn row_label(&self, i: usize) -> String {
        let host = match &self.hosts[i] {
            Some(h) if i == 0 || self.new_host(i) => hosts::short_host(h, MAX_HOST_LABEL),
            _ => String::new(),
        };
        let hw = self.host_w as usize;
        let w = (self.lw as usize - 1).saturating_sub(hw);
        format!("{host:<hw$}{:>w$}", self.grid.label(i))
    }

    /// Whether block `j` starts another host than the block before it.
    fn new_host(&self, j: usize) -> bool {
        j > 0 && self.hosts[j] != self.hosts[j - 1]
    }

    /// A rule between the columns of two hosts, on row `y`, where the
    /// cells leave a blank column for it.
    fn host_rules(&self, buf: &mut Buffer, y: u16, style: Style) {
        if self.cw < 3 {
            return;
        }
        for j in (1..self.grid.groups).filter(|&j| self.new_host(j)) {
            self.put(buf, (self.x_of(j) - 1, y), "│", style);
        }
    }

    /// Shade by bytes; by messages when all of them were empty.
    fn weight(&self, c: (u64, u64)) -> u64 {
        if self.total.1 > 0 {
            c.1
        } else {
            c.0
        }
    }

    fn x_of(&self, j: usize) -> u16 {
        self.area.x + self.lw + (j as u16) * self.cw
    }

    /// The totals column.
    fn totals_x(&self) -> u16 {
        self.x_of(self.grid.groups) + 1
    }

    /// Writes `s` at (`x`, `y`), cut at the area's right edge.
    fn put(&self, buf: &mut Buffer, (x, y): (u16, u16), s: &str, style: Style) {
        let right = self.area.right();
        if x < right {
            buf.set_stringn(x, y, s, (right - x) as usize, style);
        }
    }
}

impl Widget for &Matrix<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let summary = self.model.summary();
        let header = self.model.header();
        let title = title(&summary, t);
        let legend = hosts::legend(header, area.width, title.width(), t);
        let mut block = top_rule(title, t.border(self.focused));
        if let Some(legend) = legend {
            block = block.title(legend);
        }
        let inner = block.inner(area);
        block.render(area, buf);
        // Point-to-point messages, the data collectives moved and the
        // one-sided transfers, together.
        let pairs: Vec<PairStats> = (summary.pairs.iter())
            .chain(&summary.collective)
            .chain(&summary.one_sided_pairs)
            .cloned()
            .collect();
        let totals = self.host_totals(&pairs, inner);
        let room = Rect {
            height: inner.height - totals.len() as u16,
            ..inner
        };
        let Some(place) = Placement::new(&pairs, header, self.model.ranks().len(), room) else {
            return;
        };
        self.header(&place, buf);
        self.senders(&place, buf);
        let below = self.received(&place, buf);
        let style = self.theme.crossing();
        for (i, line) in totals.iter().enumerate() {
            place.put(buf, (inner.x, below + i as u16), line, style);
        }
    }
}

impl Matrix<'_> {
    /// Across hosts, each host's traffic within it and to and from the
    /// others: a line each, for under the matrix when it keeps a few rows
    /// in `area`.
    fn host_totals(&self, pairs: &[PairStats], area: Rect) -> Vec<String> {
        let header = self.model.header();
        if !header.spans_hosts() {
            return Vec::new();
        }
        let lines: Vec<String> = (hosts::host_totals(header, pairs).iter())
            .map(|(group, totals)| hosts::host_totals_line(group, totals))
            .collect();
        // The receivers, two senders and the totals stay.
        if area.height < lines.len() as u16 + 4 {
            return Vec::new();
        }
        lines
    }
}

/// ` messages · sender ↓ receiver → · 1 · 800 B point-to-point · 3 · 72 B
/// collective `: the two kinds of traffic the cells add up, labelled apart.
fn title(summary: &Summary, t: Theme) -> Line<'static> {
    let p2p = (summary.total_messages(), summary.total_bytes());
    let collective = (summary.collective_flows(), summary.collective_bytes());
    let one_sided = (summary.one_sided_transfers(), summary.one_sided_bytes());
    let mut text = String::from("· sender ↓ receiver → ");
    if collective.0 == 0 && one_sided.0 == 0 {
        text.push_str(&format!("· {} ", amount(p2p)));
    } else {
        let kinds = [
            (p2p, "point-to-point"),
            (collective, "collective"),
            (one_sided, "one-sided"),
        ];
        for (traffic, kind) in kinds.into_iter().filter(|k| k.0 .0 > 0) {
            text.push_str(&format!("· {} {kind} ", amount(traffic)));
        }
    }
    Line::from(vec![Span::raw(" messages "), Span::styled(text, t.dim())])
}

impl Matrix<'_> {
    /// The first row: the receivers, where their labels fit, and `sent`.
    fn header(&self, place: &Placement, buf: &mut Buffer) {
        let dim = self.theme.dim();
        let y = place.area.y;
        place.put(buf, (place.area.x, y), "from", dim);
        let mut free = 0;
        for j in 0..place.grid.groups {
            let x = place.x_of(j);
            let label = place.grid.label(j);
            if x >= free {
                let pad = fill_width(place.cw).saturating_sub(label.len() as u16) / 2;
                place.put(buf, (x + pad, y), &label, dim);
                free = x + pad + label.len() as u16 + 1;
            }
        }
        place.host_rules(buf, y, dim);
        if place.totals {
            place.put(buf, (place.totals_x(), y), "sent", dim);
        }
    }

    /// A row per sender: its label, its cells, what it sent in all.
    fn senders(&self, place: &Placement, buf: &mut Buffer) {
        let dim = self.theme.dim();
        let grid = &place.grid;
        for i in 0..grid.groups.min(place.rows) {
            let y = place.area.y + 1 + i as u16;
            place.put(buf, (place.area.x, y), &place.row_label(i), dim);
            for j in 0..grid.groups {
                let traffic = grid.at(i, j);
                let lvl = level(place.weight(traffic), place.max);
                self.cell(buf, (place.x_of(j), y), place.cw, traffic, lvl);
            }
            place.host_rules(buf, y, dim);
            let sent = grid.row(i);
            if place.totals && sent.0 > 0 {
                place.put(buf, (place.totals_x(), y), &amount(sent), dim);
            }
        }
    }

    /// Received per receiver: the count where it fits, and the total.
    /// Returns the row under it.
    fn received(&self, place: &Placement, buf: &mut Buffer) -> u16 {
        let dim = self.theme.dim();
        let grid = &place.grid;
        let y = place.area.y + 1 + grid.groups.min(place.rows) as u16;
        if y >= place.area.bottom() {
            return y;
        }
        place.put(buf, (place.area.x, y), "recv", dim);
        place.host_rules(buf, y, dim);
        let fill_w = fill_width(place.cw);
        for j in 0..grid.groups {
            let (m, _) = grid.column(j);
            let s = m.to_string();
            if m > 0 && s.len() as u16 <= fill_w {
                let pad = (fill_w - s.len() as u16) / 2;
                place.put(buf, (place.x_of(j) + pad, y), &s, dim);
            }
        }
        if place.totals {
            let style = dim.add_modifier(Modifier::BOLD);
            place.put(buf, (place.totals_x(), y), &amount(place.total), style);
        }
        y + 1
    }
}

impl Matrix<'_> {
    /// One cell `cw` wide: its shade, with the count (and bytes) on top
    /// when they fit with a space either side.
    fn cell(&self, buf: &mut Buffer, (x, y): (u16, u16), cw: u16, traffic: (u64, u64), lvl: usize) {
        let t = self.theme;
        let right = buf.area.right();
        let fill_w = fill_width(cw);
        if lvl == 0 {
            let mid = x + fill_w.saturating_sub(1) / 2;
            if mid < right {
                buf.set_string(mid, y, "·", t.dim());
            }
            return;
        }
        let style = t.heat(lvl);
        for dx in 0..fill_w {
            if x + dx < right {
                buf.set_string(x + dx, y, SHADES[lvl - 1], style);
            }
        }
        let full = format!(" {} ", amount(traffic));
        let count = format!(" {} ", traffic.0);
        let text = [full, count]
            .into_iter()
            .find(|s| s.chars().count() as u16 <= fill_w);
        if let Some(text) = text {
            let w = text.chars().count() as u16;
            let tx = x + (fill_w - w) / 2;
            if tx + w <= right {
                buf.set_string(tx, y, &text, t.heat_text());
            }
        }
    }
}
