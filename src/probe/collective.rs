//! Collective calls, each done as its nonblocking MPI-3 version waited for
//! politely, so ranks that arrive early do not spin a core.

use std::panic::Location;

use mpi::collective::SystemOperation;
use mpi::traits::*;

use super::comm::Comm;
use super::instrument::Ending;
use super::recorder::{CallSpec, CollectiveSpec};
use super::site::site_of;
use super::{preview_of, Datum};
use crate::trace::{Op, Site};

/// How a reduction combines values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceOp {
    Sum,
    Product,
    Max,
    Min,
}

impl ReduceOp {
    /// How the trace names it.
    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "sum",
            ReduceOp::Product => "product",
            ReduceOp::Max => "max",
            ReduceOp::Min => "min",
        }
    }

    pub(super) fn mpi(self) -> SystemOperation {
        match self {
            ReduceOp::Sum => SystemOperation::sum(),
            ReduceOp::Product => SystemOperation::product(),
            ReduceOp::Max => SystemOperation::max(),
            ReduceOp::Min => SystemOperation::min(),
        }
    }
}

impl Comm {
    /// A collective of `count` values of `T` on the world, checked for its
    /// root.
    #[track_caller]
    pub(super) fn collective<T: Datum>(
        &self,
        op: Op,
        site: Site,
        root: Option<u32>,
        count: usize,
    ) -> CallSpec<'static> {
        if let Some(r) = root {
            self.check_rank(r, "root rank");
        }
        CallSpec::new(op, site).collective(CollectiveSpec {
            root,
            count: count as u64,
            datatype: T::NAME.into(),
            bytes: (count * std::mem::size_of::<T>()) as u64,
            members: self.size(),
        })
    }

    /// Waits until every rank has reached the barrier.
    #[track_caller]
    pub fn barrier(&self) {
        let spec = self.collective::<u8>(Op::Barrier, site_of(Location::caller()), None, 0);
        self.instrument(spec, |call| {
            call.wait(self.world.immediate_barrier());
            ((), Ending::Plain)
        });
    }

    /// The root's `buf` is copied into every other rank's `buf`.
    #[track_caller]
    pub fn bcast<T: Datum>(&self, buf: &mut [T], root: u32) {
        let site = site_of(Location::caller());
        let put = (self.rank() == root).then(|| preview_of(buf)).flatten();
        let spec = self.collective::<T>(Op::Bcast, site, Some(root), buf.len());
        let root_p = self.world.process_at_rank(root as i32);
        self.instrument(spec.showing(put), |call| {
            mpi::request::scope(|s| call.wait(root_p.immediate_broadcast_into(s, buf)));
            call.got(preview_of(buf));
            ((), Ending::Plain)
        });
    }

    /// The root's `send` (only read on the root) is cut into `size()` equal
    /// chunks; chunk i lands in rank i's `recv`.
    #[track_caller]
    pub fn scatter<T: Datum>(&self, send: &[T], recv: &mut [T], root: u32) {
        let site = site_of(Location::caller());
        let put = (self.rank() == root).then(|| preview_of(send)).flatten();
        let spec = self.collective::<T>(Op::Scatter, site, Some(root), recv.len());
        let root_p = self.world.process_at_rank(root as i32);
        self.instrument(spec.showing(put), |call| {
            mpi::request::scope(|s| {
                if self.rank() == root {
                    assert_eq!(
                        send.len(),
                        recv.len() * self.size() as usize,
                        "scatter: the root sends size() chunks of recv.len() values"
                    );
                    call.wait(root_p.immediate_scatter_into_root(s, send, recv))
                } else {
                    call.wait(root_p.immediate_scatter_into(s, recv))
                }
            });
            call.got(preview_of(recv));
            ((), Ending::Plain)
        });
    }

    /// Every rank's `send` is collected, in rank order, into the root's
    /// `recv` (only written on the root).
    #[track_caller]
    pub fn gather<T: Datum>(&self, send: &[T], recv: &mut [T], root: u32) {
        let site = site_of(Location::caller());
        let spec = self.collective::<T>(Op::Gather, site, Some(root), send.len());
        let root_p = self.world.process_at_rank(root as i32);
        self.instrument(spec.showing(preview_of(send)), |call| {
            mpi::request::scope(|s| {
                if self.rank() == root {
                    assert_eq!(
                        recv.len(),
                        send.len() * self.size() as usize,
                        "gather: the root receives size() chunks of send.len() values"
                    );
                    call.wait(root_p.immediate_gather_into_root(s, send, recv))
                } else {
                    call.wait(root_p.immediate_gather_into(s, send))
                }
            });
            if self.rank() == root {
                call.got(preview_of(recv));
            }
            ((), Ending::Plain)
        });
    }

    /// Combines every rank's `send` element-wise with `op` into the root's
    /// `recv` (only written on the root).
    #[track_caller]
    pub fn reduce<T: Datum>(&self, send: &[T], recv: &mut [T], op: ReduceOp, root: u32) {
        let site = site_of(Location::caller());
        let spec = self
            .collective::<T>(Op::Reduce, site, Some(root), send.len())
            .showing(preview_of(send))
            .reducing(op.name());
        let root_p = self.world.process_at_rank(root as i32);
        self.instrument(spec, |call| {
            mpi::request::scope(|s| {
                if self.rank() == root {
                    call.wait(root_p.immediate_reduce_into_root(s, send, recv, op.mpi()))
                } else {
                    call.wait(root_p.immediate_reduce_into(s, send, op.mpi()))
                }
            });
            if self.rank() == root {
                call.got(preview_of(recv));
            }
            ((), Ending::Plain)
        });
    }

    /// Like `reduce`, but every rank gets the result.
    #[track_caller]
    pub fn allreduce<T: Datum>(&self, send: &[T], recv: &mut [T], op: ReduceOp) {
        let site = site_of(Location::caller());
        let spec = self
            .collective::<T>(Op::Allreduce, site, None, send.len())
            .showing(preview_of(send))
            .reducing(op.name());
        self.instrument(spec, |call| {
            mpi::request::scope(|s| {
                call.wait(
                    self.world
                        .immediate_all_reduce_into(s, send, recv, op.mpi()),
                )
            });
            call.got(preview_of(recv));
            ((), Ending::Plain)
        });
    }
}
