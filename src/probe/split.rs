//! Communicators split from the world ([`Comm::split`]). The trace names
//! every peer by its world rank and a communicator by a number its members
//! compute alike without talking (0 for the world), so a split
//! communicator's calls are recorded in world terms: the lesson uses its
//! own ranks, the view shows the world's.

use std::panic::Location;
use std::rc::Rc;

use mpi::topology::Group as _;
use mpi::topology::{Color, SimpleCommunicator};
use mpi::traits::*;

use super::comm::Comm;
use super::instrument::Ending;
use super::recorder::{Arrival, CallSpec, CollectiveSpec};
use super::site::site_of;
use crate::trace::{Op, Source};

/// A split communicator as the trace sees it.
#[derive(Debug, Clone)]
pub(super) struct Group {
    /// [`comm_number`] of the members.
    number: u32,
    /// The world rank of each rank of the communicator.
    world_ranks: Vec<u32>,
}

/// The number of the communicator whose ranks are these world ranks, in
/// order: FNV-1a of the list, never 0 (the world's number). Every member
/// computes the same number alone, and a watched program's communicator of
/// the same members gets the same one.
pub fn comm_number(world_ranks: &[u32]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for r in world_ranks {
        for b in r.to_le_bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }
    h.max(1)
}

impl Comm {
    /// `MPI_Comm_split`: every rank calls it; the ranks that pass the same
    /// `color` get one new communicator together, ranked by `key` (ties by
    /// their rank here).
    #[track_caller]
    pub fn split(&self, color: u32, key: i32) -> Comm {
        let site = site_of(Location::caller());
        let spec = CallSpec::new(Op::CommSplit, site).collective(CollectiveSpec {
            root: None,
            count: 0,
            datatype: "MPI_Comm".into(),
            bytes: 0,
            members: self.size(),
        });
        self.instrument(spec, |call| {
            // MPI has no nonblocking split: a barrier waited for politely
            // first, so that early ranks sleep instead of spinning in it.
            call.wait(self.world.immediate_barrier());
            let color = Color::with_value(color as i32);
            let split = (self.world.split_by_color_with_key(color, key))
                .expect("a color that is not MPI_UNDEFINED gives a communicator");
            (self.split_off(split), Ending::Plain)
        })
    }

    /// A communicator made from `split`, recording on this rank's recorder.
    fn split_off(&self, split: SimpleCommunicator) -> Comm {
        let ranks: Vec<i32> = (0..split.size()).collect();
        let everyone = SimpleCommunicator::world();
        let world_ranks: Vec<u32> = (split.group())
            .translate_ranks(&ranks, &everyone.group())
            .into_iter()
            .map(|r| r.expect("every member is in the world") as u32)
            .collect();
        let group = Group {
            number: comm_number(&world_ranks),
            world_ranks,
        };
        Comm::sharing(split, Rc::clone(&self.recorder), group)
    }

    /// The world rank of this communicator's rank `r`.
    fn world_rank(&self, r: u32) -> u32 {
        match &self.group {
            Some(g) => g.world_ranks.get(r as usize).copied().unwrap_or(r),
            None => r,
        }
    }

    /// `spec`, made on this communicator, with world ranks and its number.
    pub(super) fn in_world_terms<'a>(&self, mut spec: CallSpec<'a>) -> CallSpec<'a> {
        let Some(group) = &self.group else {
            return spec;
        };
        if let Some(send) = spec.send.as_mut() {
            send.dest = self.world_rank(send.dest);
        }
        let source = |s: Source| match s {
            Source::Rank(r) => Source::Rank(self.world_rank(r)),
            Source::Any => Source::Any,
        };
        if let Some(recv) = spec.recv.as_mut() {
            recv.source = source(recv.source);
        }
        if let Some(probe) = spec.probe.as_mut() {
            probe.source = source(probe.source);
        }
        if let Some(collective) = spec.collective.as_mut() {
            collective.root = collective.root.map(|r| self.world_rank(r));
        }
        spec.on(group.number)
    }

    /// `ending`, with the senders of what it received as world ranks.
    pub(super) fn ending_in_world_terms(&self, mut ending: Ending) -> Ending {
        if self.group.is_none() {
            return ending;
        }
        let translate = |a: &mut Arrival| a.source = self.world_rank(a.source);
        match &mut ending {
            Ending::Plain => {}
            Ending::Received(a) => translate(a),
            Ending::ReceivedAll(all) => all.iter_mut().for_each(translate),
            Ending::Tested { arrival, .. } => arrival.iter_mut().for_each(translate),
        }
        ending
    }
}
