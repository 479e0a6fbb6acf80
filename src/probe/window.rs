//! One-sided communication: a [`Window`] exposes some of a rank's memory;
//! other ranks put values into it and get values out of it without the
//! owner calling anything. Transfers are complete at the next fence.
//!
//! rsmpi has no windows, so the calls go to MPI's C functions directly.

use std::cell::{Cell, RefCell};
use std::os::raw::c_void;
use std::panic::Location;

use mpi::ffi;
use mpi::raw::AsRaw;

use super::comm::Comm;
use super::instrument::Ending;
use super::recorder::{CallSpec, CollectiveSpec};
use super::site::site_of;
use super::{preview_of, Datum};
use crate::trace::{Op, RmaPart, Values};

/// Memory of one rank open to the others' puts and gets. Made and freed by
/// every rank together ([`Comm::win_create`], [`Comm::win_free`]).
pub struct Window<T: Datum> {
    raw: ffi::MPI_Win,
    /// The exposed values: MPI writes here, so no Rust reference is kept.
    memory: *mut [T],
    /// Fences so far: a get's values are there once this has grown.
    epoch: Cell<u64>,
    /// Copies of the values put in this epoch: MPI may read them until
    /// the fence.
    outgoing: RefCell<Vec<Box<[T]>>>,
}

/// Values a get is fetching: readable after the next fence.
pub struct Fetch<T: Datum> {
    buffer: *mut [T],
    epoch: u64,
}

impl<T: Datum> Window<T> {
    /// A copy of this rank's own window as it is now.
    pub fn local(&self) -> Vec<T> {
        // SAFETY: `memory` lives as long as the window; copying it takes no
        // lasting reference that MPI's writes could alias.
        unsafe { (*self.memory).to_vec() }
    }

    fn len(&self) -> usize {
        // SAFETY: as in `local`; only the length is read.
        unsafe { (&(*self.memory)).len() }
    }
}

impl<T: Datum> Fetch<T> {
    /// The fetched values. Only after the fence that ends the get's epoch:
    /// before it, MPI may not have written them yet.
    #[track_caller]
    pub fn values(self, window: &Window<T>) -> Vec<T> {
        assert!(
            window.epoch.get() > self.epoch,
            "a get's values are read before the fence that completes it"
        );
        // SAFETY: the fence completed the get, so MPI no longer writes the
        // buffer, which came from Box::into_raw and is taken back once.
        unsafe { Box::from_raw(self.buffer) }.into_vec()
    }
}

impl Comm {
    /// Every rank exposes `initial` as its window (collective).
    #[track_caller]
    pub fn win_create<T: Datum>(&self, initial: Vec<T>) -> Window<T> {
        let site = site_of(Location::caller());
        let spec = self.window_collective::<T>(Op::WinCreate, site, initial.len());
        let len = initial.len();
        let shown = preview_of(&initial);
        let memory = Box::into_raw(initial.into_boxed_slice());
        self.instrument(spec.showing(shown), |call| {
            call.posted();
            // SAFETY: reads a constant the MPI library defines.
            let mut raw = unsafe { ffi::RSMPI_WIN_NULL };
            let bytes = (len * std::mem::size_of::<T>()) as ffi::MPI_Aint;
            // SAFETY: `memory` lives until the window is freed.
            unsafe {
                ffi::MPI_Win_create(
                    memory.cast::<c_void>(),
                    bytes,
                    std::mem::size_of::<T>() as i32,
                    ffi::RSMPI_INFO_NULL,
                    self.world.as_raw(),
                    &mut raw,
                );
            }
            let window = Window {
                raw,
                memory,
                epoch: Cell::new(0),
                outgoing: RefCell::new(Vec::new()),
            };
            (window, Ending::Plain)
        })
    }

    /// Writes `data` into rank `target`'s window from value `disp` on.
    /// Returns at once; the values are there after the next fence.
    #[track_caller]
    pub fn put<T: Datum>(&self, window: &Window<T>, data: &[T], target: u32, disp: usize) {
        let site = site_of(Location::caller());
        self.check_rank(target, "target rank");
        let part = rma_part::<T>(target, disp, data.len(), preview_of(data));
        let spec = CallSpec::new(Op::Put, site).transferring(part);
        self.instrument(spec, |_| {
            let copy: Box<[T]> = data.into();
            let datatype = T::equivalent_datatype().as_raw();
            let count = data.len() as i32;
            // SAFETY: the copy is kept in the window until the fence.
            unsafe {
                ffi::MPI_Put(
                    copy.as_ptr().cast::<c_void>(),
                    count,
                    datatype,
                    target as i32,
                    disp as ffi::MPI_Aint,
                    count,
                    datatype,
                    window.raw,
                );
            }
            window.outgoing.borrow_mut().push(copy);
            ((), Ending::Plain)
        });
    }

    /// Reads `count` values from rank `target`'s window from value `disp`
    /// on. Returns at once; [`Fetch::values`] after the next fence.
    #[track_caller]
    pub fn get<T: Datum>(
        &self,
        window: &Window<T>,
        count: usize,
        target: u32,
        disp: usize,
    ) -> Fetch<T> {
        let site = site_of(Location::caller());
        self.check_rank(target, "target rank");
        let spec =
            CallSpec::new(Op::Get, site).transferring(rma_part::<T>(target, disp, count, None));
        self.instrument(spec, |_| {
            let buffer = Box::into_raw(vec![T::default(); count].into_boxed_slice());
            let datatype = T::equivalent_datatype().as_raw();
            // SAFETY: the buffer lives until `Fetch::values` takes it back,
            // which it does only after the fence.
            unsafe {
                ffi::MPI_Get(
                    buffer.cast::<c_void>(),
                    count as i32,
                    datatype,
                    target as i32,
                    disp as ffi::MPI_Aint,
                    count as i32,
                    datatype,
                    window.raw,
                );
            }
            let fetch = Fetch {
                buffer,
                epoch: window.epoch.get(),
            };
            (fetch, Ending::Plain)
        })
    }

    /// Ends the epoch on every rank (collective): the puts and gets made
    /// before it are complete, in every window, after it.
    #[track_caller]
    pub fn fence<T: Datum>(&self, window: &Window<T>) {
        let site = site_of(Location::caller());
        let spec = self.window_collective::<T>(Op::Fence, site, window.len());
        self.instrument(spec, |call| {
            call.posted();
            call.about_to_wait();
            // SAFETY: a window made by `win_create` and not yet freed.
            unsafe { ffi::MPI_Win_fence(0, window.raw) };
            window.epoch.set(window.epoch.get() + 1);
            window.outgoing.borrow_mut().clear();
            call.got(preview_of(&window.local()));
            ((), Ending::Plain)
        });
    }

    /// Frees the window on every rank (collective); returns its last values.
    #[track_caller]
    pub fn win_free<T: Datum>(&self, window: Window<T>) -> Vec<T> {
        let site = site_of(Location::caller());
        let spec = self.window_collective::<T>(Op::WinFree, site, window.len());
        self.instrument(spec, |call| {
            call.posted();
            let mut raw = window.raw;
            // SAFETY: every rank frees the window once, after its last fence.
            unsafe { ffi::MPI_Win_free(&mut raw) };
            // SAFETY: the window is gone, so MPI no longer touches memory.
            let values = unsafe { Box::from_raw(window.memory) }.into_vec();
            (values, Ending::Plain)
        })
    }

    /// A window call every rank makes together, over a window of `len`
    /// values of `T`.
    fn window_collective<T: Datum>(
        &self,
        op: Op,
        site: crate::trace::Site,
        len: usize,
    ) -> CallSpec<'static> {
        CallSpec::new(op, site).collective(CollectiveSpec {
            root: None,
            count: len as u64,
            datatype: T::NAME.into(),
            bytes: (len * std::mem::size_of::<T>()) as u64,
            members: self.size(),
        })
    }
}

fn rma_part<T: Datum>(target: u32, disp: usize, count: usize, values: Option<Values>) -> RmaPart {
    RmaPart {
        target,
        disp: disp as u64,
        count: count as u64,
        datatype: T::NAME.into(),
        bytes: (count * std::mem::size_of::<T>()) as u64,
        values,
    }
}
