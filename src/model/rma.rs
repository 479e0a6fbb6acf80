//! One-sided transfers as the data they move: a put from its origin into
//! the target's window, a get from the target's window to its origin. A
//! transfer is in flight from the put or get until the origin's next fence
//! ends (MPI completes it there, not before), and is shown as a
//! [`Message`] like the collectives' flows. Each rank's window as its
//! last window call saw it is kept for the view.

use std::collections::{BTreeMap, VecDeque};

use super::messages::{Carrier, Message, MsgState};
use crate::trace::{Call, CallEnd, MsgId, Op, Rank};

/// How many completed transfers are kept for the view.
pub const TRANSFERS_KEPT: usize = 256;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Rma {
    /// Transfers under way, by origin, oldest first.
    open: BTreeMap<Rank, Vec<Message>>,
    done: VecDeque<Message>,
    /// Each rank's window contents, previewed, as of its last window call.
    windows: BTreeMap<Rank, String>,
    made: u64,
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

    /// `rank`'s window contents, previewed, if it has one.
    pub fn window(&self, rank: Rank) -> Option<&str> {
        self.windows.get(&rank).map(String::as_str)
    }
}
