//! The recorder: what one rank reports to rank 0, for any caller. It knows
//! nothing of rsmpi: callers describe each MPI call with plain values
//! ([`CallSpec`]), and the recorder numbers calls and messages, stamps the
//! events, holds the rank at the teacher's pace (through a [`Gate`]) and
//! queues the events for rank 0 (through an [`Outbox`]). The lesson API
//! (`Comm`) is a thin layer on it; hooks around a C program's MPI calls
//! drive it the same way.
//!
//! A call is four steps:
//! 1. [`Recorder::begin`] before the MPI operation (it may wait there while
//!    the teacher holds the rank) returns the call's id;
//! 2. [`Recorder::posted`] once the MPI operation is under way;
//! 3. [`Recorder::about_to_wait`] if it then waits for long;
//! 4. [`Recorder::end`] when it returns, with the receives it completed
//!    ([`Recorder::end_as`] for a test's loop or the requests it completed).
//!
//! A C hook's commonest calls take steps together, in compact records:
//! an isend or an irecv begins and ends in one ([`Recorder::started`]), a
//! wait or a waitall begins already posted ([`Recorder::begin_completing`]).
//!
//! ```no_run
//! use mpi_tutor::probe::{outbox, Arrival, CallSpec, Recorder, RecvSpec};
//! use mpi_tutor::trace::{Op, Site, Source, TagSel};
//!
//! // In a real run `Job::recorder` builds it, draining to rank 0.
//! let (out, _inbox) = outbox(1 << 20, 0);
//! let mut recorder = Recorder::new(1, 0.0, out);
//! let site = Site { file: "ring.c".into(), line: 42 };
//! let recv = RecvSpec { source: Source::Rank(0), tag: TagSel::Tag(7), count: 1, datatype: "MPI_INT".into() };
//! let id = recorder.begin(CallSpec::new(Op::Recv, site).receiving(recv));
//! // ... post MPI_Irecv ...
//! recorder.posted(id);
//! // ... wait for it; the status says who sent what ...
//! let got = Arrival { call: id, source: 0, tag: 7, bytes: 4 };
//! recorder.end(id, Op::Recv, &[got], None);
//! recorder.say("got it");
//! recorder.finish();
//! ```
//!
//! A recorder is one thread's at a time (`&mut self`): the lesson layer owns
//! one outright and pays no lock. Callers on many threads share one through
//! a [`SharedRecorder`] (a lock per step), and C hooks reach the process's
//! own through [`process_recorder`]:
//!
//! ```no_run
//! use mpi_tutor::probe::{process_recorder, CallSpec, CollectiveSpec, Job, JobConfig};
//! use mpi_tutor::trace::{Op, Site};
//!
//! # let job = Job::init().unwrap();
//! # let config = JobConfig { gated: false, started_unix: 0.0 };
//! // Once MPI is up, on the thread that starts the program:
//! process_recorder().install(job.recorder(config));
//!
//! // In an `extern "C"` hook, on any of the program's threads. `None`:
//! // nothing installed, or an MPI call of the tutor's own, not to record.
//! let site = Site { file: "ring.c".into(), line: 7 };
//! let all = CollectiveSpec { root: None, count: 0, datatype: "MPI_BYTE".into(), bytes: 0, members: job.size() };
//! let spec = CallSpec::new(Op::Barrier, site).collective(all);
//! if let Some(id) = process_recorder().with(|r| r.begin(spec)) {
//!     // ... PMPI_Ibarrier ...
//!     process_recorder().with(|r| r.posted(id));
//!     // ... wait; if long, `about_to_wait` first ...
//!     process_recorder().with(|r| r.end(id, Op::Barrier, &[], None));
//! }
//!
//! // Before MPI ends: reports `Finished` and waits for rank 0's word.
//! if let Some(recorder) = process_recorder().take() {
//!     job.finish_recording(recorder);
//! }
//! ```
//!
//! What it keeps from one call to the next is what makes a call cheap: the
//! box of the last call's `Begin` and the list of its receives are reused,
//! so a call at full speed costs no trip to the allocator; and a call's
//! `Begin` is only encoded once its MPI operation is under way (in a fast
//! exchange the peer waits for this rank's message, and encoding first
//! would make it wait that much longer).

mod compact;
mod failure;
mod pace;
mod ready;
mod shared;
mod slots;
mod spec;
mod stopwatch;

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use self::stopwatch::Stopwatch;
pub use failure::FailureReporter;
pub use ready::Ready;
pub use shared::{
    as_tutor, mark_tutor_thread, on_tutor_thread, process_recorder, this_thread, Polls,
    SharedRecorder, ThisThread,
};
pub use slots::Slots;
pub use spec::{
    Arrival, CallSpec, CollectiveSpec, EndSpec, RecvSpec, SendSpec, StartSpec, StartedTransfer,
};

use self::pace::Pace;
use super::outbox::Outbox;
use super::pace::Gate;
use crate::trace::wire::{BegunAndEnded, Ended};
use crate::trace::{
    Call, CallEnd, CollectivePart, Event, EventKind, FieldBlock, Matcher, MsgId, Op, Received,
    RecvPart, SendCounter, SendPart, Site, Text, Values,
};

/// One rank's recorder: see the module documentation.
pub struct Recorder {
    rank: u32,
    started: Stopwatch,
    /// Seconds between the run's start (rank 0's clock) and `started`.
    offset: f64,
    /// When (since `started`) the last event was stamped: the clock read
    /// every call makes anyway, reused to time the pace checks.
    last_stamp: Duration,
    /// Shared with the failure reporter, which reports from any thread.
    seq: Arc<AtomicU64>,
    next_call: u64,
    sends: SendCounter,
    matcher: Matcher,
    /// Collectives begun so far, per communicator.
    collectives: Vec<(u32, u64)>,
    pace: Pace,
    /// Allocations kept from one call's events for the next call's.
    spare_call: Option<Box<Call>>,
    spare_received: Vec<Received>,
    /// The call that began, stamped but not reported yet: see `posted`.
    unreported: Option<(Box<Call>, Duration)>,
    resolved: Vec<(u64, MsgId)>,
    /// What the call in progress received, for its `End` (see `got`).
    got_values: Option<Values>,
    outbox: Outbox,
    /// What a caller keeps beside the recorder, under its lock: see
    /// [`Recorder::attached`].
    attached: Option<Box<dyn Any + Send>>,
    /// Made before the job had started: what to wait for before the
    /// first event (see [`Recorder::starting`]).
    pending: Option<Arc<Ready>>,
}

impl Recorder {
    /// The recorder of rank `rank`, whose clock is `offset` seconds past the
    /// run's start, reporting through `outbox`. It runs free until given a
    /// gate ([`Recorder::paced_by`]).
    pub fn new(rank: u32, offset: f64, outbox: Outbox) -> Self {
        Recorder {
            rank,
            started: Stopwatch::start(),
            offset,
            last_stamp: Duration::ZERO,
            seq: Arc::new(AtomicU64::new(0)),
            next_call: 0,
            sends: SendCounter::default(),
            matcher: Matcher::new(rank),
            collectives: Vec::new(),
            pace: Pace::free(),
            spare_call: None,
            spare_received: Vec::new(),
            unreported: None,
            resolved: Vec::new(),
            got_values: None,
            outbox,
            attached: None,
            pending: None,
        }
    }

    /// The recorder of rank `rank`, made before the job has started: its
    /// clock runs from now, and its first event (a call's begin, output,
    /// a failure, the finish) waits until `ready` says how far that is
    /// past the run's start and hands it the teacher's gate.
    pub fn starting(rank: u32, outbox: Outbox, ready: Arc<Ready>) -> Self {
        let mut recorder = Recorder::new(rank, 0.0, outbox);
        recorder.pending = Some(ready);
        recorder
    }

    /// Holds the rank before each call while `gate` says so; `held`: from
    /// the first call on.
    pub fn paced_by(mut self, gate: impl Gate + 'static, held: bool) -> Self {
        self.pace = Pace::new(Box::new(gate), held);
        self
    }

    pub fn rank(&self) -> u32 {
        self.rank
    }

    /// Whether the teacher sets the pace now (the rank stops before calls).
    pub fn is_held(&self) -> bool {
        self.pace.is_held()
    }

    /// How long the teacher's pace has held this rank so far, in seconds.
    pub fn held_seconds(&self) -> f64 {
        self.pace.held().as_secs_f64()
    }

    /// Events reported so far (the next event's `seq`).
    pub fn events_reported(&self) -> u64 {
        self.seq.load(Ordering::SeqCst)
    }

    /// Reports failures from any thread, beside this recorder's own events
    /// (the panic hook keeps one).
    pub fn failure_reporter(&self) -> FailureReporter {
        let offset = match &self.pending {
            Some(ready) => failure::Offset::Later(ready.clone()),
            None => failure::Offset::Known(self.offset),
        };
        FailureReporter::new(
            self.rank,
            self.outbox.handle(),
            self.seq.clone(),
            self.started,
            offset,
        )
    }

    /// Waits, if the job has not started yet, for what the start hands
    /// this recorder. One branch, taken the same way every call once the
    /// first is past.
    #[inline]
    fn ready(&mut self) {
        if self.pending.is_some() {
            self.wait_for_start();
        }
    }

    #[cold]
    fn wait_for_start(&mut self) {
        if let Some(ready) = self.pending.take() {
            self.offset = ready.offset();
            if let Some((gate, held)) = ready.take_gate() {
                self.pace = Pace::new(gate, held);
            }
        }
    }

    /// A call begins: waits here while the teacher holds the rank (after
    /// reporting it `Held`: stopped, or sitting out its time per call), then stamps the call's beginning and returns
    /// its id. The `Begin` itself is reported by [`Recorder::posted`], or
    /// before the next event at the latest.
    pub fn begin(&mut self, spec: CallSpec<'_>) -> u64 {
        self.ready();
        // A call another thread began is reported before this one's.
        self.report_begin();
        let call = self.describe(spec);
        if self.pace.must_hold(self.last_stamp) {
            self.emit(EventKind::Held(Box::new((*call).clone())));
            self.pace.hold();
        }
        self.pace.call_begins();
        let id = call.id;
        let now = self.started.elapsed();
        self.last_stamp = now;
        self.unreported = Some((call, now));
        id
    }

    /// Call `id`'s MPI operation is under way: reports its `Begin`, if not
    /// yet.
    pub fn posted(&mut self, id: u64) {
        if self.unreported.as_ref().is_some_and(|(c, _)| c.id == id) {
            self.report_begin();
        }
    }

    /// The program is about to wait for real: rank 0 hears now of every
    /// event so far, so the view never misses a blocked rank.
    pub fn about_to_wait(&mut self) {
        self.report_begin();
        self.outbox.nudge();
    }

    /// Call `id` (an `op`) returned, having completed the receives in
    /// `arrivals`; `completed` is a test's answer.
    pub fn end(&mut self, id: u64, op: Op, arrivals: &[Arrival], completed: Option<bool>) {
        let spec = EndSpec {
            completed,
            ..EndSpec::default()
        };
        self.end_as(id, op, arrivals, spec);
    }

    /// [`Recorder::end`] for a poll in a loop of them: `polls`, how many
    /// the loop has made, this one included (0 or 1: a lone poll).
    pub fn end_polled(
        &mut self,
        id: u64,
        op: Op,
        arrivals: &[Arrival],
        completed: Option<bool>,
        polls: u64,
    ) {
        let spec = EndSpec {
            completed,
            polls,
            ..EndSpec::default()
        };
        self.end_as(id, op, arrivals, spec);
    }

    /// [`Recorder::end`] with all an end can say: a test's answer, the
    /// requests it completed, its loop's polls (`spec`).
    pub fn end_as(&mut self, id: u64, op: Op, arrivals: &[Arrival], spec: EndSpec<'_>) {
        self.end_stamped(id, op, arrivals, spec, None, None);
    }

    /// [`Recorder::end_as`] for a call that ends in the step it began in,
    /// its operation only started (an isend, an irecv, a nonblocking
    /// collective): its `End` bears its beginning's stamp. The clock read
    /// it saves is a tenth of what such a call costs the program, and the
    /// time it would show is the recorder's own, not the program's. One
    /// that received (a test that found its message) is stamped now, after
    /// the `Matched` events its receives may report.
    ///
    /// Its `Begin`, if not reported yet, goes out with its `End` as one
    /// record (`wire::BegunAndEnded`): one number, one stamp, one place in
    /// the ring for the two, split back into two events by rank 0's reader.
    pub fn end_at_begin(&mut self, id: u64, op: Op, arrivals: &[Arrival], spec: EndSpec<'_>) {
        let begun = self
            .unreported
            .as_ref()
            .is_some_and(|(call, _)| call.id == id);
        match self.unreported.take() {
            Some((call, at)) if begun && arrivals.is_empty() => {
                self.report_begun_and_ended(call, at, op, spec);
            }
            unreported => {
                self.unreported = unreported;
                self.end_stamped(id, op, arrivals, spec, None, None);
            }
        }
    }

    /// Reports `call`'s `Begin` and its `End` (an `op`, having received
    /// nothing), both stamped `at`, as one record; keeps the call's box.
    fn report_begun_and_ended(&mut self, call: Box<Call>, at: Duration, op: Op, spec: EndSpec<'_>) {
        let end = self.call_end(call.id, op, Vec::new(), spec, None);
        let (seq, t) = self.number_and_stamp(2, at);
        let pair = BegunAndEnded {
            rank: self.rank,
            seq,
            t,
            call: &call,
            end: &end,
        };
        self.outbox.report_record(&pair);
        self.spare_call = Some(call);
    }

    /// The end of other call `id`, named `name` as its `Begin` was.
    pub fn end_other(&mut self, id: u64, name: Text) {
        self.end_stamped(id, Op::Other, &[], EndSpec::default(), Some(name), None);
    }

    /// Reports call `id`'s `End`, stamped `at` (since `started`) or now.
    fn end_stamped(
        &mut self,
        id: u64,
        op: Op,
        arrivals: &[Arrival],
        spec: EndSpec<'_>,
        name: Option<Text>,
        at: Option<Duration>,
    ) {
        let mut received = std::mem::take(&mut self.spare_received);
        for arrival in arrivals {
            let got = self.number(arrival);
            received.push(got);
        }
        if name.is_none() && spec == EndSpec::default() && self.got_values.is_none() {
            // An end that says no more than what arrived: a compact record.
            self.report_begin();
            let now = at.unwrap_or_else(|| self.started.elapsed());
            let (seq, t) = self.number_and_stamp(1, now);
            self.outbox.report_record(&Ended {
                rank: self.rank,
                seq,
                t,
                id,
                op,
                received: &received,
            });
            received.clear();
            self.spare_received = received;
            return;
        }
        let end = self.call_end(id, op, received, spec, name);
        let end = self.emit_stamped(EventKind::End(end), at);
        if let EventKind::End(CallEnd { mut received, .. }) = end {
            if received.capacity() > 0 {
                received.clear();
                self.spare_received = received;
            }
        }
    }

    /// The `End` of call `id`, an `op` that received `received`, with
    /// what the call in progress got.
    fn call_end(
        &mut self,
        id: u64,
        op: Op,
        received: Vec<Received>,
        spec: EndSpec<'_>,
        name: Option<Text>,
    ) -> CallEnd {
        CallEnd {
            id,
            op,
            received,
            completed: spec.completed,
            done: spec.done.to_vec(),
            name,
            values: self.got_values.take(),
            // A lone poll is no loop.
            polls: if spec.polls > 1 { spec.polls } else { 0 },
            bytes: spec.bytes,
        }
    }

    /// What the caller keeps with this recorder (a C hook's table of the
    /// program's open requests), made on first use: it is read and written
    /// in the same turn as the calls it concerns, under one lock, not two.
    /// One kind at a time: asking for another kind starts it afresh.
    pub fn attached<T: Any + Send + Default>(&mut self) -> &mut T {
        let kept = match &mut self.attached {
            Some(kept) if kept.is::<T>() => kept,
            other => other.insert(Box::new(T::default())),
        };
        let kept: *mut (dyn Any + Send) = &mut **kept;
        // SAFETY: it is a `T` (just checked, or just made one), borrowed
        // from `self` as long as the result: `downcast_mut` without its
        // second look at the type.
        unsafe { &mut *kept.cast::<T>() }
    }

    /// The call in progress received these values (previewed): its `End`
    /// carries them.
    pub fn got(&mut self, values: Option<Values>) {
        self.got_values = values;
    }

    /// Program output: rank 0 shows it in the log.
    pub fn say(&mut self, text: impl Into<String>) {
        self.ready();
        self.emit(EventKind::Say { text: text.into() });
    }

    /// The program's check of its own result.
    pub fn check(&mut self, what: impl Into<String>, passed: bool) {
        self.ready();
        self.emit(EventKind::Check {
            what: what.into(),
            passed,
        });
    }

    /// A block of distributed data for the heat-map panel.
    pub fn show_field(&mut self, block: FieldBlock) {
        self.ready();
        self.emit(EventKind::Field(block));
    }

    /// The program failed at `site`: rank 0 ends the run and says why.
    pub fn fail(&mut self, message: impl Into<String>, site: Option<Site>) {
        self.ready();
        self.emit(EventKind::Failed {
            message: message.into(),
            site,
        });
    }

    /// Waits, at most `bound`, until rank 0 has everything reported so far
    /// (a synchronous send completes once rank 0 has received it); false
    /// if it has not.
    pub fn wait_delivered(&self, bound: std::time::Duration) -> bool {
        self.outbox.wait_handed_on(bound)
    }

    /// The program is done: reports `Finished` (with the count of events,
    /// so rank 0 can tell none was lost) and waits until everything queued
    /// has been taken.
    pub fn finish(mut self) {
        self.ready();
        let events = self.events_reported() + 1;
        let throttled = self.outbox.throttled();
        self.emit(EventKind::Finished { events, throttled });
        self.outbox.close();
    }

    /// The call `spec` describes, numbered, in the box the last call used.
    fn describe(&mut self, spec: CallSpec<'_>) -> Box<Call> {
        let id = self.next_call;
        self.next_call += 1;
        let mut call = self.spare_call.take().unwrap_or_else(empty_call);
        call.id = id;
        call.op = spec.op;
        call.comm = spec.comm;
        call.site = spec.site;
        let (sent_values, put_values) = match spec.collective {
            Some(_) => (None, spec.values),
            None => (spec.values, None),
        };
        call.send = spec.send.map(|s| SendPart {
            msg: self.sends.next(self.rank, s.dest, s.tag, spec.comm),
            dest: s.dest,
            tag: s.tag,
            count: s.count,
            datatype: s.datatype,
            bytes: s.bytes,
            values: sent_values,
        });
        call.recv = spec.recv.map(|r| {
            self.matcher.post(id, spec.comm, r.source, r.tag);
            RecvPart {
                source: r.source,
                tag: r.tag,
                count: r.count,
                datatype: r.datatype,
            }
        });
        call.collective = spec.collective.map(|c| CollectivePart {
            instance: self.next_collective(spec.comm),
            root: c.root,
            count: c.count,
            datatype: c.datatype,
            bytes: c.bytes,
            members: c.members,
            values: put_values,
            reduce: spec.reduce,
        });
        call.requests.clear();
        call.requests.extend_from_slice(spec.requests);
        call.name = spec.name;
        call.shift = spec.shift;
        call.probe = spec.probe;
        call.rma = spec.rma;
        call
    }

    /// The number of the next collective on `comm`.
    fn next_collective(&mut self, comm: u32) -> u64 {
        let at = match self.collectives.iter().position(|&(c, _)| c == comm) {
            Some(at) => at,
            None => {
                self.collectives.push((comm, 0));
                self.collectives.len() - 1
            }
        };
        let count = &mut self.collectives[at].1;
        *count += 1;
        *count - 1
    }

    /// Numbers a completed receive, and reports as `Matched` any earlier one
    /// that could only now be numbered.
    fn number(&mut self, arrival: &Arrival) -> Received {
        let mut resolved = std::mem::take(&mut self.resolved);
        self.matcher
            .complete_into(arrival.call, arrival.source, arrival.tag, &mut resolved);
        let mut mine = None;
        for (call, msg) in resolved.drain(..) {
            if call == arrival.call {
                mine = Some(msg);
            } else {
                self.emit(EventKind::Matched { call, msg });
            }
        }
        self.resolved = resolved;
        Received {
            call: arrival.call,
            source: arrival.source,
            tag: arrival.tag,
            bytes: arrival.bytes,
            msg: mine,
        }
    }

    /// Reports the begun call's `Begin`, if not yet, and keeps its box.
    fn report_begin(&mut self) {
        if let Some((call, at)) = self.unreported.take() {
            if let EventKind::Begin(call) = self.emit_at(EventKind::Begin(call), at) {
                self.spare_call = Some(call);
            }
        }
    }

    /// Reports `event` now, after the begun call's `Begin`, and hands it
    /// back so its allocations serve again.
    fn emit(&mut self, event: EventKind) -> EventKind {
        self.emit_stamped(event, None)
    }

    /// [`Recorder::emit`], stamped `at` (since `started`) if given: no
    /// clock read then.
    fn emit_stamped(&mut self, event: EventKind, at: Option<Duration>) -> EventKind {
        self.report_begin();
        let now = at.unwrap_or_else(|| self.started.elapsed());
        self.emit_at(event, now)
    }

    /// Reports `event` as happening `now` (since `started`).
    fn emit_at(&mut self, event: EventKind, now: Duration) -> EventKind {
        // What a person should see at once goes out at once; call begins
        // and ends ride along with the next batch (or the next wait).
        let urgent = !matches!(
            event,
            EventKind::Begin(_) | EventKind::End(_) | EventKind::Matched { .. }
        );
        let (seq, t) = self.number_and_stamp(1, now);
        let e = Event {
            rank: self.rank,
            seq,
            t,
            event,
        };
        self.outbox.report(&e, urgent);
        e.event
    }

    /// Numbers `events` events happening `now` (since `started`): the
    /// first one's number, and their stamp on the run's clock.
    fn number_and_stamp(&mut self, events: u64, now: Duration) -> (u64, f64) {
        // Only the thread that holds the recorder numbers its events (the
        // failure reporter numbers its one event on a failing thread, which
        // records no more), so a plain load and store do: a locked add
        // costs more than the rest of the stamp.
        let seq = self.seq.load(Ordering::Relaxed);
        self.seq.store(seq + events, Ordering::Relaxed);
        self.last_stamp = now;
        (seq, self.offset + now.as_secs_f64())
    }
}

/// The box a recorder's first call is described in.
fn empty_call() -> Box<Call> {
    let site = Site {
        file: "".into(),
        line: 0,
    };
    Box::new(Call::bare(0, Op::Barrier, 0, site))
}

#[cfg(test)]
mod tests;
