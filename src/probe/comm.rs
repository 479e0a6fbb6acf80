//! The instrumented communicator every lesson talks to. Each call reports
//! where the lesson made it (`#[track_caller]`), stops at the pace gate when
//! the teacher controls the pace, reports that it begins before it waits,
//! waits politely, and reports how it ended.

use std::cell::{Cell, RefCell};
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mpi::point_to_point::Source as _;
use mpi::point_to_point::Status;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use super::control::{poll_control, wait_control, Control};
use super::reporter::Reporter;
use super::shared_comm::SharedComm;
use super::wait::wait_politely;
use super::Datum;
use crate::trace::{
    Call, CallEnd, Event, EventKind, Matcher, MsgId, Op, Received, RecvPart, SendCounter, SendPart,
    Site, Source, TagSel,
};

/// Accept a message from any rank (`MPI_ANY_SOURCE`).
pub const ANY_SOURCE: Source = Source::Any;
/// Accept a message with any tag (`MPI_ANY_TAG`).
pub const ANY_TAG: TagSel = TagSel::Any;

/// How often a rank running at full speed looks for a "pause" from rank 0.
const CONTROL_CHECK_EVERY: Duration = Duration::from_millis(2);
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

/// The bookkeeping behind the calls; interior so lessons can share `&Comm`
/// the way MPI programs share a communicator handle.
pub(super) struct Books {
    next_call: u64,
    pub(super) sends: SendCounter,
    pub(super) matcher: Matcher,
    pub(super) collectives: u64,
    gated: bool,
    /// When (since `Comm::started`) this rank last looked for a pause.
    last_control_check: Duration,
    last_field: Option<Instant>,
    /// Allocations kept from one call's events for the next call's: a
    /// call at full speed costs no trip to the allocator.
    spare_call: Option<Box<Call>>,
    spare_received: Vec<Received>,
    /// The call that began, stamped but not reported yet: see `begin`.
    unreported: Option<(Box<Call>, Duration)>,
    resolved: Vec<(u64, MsgId)>,
}

/// A rank's view of the lesson's world: `MPI_COMM_WORLD`, instrumented.
pub struct Comm {
    pub(super) world: SimpleCommunicator,
    control: Arc<SharedComm>,
    rank: u32,
    size: u32,
    started: Instant,
    /// When (since `started`) the last event was stamped: the clock read
    /// that every call makes anyway, reused to time the pause check.
    last_stamp: Cell<Duration>,
    /// Seconds between the run's start (rank 0's clock) and `started`.
    offset: f64,
    /// Shared with the panic hook, which reports a failure from any thread.
    seq: Arc<AtomicU64>,
    pub(super) books: RefCell<Books>,
    reporter: Reporter,
}

impl Comm {
    pub(super) fn new(
        world: SimpleCommunicator,
        control: Arc<SharedComm>,
        reporter: Reporter,
        offset: f64,
        gated: bool,
    ) -> Self {
        let rank = world.rank() as u32;
        let size = world.size() as u32;
        let seq = Arc::new(AtomicU64::new(0));
        super::fatal::set_reporter(rank, reporter.handle(), seq.clone(), offset);
        Comm {
            seq,
            world,
            control,
            rank,
            size,
            started: Instant::now(),
            last_stamp: Cell::new(Duration::ZERO),
            offset,
            books: RefCell::new(Books {
                next_call: 0,
                sends: SendCounter::default(),
                matcher: Matcher::new(rank),
                collectives: 0,
                gated,
                last_control_check: Duration::ZERO,
                last_field: None,
                spare_call: None,
                spare_received: Vec::new(),
                unreported: None,
                resolved: Vec::new(),
            }),
            reporter,
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
        self.emit(EventKind::Say { text: text.into() });
    }

    /// The lesson checks its own result; a failed check fails the run.
    pub fn check(&self, what: impl Into<String>, passed: bool) -> bool {
        self.emit(EventKind::Check {
            what: what.into(),
            passed,
        });
        passed
    }

    /// Whether the heat-map panel wants a new field snapshot: always at the
    /// teacher's pace, and at full speed once per `FIELD_EVERY`. A halo step
    /// takes microseconds and copying the grid for a snapshot costs about as
    /// much as the step, so a lesson asks before it copies.
    pub fn field_due(&self) -> bool {
        let b = self.books.borrow();
        b.gated || b.last_field.is_none_or(|t| t.elapsed() >= FIELD_EVERY)
    }

    /// Sends a field block for the heat-map panel (see [`Comm::field_due`]).
    pub fn show_field(&self, block: crate::trace::FieldBlock) {
        self.books.borrow_mut().last_field = Some(Instant::now());
        self.emit(EventKind::Field(block));
    }

    pub(super) fn emit(&self, event: EventKind) {
        self.emit_and_keep(event);
    }

    /// Reports `event` and hands it back, so its allocations serve again.
    fn emit_and_keep(&self, event: EventKind) -> EventKind {
        self.posted();
        let now = self.started.elapsed();
        self.emit_at(event, now)
    }

    /// Reports `event` as happening `now` (since `started`).
    fn emit_at(&self, event: EventKind, now: Duration) -> EventKind {
        // What a person should see at once goes out at once; call begins
        // and ends ride along with the next batch (or the next wait).
        let urgent = !matches!(
            event,
            EventKind::Begin(_) | EventKind::End(_) | EventKind::Matched { .. }
        );
        // Only this thread numbers events while the lesson runs (the panic
        // hook numbers its one on this thread too), so a plain load and
        // store do: a locked add costs more than the rest of the stamp.
        let seq = self.seq.load(Ordering::Relaxed);
        self.seq.store(seq + 1, Ordering::Relaxed);
        self.last_stamp.set(now);
        let e = Event {
            rank: self.rank,
            seq,
            t: self.offset + now.as_secs_f64(),
            event,
        };
        self.reporter.report(&e, urgent);
        e.event
    }

    /// The lesson is about to wait for real: rank 0 must know now.
    pub(super) fn nudge(&self) {
        self.posted();
        self.reporter.nudge();
    }

    /// Events reported so far (the next `seq`).
    pub(super) fn events_reported(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    pub(super) fn finish(mut self) {
        let events = self.events_reported() + 1;
        let throttled = self.reporter.throttled();
        self.emit(EventKind::Finished { events, throttled });
        super::fatal::clear_reporter();
        self.reporter.finish();
    }

    pub(super) fn new_call(&self, op: Op, site: Site) -> Call {
        let mut b = self.books.borrow_mut();
        b.next_call += 1;
        Call {
            id: b.next_call - 1,
            op,
            comm: 0,
            send: None,
            recv: None,
            collective: None,
            requests: Vec::new(),
            site,
        }
    }

    /// Stops at the pace gate if the teacher holds the ranks, then stamps
    /// the call's beginning. Returns the call id.
    ///
    /// The `Begin` is reported by [`Comm::posted`], once the call's MPI
    /// operation is under way, or before the next event at the latest: in
    /// a fast exchange the peer is waiting for this rank's message, and
    /// encoding the event first would make it wait that much longer. A
    /// call that waits for real has reported it (`nudge`), so the view
    /// never misses a blocked rank.
    pub(super) fn begin(&self, call: Call) -> u64 {
        if self.is_gated() {
            self.emit(EventKind::Held(Box::new(call.clone())));
            self.wait_for_permit();
        }
        let id = call.id;
        let spare = self.books.borrow_mut().spare_call.take();
        let boxed = match spare {
            Some(mut b) => {
                *b = call;
                b
            }
            None => Box::new(call),
        };
        let now = self.started.elapsed();
        self.last_stamp.set(now);
        self.books.borrow_mut().unreported = Some((boxed, now));
        id
    }

    /// The call's MPI operation is posted: reports its `Begin`, if not yet.
    pub(super) fn posted(&self) {
        let unreported = self.books.borrow_mut().unreported.take();
        if let Some((call, at)) = unreported {
            if let EventKind::Begin(b) = self.emit_at(EventKind::Begin(call), at) {
                self.books.borrow_mut().spare_call = Some(b);
            }
        }
    }

    fn is_gated(&self) -> bool {
        let mut b = self.books.borrow_mut();
        // Timed by the last event's stamp, not a clock read of its own: a
        // rank making calls stamps events all the time.
        let now = self.last_stamp.get();
        if !b.gated && now.saturating_sub(b.last_control_check) >= CONTROL_CHECK_EVERY {
            b.last_control_check = now;
            while let Some(c) = poll_control(&self.control) {
                if c == Control::Gated {
                    b.gated = true;
                }
            }
        }
        b.gated
    }

    fn wait_for_permit(&self) {
        loop {
            match wait_control(&self.control) {
                Control::Permit | Control::Exit => return,
                Control::Free => {
                    self.books.borrow_mut().gated = false;
                    return;
                }
                Control::Gated => {}
            }
        }
    }

    pub(super) fn end(&self, id: u64, op: Op, received: Vec<Received>, completed: Option<bool>) {
        let end = self.emit_and_keep(EventKind::End(CallEnd {
            id,
            op,
            received,
            completed,
        }));
        if let EventKind::End(CallEnd { mut received, .. }) = end {
            if received.capacity() > 0 {
                received.clear();
                self.books.borrow_mut().spare_received = received;
            }
        }
    }

    /// The `received` list of a call that completed one receive, in the
    /// buffer the last such call used.
    pub(super) fn one_received(&self, got: Received) -> Vec<Received> {
        let mut v = self.spare_received();
        v.push(got);
        v
    }

    /// An empty `received` list, in the buffer the last call used.
    pub(super) fn spare_received(&self) -> Vec<Received> {
        std::mem::take(&mut self.books.borrow_mut().spare_received)
    }

    /// Numbers a completed receive and any earlier one that could only now
    /// be numbered (reported as `Matched`).
    pub(super) fn received<T: Datum>(&self, call: u64, status: &Status) -> (Received, RecvStatus) {
        let source = status.source_rank() as u32;
        let tag = status.tag();
        let count = status.count(T::equivalent_datatype()).max(0) as usize;
        let mut resolved = {
            let mut b = self.books.borrow_mut();
            let mut out = std::mem::take(&mut b.resolved);
            b.matcher.complete_into(call, source, tag, &mut out);
            out
        };
        let mut mine = None;
        for (c, msg) in resolved.drain(..) {
            if c == call {
                mine = Some(msg);
            } else {
                self.emit(EventKind::Matched { call: c, msg });
            }
        }
        self.books.borrow_mut().resolved = resolved;
        let r = Received {
            call,
            source,
            tag,
            bytes: (count * std::mem::size_of::<T>()) as u64,
            msg: mine,
        };
        (r, RecvStatus { source, tag, count })
    }

    pub(super) fn send_part<T: Datum>(&self, data: &[T], dest: u32, tag: i32) -> SendPart {
        let msg = self.books.borrow_mut().sends.next(self.rank, dest, tag, 0);
        SendPart {
            dest,
            tag,
            count: data.len() as u64,
            datatype: T::NAME.into(),
            bytes: std::mem::size_of_val(data) as u64,
            msg,
        }
    }

    pub(super) fn recv_part<T: Datum>(
        &self,
        call: u64,
        room: usize,
        source: Source,
        tag: TagSel,
    ) -> RecvPart {
        self.books.borrow_mut().matcher.post(call, 0, source, tag);
        RecvPart {
            source,
            tag,
            count: room as u64,
            datatype: T::NAME.into(),
        }
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
        let mut call = self.new_call(Op::Send, site);
        call.send = Some(self.send_part(data, dest, tag));
        let id = self.begin(call);
        let to = self.world.process_at_rank(dest as i32);
        mpi::request::scope(|s| {
            let send = to.immediate_send_with_tag(s, data, tag);
            self.posted();
            wait_politely(send, || self.nudge())
        });
        self.end(id, Op::Send, Vec::new(), None);
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
        let mut call = self.new_call(Op::Recv, site);
        call.recv = Some(self.recv_part::<T>(call.id, buf.len(), source, tag));
        let id = self.begin(call);
        let status = mpi::request::scope(|s| {
            let recv = self.post_receive(s, buf, source, tag);
            self.posted();
            wait_politely(recv, || self.nudge())
        });
        let (got, st) = self.received::<T>(id, &status);
        self.end(id, Op::Recv, self.one_received(got), None);
        st
    }

    /// Sends `data` to `dest` and receives into `buf` from `source` at the
    /// same time: the standard way out of a send-send deadlock.
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
        self.check_rank(dest, "destination rank");
        let mut call = self.new_call(Op::Sendrecv, site);
        call.send = Some(self.send_part(data, dest, send_tag));
        call.recv = Some(self.recv_part::<T>(call.id, buf.len(), source, recv_tag));
        let id = self.begin(call);
        let to = self.world.process_at_rank(dest as i32);
        let status = mpi::request::scope(|s| {
            let recv = self.post_receive(s, buf, source, recv_tag);
            let send = to.immediate_send_with_tag(s, data, send_tag);
            self.posted();
            wait_politely(send, || self.nudge());
            wait_politely(recv, || self.nudge())
        });
        let (got, st) = self.received::<T>(id, &status);
        self.end(id, Op::Sendrecv, self.one_received(got), None);
        st
    }

    pub(super) fn post_receive<'a, T: Datum, S: mpi::request::Scope<'a>>(
        &self,
        scope: S,
        buf: &'a mut [T],
        source: Source,
        tag: TagSel,
    ) -> mpi::request::Request<'a, [T], S> {
        // SAFETY: reading an MPI constant.
        let tag = match tag {
            TagSel::Tag(t) => t,
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

/// Where the lesson made a call, as `lessons/send_recv.rs:21` whatever path
/// the compiler was given. Borrowed: a call site costs no allocation.
pub(super) fn site_of(loc: &'static Location<'static>) -> Site {
    thread_local! {
        /// The last file looked up and its lesson path: a lesson's calls
        /// come from one file, and the search costs more than the rest of
        /// the site.
        static LAST: Cell<(&'static str, &'static str)> = const { Cell::new(("", "")) };
    }
    let file = loc.file();
    let path = LAST.with(|last| {
        let (from, to) = last.get();
        if std::ptr::eq(from, file) {
            to
        } else {
            let to = lesson_path(file);
            last.set((file, to));
            to
        }
    });
    Site {
        file: path.into(),
        line: loc.line(),
    }
}

/// A source path from `lessons/` on, if it is in there.
pub(super) fn lesson_path(file: &str) -> &str {
    match file.find("lessons/") {
        Some(i) => &file[i..],
        None => file,
    }
}
