//! Nonblocking calls. A [`Request`] owns a copy of its buffer, so a lesson
//! cannot touch memory MPI is still reading or writing: the student gets the
//! data back from `wait`.

use std::panic::Location;

use mpi::point_to_point::Status;
use mpi::request::StaticScope;
use mpi::traits::*;

use super::comm::{arrival_of, recv_spec, recv_status, send_spec, Comm, RecvStatus};
use super::instrument::{Ending, Underway};
use super::recorder::{Arrival, CallSpec};
use super::site::site_of;
use super::wait::Backoff;
use super::{preview_of, Datum};
use crate::trace::{Op, Site, Source, TagSel};

type Raw<T> = mpi::request::Request<'static, [T], StaticScope>;

/// A send or receive in progress, returned by `isend` and `irecv`.
pub struct Request<T: Datum> {
    id: u64,
    is_recv: bool,
    /// The buffer MPI works on; freed only once MPI is done with it.
    buf: *mut [T],
    raw: Option<Raw<T>>,
    status: Option<Status>,
}

/// A finished request: the data (received, or the copy that was sent) and,
/// for a receive, what arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct Completed<T> {
    pub data: Vec<T>,
    pub received: Option<RecvStatus>,
}

impl<T: Datum> Request<T> {
    /// The id the trace uses for this request (the isend/irecv call id).
    pub fn id(&self) -> u64 {
        self.id
    }

    fn started(id: u64, is_recv: bool, buf: *mut [T], raw: Raw<T>) -> Self {
        Request {
            id,
            is_recv,
            buf,
            raw: Some(raw),
            status: None,
        }
    }

    /// What this completed receive got, for the recorder.
    fn arrival(&self) -> Arrival {
        let status = self
            .status
            .as_ref()
            .expect("completed request has a status");
        arrival_of::<T>(self.id, status).0
    }

    /// Tests once; true when done.
    fn poll(&mut self) -> bool {
        if let Some(raw) = self.raw.take() {
            match raw.test() {
                Ok(status) => self.status = Some(status),
                Err(raw) => self.raw = Some(raw),
            }
        }
        self.raw.is_none()
    }

    fn into_data(mut self) -> Vec<T> {
        let buf = std::mem::replace(
            &mut self.buf,
            std::ptr::slice_from_raw_parts_mut(std::ptr::null_mut(), 0),
        );
        // SAFETY: `buf` came from Box::into_raw in `leak`, MPI has completed
        // the request (raw is None), and it is taken out exactly once.
        unsafe { Box::from_raw(buf) }.into_vec()
    }
}

impl<T: Datum> Drop for Request<T> {
    fn drop(&mut self) {
        if self.raw.is_none() && !self.buf.is_null() {
            // SAFETY: completed, so MPI no longer uses the buffer.
            drop(unsafe { Box::from_raw(self.buf) });
        }
        // An unfinished request keeps its buffer forever: MPI may still
        // write into it. That is a leak by design, not a crash.
    }
}

fn leak<T>(v: Vec<T>) -> *mut [T] {
    Box::into_raw(v.into_boxed_slice())
}

impl Comm {
    /// Starts sending a copy of `data` to `dest`; returns at once.
    #[track_caller]
    pub fn isend<T: Datum>(&self, data: &[T], dest: u32, tag: i32) -> Request<T> {
        let site = site_of(Location::caller());
        self.check_rank(dest, "destination rank");
        let spec = CallSpec::new(Op::Isend, site)
            .sending(send_spec(data, dest, tag))
            .showing(preview_of(data));
        self.instrument(spec, |call| {
            let buf = leak(data.to_vec());
            // SAFETY: the buffer lives until the request completes (see Drop).
            let shared: &'static [T] = unsafe { &*buf };
            let to = self.world.process_at_rank(dest as i32);
            // In synchronous-send mode an MPI_Issend: it completes only
            // once its receive has begun.
            let raw = if super::sends::synchronous() {
                to.immediate_synchronous_send_with_tag(StaticScope, shared, tag)
            } else {
                to.immediate_send_with_tag(StaticScope, shared, tag)
            };
            (Request::started(call.id(), false, buf, raw), Ending::Plain)
        })
    }

    /// Starts receiving `count` values from `source` with `tag`; returns at once.
    #[track_caller]
    pub fn irecv<T: Datum>(
        &self,
        count: usize,
        source: impl Into<Source>,
        tag: impl Into<TagSel>,
    ) -> Request<T> {
        let site = site_of(Location::caller());
        let (source, tag) = (source.into(), tag.into());
        if let Source::Rank(r) = source {
            self.check_rank(r, "source rank");
        }
        let spec = CallSpec::new(Op::Irecv, site).receiving(recv_spec::<T>(count, source, tag));
        self.instrument(spec, |call| {
            let buf = leak(vec![T::default(); count]);
            // SAFETY: the buffer lives until the request completes (see Drop).
            let room: &'static mut [T] = unsafe { &mut *buf };
            let raw = self.post_receive(StaticScope, room, source, tag);
            (Request::started(call.id(), true, buf, raw), Ending::Plain)
        })
    }

    /// Waits for one request to finish.
    #[track_caller]
    pub fn wait<T: Datum>(&self, request: Request<T>) -> Completed<T> {
        let site = site_of(Location::caller());
        self.wait_some(Op::Wait, site, vec![request]).remove(0)
    }

    /// Waits for every request to finish; results in the same order.
    #[track_caller]
    pub fn waitall<T: Datum>(&self, requests: Vec<Request<T>>) -> Vec<Completed<T>> {
        let site = site_of(Location::caller());
        self.wait_some(Op::Waitall, site, requests)
    }

    /// Has the request finished? Never waits.
    #[track_caller]
    pub fn test<T: Datum>(&self, request: &mut Request<T>) -> bool {
        let site = site_of(Location::caller());
        let ids = [request.id];
        let spec = CallSpec::new(Op::Test, site).completing(&ids);
        self.instrument(spec, |_| {
            let newly_done = request.raw.is_some() && request.poll();
            let arrival = (newly_done && request.is_recv).then(|| request.arrival());
            let done = request.raw.is_none();
            (done, Ending::Tested { done, arrival })
        })
    }

    fn wait_some<T: Datum>(
        &self,
        op: Op,
        site: Site,
        mut requests: Vec<Request<T>>,
    ) -> Vec<Completed<T>> {
        let ids: Vec<u64> = requests.iter().map(|r| r.id).collect();
        let spec = CallSpec::new(op, site).completing(&ids);
        self.instrument(spec, |call| {
            let arrivals = complete_all(&mut requests, call);
            let completed = requests
                .into_iter()
                .map(|r| {
                    let received = r
                        .status
                        .as_ref()
                        .filter(|_| r.is_recv)
                        .map(recv_status::<T>);
                    Completed {
                        data: r.into_data(),
                        received,
                    }
                })
                .collect();
            (completed, Ending::ReceivedAll(arrivals))
        })
    }
}

/// Tests `requests` until every one is done, backing off between rounds;
/// returns the receives that completed now (one a `test` completed was
/// reported then).
fn complete_all<T: Datum>(requests: &mut [Request<T>], call: &Underway<'_>) -> Vec<Arrival> {
    let mut arrivals = Vec::new();
    let mut backoff = Backoff::new();
    loop {
        let mut all = true;
        for r in requests.iter_mut() {
            let fresh = r.raw.is_some();
            if r.poll() {
                if fresh && r.is_recv {
                    arrivals.push(r.arrival());
                }
            } else {
                all = false;
            }
        }
        if all {
            return arrivals;
        }
        if backoff.snooze() {
            call.about_to_wait();
        }
    }
}
