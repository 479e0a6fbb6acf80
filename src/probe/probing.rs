//! `probe`: waiting for a message without taking it, to learn its size
//! before receiving it. Done as MPI_Iprobe tested politely, so a rank that
//! waits long does not spin a core.

use std::panic::Location;

use mpi::point_to_point::{Source as _, Status};
use mpi::traits::*;

use super::comm::{recv_status, Comm, RecvStatus};
use super::instrument::Ending;
use super::recorder::CallSpec;
use super::site::site_of;
use super::wait::Backoff;
use super::Datum;
use crate::trace::{Op, Source, TagSel};

impl Comm {
    /// Waits until a message from `source` (a rank or `ANY_SOURCE`) with
    /// `tag` (or `ANY_TAG`) is there, and leaves it for a receive: its
    /// status says who sent it, its tag and how many values of `T` it
    /// holds (MPI_Get_count).
    #[track_caller]
    pub fn probe<T: Datum>(&self, source: impl Into<Source>, tag: impl Into<TagSel>) -> RecvStatus {
        let site = site_of(Location::caller());
        let (source, tag) = (source.into(), tag.into());
        if let Source::Rank(r) = source {
            self.check_rank(r, "source rank");
        }
        self.instrument(CallSpec::new(Op::Probe, site), |call| {
            call.posted();
            let mut backoff = Backoff::new();
            loop {
                if let Some(status) = self.look(source, tag) {
                    return (recv_status::<T>(&status), Ending::Plain);
                }
                if backoff.snooze() {
                    call.about_to_wait();
                }
            }
        })
    }

    /// One MPI_Iprobe: the status of a matching message, if one is there.
    fn look(&self, source: Source, tag: TagSel) -> Option<Status> {
        let tag = match tag {
            TagSel::Tag(t) => t,
            // SAFETY: reading an MPI constant, set once MPI is initialised.
            TagSel::Any => unsafe { mpi::ffi::RSMPI_ANY_TAG },
        };
        match source {
            Source::Rank(r) => self
                .world
                .process_at_rank(r as i32)
                .immediate_probe_with_tag(tag),
            Source::Any => self.world.any_process().immediate_probe_with_tag(tag),
        }
    }
}
