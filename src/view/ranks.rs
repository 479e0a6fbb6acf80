//! The ranks: a box per rank when few, a compact grid (one short cell per
//! rank) when many. The state word carries the state; its colour repeats it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use super::{base_name, fit, hosts, words, Theme};
use crate::model::{RankState, RankView};
use crate::trace::display::{bytes, source_name, tag_name};
use crate::trace::{Call, Header, Op, Rank};

/// Narrowest rank box (border included).
pub const MIN_BOX_WIDTH: u16 = 16;
/// Widest rank box.
pub const MAX_BOX_WIDTH: u16 = 28;
/// Lowest rank box (border included).
pub const MIN_BOX_HEIGHT: u16 = 7;

/// One rank in full.
pub struct RankBox<'a> {
    pub rank: &'a RankView,
    /// Messages queued at this rank (`✉ queued: from 0 tag 13`).
    pub queued: Vec<String>,
    /// Its posted receives with nothing to take (`⧗ waiting for 0, tag 13`).
    pub pending: Vec<String>,
    /// Its one-sided window as its last fence saw it (`▣ window [1.0 …]`).
    pub window: Option<String>,
    /// The host it runs on, when the run spans hosts.
    pub host: Option<&'a str>,
    pub deadlocked: bool,
    pub theme: Theme,
}

impl Widget for &RankBox<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let block = self.block(area.width);
        let inner = block.inner(area);
        block.render(area, buf);
        let w = inner.width as usize;
        if w == 0 {
            return;
        }
        let h = inner.height as usize;
        for (i, (text, style)) in self.lines(w, h).into_iter().take(h).enumerate() {
            buf.set_stringn(inner.x, inner.y + i as u16, text, w, style);
        }
    }
}

impl RankBox<'_> {
    /// The border, coloured by state (red when stuck), titled with the
    /// rank (and its host, cut to fit a box `width` wide).
    fn block(&self, width: u16) -> Block<'static> {
        let t = self.theme;
        let rank = self.rank.rank;
        let name = match self.host {
            Some(host) => {
                // The borders and a blank either side of the title.
                let room = (width as usize).saturating_sub(4);
                let bare = words::rank_on_host(rank, "").chars().count();
                let host = hosts::short_host(host, room.saturating_sub(bare).max(1));
                words::rank_on_host(rank, &host)
            }
            None => format!("rank {rank}"),
        };
        let mut title = vec![Span::styled(
            format!(" {name} "),
            Style::new().add_modifier(Modifier::BOLD),
        )];
        if self.deadlocked {
            title.push(Span::styled("STUCK ", t.error()));
        }
        let border = if self.deadlocked {
            t.error()
        } else {
            t.state(self.rank, false).remove_modifier(Modifier::BOLD)
        };
        Block::bordered()
            .title(Line::from(title))
            .border_style(border)
    }

    /// The box's lines, `w` wide, for a box `h` high: the state, the call,
    /// its lesson line, the pending and queued marks, what the rank said.
    /// When the box is short the lesson line goes first (the lesson pane
    /// marks that line too), then the end of what the rank said.
    fn lines(&self, w: usize, h: usize) -> Vec<(String, Style)> {
        let t = self.theme;
        let r = self.rank;
        let mut state = wrap(&words::rank_state(r), w, 2);
        if let RankState::Failed { message, .. } = &r.state {
            state.extend(wrap(message, w, 3));
        }
        let call = self.call(w);
        let site = site_line(r, w);
        let marks = self.marks(w);
        let fixed = state.len() + call.len() + marks.len();
        let room = h.saturating_sub(fixed);
        let said = r.said.as_ref().map(|s| format!("\"{s}\""));
        let full = said.as_ref().map_or(0, |s| wrap(s, w, usize::MAX).len());
        // Said in full, or cut but on at least two rows, or not at all.
        let rows = if room >= full.min(2) {
            full.min(room)
        } else {
            0
        };
        let said = match said {
            Some(s) if rows > 0 => wrap(&s, w, rows),
            _ => Vec::new(),
        };
        let show_site = !site.is_empty() && fixed + said.len() < h;

        let state_style = t.state(r, self.deadlocked);
        let mut lines: Vec<(String, Style)> = state.into_iter().map(|l| (l, state_style)).collect();
        lines.extend(call);
        if show_site {
            lines.push((fit(&site, w), t.dim()));
        }
        lines.extend(marks);
        let style = t.dim().add_modifier(Modifier::ITALIC);
        lines.extend(said.into_iter().map(|l| (l, style)));
        lines
    }

    /// The current or last call, dimmed when it is the last one.
    fn call(&self, w: usize) -> Vec<(String, Style)> {
        let r = self.rank;
        let current = matches!(r.state, RankState::Held(_) | RankState::InCall { .. });
        // The state word already says `recv from 0` / `send to 1`.
        let named = matches!(&r.state, RankState::InCall { call, .. }
            if matches!(call.op, Op::Send | Op::Ssend | Op::Recv | Op::Sendrecv));
        let style = if current {
            Style::new()
        } else {
            self.theme.dim()
        };
        match &r.call {
            // A long request list wraps rather than losing its last ids.
            Some(c) => call_lines(c, w, named)
                .iter()
                .flat_map(|l| wrap(l, w, 2))
                .map(|l| (l, style))
                .collect(),
            None => Vec::new(),
        }
    }

    /// The pending receives, then the queued messages, wrapped to `w`.
    fn marks(&self, w: usize) -> Vec<(String, Style)> {
        let t = self.theme;
        let pending = self
            .pending
            .iter()
            .flat_map(|p| wrap(p, w, 3).into_iter().map(|l| (l, t.waiting())));
        let queued = self
            .queued
            .iter()
            .flat_map(|q| wrap(q, w, 3).into_iter().map(|l| (l, t.message())));
        let window =
            (self.window.iter()).flat_map(|v| wrap(v, w, 2).into_iter().map(|l| (l, t.message())));
        pending.chain(queued).chain(window).collect()
    }
}

/// `file.rs:14`, or `line 14` when that does not fit in `w`; a program
/// without debug information: its function's name, cut to `w`; empty
/// without a site.
fn site_line(r: &RankView, w: usize) -> String {
    match &r.site {
        Some(s) if !s.has_line() => super::fit(&s.file, w),
        Some(s) => {
            let full = format!("{}:{}", base_name(&s.file), s.line);
            if full.chars().count() <= w {
                full
            } else {
                format!("line {}", s.line)
            }
        }
        None => String::new(),
    }
}

/// A call in a few short lines of at most `width` columns:
/// `send → 1` / `tag 13 · 800 B`. When the state word already names the
/// call and its peer (`named`), the first line is left out on narrow boxes.
pub fn call_lines(c: &Call, width: usize, named: bool) -> Vec<String> {
    let (head, tag, size) = call_parts(c);
    let fits = |s: &str| s.chars().count() <= width;
    let join = |a: &str, b: &str| match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a} · {b}"),
    };
    let tag_size = join(&tag, &size);
    let head_tag = join(&head, &tag);
    let mut out = Vec::new();
    if fits(&head_tag) && !fits(&tag_size) {
        out.push(head_tag);
        out.push(size);
    } else {
        if !named || fits(&head_tag) {
            out.push(head);
        }
        if fits(&tag_size) {
            out.push(tag_size);
        } else {
            out.push(tag);
            out.push(size);
        }
    }
    out.retain(|l| !l.is_empty());
    out
}

/// (`send → 1`, `tag 13`, `800 B`)
fn call_parts(c: &Call) -> (String, String, String) {
    let op = c.op_name();
    if let (Op::Sendrecv, Some(s), Some(r)) = (c.op, &c.send, &c.recv) {
        return (
            format!("{op} →{} ←{}", s.dest, source_name(r.source)),
            format!("tag {}", s.tag),
            bytes(s.bytes),
        );
    }
    if let Some(s) = &c.send {
        return (
            format!("{op} → {}", s.dest),
            format!("tag {}", s.tag),
            bytes(s.bytes),
        );
    }
    if let Some(r) = &c.recv {
        return (
            format!("{op} ← {}", source_name(r.source)),
            format!("tag {}", tag_name(r.tag)),
            format!("{} x {}", r.count, r.datatype),
        );
    }
    if let Some(cp) = &c.collective {
        let head = match cp.root {
            Some(root) => format!("{op} root {root}"),
            None => op.to_string(),
        };
        let size = if c.op == Op::Barrier {
            String::new()
        } else {
            bytes(cp.bytes)
        };
        return (head, String::new(), size);
    }
    if !c.requests.is_empty() {
        let ids: Vec<String> = c.requests.iter().map(|r| format!("#{r}")).collect();
        return (
            op.to_string(),
            format!("requests {}", ids.join(" ")),
            String::new(),
        );
    }
    (op.to_string(), String::new(), String::new())
}

/// Greedy word wrap into at most `max` lines of `width` columns; the last
/// line ends in `…` if text was left over.
pub fn wrap(s: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let cur_len = cur.chars().count();
        let wl = word.chars().count();
        if cur.is_empty() {
            cur = word.to_string();
        } else if cur_len + 1 + wl <= width {
            cur.push(' ');
            cur.push_str(word);
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        }
        while cur.chars().count() > width && width > 0 {
            let head: String = cur.chars().take(width).collect();
            let rest: String = cur.chars().skip(width).collect();
            lines.push(head);
            cur = rest;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            let cut = fit(last, width.saturating_sub(1));
            *last = if cut.ends_with('…') {
                cut
            } else {
                format!("{cut}…")
            };
        }
    }
    lines
}

/// Many ranks: one cell per rank, `12 recv←3`, row by row. Across hosts,
/// each host's ranks start a row of their own, the host named before it.
pub struct RankGrid<'a> {
    pub ranks: &'a [RankView],
    pub header: &'a Header,
    pub deadlocked: &'a [u32],
    pub theme: Theme,
}

/// Ranks that start a new row, and the host they run on.
type Group<'a> = (Option<&'a str>, Vec<Rank>);

/// Widest host name before the grid's rows.
const MAX_HOST_LABEL: usize = 8;

impl RankGrid<'_> {
    /// One group of all ranks, or across hosts one per host.
    pub fn groups(&self) -> Vec<Group<'_>> {
        let n = self.ranks.len();
        if !self.header.spans_hosts() {
            return vec![(None, (0..n as Rank).collect())];
        }
        let order = hosts::rank_order(self.header, n);
        let mut groups: Vec<Group> = Vec::new();
        for rank in order {
            let host = self.header.host(rank);
            match groups.last_mut() {
                Some((h, ranks)) if *h == host => ranks.push(rank),
                _ => groups.push((host, vec![rank])),
            }
        }
        groups
    }

    /// Columns the host names take before the cells.
    pub fn label_width(groups: &[Group]) -> usize {
        let widest = (groups.iter().filter_map(|g| g.0))
            .map(|h| hosts::short_host(h, MAX_HOST_LABEL).chars().count())
            .max();
        widest.map_or(0, |w| w + 1)
    }

    /// Rows the groups take `cols` to a row.
    pub fn rows(groups: &[Group], cols: usize) -> usize {
        groups.iter().map(|g| g.1.len().div_ceil(cols.max(1))).sum()
    }

    /// Fewest columns that show every rank in `rows` rows.
    pub fn columns(groups: &[Group], rows: u16) -> usize {
        let n = groups.iter().map(|g| g.1.len()).sum::<usize>().max(1);
        let first = n.div_ceil(rows.max(1) as usize).max(1);
        (first..n)
            .find(|&cols| Self::rows(groups, cols) <= rows as usize)
            .unwrap_or(n)
    }
}

impl Widget for &RankGrid<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let n = self.ranks.len();
        if n == 0 || area.is_empty() {
            return;
        }
        let groups = self.groups();
        let cols = RankGrid::columns(&groups, area.height);
        let label_w = RankGrid::label_width(&groups);
        let cell = ((area.width as usize).saturating_sub(label_w) / cols).max(1);
        let mut row = 0;
        for (host, ranks) in &groups {
            if let (Some(host), true) = (host, row < area.height as usize) {
                let label = hosts::short_host(host, label_w.saturating_sub(1));
                buf.set_stringn(
                    area.x,
                    area.y + row as u16,
                    label,
                    label_w,
                    self.theme.dim(),
                );
            }
            for line in ranks.chunks(cols) {
                if row >= area.height as usize {
                    return;
                }
                for (col, &rank) in line.iter().enumerate() {
                    let x = area.x + (label_w + col * cell) as u16;
                    self.cell(
                        (x, area.y + row as u16),
                        cell,
                        &self.ranks[rank as usize],
                        buf,
                    );
                }
                row += 1;
            }
        }
    }
}

impl RankGrid<'_> {
    /// One rank's cell at `(x, y)`, `cell` wide: its number and its state
    /// in as many words as fit.
    fn cell(&self, (x, y): (u16, u16), cell: usize, r: &RankView, buf: &mut Buffer) {
        let digits = (self.ranks.len() - 1).to_string().len();
        let room = cell.saturating_sub(digits + 2);
        let word = [words::rank_state(r), words::rank_state_short(r)]
            .into_iter()
            .find(|w| w.chars().count() <= room)
            .unwrap_or_else(|| words::rank_state_tiny(r));
        let deadlocked = self.deadlocked.contains(&r.rank);
        buf.set_stringn(
            x,
            y,
            format!("{:>digits$} ", r.rank),
            cell,
            Style::new().add_modifier(Modifier::BOLD),
        );
        buf.set_stringn(
            x + digits as u16 + 1,
            y,
            fit(&word, room),
            room,
            self.theme.state(r, deadlocked),
        );
    }
}

/// A box with only a top border, for panes that need every column.
pub fn top_rule<'a>(title: Line<'a>, style: Style) -> Block<'a> {
    Block::new()
        .borders(Borders::TOP)
        .title(title)
        .border_style(style)
}
