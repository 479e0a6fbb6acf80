//! Messages between the ranks: an arrow per message under the rank boxes,
//! the envelope moving from sender to receiver as `now` advances; or, when
//! the ranks are too many for arrows, a list.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

use super::hosts::CROSSES;
use super::words::collective_name;
use super::{fit, Theme};
use crate::model::{Carrier, Message, Model, MsgState, PostedRecv};
use crate::trace::display::{bytes, source_name, tag_name};
use crate::trace::Header;

/// Seconds (of `now`) an envelope takes to cross from sender to receiver
/// at the classroom's default pace; faster paces shorten it (the app's
/// `Pacer::flight`), so envelopes never queue up behind the calls.
pub const FLIGHT_SECONDS: f64 = 1.0;
/// Seconds a delivered message stays on screen.
pub const SHOW_DELIVERED_SECONDS: f64 = 2.0;

/// How far along its way a message is drawn: 0 at the sender, 1 arrived.
/// A message MPI delivered in microseconds still crosses the screen in
/// `flight` seconds, so a class sees it travel.
pub fn progress(m: &Message, now: f64, flight: f64) -> f64 {
    ((now - m.sent_at) / flight).clamp(0.0, 1.0)
}

/// When the screen shows a delivered message arriving: when MPI delivered
/// it, but never before its envelope has crossed.
pub(super) fn shown_arriving(m: &Message, flight: f64) -> Option<f64> {
    m.delivered_at.map(|d| d.max(m.sent_at + flight))
}

/// An unexpected message that has arrived: drawn queued at its receiver.
pub fn is_queued(m: &Message, now: f64, flight: f64) -> bool {
    m.state == MsgState::Unexpected && progress(m, now, flight) >= 1.0
}

/// Messages drawn as arrows: travelling ones and just-delivered ones, the
/// point-to-point messages and the data collectives move.
pub fn on_the_wire(model: &Model, now: f64, flight: f64) -> Vec<Message> {
    let shown = |m: &Message| match m.state {
        MsgState::InFlight => true,
        // Waiting at its sender for a receive: not on its way yet.
        MsgState::Unexpected => !is_queued(m, now, flight) && !model.sender_waits(m),
        MsgState::Delivered => {
            shown_arriving(m, flight).is_some_and(|d| now - d < SHOW_DELIVERED_SECONDS)
        }
    };
    let mut v: Vec<Message> = model.messages().filter(|m| shown(m)).cloned().collect();
    v.extend(model.flows().filter(shown));
    v.sort_by(|a, b| a.sent_at.total_cmp(&b.sent_at).then(a.id.cmp(&b.id)));
    v
}

/// `tag 13 · 800 B`, or for a collective's data `reduce sum · 8 B`; with
/// `values`, the values it carries after them.
pub fn label(m: &Message, values: bool) -> String {
    let mut text = match &m.carrier {
        Carrier::PointToPoint => format!("tag {} · {}", m.id.tag, bytes(m.bytes)),
        Carrier::Collective { op, reduce } => format!(
            "{} · {}",
            collective_name(*op, reduce.as_deref()),
            bytes(m.bytes)
        ),
    };
    if let Some(v) = m.values.as_ref().filter(|_| values) {
        text.push_str(" · ");
        text.push_str(&v.text());
    }
    text
}

/// `✉ queued: from 0 tag 13`
pub fn queued_text(m: &Message) -> String {
    format!("✉ queued: from {} tag {}", m.id.from, m.id.tag)
}

/// `⧗ waiting for 0, tag 13` when its rank is blocked on the receive,
/// `◇ posted: from 0, tag 13` for a nonblocking one while the rank does
/// something else.
pub fn pending_text(p: &PostedRecv, waited_on: bool) -> String {
    let (source, tag) = (source_name(p.source), tag_name(p.tag));
    if waited_on {
        format!("⧗ waiting for {source}, tag {tag}")
    } else {
        format!("◇ posted: from {source}, tag {tag}")
    }
}

/// `⧗ waiting for 1 to receive, tag 13`: a send whose data stays at the
/// sender until its receiver arrives.
pub fn sender_waiting_text(m: &Message) -> String {
    format!("⧗ waiting for {} to receive, tag {}", m.id.to, m.id.tag)
}

/// Arrows under the rank boxes: `centers[r]` is the column of rank r.
pub struct Lanes<'a> {
    pub messages: Vec<Message>,
    pub centers: &'a [u16],
    /// Where the ranks run: a message between hosts is drawn apart.
    pub header: &'a Header,
    pub now: f64,
    /// Seconds an envelope takes to cross.
    pub flight: f64,
    /// Whether the values messages carry are shown.
    pub values: bool,
    pub theme: Theme,
}

impl Widget for &Lanes<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let rows = area.height as usize;
        let shown = if self.messages.len() > rows {
            rows - 1
        } else {
            self.messages.len()
        };
        for (i, m) in self.messages.iter().take(shown).enumerate() {
            let y = area.y + i as u16;
            let (Some(&a), Some(&b)) = (
                self.centers.get(m.id.from as usize),
                self.centers.get(m.id.to as usize),
            ) else {
                continue;
            };
            self.arrow(m, a, b, y, area, buf);
        }
        if shown < self.messages.len() {
            let more = self.messages.len() - shown;
            buf.set_stringn(
                area.x,
                area.y + shown as u16,
                format!("+{more} more messages"),
                area.width as usize,
                self.theme.dim(),
            );
        }
    }
}

impl Lanes<'_> {
    fn arrow(&self, m: &Message, a: u16, b: u16, y: u16, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        // In flight ends when the receive completes, wherever the envelope
        // was: the live view holds a completion back until its envelope has
        // crossed, a replay or a full-speed run shows it as it happened.
        let delivered = m.state == MsgState::Delivered;
        // Between hosts: a double line, its own colour and the mark.
        let crosses = self.header.crosses_hosts(m.id.from, m.id.to);
        let line_style = match (delivered, crosses) {
            (true, _) => t.dim(),
            (false, true) => t.crossing(),
            (false, false) => t.message(),
        };
        let (lo, hi) = (a.min(b), a.max(b));
        let rule = if crosses { "═" } else { "─" };
        for x in lo..=hi {
            buf.set_string(x, y, rule, line_style);
        }
        let head = if delivered {
            "✓"
        } else if b > a {
            "▶"
        } else {
            "◀"
        };
        buf.set_string(b, y, head, line_style);
        let envelope = (!delivered).then(|| self.envelope(m, (a, b), y, line_style, buf));
        let mut text = label(m, self.values);
        if crosses {
            text = format!("{CROSSES} {text}");
        }
        match m.state {
            MsgState::Delivered => text.push_str(" delivered"),
            MsgState::Unexpected => text.push_str(" (no recv yet)"),
            MsgState::InFlight => {}
        }
        let style = if delivered { t.dim() } else { Style::new() };
        place_label(&text, (lo, hi), envelope, (y, area), style, buf);
    }

    /// The envelope, over the cells strictly between the ends `a` and
    /// `b`, as far along as the message is; returns its column.
    fn envelope(
        &self,
        m: &Message,
        (a, b): (u16, u16),
        y: u16,
        style: Style,
        buf: &mut Buffer,
    ) -> u16 {
        let (lo, hi) = (a.min(b), a.max(b));
        let span = f64::from(hi - lo).max(1.0);
        let off = (progress(m, self.now, self.flight) * (span - 1.0)).round() as u16;
        let x = if b > a {
            (a + 1 + off).min(b.saturating_sub(1)).max(a)
        } else {
            a.saturating_sub(1 + off).max(b + 1).min(a)
        };
        buf.set_string(x, y, "✉", style);
        x
    }
}

/// A message's label on row `y` of `area`: right of its arrow, else left
/// of it, else on the arrow itself, else cut at the right edge.
fn place_label(
    text: &str,
    (lo, hi): (u16, u16),
    envelope: Option<u16>,
    (y, area): (u16, Rect),
    style: Style,
    buf: &mut Buffer,
) {
    let len = text.chars().count() as u16;
    let right = area.x + area.width;
    if hi + 2 + len <= right {
        buf.set_string(hi + 2, y, text, style);
    } else if lo >= area.x + len + 2 {
        buf.set_string(lo - 1 - len, y, text, style);
    } else if let Some(x) = on_the_line(lo, hi, envelope, len) {
        buf.set_string(x, y, format!(" {text} "), style);
    } else {
        let room = right.saturating_sub(hi + 2) as usize;
        buf.set_stringn(hi + 2, y, fit(text, room), room, style);
    }
}

/// Where a label with a blank each side fits on its own arrow, when it
/// fits beside it on neither side: its first column, centred in the longer
/// stretch between the ends and the envelope.
fn on_the_line(lo: u16, hi: u16, envelope: Option<u16>, len: u16) -> Option<u16> {
    let stretches = match envelope {
        Some(e) => [(lo + 1, e), (e + 1, hi)],
        None => [(lo + 1, hi), (hi, hi)],
    };
    let (start, end) = stretches
        .into_iter()
        .max_by_key(|(s, e)| e.saturating_sub(*s))?;
    let free = end.saturating_sub(start);
    (free >= len + 2).then(|| start + (free - len - 2) / 2)
}

/// A list of messages and pending receives, for when arrows do not fit.
pub struct MessageList<'a> {
    pub model: &'a Model,
    pub now: f64,
    pub flight: f64,
    pub values: bool,
    pub theme: Theme,
}

impl MessageList<'_> {
    pub fn lines(&self) -> Vec<(String, Style)> {
        let t = self.theme;
        let mut out = Vec::new();
        let flows: Vec<Message> = self.model.flows().collect();
        for m in self.model.messages().chain(flows.iter()) {
            let (what, style) = match m.state {
                MsgState::InFlight => ("in flight".to_string(), t.message()),
                MsgState::Unexpected if self.model.sender_waits(m) => (
                    format!("at {}, waiting for {} to receive", m.id.from, m.id.to),
                    t.waiting(),
                ),
                MsgState::Unexpected if is_queued(m, self.now, self.flight) => {
                    (format!("queued at {} (no recv yet)", m.id.to), t.message())
                }
                MsgState::Unexpected => ("in flight (no recv yet)".to_string(), t.message()),
                MsgState::Delivered => continue,
            };
            // Between hosts: the mark for the envelope, and its colour.
            let (mark, style) = if self.model.header().crosses_hosts(m.id.from, m.id.to) {
                (CROSSES, t.crossing())
            } else {
                ("✉", style)
            };
            out.push((
                format!(
                    "{mark} {} → {}  {}  {what}",
                    m.id.from,
                    m.id.to,
                    label(m, self.values)
                ),
                style,
            ));
        }
        for p in self.model.pending_receives() {
            let waited_on = self.model.receive_waited_on(p);
            let style = if waited_on { t.waiting() } else { t.dim() };
            // `⧗ 3 waiting for 2, tag 1`: the rank after the mark.
            let text = pending_text(p, waited_on);
            let (mark, rest) = text.split_once(' ').unwrap_or(("", &text));
            out.push((format!("{mark} {} {rest}", p.rank), style));
        }
        out
    }
}

impl Widget for &MessageList<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let lines = self.lines();
        let rows = area.height as usize;
        let w = area.width as usize;
        let cut = lines.len() > rows;
        for (i, (text, style)) in lines
            .iter()
            .take(if cut { rows.saturating_sub(1) } else { rows })
            .enumerate()
        {
            buf.set_stringn(area.x, area.y + i as u16, fit(text, w), w, *style);
        }
        if cut && rows > 0 {
            let more = lines.len() - (rows - 1);
            buf.set_stringn(
                area.x,
                area.y + rows as u16 - 1,
                format!("+{more} more"),
                w,
                self.theme.dim(),
            );
        }
    }
}
