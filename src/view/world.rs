//! The world: every rank, the messages between them, the receives waiting.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::detail::{focused_rank, RankDetail};
use super::messages::{
    is_queued, on_the_wire, pending_text, queued_text, sender_waiting_text, Lanes, MessageList,
};
use super::ranks::{top_rule, RankBox, RankGrid, MAX_BOX_WIDTH, MIN_BOX_HEIGHT, MIN_BOX_WIDTH};
use super::{hosts, words, Theme};

/// Narrowest comfortable grid cell: `12 recv←any `.
const MIN_CELL: usize = 12;
use crate::model::{Deadlock, Model, MsgState, RankView};

pub struct World<'a> {
    pub model: &'a Model,
    /// The rank chosen with its number key, shown in full under the ranks.
    pub selected: Option<u32>,
    pub deadlock: Option<&'a Deadlock>,
    pub now: f64,
    /// Seconds an envelope takes to cross.
    pub flight: f64,
    /// Whether the values messages carry are shown.
    pub values: bool,
    pub focused: bool,
    pub theme: Theme,
}

impl World<'_> {
    /// Whether every rank gets a full box in `area` (else the compact grid).
    pub fn fits_boxes(&self, area: Rect) -> bool {
        let n = self.model.ranks().len() as u16;
        n > 0 && n * MIN_BOX_WIDTH <= area.width && area.height > MIN_BOX_HEIGHT
    }

    fn stuck(&self) -> &[u32] {
        self.deadlock.map(|d| d.ranks.as_slice()).unwrap_or(&[])
    }
}

impl Widget for &World<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let title = self.title(area.width as usize);
        let legend = hosts::legend(self.model.header(), area.width, title.width(), self.theme);
        let mut block = top_rule(title, self.theme.border(self.focused));
        if let Some(legend) = legend {
            block = block.title(legend);
        }
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.is_empty() {
            return;
        }
        let inner = self.detail(inner, buf);
        if self.fits_boxes(inner) {
            self.boxes(inner, buf);
        } else {
            self.grid(inner, buf);
        }
    }
}

/// A count in the title: how many, the word for one, for many, for short,
/// and its colour.
type Count = (usize, &'static str, &'static str, &'static str, Style);

impl World<'_> {
    /// ` world · 4 ranks · 2 messages in flight ...`, in fewer words when
    /// that does not fit in `width`.
    fn title(&self, width: usize) -> Line<'static> {
        let n = self.model.ranks().len();
        let mut ranks = format!("· {n} ranks ");
        if let Some(h) = hosts::host_count(self.model.header()) {
            ranks.push_str(&format!("on {h} hosts "));
        }
        let head = [Span::raw(" world "), Span::styled(ranks, self.theme.dim())];
        let counts = self.counts();
        // Many ranks, much traffic: short words, then without the rank
        // count (the status bar has it), so the title fits.
        let tries = [
            (&head[..], count_spans(&counts, false)),
            (&head[..], count_spans(&counts, true)),
            (&head[..1], count_spans(&counts, true)),
        ];
        let fits = |(h, c): &(&[Span], Vec<Span>)| {
            h.iter().chain(c).map(Span::width).sum::<usize>() < width
        };
        let chosen = tries.iter().position(fits).unwrap_or(tries.len() - 1);
        let (h, c) = &tries[chosen];
        Line::from(h.iter().chain(c).cloned().collect::<Vec<_>>())
    }

    /// The messages in flight, the unexpected ones, the sends waiting
    /// for their receivers, the receives waited on, the receives posted,
    /// the data collectives move.
    fn counts(&self) -> [Count; 6] {
        let t = self.theme;
        let [flying, queued, sending, waiting, posted, moving] = tally(self.model);
        [
            (
                flying,
                "message in flight",
                "messages in flight",
                "in flight",
                t.message(),
            ),
            (
                queued,
                "unexpected message",
                "unexpected messages",
                "unexpected",
                t.message(),
            ),
            (
                sending,
                "send waiting for its receiver",
                "sends waiting for their receivers",
                "sending",
                t.waiting(),
            ),
            (
                waiting,
                "receive waiting",
                "receives waiting",
                "waiting",
                t.waiting(),
            ),
            (
                posted,
                "receive posted",
                "receives posted",
                "posted",
                t.dim(),
            ),
            (
                moving,
                "collective transfer",
                "collective transfers",
                "collective",
                t.message(),
            ),
        ]
    }
}

/// How many messages are in flight, unexpected, sent by a waiting
/// sender; receives waited on, receives posted; collective transfers in
/// flight.
fn tally(m: &Model) -> [usize; 6] {
    let (mut flying, mut queued, mut sending) = (0, 0, 0);
    for msg in m.messages() {
        match msg.state {
            MsgState::InFlight => flying += 1,
            MsgState::Unexpected if m.sender_waits(msg) => sending += 1,
            MsgState::Unexpected => queued += 1,
            MsgState::Delivered => {}
        }
    }
    let waiting = m
        .pending_receives()
        .filter(|p| m.receive_waited_on(p))
        .count();
    let posted = m.pending_receives().count() - waiting;
    let moving = (m.flows())
        .filter(|f| f.state == MsgState::InFlight)
        .count();
    [flying, queued, sending, waiting, posted, moving]
}

/// `· 2 messages in flight `, or `· 2 in flight ` when `short`; none for
/// counts of zero.
fn count_spans(counts: &[Count], short: bool) -> Vec<Span<'static>> {
    counts
        .iter()
        .filter(|c| c.0 > 0)
        .map(|&(k, one, many, brief, style)| {
            let what = match (short, k) {
                (true, _) => brief,
                (false, 1) => one,
                (false, _) => many,
            };
            Span::styled(format!("· {k} {what} "), style)
        })
        .collect()
}

impl World<'_> {
    fn boxes(&self, area: Rect, buf: &mut Buffer) {
        let ranks = self.model.ranks();
        let n = ranks.len() as u16;
        let wire = on_the_wire(self.model, self.now, self.flight);
        let lanes = (wire.len() as u16)
            .max(1)
            .min(area.height.saturating_sub(MIN_BOX_HEIGHT));
        let box_h = (area.height - lanes).min(12);
        let box_w = (area.width / n).min(MAX_BOX_WIDTH);
        let x0 = area.x + (area.width - box_w * n) / 2;
        // Each host's ranks side by side; `centers` is indexed by rank.
        let mut centers = vec![0; ranks.len()];
        let order = hosts::rank_order(self.model.header(), ranks.len());
        for (slot, &rank) in order.iter().enumerate() {
            let x = x0 + box_w * slot as u16;
            centers[rank as usize] = x + box_w / 2;
            self.rank_box(&ranks[rank as usize])
                .render(Rect::new(x, area.y, box_w, box_h), buf);
        }
        let lane_area = Rect::new(area.x, area.y + box_h, area.width, area.height - box_h);
        if wire.is_empty() {
            buf.set_stringn(
                lane_area.x + 1,
                lane_area.y,
                "no messages in flight",
                lane_area.width as usize,
                self.theme.dim(),
            );
            return;
        }
        Lanes {
            messages: wire,
            centers: &centers,
            header: self.model.header(),
            now: self.now,
            flight: self.flight,
            values: self.values,
            theme: self.theme,
        }
        .render(lane_area, buf);
    }

    /// Rank `r`'s box: its marks, its window, its host when the run
    /// spans hosts.
    fn rank_box<'b>(&'b self, r: &'b RankView) -> RankBox<'b> {
        let queued = self
            .model
            .messages()
            .filter(|m| {
                m.id.to == r.rank
                    && is_queued(m, self.now, self.flight)
                    && !self.model.sender_waits(m)
            })
            .map(queued_text)
            .collect();
        let header = self.model.header();
        RankBox {
            rank: r,
            queued,
            pending: self.pending_at(r.rank),
            window: self
                .model
                .window(r.rank)
                .map(|values| words::window(&values.text())),
            host: header.host(r.rank).filter(|_| header.spans_hosts()),
            deadlocked: self.stuck().contains(&r.rank),
            theme: self.theme,
        }
    }

    /// The focused rank in full on the last lines of `area` (when there is
    /// one and room for it); the rest of `area` is returned.
    fn detail(&self, area: Rect, buf: &mut Buffer) -> Rect {
        let Some(rank) = focused_rank(self.model.ranks(), self.selected) else {
            return area;
        };
        let header = self.model.header();
        let detail = RankDetail {
            rank,
            host: header.host(rank.rank).filter(|_| header.spans_hosts()),
            theme: self.theme,
        };
        let lines = detail.lines(area.width as usize).len() as u16;
        // The boxes (or a few grid rows) keep the room they need.
        let h = lines.min(area.height.saturating_sub(MIN_BOX_HEIGHT + 1));
        if h == 0 {
            return area;
        }
        let rest = Rect::new(area.x, area.y, area.width, area.height - h);
        detail.render(Rect::new(area.x, rest.bottom(), area.width, h), buf);
        rest
    }

    /// What rank `rank` waits for or has posted: its sends held until
    /// their receivers arrive, its receives (waited on, or only posted).
    fn pending_at(&self, rank: u32) -> Vec<String> {
        let m = self.model;
        let sends = m
            .messages()
            .filter(|msg| msg.id.from == rank && m.sender_waits(msg))
            .map(sender_waiting_text);
        let receives = m
            .pending_receives()
            .filter(|p| p.rank == rank)
            .map(|p| pending_text(p, m.receive_waited_on(p)));
        sends.chain(receives).collect()
    }

    fn grid(&self, area: Rect, buf: &mut Buffer) {
        let list = MessageList {
            model: self.model,
            now: self.now,
            flight: self.flight,
            values: self.values,
            theme: self.theme,
        };
        let wanted = list.lines().len() as u16;
        let grid = RankGrid {
            ranks: self.model.ranks(),
            header: self.model.header(),
            deadlocked: self.stuck(),
            theme: self.theme,
        };
        let groups = grid.groups();
        let cells_w = (area.width as usize).saturating_sub(RankGrid::label_width(&groups));
        // The grid first; the list gets what is left, at most a third.
        let list_h = wanted.min(area.height / 3);
        let mut cols = RankGrid::columns(&groups, area.height - list_h);
        if cells_w / cols < MIN_CELL {
            // Readable cells matter more than the list (counted in the title).
            cols = RankGrid::columns(&groups, area.height);
        }
        let grid_h = (RankGrid::rows(&groups, cols) as u16).min(area.height);
        grid.render(Rect::new(area.x, area.y, area.width, grid_h), buf);
        let rest = area.height - grid_h;
        if rest > 0 {
            list.render(Rect::new(area.x, area.y + grid_h, area.width, rest), buf);
        }
    }
}
