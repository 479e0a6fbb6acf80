//! The first of the two reads of a trace for OTF2: checks the whole trace
//! before anything is written (a broken trace makes no archive), and
//! learns the members of each communicator other than the world, which
//! OTF2 defines and whose ranks its MPI records count in.
//!
//! The trace names every peer by its world rank and a communicator by a
//! number; its members are the ranks seen on it (calling on it, or named
//! as a peer or root in a call on it). Their order in the communicator
//! is not recorded: they are listed by world rank, which is MPI's order
//! for a split whose key is the rank (the common case); the records name
//! peers by that order, so every message still joins the right two ranks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::error::Error;
use crate::trace::{Call, EventKind, EventStream, Rank, Source};

/// What the first read learnt.
pub(super) struct Scan {
    /// Members of each communicator other than the world (0), by world
    /// rank, ascending.
    pub comms: BTreeMap<u32, Vec<Rank>>,
}

/// Reads the whole trace at `path`; a trace that cannot be exported whole
/// is one line of error.
pub(super) fn scan(path: &Path) -> Result<Scan, Error> {
    let mut events = EventStream::open(path)?;
    let world = events.header.world_size;
    let mut comms: BTreeMap<u32, BTreeSet<Rank>> = BTreeMap::new();
    while let Some((_, e)) = events.next_event()? {
        match &e.event {
            EventKind::Begin(call) | EventKind::Held(call) if call.comm != 0 => {
                let members = comms.entry(call.comm).or_default();
                members.insert(e.rank);
                members.extend(named_ranks(call).filter(|&r| r < world));
            }
            _ => {}
        }
    }
    let truncated = events.truncated;
    let check = events.finish();
    let path = path.display().to_string();
    if let Some(first) = check.lines(&path).into_iter().next() {
        let prefix = format!("trace {path}, ");
        let first = first.strip_prefix(&prefix).unwrap_or(&first);
        return Err(Error::NotExported {
            reason: format!("has {} problem(s), the first: {first}", check.count),
            path,
            code: check.exit_code,
        });
    }
    if truncated {
        return Err(Error::NotExported {
            reason: "was cut off in its last line".into(),
            path,
            code: crate::error::FAILURE_EXIT,
        });
    }
    let comms = comms
        .into_iter()
        .map(|(comm, members)| (comm, members.into_iter().collect()))
        .collect();
    Ok(Scan { comms })
}

/// The world ranks a call names: its peers and its root.
fn named_ranks(call: &Call) -> impl Iterator<Item = Rank> + '_ {
    let dest = call.send.as_ref().map(|s| s.dest);
    let source = call.recv.as_ref().and_then(|r| match r.source {
        Source::Rank(rank) => Some(rank),
        Source::Any => None,
    });
    let root = call.collective.as_ref().and_then(|c| c.root);
    dest.into_iter().chain(source).chain(root)
}
