//! One-sided transfers as the data they move: a put from its origin into
//! the target's window, a get from the target's window to its origin. A
//! transfer is in flight from the put or get until the origin's next fence
//! ends (MPI completes it there, not before), and is shown as a
//! [`Message`] like the collectives' flows. Each rank's window as its
//! last window call saw it is kept for the view.

use std::collections::{BTreeMap, VecDeque};

use super::messages::{Carrier, Message, MsgState};
use super::summary::{pair_stats, OneSidedStats, PairStats};
use crate::trace::{Call, CallEnd, MsgId, Op, Rank, Values};

/// How many completed transfers are kept for the view.
pub const TRANSFERS_KEPT: usize = 256;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Rma {
    /// Transfers under way, by origin, oldest first.
    open: BTreeMap<Rank, Vec<Message>>,
    done: VecDeque<Message>,
    /// Each rank's window contents, previewed, as of its last window call.
    windows: BTreeMap<Rank, Values>,
    made: u64,
    /// Transfers made per kind.
    kinds: BTreeMap<u8, OneSidedStats>,
    /// Transfers made per (from, to): count and bytes.
    pairs: BTreeMap<(Rank, Rank), (u64, u64)>,
    /// Window calls made together, per op: synchronisation, no data.
    synchronised: BTreeMap<u8, (Op, u64)>,
}

impl Rma {
    /// `rank` began `call` at `t`: a put or get starts a transfer, a new
    /// window shows its first values.
    pub fn begin(&mut self, rank: Rank, call: &Call, t: f64) {
        if call.op == Op::WinCreate {
            if let Some(values) = call.collective.as_ref().and_then(|c| c.values.clone()) {
                self.windows.insert(rank, values);
            }
        }
        let Some(part) = &call.rma else { return };
        // A put moves data to the target, a get from it.
        let (from, to) = match call.op {
            Op::Get => (part.target, rank),
            _ => (rank, part.target),
        };
        self.made += 1;
        self.count(call.op, (from, to), part.bytes);
        let transfer = Message {
            id: MsgId {
                from,
                to,
                tag: 0,
                comm: call.comm,
                k: self.made,
            },
            count: part.count,
            datatype: part.datatype.to_string(),
            bytes: part.bytes,
            sent_at: t,
            send_call: call.id,
            site: call.site.clone(),
            state: MsgState::InFlight,
            matched_by: None,
            delivered_at: None,
            carrier: Carrier::Collective {
                op: call.op,
                reduce: None,
            },
            values: part.values.clone(),
            order: self.made,
        };
        self.open.entry(rank).or_default().push(transfer);
    }

    /// `rank` ended `end` at `t`: a fence completes the rank's transfers
    /// and shows its window as it now is.
    pub fn end(&mut self, rank: Rank, end: &CallEnd, t: f64) {
        if end.op != Op::Fence {
            return;
        }
        if let Some(values) = &end.values {
            self.windows.insert(rank, values.clone());
        }
        for mut transfer in self.open.remove(&rank).unwrap_or_default() {
            transfer.state = MsgState::Delivered;
            transfer.delivered_at = Some(t);
            self.done.push_back(transfer);
        }
        while self.done.len() > TRANSFERS_KEPT {
            self.done.pop_front();
        }
    }

    /// Transfers under way, then the last completed ones.
    pub fn iter(&self) -> impl Iterator<Item = &Message> + '_ {
        self.open.values().flatten().chain(self.done.iter())
    }

    /// The ranks began a new window call together (each collective once).
    pub fn synchronise(&mut self, op: Op) {
        if is_window_call(op) {
            self.synchronised.entry(op as u8).or_insert((op, 0)).1 += 1;
        }
    }

    /// One more transfer of kind `op` from `way.0` to `way.1`.
    fn count(&mut self, op: Op, way: (Rank, Rank), bytes: u64) {
        let kind = self.kinds.entry(op as u8).or_insert(OneSidedStats {
            op,
            transfers: 0,
            bytes: 0,
        });
        kind.transfers += 1;
        kind.bytes += bytes;
        let pair = self.pairs.entry(way).or_default();
        pair.0 += 1;
        pair.1 += bytes;
    }

    /// Transfers per kind, puts before gets.
    pub fn kinds(&self) -> Vec<OneSidedStats> {
        self.kinds.values().cloned().collect()
    }

    /// Transfers per (from, to), whatever their kind.
    pub fn pairs(&self) -> Vec<PairStats> {
        pair_stats(&self.pairs)
    }

    /// Window calls made, per op, in the order MPI has them.
    pub fn window_calls(&self) -> Vec<(Op, u64)> {
        self.synchronised.values().copied().collect()
    }

    /// `rank`'s window contents, previewed, if it has one.
    pub fn window(&self, rank: Rank) -> Option<&Values> {
        self.windows.get(&rank)
    }
}

/// A call on a window that moves no data: it opens, ends an epoch or
/// closes.
pub fn is_window_call(op: Op) -> bool {
    matches!(op, Op::WinCreate | Op::Fence | Op::WinFree)
}
