//! The collectives where every rank both gives and gets: allgather,
//! alltoall and scan. Each is done as its nonblocking MPI-3 version waited
//! for politely, like the others (collective.rs).

use std::panic::Location;

use mpi::traits::*;

use super::collective::ReduceOp;
use super::comm::Comm;
use super::instrument::Ending;
use super::site::site_of;
use super::{preview_of, Datum};
use crate::trace::Op;

impl Comm {
    /// Every rank's `send` is collected, in rank order, into every rank's
    /// `recv` (`size()` chunks of `send.len()` values).
    #[track_caller]
    pub fn allgather<T: Datum>(&self, send: &[T], recv: &mut [T]) {
        let site = site_of(Location::caller());
        assert_eq!(
            recv.len(),
            send.len() * self.size() as usize,
            "allgather: every rank receives size() chunks of send.len() values"
        );
        let spec = self
            .collective::<T>(Op::Allgather, site, None, send.len())
            .showing(preview_of(send));
        self.instrument(spec, |call| {
            mpi::request::scope(|s| call.wait(self.world.immediate_all_gather_into(s, send, recv)));
            call.got(preview_of(recv));
            ((), Ending::Plain)
        });
    }

    /// `send` is cut into `size()` equal chunks: chunk j goes to rank j,
    /// whose `recv` holds the chunks from every rank in rank order.
    #[track_caller]
    pub fn alltoall<T: Datum>(&self, send: &[T], recv: &mut [T]) {
        let site = site_of(Location::caller());
        let size = self.size() as usize;
        assert!(
            send.len() % size == 0 && recv.len() == send.len(),
            "alltoall: send and recv hold size() chunks of the same length"
        );
        let spec = self
            .collective::<T>(Op::Alltoall, site, None, send.len() / size)
            .showing(preview_of(send));
        self.instrument(spec, |call| {
            mpi::request::scope(|s| call.wait(self.world.immediate_all_to_all_into(s, send, recv)));
            call.got(preview_of(recv));
            ((), Ending::Plain)
        });
    }

    /// Rank r's `recv` gets `send` of ranks 0 to r combined with `op`
    /// element-wise: an inclusive prefix reduction.
    #[track_caller]
    pub fn scan<T: Datum>(&self, send: &[T], recv: &mut [T], op: ReduceOp) {
        let site = site_of(Location::caller());
        let spec = self
            .collective::<T>(Op::Scan, site, None, send.len())
            .showing(preview_of(send))
            .reducing(op.name());
        self.instrument(spec, |call| {
            mpi::request::scope(|s| {
                call.wait(self.world.immediate_scan_into(s, send, recv, op.mpi()))
            });
            call.got(preview_of(recv));
            ((), Ending::Plain)
        });
    }
}
