//! The instrumented communicator every lesson talks to: a thin layer on the
//! rank's [`Recorder`]. Each call says where the lesson made it
//! (`#[track_caller]`), and goes through [`Comm::instrument`]: the recorder
//! holds it at the pace gate if the teacher controls the pace and reports
//! it, the MPI operation runs and is waited for politely.

use std::cell::{Cell, RefCell, RefMut};
use std::panic::Location;
use std::rc::Rc;
use std::time::{Duration, Instant};

use mpi::point_to_point::Source as _;
use mpi::point_to_point::Status;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use super::instrument::Ending;
use super::recorder::{Arrival, CallSpec, Recorder, RecvSpec, SendSpec};
use super::site::site_of;
use super::{preview_of, Datum};
use crate::trace::{Op, Source, TagSel};

/// Accept a message from any rank (`MPI_ANY_SOURCE`).
pub const ANY_SOURCE: Source = Source::Any;
/// Accept a message with any tag (`MPI_ANY_TAG`).
pub const ANY_TAG: TagSel = TagSel::Any;
/// Nobody (`MPI_PROC_NULL`): a peer for [`Comm::sendrecv`] past the end
/// of a chain. Sending to it or receiving from it moves nothing.
pub const PROC_NULL: u32 = u32::MAX;

/// What a receive from [`PROC_NULL`] got, as MPI says: from nobody, no
/// values (MPI's tag then is `MPI_ANY_TAG`, here -1).
const NOBODY_SENT: RecvStatus = RecvStatus {
    source: PROC_NULL,
    tag: -1,
    count: 0,
};

/// At full speed a rank sends a field snapshot about this often: the view
/// draws 30 frames a second. At the teacher's pace every snapshot goes.
const FIELD_EVERY: Duration = Duration::from_millis(33);

impl From<u32> for Source {
    fn from(r: u32) -> Self {
        Source::Rank(r)
    }
}

impl From<i32> for TagSel {
    fn from(t: i32) -> Self {
        TagSel::Tag(t)
    }
}

/// What a completed receive got: who sent it, with which tag, how many values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvStatus {
    pub source: u32,
    pub tag: i32,
    pub count: usize,
}

/// A rank's view of the lesson's world: `MPI_COMM_WORLD`, instrumented.
/// Its recorder is interior so lessons can share `&Comm` the way MPI
/// programs share a communicator handle.
pub struct Comm {
    pub(super) world: SimpleCommunicator,
    rank: u32,
    size: u32,
    /// Shared with the communicators split from this one.
    pub(super) recorder: Rc<RefCell<Recorder>>,
    /// How the trace numbers this communicator, and the world rank of each
    /// of its ranks (see [`Comm::split`]): none for the world itself.
    pub(super) group: Option<super::split::Group>,
    last_field: Cell<Option<Instant>>,
    /// Tests in a row that found their request unfinished: a lesson's
    /// polling loop, whose count the next test reports.
    pub(super) unanswered_tests: Cell<u64>,
}

impl Comm {
    pub(super) fn new(world: SimpleCommunicator, recorder: Recorder) -> Self {
        Comm {
            rank: world.rank() as u32,
            size: world.size() as u32,
            world,
            recorder: Rc::new(RefCell::new(recorder)),
            group: None,
            last_field: Cell::new(None),
            unanswered_tests: Cell::new(0),
        }
    }

    /// A communicator split from another, on the same recorder.
    pub(super) fn sharing(
        comm: SimpleCommunicator,
        recorder: Rc<RefCell<Recorder>>,
        group: super::split::Group,
    ) -> Self {
        Comm {
            rank: comm.rank() as u32,
            size: comm.size() as u32,
            world: comm,
            recorder,
            group: Some(group),
            last_field: Cell::new(None),
            unanswered_tests: Cell::new(0),
        }
    }

    /// This rank's number, 0 to `size() - 1`.
    pub fn rank(&self) -> u32 {
        self.rank
    }

    /// How many ranks run the lesson.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Lesson output: rank 0 shows it in the log. Ranks never print
    /// themselves, that would scribble over the view.
    pub fn say(&self, text: impl Into<String>) {
        self.recorder().say(text);
    }

    /// The lesson checks its own result; a failed check fails the run.
    pub fn check(&self, what: impl Into<String>, passed: bool) -> bool {
        self.recorder().check(what, passed);
        passed
    }

    /// How long, in seconds, the tutor's pace has held this rank before its
    /// calls so far: time a lesson takes away from its own timings.
    pub fn held_seconds(&self) -> f64 {
        self.recorder().held_seconds()
    }

    /// Whether the heat-map panel wants a new field snapshot: always at the
    /// teacher's pace, and at full speed once per `FIELD_EVERY`. A halo step
    /// takes microseconds and copying the grid for a snapshot costs about as
    /// much as the step, so a lesson asks before it copies.
    pub fn field_due(&self) -> bool {
        self.recorder().is_held()
            || self
                .last_field
                .get()
                .is_none_or(|t| t.elapsed() >= FIELD_EVERY)
    }

    /// Sends a field block for the heat-map panel (see [`Comm::field_due`]).
    pub fn show_field(&self, block: crate::trace::FieldBlock) {
        self.last_field.set(Some(Instant::now()));
        self.recorder().show_field(block);
    }

    /// The lesson is over: its recorder, to finish.
    pub(super) fn into_recorder(self) -> Recorder {
        Rc::try_unwrap(self.recorder)
            .unwrap_or_else(|_| panic!("a communicator split from the world outlived the lesson"))
            .into_inner()
    }

    pub(super) fn recorder(&self) -> RefMut<'_, Recorder> {
        self.recorder.borrow_mut()
    }

    #[track_caller]
    pub(super) fn check_rank(&self, r: u32, what: &str) {
        assert!(
            r < self.size,
            "{what} {r} does not exist: ranks are 0 to {}",
            self.size - 1
        );
    }

    /// Sends `data` to rank `dest` with `tag`, and returns once the buffer
    /// may be reused (the message was buffered or received).
    #[track_caller]
    pub fn send<T: Datum>(&self, data: &[T], dest: u32, tag: i32) {
        let site = site_of(Location::caller());
        self.check_rank(dest, "destination rank");
        // In synchronous-send mode the send is an MPI_Ssend, and recorded so.
        let synchronous = super::sends::synchronous();
        let op = if synchronous { Op::Ssend } else { Op::Send };
        let spec = CallSpec::new(op, site)
            .sending(send_spec(data, dest, tag))
            .showing(preview_of(data));
        let to = self.world.process_at_rank(dest as i32);
        self.instrument(spec, |call| {
            mpi::request::scope(|s| {
                call.wait(if synchronous {
                    to.immediate_synchronous_send_with_tag(s, data, tag)
                } else {
                    to.immediate_send_with_tag(s, data, tag)
                })
            });
            ((), Ending::Plain)
        });
    }

    /// Receives into `buf` a message from `source` (a rank or [`ANY_SOURCE`])
    /// with `tag` (or [`ANY_TAG`]); waits until one arrives.
    #[track_caller]
    pub fn recv<T: Datum>(
        &self,
        buf: &mut [T],
        source: impl Into<Source>,
        tag: impl Into<TagSel>,
    ) -> RecvStatus {
        let site = site_of(Location::caller());
        let (source, tag) = (source.into(), tag.into());
        if let Source::Rank(r) = source {
            self.check_rank(r, "source rank");
        }
        let spec = CallSpec::new(Op::Recv, site).receiving(recv_spec::<T>(buf.len(), source, tag));
        self.instrument(spec, |call| {
            let status = mpi::request::scope(|s| call.wait(self.post_receive(s, buf, source, tag)));
            let (arrival, status) = arrival_of::<T>(call.id(), &status);
            call.got(preview_of(&buf[..status.count.min(buf.len())]));
            (status, Ending::Received(arrival))
        })
    }

    /// Sends `data` to `dest` and receives into `buf` from `source` at the
    /// same time: the standard way out of a send-send deadlock. Either peer
    /// may be [`PROC_NULL`] (nobody): that half does nothing, as at the ends
    /// of a chain.
    #[track_caller]
    #[allow(clippy::too_many_arguments)]
    pub fn sendrecv<T: Datum>(
        &self,
        data: &[T],
        dest: u32,
        send_tag: i32,
        buf: &mut [T],
        source: impl Into<Source>,
        recv_tag: impl Into<TagSel>,
    ) -> RecvStatus {
        let site = site_of(Location::caller());
        let (source, recv_tag) = (source.into(), recv_tag.into());
        let to_somebody = dest != PROC_NULL;
        let from_somebody = source != Source::Rank(PROC_NULL);
        if to_somebody {
            self.check_rank(dest, "destination rank");
        }
        let mut spec = CallSpec::new(Op::Sendrecv, site).showing(preview_of(data));
        spec.send = to_somebody.then(|| send_spec(data, dest, send_tag));
        spec.recv = from_somebody.then(|| recv_spec::<T>(buf.len(), source, recv_tag));
        self.instrument(spec, |call| {
            // MPI defines a half with MPI_PROC_NULL as done at once, moving
            // nothing: only the halves with a peer are posted.
            let status = mpi::request::scope(|s| {
                let recv = from_somebody.then(|| self.post_receive(s, buf, source, recv_tag));
                if to_somebody {
                    let to = self.world.process_at_rank(dest as i32);
                    call.wait(to.immediate_send_with_tag(s, data, send_tag));
                }
                recv.map(|r| call.wait(r))
            });
            let Some(status) = status else {
                call.posted();
                return (NOBODY_SENT, Ending::Plain);
            };
            let (arrival, status) = arrival_of::<T>(call.id(), &status);
            call.got(preview_of(&buf[..status.count.min(buf.len())]));
            (status, Ending::Received(arrival))
        })
    }

    pub(super) fn post_receive<'a, T: Datum, S: mpi::request::Scope<'a>>(
        &self,
        scope: S,
        buf: &'a mut [T],
        source: Source,
        tag: TagSel,
    ) -> mpi::request::Request<'a, [T], S> {
        let tag = match tag {
            TagSel::Tag(t) => t,
            // SAFETY: reading an MPI constant, set once MPI is initialised
            // (a `Comm` exists only then) and never written again.
            TagSel::Any => unsafe { mpi::ffi::RSMPI_ANY_TAG },
        };
        match source {
            Source::Rank(r) => self
                .world
                .process_at_rank(r as i32)
                .immediate_receive_into_with_tag(scope, buf, tag),
            Source::Any => self
                .world
                .any_process()
                .immediate_receive_into_with_tag(scope, buf, tag),
        }
    }
}

/// The message a call sends: `data` to `dest` with `tag`.
pub(super) fn send_spec<T: Datum>(data: &[T], dest: u32, tag: i32) -> SendSpec {
    SendSpec {
        dest,
        tag,
        count: data.len() as u64,
        datatype: T::NAME.into(),
        bytes: std::mem::size_of_val(data) as u64,
    }
}

/// What a receive accepts: `room` values from `source` with `tag`.
pub(super) fn recv_spec<T: Datum>(room: usize, source: Source, tag: TagSel) -> RecvSpec {
    RecvSpec {
        source,
        tag,
        count: room as u64,
        datatype: T::NAME.into(),
    }
}

/// What the receive posted by call `call` got, as the recorder and as the
/// lesson see it.
pub(super) fn arrival_of<T: Datum>(call: u64, status: &Status) -> (Arrival, RecvStatus) {
    let received = recv_status::<T>(status);
    let arrival = Arrival {
        call,
        source: received.source,
        tag: received.tag,
        bytes: (received.count * std::mem::size_of::<T>()) as u64,
    };
    (arrival, received)
}

/// What a receive's `status` says, in values of `T`.
pub(super) fn recv_status<T: Datum>(status: &Status) -> RecvStatus {
    RecvStatus {
        source: status.source_rank() as u32,
        tag: status.tag(),
        count: status.count(T::equivalent_datatype()).max(0) as usize,
    }
}
