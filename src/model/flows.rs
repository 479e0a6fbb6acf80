//! Collectives as the data they move between ranks: the logical movement
//! (bcast root -> all, scatter root -> each, gather and reduce each ->
//! root, allreduce, allgather, alltoall and reduce_scatter all -> all,
//! scan and exscan each -> the ranks after it; a nonblocking collective as
//! its blocking form), not the library's internal algorithm. A flow is in
//! flight from when its source rank entered the collective until its
//! destination rank left it. Flows are shown as [`Message`]s, so the
//! panels that show messages show them too, and counted apart from the
//! point-to-point messages.

use std::collections::{BTreeMap, VecDeque};

use super::messages::{Carrier, Message, MsgState};
use crate::trace::{Call, CallEnd, MsgId, Op, Rank, Site, Values};

/// How many delivered flows are kept for the view.
pub const FLOWS_KEPT: usize = 256;

/// One rank's part in a collective.
#[derive(Debug, Clone, PartialEq)]
struct Part {
    call: u64,
    entered: f64,
    left: Option<f64>,
    count: u64,
    datatype: String,
    bytes: u64,
    /// What it put in, previewed.
    put: Option<Values>,
    /// What it got, previewed.
    got: Option<Values>,
    site: Site,
}

/// One collective as heard so far.
#[derive(Debug, Clone, PartialEq)]
struct Record {
    op: Op,
    comm: u32,
    instance: u64,
    root: Option<Rank>,
    members: u32,
    reduce: Option<String>,
    parts: BTreeMap<Rank, Part>,
}

/// Traffic of one kind of collective: how many ran, how many flows they
/// made and the bytes those carried.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollectiveStats {
    pub op: Option<Op>,
    pub reduce: Option<String>,
    pub calls: u64,
    pub flows: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Flows {
    open: BTreeMap<(u32, u64), Record>,
    done: VecDeque<Message>,
    /// Flows of finished collectives per (from, to): count and bytes.
    pairs: BTreeMap<(Rank, Rank), (u64, u64)>,
    /// Finished collectives per (op, reduction).
    kinds: BTreeMap<(u8, Option<String>), CollectiveStats>,
}

impl Flows {
    /// `rank` entered collective `call` at `t`.
    pub fn enter(&mut self, rank: Rank, call: &Call, t: f64) {
        let Some(cp) = &call.collective else { return };
        // No data moves: synchronisation, communicators, windows.
        if moves_like(call.op).is_none() {
            return;
        }
        let record = self
            .open
            .entry((call.comm, cp.instance))
            .or_insert_with(|| Record {
                op: call.op,
                comm: call.comm,
                instance: cp.instance,
                root: cp.root,
                members: cp.members,
                reduce: None,
                parts: BTreeMap::new(),
            });
        if record.reduce.is_none() {
            record.reduce = cp.reduce.as_ref().map(|r| r.to_string());
        }
        record.parts.entry(rank).or_insert_with(|| Part {
            call: call.id,
            entered: t,
            left: None,
            count: cp.count,
            datatype: cp.datatype.to_string(),
            bytes: cp.bytes,
            put: cp.values.clone(),
            got: None,
            site: call.site.clone(),
        });
    }

    /// `rank` left collective `call` at `t`, having got `end`'s values.
    pub fn leave(&mut self, rank: Rank, call: &Call, end: &CallEnd, t: f64) {
        let Some(cp) = &call.collective else { return };
        let key = (call.comm, cp.instance);
        let Some(record) = self.open.get_mut(&key) else {
            return;
        };
        if let Some(part) = record.parts.get_mut(&rank) {
            part.left = Some(t);
            part.got = end.values.clone();
            // A pickled object's size, known only once it arrived.
            if end.bytes > 0 {
                part.bytes = end.bytes;
            }
        }
        let left = record.parts.values().filter(|p| p.left.is_some()).count();
        if left >= record.members as usize {
            if let Some(record) = self.open.remove(&key) {
                self.finish(&record);
            }
        }
    }

    /// A finished collective: its flows counted and kept for the view.
    fn finish(&mut self, record: &Record) {
        let flows = record.flows();
        let kind = self
            .kinds
            .entry((record.op as u8, record.reduce.clone()))
            .or_insert_with(|| CollectiveStats {
                op: Some(record.op),
                reduce: record.reduce.clone(),
                ..Default::default()
            });
        kind.calls += 1;
        for m in flows {
            kind.flows += 1;
            kind.bytes += m.bytes;
            let e = self.pairs.entry((m.id.from, m.id.to)).or_default();
            e.0 += 1;
            e.1 += m.bytes;
            self.done.push_back(m);
        }
        while self.done.len() > FLOWS_KEPT {
            self.done.pop_front();
        }
    }

    /// Flows of collectives under way, then the last delivered ones.
    pub fn iter(&self) -> impl Iterator<Item = Message> + '_ {
        self.open
            .values()
            .flat_map(Record::flows)
            .chain(self.done.iter().cloned())
    }

    /// Flows per (from, to), finished collectives and those under way.
    pub fn pairs(&self) -> BTreeMap<(Rank, Rank), (u64, u64)> {
        let mut pairs = self.pairs.clone();
        for m in self.open.values().flat_map(Record::flows) {
            let e = pairs.entry((m.id.from, m.id.to)).or_default();
            e.0 += 1;
            e.1 += m.bytes;
        }
        pairs
    }

    /// Traffic per kind of collective, those under way included.
    pub fn kinds(&self) -> Vec<CollectiveStats> {
        let mut kinds = self.kinds.clone();
        for record in self.open.values() {
            let kind = kinds
                .entry((record.op as u8, record.reduce.clone()))
                .or_insert_with(|| CollectiveStats {
                    op: Some(record.op),
                    reduce: record.reduce.clone(),
                    ..Default::default()
                });
            kind.calls += 1;
            for m in record.flows() {
                kind.flows += 1;
                kind.bytes += m.bytes;
            }
        }
        kinds.into_values().filter(|k| k.calls > 0).collect()
    }
}

impl Record {
    /// The ranks the collective involves: the whole world for the world
    /// communicator, else those heard of so far.
    fn ranks(&self) -> Vec<Rank> {
        if self.comm == 0 {
            (0..self.members).collect()
        } else {
            self.parts.keys().copied().collect()
        }
    }

    /// Every (source, destination) pair whose data moves, as far as the
    /// sources have entered.
    fn pairs(&self) -> Vec<(Rank, Rank)> {
        let ranks = self.ranks();
        let entered = |r: &Rank| self.parts.contains_key(r);
        let others = |r: Rank| ranks.iter().copied().filter(move |&s| s != r);
        match (moves_like(self.op), self.root) {
            (Some(Op::Bcast | Op::Scatter | Op::Scatterv), Some(root)) if entered(&root) => {
                others(root).map(|to| (root, to)).collect()
            }
            (Some(Op::Gather | Op::Gatherv | Op::Reduce), Some(root)) => (ranks.iter())
                .filter(|r| **r != root && entered(r))
                .map(|&from| (from, root))
                .collect(),
            (
                Some(
                    Op::Allreduce
                    | Op::Allgather
                    | Op::Allgatherv
                    | Op::Alltoall
                    | Op::Alltoallv
                    | Op::ReduceScatter
                    | Op::ReduceScatterBlock,
                ),
                _,
            ) => (ranks.iter())
                .filter(|r| entered(r))
                .flat_map(|&from| others(from).map(move |to| (from, to)))
                .collect(),
            (Some(Op::Scan | Op::Exscan), _) => (ranks.iter())
                .filter(|r| entered(r))
                .flat_map(|&from| {
                    (ranks.iter().copied().filter(move |&to| to > from)).map(move |to| (from, to))
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The flows as messages.
    fn flows(&self) -> Vec<Message> {
        self.pairs()
            .into_iter()
            .filter_map(|(from, to)| self.flow(from, to))
            .collect()
    }

    /// The data `from` sends `to`: the sender's share, except a scatter's
    /// chunk, which is the receiver's, and in reduce_scatter and alltoallv
    /// the receiver's part of the sender's vector.
    fn flow(&self, from: Rank, to: Rank) -> Option<Message> {
        let source = self.parts.get(&from)?;
        let dest = self.parts.get(&to);
        let (sized, count, bytes, values) = match moves_like(self.op) {
            Some(Op::Scatter | Op::Scatterv) => {
                let sized = dest.unwrap_or(source);
                let values = dest.and_then(|d| d.got.clone());
                (sized, sized.count, sized.bytes, values)
            }
            Some(Op::ReduceScatter | Op::ReduceScatterBlock | Op::Alltoallv) => {
                let (count, bytes) = self.part_for(source, to);
                // The preview is of the whole vector, not of this part.
                (source, count, bytes, None)
            }
            _ => (source, source.count, source.bytes, source.put.clone()),
        };
        let delivered_at = dest.and_then(|d| d.left);
        Some(Message {
            id: MsgId {
                from,
                to,
                tag: 0,
                comm: self.comm,
                k: self.instance,
            },
            count,
            datatype: sized.datatype.clone(),
            bytes,
            sent_at: source.entered,
            send_call: source.call,
            site: source.site.clone(),
            state: if delivered_at.is_some() {
                MsgState::Delivered
            } else {
                MsgState::InFlight
            },
            matched_by: dest.map(|d| d.call),
            delivered_at,
            carrier: Carrier::Collective {
                op: self.op,
                reduce: self.reduce.clone(),
            },
            values,
            order: 0,
        })
    }

    /// The part of `source`'s vector meant for rank `to`. The record has
    /// each rank's whole vector, not the count of each part, so this is an
    /// even share of it: over all the ranks the parts add up to the vector
    /// (exact for reduce_scatter_block, whose parts are equal).
    fn part_for(&self, source: &Part, to: Rank) -> (u64, u64) {
        let parts = u64::from(self.members.max(1));
        let index = (self.ranks().iter()).position(|&r| r == to).unwrap_or(0) as u64;
        let count = share(source.count, parts, index);
        let bytes = match source.count {
            0 => share(source.bytes, parts, index),
            whole => source.bytes / whole * count,
        };
        (count, bytes)
    }
}

/// Part `index` of `total` cut into `parts` as even as whole numbers let.
fn share(total: u64, parts: u64, index: u64) -> u64 {
    let upto = |i: u64| u128::from(total) * u128::from(i) / u128::from(parts);
    u64::try_from(upto(index + 1) - upto(index)).unwrap_or(u64::MAX)
}

/// The blocking collective whose data movement `op` has: itself, or for a
/// nonblocking collective its blocking form. None for a call that moves no
/// data: a barrier, a communicator or window call, anything else.
pub fn moves_like(op: Op) -> Option<Op> {
    let blocking = match op {
        Op::Ibcast => Op::Bcast,
        Op::Iscatter => Op::Scatter,
        Op::Iscatterv => Op::Scatterv,
        Op::Igather => Op::Gather,
        Op::Igatherv => Op::Gatherv,
        Op::Iallgather => Op::Allgather,
        Op::Iallgatherv => Op::Allgatherv,
        Op::Ialltoall => Op::Alltoall,
        Op::Ialltoallv => Op::Alltoallv,
        Op::Ireduce => Op::Reduce,
        Op::Iallreduce => Op::Allreduce,
        Op::IreduceScatter => Op::ReduceScatter,
        Op::IreduceScatterBlock => Op::ReduceScatterBlock,
        Op::Iscan => Op::Scan,
        Op::Iexscan => Op::Exscan,
        op => op,
    };
    let moves = matches!(
        blocking,
        Op::Bcast
            | Op::Scatter
            | Op::Scatterv
            | Op::Gather
            | Op::Gatherv
            | Op::Reduce
            | Op::Allreduce
            | Op::Allgather
            | Op::Allgatherv
            | Op::Alltoall
            | Op::Alltoallv
            | Op::ReduceScatter
            | Op::ReduceScatterBlock
            | Op::Scan
            | Op::Exscan
    );
    moves.then_some(blocking)
}

/// A call that makes (or joins) communicators: collective, and no user
/// data moves.
pub fn is_communicator_call(op: Op) -> bool {
    matches!(
        op,
        Op::CommSplit | Op::CommDup | Op::CommCreate | Op::CartCreate | Op::IntercommCreate
    )
}
