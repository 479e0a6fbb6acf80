//! Messages and posted receives, and which posted receive each message in
//! flight will satisfy (MPI's matching: receives in posting order take the
//! oldest message they accept).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::trace::{Call, MsgId, Op, Rank, Received, RecvPart, Site, Source, TagSel, Values};

/// How many delivered messages are kept for the view.
pub const DELIVERED_KEPT: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgState {
    /// Sent, not yet received, and a posted receive at the destination
    /// accepts it: it is on its way into that receive.
    InFlight,
    /// Sent, not yet received, and no posted receive at the destination
    /// accepts it: it waits in the receiver's queue.
    Unexpected,
    /// A receive took it.
    Delivered,
}

/// What carries a message: a point-to-point send, or a collective
/// (its logical data movement, see `model::flows`).
#[derive(Debug, Clone, PartialEq)]
pub enum Carrier {
    PointToPoint,
    Collective { op: Op, reduce: Option<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: MsgId,
    pub count: u64,
    pub datatype: String,
    pub bytes: u64,
    /// When the send began (sender's clock).
    pub sent_at: f64,
    /// The sending call on the sender.
    pub send_call: u64,
    pub site: Site,
    pub state: MsgState,
    /// The posted receive (call id on the destination) that will take it.
    pub matched_by: Option<u64>,
    pub delivered_at: Option<f64>,
    pub carrier: Carrier,
    /// A short preview of the values it carries, when known.
    pub values: Option<Values>,
    /// Arrival order at rank 0, for matching in send order.
    pub(super) order: u64,
}

impl Message {
    pub fn is_collective(&self) -> bool {
        matches!(self.carrier, Carrier::Collective { .. })
    }
}

/// A receive that was posted (recv begun, irecv started) and has not
/// completed yet.
#[derive(Debug, Clone, PartialEq)]
pub struct PostedRecv {
    pub rank: Rank,
    pub call: u64,
    pub op: Op,
    pub comm: u32,
    pub source: Source,
    pub tag: TagSel,
    pub count: u64,
    pub datatype: String,
    pub since: f64,
    pub site: Site,
    /// The in-flight message it will take, if one is there.
    pub matched: Option<MsgId>,
}

impl PostedRecv {
    pub fn accepts(&self, m: &MsgId) -> bool {
        self.comm == m.comm && m.to == self.rank && selects(self.source, self.tag, m)
    }
}

/// Whether a receive or probe from `source` with `tag` takes message `m`
/// (its destination and communicator aside).
fn selects(source: Source, tag: TagSel, m: &MsgId) -> bool {
    let from = match source {
        Source::Any => true,
        Source::Rank(r) => r == m.from,
    };
    from && match tag {
        TagSel::Any => true,
        TagSel::Tag(t) => t == m.tag,
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Messages {
    /// Sent and not yet received.
    live: BTreeMap<MsgId, Message>,
    delivered: VecDeque<Message>,
    /// Received before its send was heard of.
    consumed_unseen: BTreeSet<MsgId>,
    /// Per rank, in posting order.
    posted: Vec<Vec<PostedRecv>>,
    next_order: u64,
}

impl Messages {
    pub fn new(world: usize) -> Self {
        Messages {
            posted: vec![Vec::new(); world],
            ..Default::default()
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Message> {
        self.live.values().chain(self.delivered.iter())
    }

    pub fn live(&self, id: &MsgId) -> Option<&Message> {
        self.live.get(id)
    }

    pub fn posted(&self) -> impl Iterator<Item = &PostedRecv> {
        self.posted.iter().flatten()
    }

    pub fn posted_at(&self, rank: Rank, call: u64) -> Option<&PostedRecv> {
        self.posted
            .get(rank as usize)?
            .iter()
            .find(|p| p.call == call)
    }

    /// Whether a message sent to `rank` on `comm`, not received yet, is
    /// one a probe from `source` with `tag` would find (or a receive
    /// posted before it will take: then it is on its way all the same).
    pub fn any_for(&self, rank: Rank, comm: u32, source: Source, tag: TagSel) -> bool {
        self.live
            .keys()
            .any(|id| id.to == rank && id.comm == comm && selects(source, tag, id))
    }

    /// A send began. Returns false if this message was already known.
    pub fn send(&mut self, call: &Call, t: f64) -> bool {
        let Some(sp) = &call.send else { return false };
        let id = sp.msg;
        if self.live.contains_key(&id) || self.delivered.iter().any(|m| m.id == id) {
            return false;
        }
        let mut m = Message {
            id,
            count: sp.count,
            datatype: sp.datatype.to_string(),
            bytes: sp.bytes,
            sent_at: t,
            send_call: call.id,
            site: call.site.clone(),
            state: MsgState::Unexpected,
            matched_by: None,
            delivered_at: None,
            carrier: Carrier::PointToPoint,
            values: sp.values.clone(),
            order: self.next_order,
        };
        self.next_order += 1;
        if self.consumed_unseen.remove(&id) {
            m.state = MsgState::Delivered;
            m.delivered_at = Some(t);
            self.push_delivered(m);
        } else {
            self.live.insert(id, m);
            self.rematch(id.to);
        }
        true
    }

    /// A receive was posted by `rank`.
    pub fn post(&mut self, rank: Rank, call: &Call, rp: &RecvPart, t: f64) {
        let Some(list) = self.posted.get_mut(rank as usize) else {
            return;
        };
        if list.iter().any(|p| p.call == call.id) {
            return;
        }
        list.push(PostedRecv {
            rank,
            call: call.id,
            op: call.op,
            comm: call.comm,
            source: rp.source,
            tag: rp.tag,
            count: rp.count,
            datatype: rp.datatype.to_string(),
            since: t,
            site: call.site.clone(),
            matched: None,
        });
        self.rematch(rank);
    }

    /// The receive `call` of `rank` completed (or was otherwise retired).
    pub fn unpost(&mut self, rank: Rank, call: u64) {
        if let Some(list) = self.posted.get_mut(rank as usize) {
            let before = list.len();
            list.retain(|p| p.call != call);
            if list.len() != before {
                self.rematch(rank);
            }
        }
    }

    /// The message a receive of `rank` took, when the End could not name
    /// it (an earlier-posted wildcard receive is still open): the one this
    /// model matched to it, if that came from where the End says. Its
    /// flight ends now; a later `Matched` names the message for certain.
    pub fn taken_by(&self, rank: Rank, rec: &Received) -> Option<MsgId> {
        self.posted_at(rank, rec.call)?
            .matched
            .filter(|id| id.from == rec.source && id.tag == rec.tag)
    }

    /// A receive took message `id` at time `t`.
    pub fn consume(&mut self, id: MsgId, t: f64) {
        if let Some(mut m) = self.live.remove(&id) {
            m.state = MsgState::Delivered;
            m.delivered_at = Some(t);
            m.matched_by = None;
            self.push_delivered(m);
            self.rematch(id.to);
        } else if !self.delivered.iter().any(|m| m.id == id) {
            self.consumed_unseen.insert(id);
        }
    }

    fn push_delivered(&mut self, m: Message) {
        self.delivered.push_back(m);
        while self.delivered.len() > DELIVERED_KEPT {
            self.delivered.pop_front();
        }
    }

    /// Recomputes which posted receive of `to` takes which message in flight
    /// to it: receives in posting order, each the oldest message it accepts.
    fn rematch(&mut self, to: Rank) {
        let mut inbox: Vec<(u64, MsgId)> = self
            .live
            .values()
            .filter(|m| m.id.to == to)
            .map(|m| (m.order, m.id))
            .collect();
        inbox.sort();
        let mut taken: BTreeMap<MsgId, u64> = BTreeMap::new();
        if let Some(list) = self.posted.get_mut(to as usize) {
            for p in list.iter_mut() {
                p.matched = inbox
                    .iter()
                    .map(|(_, id)| *id)
                    .find(|id| !taken.contains_key(id) && p.accepts(id));
                if let Some(id) = p.matched {
                    taken.insert(id, p.call);
                }
            }
        }
        for (_, id) in inbox {
            if let Some(m) = self.live.get_mut(&id) {
                m.matched_by = taken.get(&id).copied();
                m.state = if m.matched_by.is_some() {
                    MsgState::InFlight
                } else {
                    MsgState::Unexpected
                };
            }
        }
    }
}
