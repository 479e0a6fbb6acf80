//! Nonblocking calls. A [`Request`] owns a copy of its buffer, so a lesson
//! cannot touch memory MPI is still reading or writing: the student gets the
//! data back from `wait`.

use std::panic::Location;

use mpi::point_to_point::Status;
use mpi::request::StaticScope;
use mpi::traits::*;

use super::comm::{site_of, Comm, RecvStatus};
use super::wait::Backoff;
use super::Datum;
use crate::trace::{Op, Source, TagSel};

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
        let mut call = self.new_call(Op::Isend, site);
        call.send = Some(self.send_part(data, dest, tag));
        let id = self.begin(call);
        let buf = leak(data.to_vec());
        // SAFETY: the buffer lives until the request completes (see Drop).
        let shared: &'static [T] = unsafe { &*buf };
        let raw = self
            .world
            .process_at_rank(dest as i32)
            .immediate_send_with_tag(StaticScope, shared, tag);
        self.end(id, Op::Isend, Vec::new(), None);
        Request {
            id,
            is_recv: false,
            buf,
            raw: Some(raw),
            status: None,
        }
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
        let mut call = self.new_call(Op::Irecv, site);
        call.recv = Some(self.recv_part::<T>(call.id, count, source, tag));
        let id = self.begin(call);
        let buf = leak(vec![T::default(); count]);
        // SAFETY: the buffer lives until the request completes (see Drop).
        let room: &'static mut [T] = unsafe { &mut *buf };
        let raw = self.post_receive(StaticScope, room, source, tag);
        self.end(id, Op::Irecv, Vec::new(), None);
        Request {
            id,
            is_recv: true,
            buf,
            raw: Some(raw),
            status: None,
        }
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
        let mut call = self.new_call(Op::Test, site);
        call.requests = vec![request.id];
        let id = self.begin(call);
        let newly_done = request.raw.is_some() && request.poll();
        let mut received = self.spare_received();
        if newly_done && request.is_recv {
            let status = request
                .status
                .as_ref()
                .expect("completed request has a status");
            received.push(self.received::<T>(request.id, status).0);
        }
        let done = request.raw.is_none();
        self.end(id, Op::Test, received, Some(done));
        done
    }

    fn wait_some<T: Datum>(
        &self,
        op: Op,
        site: crate::trace::Site,
        mut requests: Vec<Request<T>>,
    ) -> Vec<Completed<T>> {
        let mut call = self.new_call(op, site);
        call.requests = requests.iter().map(|r| r.id).collect();
        let id = self.begin(call);
        // Requests a `test` already completed were reported then.
        let mut fresh: Vec<bool> = requests.iter().map(|r| r.raw.is_some()).collect();
        let mut received = self.spare_received();
        let mut statuses: Vec<Option<RecvStatus>> = vec![None; requests.len()];
        let mut backoff = Backoff::new();
        loop {
            let mut all = true;
            for (i, r) in requests.iter_mut().enumerate() {
                if r.poll() {
                    if fresh[i] && r.is_recv {
                        let status = r.status.as_ref().expect("completed request has a status");
                        let (got, st) = self.received::<T>(r.id, status);
                        received.push(got);
                        statuses[i] = Some(st);
                    }
                    fresh[i] = false;
                } else {
                    all = false;
                }
            }
            if all {
                break;
            }
            if backoff.snooze() {
                self.nudge();
            }
        }
        // A receive completed by an earlier `test` still reports its status.
        for (i, r) in requests.iter().enumerate() {
            if r.is_recv && statuses[i].is_none() {
                if let Some(s) = &r.status {
                    statuses[i] = Some(RecvStatus {
                        source: s.source_rank() as u32,
                        tag: s.tag(),
                        count: s.count(T::equivalent_datatype()).max(0) as usize,
                    });
                }
            }
        }
        self.end(id, op, received, None);
        requests
            .into_iter()
            .zip(statuses)
            .map(|(r, received)| Completed {
                data: r.into_data(),
                received,
            })
            .collect()
    }
}
