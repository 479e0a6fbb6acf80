//! Nonblocking collectives: `iallreduce` starts the reduction and returns
//! a [`Reduction`] at once; the rank works on; `wait_reduction` is where it
//! meets the others and gets the result. The request owns both buffers, so
//! the lesson cannot write into memory MPI still reads.

use std::panic::Location;

use mpi::request::StaticScope;
use mpi::traits::*;

use super::collective::ReduceOp;
use super::comm::Comm;
use super::instrument::Ending;
use super::site::site_of;
use super::{preview_of, Datum};
use crate::trace::Op;

type Raw<T> = mpi::request::Request<'static, [T], StaticScope>;

/// A reduction under way, returned by [`Comm::iallreduce`].
pub struct Reduction<T: Datum> {
    id: u64,
    /// A copy of what this rank contributes: MPI reads it until the end.
    send: *mut [T],
    /// Where MPI writes the result.
    result: *mut [T],
    raw: Option<Raw<T>>,
}

impl<T: Datum> Reduction<T> {
    /// The result buffer as it is now, before the wait. MPI promises
    /// nothing about it: the reduction may not have started, be half
    /// done, or be done. Reading it early is the mistake the
    /// nonblocking-collectives lesson shows.
    pub fn read_too_early(&self) -> Vec<T> {
        let start = self.result.cast::<T>();
        (0..self.len())
            // SAFETY: the buffer lives until the reduction completes. Another
            // thread's MPI call may progress the reduction meanwhile, so each
            // value is read once, whole (volatile, aligned), old or new.
            .map(|i| unsafe { std::ptr::read_volatile(start.add(i)) })
            .collect()
    }

    fn len(&self) -> usize {
        // SAFETY: only the length of the live buffer is read.
        unsafe { (&(*self.result)).len() }
    }
}

impl<T: Datum> Drop for Reduction<T> {
    fn drop(&mut self) {
        // An unfinished reduction keeps its buffers: MPI may still use them.
        if self.raw.is_none() {
            // SAFETY: both came from Box::into_raw and MPI is done with them.
            unsafe {
                drop(Box::from_raw(self.send));
                drop(Box::from_raw(self.result));
            }
        }
    }
}

impl Comm {
    /// Starts combining every rank's `send` element-wise with `op`; every
    /// rank gets the result from [`Comm::wait_reduction`]. Returns at once.
    #[track_caller]
    pub fn iallreduce<T: Datum>(&self, send: &[T], op: ReduceOp) -> Reduction<T> {
        let site = site_of(Location::caller());
        let spec = self
            .collective::<T>(Op::Iallreduce, site, None, send.len())
            .showing(preview_of(send))
            .reducing(op.name());
        self.instrument(spec, |call| {
            let send_copy = Box::into_raw(Box::<[T]>::from(send));
            let result = Box::into_raw(vec![T::default(); send.len()].into_boxed_slice());
            // SAFETY: both buffers live until the reduction completes (Drop).
            let (shared, room): (&'static [T], &'static mut [T]) =
                unsafe { (&*send_copy, &mut *result) };
            let raw = self
                .world
                .immediate_all_reduce_into(StaticScope, shared, room, op.mpi());
            call.posted();
            let reduction = Reduction {
                id: call.id(),
                send: send_copy,
                result,
                raw: Some(raw),
            };
            (reduction, Ending::Plain)
        })
    }

    /// Waits for the reduction: here the rank meets the others. Returns
    /// the combined values.
    #[track_caller]
    pub fn wait_reduction<T: Datum>(&self, mut reduction: Reduction<T>) -> Vec<T> {
        let site = site_of(Location::caller());
        let ids = [reduction.id];
        let spec = crate::probe::CallSpec::new(Op::Wait, site).completing(&ids);
        self.instrument(spec, |call| {
            if let Some(raw) = reduction.raw.take() {
                call.wait(raw);
            }
            // SAFETY: completed: MPI no longer writes the result.
            let values = unsafe { (*reduction.result).to_vec() };
            call.got(preview_of(&values));
            (values, Ending::Plain)
        })
    }
}
