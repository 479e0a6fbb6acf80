//! Where a rank's events wait for rank 0, without MPI: the recording thread
//! encodes each event into a byte ring (no lock, no allocation once warm:
//! `ring.rs`) and a draining thread takes what is in it in batches. The
//! draining thread (`reporter.rs`) sends the batches to rank 0 on the
//! tutor's own communicator; a test takes them itself.
//!
//! The draining thread is not woken for every event (a wake-up costs more
//! than an 8-byte message): it takes the ring every couple of milliseconds,
//! and at once when the program is about to wait for real or says
//! something a person should see now. So a rank that waits has reported
//! that it waits.
//!
//! When the ring is full the recording thread waits for room before it
//! reports another event. We chose that over dropping events: a view with
//! a lost `End` shows a rank blocked that is not, a lost send looks like a
//! deadlock, and a tool that teaches must not show either. Only a program
//! that floods rank 0 for seconds on end ever meets the limit
//! (BENCHMARKS.md).
//!
//! A few events do not go through the ring: the panic hook's `Failed`
//! (reported through a [`ReportHandle`], while the recording thread may be
//! mid-event) and an event too big for the ring. They wait in a locked side
//! queue, each marked with the ring position it follows, and the draining
//! thread puts them back in their place.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use super::ring::{ring, Reader, Writer};
use super::wait::Backoff;
use crate::trace::wire::{self, Record};
use crate::trace::Event;

/// A ring this full is taken without waiting for the next collection.
const URGENT_BYTES: usize = 256 << 10;
/// Marks a side event that follows whatever the ring holds when it is taken.
const AFTER_ALL: usize = usize::MAX;

/// What both threads share, besides the ring.
#[derive(Default)]
struct Shared {
    side: Mutex<Side>,
    wake: Condvar,
    closed: AtomicBool,
    /// Side events ever queued.
    side_queued: AtomicU64,
    /// What the draining thread has handed on: the ring's bytes up to this
    /// position, and this many side events.
    handed_ring: AtomicUsize,
    handed_side: AtomicU64,
    /// Times the recording thread waited for room: rank 0 could not keep up.
    throttled: AtomicU64,
}

/// Events that could not go through the ring, and the draining thread's alarm.
#[derive(Default)]
struct Side {
    bytes: Vec<u8>,
    /// For each event: the ring position it follows, and where it ends in
    /// `bytes`.
    cuts: Vec<(usize, usize)>,
    woken: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Side> {
        self.side.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Has the draining thread take what is queued now.
    fn wake(&self) {
        self.lock().woken = true;
        self.wake.notify_one();
    }

    fn push_side(&self, after: usize, event: &[u8]) {
        let mut side = self.lock();
        side.bytes.extend_from_slice(event);
        let end = side.bytes.len();
        side.cuts.push((after, end));
        side.woken = true;
        self.side_queued.fetch_add(1, Ordering::SeqCst);
        drop(side);
        self.wake.notify_one();
    }

    /// No more events: the draining thread takes what is queued and stops.
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.wake();
    }
}

/// What [`Inbox::take`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    /// Bytes to send, now in the batch.
    Bytes,
    /// Nothing queued yet.
    Nothing,
    /// Closed, and everything queued before has been taken.
    Closed,
}

/// A ring of `capacity` bytes, `resident` of them in memory from the start
/// (see `ring::ring`): the recording end and the draining end.
pub fn outbox(capacity: usize, resident: usize) -> (Outbox, Inbox) {
    let shared = Arc::new(Shared::default());
    let (writer, reader) = ring(capacity, resident);
    let outbox = Outbox {
        ring: writer,
        event: Vec::new(),
        shared: shared.clone(),
        drain: None,
    };
    let inbox = Inbox {
        shared,
        ring: reader,
        side: Side::default(),
        taken_side: 0,
    };
    (outbox, inbox)
}

/// The draining end: takes the ring and the side queue, in event order.
pub struct Inbox {
    shared: Arc<Shared>,
    ring: Reader,
    side: Side,
    /// Side events ever taken.
    taken_side: u64,
}

impl Inbox {
    /// Appends everything queued to the empty `batch`, waiting up to
    /// `wait` for something. "Closed" is read before the ring's position:
    /// the recording thread writes its last events (its `Finished`) before
    /// it closes, so seeing "closed" means seeing them too. Read the other
    /// way round, a rank's last events could be left behind and rank 0
    /// would wait for them forever.
    pub fn take(&mut self, batch: &mut Vec<u8>, wait: Duration) -> Taken {
        let closed = self.wait_for_something(wait);
        let written = self.ring.written();
        let mut from = 0;
        for &(after, end) in &self.side.cuts {
            self.ring.read_to(after.min(written), batch);
            batch.extend_from_slice(&self.side.bytes[from..end]);
            from = end;
        }
        self.ring.read_to(written, batch);
        self.taken_side += self.side.cuts.len() as u64;
        self.side.bytes.clear();
        self.side.cuts.clear();
        match (batch.is_empty(), closed) {
            (false, _) => Taken::Bytes,
            (true, false) => Taken::Nothing,
            (true, true) => Taken::Closed,
        }
    }

    /// Brings the ring's first `resident` bytes into memory (see
    /// `ring::ring`), on the draining thread.
    ///
    /// # Safety
    /// Nothing has been reported through the outbox's ring yet, and nothing
    /// is until this has returned and the recording thread has seen so.
    pub unsafe fn make_resident(&mut self, resident: usize) {
        // SAFETY: the caller's promise.
        unsafe { self.ring.make_resident(resident) };
    }

    /// See `ring::Reader::keep_ahead`.
    pub fn keep_ahead(&mut self, resident: usize) -> bool {
        self.ring.keep_ahead(resident)
    }

    /// See `ring::Reader::populate_ahead`.
    pub fn populate_ahead(&mut self) {
        self.ring.populate_ahead();
    }

    /// The recording end has closed: what is taken now is the last.
    pub fn closed(&self) -> bool {
        self.shared.closed.load(Ordering::SeqCst)
    }

    /// Everything taken so far has been handed on (rank 0 has it).
    pub fn handed_on(&self) {
        let shared = &self.shared;
        shared.handed_ring.store(self.ring.read(), Ordering::SeqCst);
        shared.handed_side.store(self.taken_side, Ordering::SeqCst);
    }

    /// Waits up to `wait` unless something is queued, then takes the side
    /// queue into `self.side`; returns whether the outbox was closed.
    fn wait_for_something(&mut self, wait: Duration) -> bool {
        let mut side = self.shared.lock();
        let idle = |s: &Side| s.bytes.is_empty() && !s.woken;
        if idle(&side)
            && self.ring.written() == self.ring.read()
            && !self.shared.closed.load(Ordering::SeqCst)
        {
            side = self
                .shared
                .wake
                .wait_timeout(side, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        side.woken = false;
        let closed = self.shared.closed.load(Ordering::SeqCst);
        std::mem::swap(&mut *side, &mut self.side);
        closed
    }
}

/// The recording end: the ring's writer, a buffer for an event that does
/// not fit in the ring's room at once (across its end, or while full), and
/// the thread that drains the other end.
pub struct Outbox {
    ring: Writer,
    event: Vec<u8>,
    shared: Arc<Shared>,
    drain: Option<JoinHandle<()>>,
}

impl Outbox {
    /// The thread that drains the inbox: [`Outbox::close`] waits for it.
    pub fn drained_by(&mut self, thread: JoinHandle<()>) {
        self.drain = Some(thread);
    }

    /// Queues an event for rank 0; with `urgent` it is taken now. While
    /// rank 0 is a full ring behind, waits for room.
    pub fn report(&mut self, e: &Event, urgent: bool) {
        let into = |room: &mut [u8]| wire::encode_into(e, room);
        self.queue(into, |bytes| wire::encode(e, bytes), urgent);
    }

    /// [`Outbox::report`] for a record that stands for one or two events
    /// (a call's `Begin` and `End` as one, a compact record), neither of
    /// them urgent.
    pub(crate) fn report_record(&mut self, record: &impl Record) {
        let into = |room: &mut [u8]| wire::encode_record_into(record, room);
        self.queue(into, |bytes| wire::encode_record(record, bytes), false);
    }

    /// Queues one record: written by `into` straight into the ring's free
    /// room, nearly always; else (at the ring's end, or with no room) by
    /// `encode` into the buffer, and from there into the ring.
    #[inline]
    fn queue(
        &mut self,
        into: impl FnOnce(&mut [u8]) -> Option<usize>,
        encode: impl FnOnce(&mut Vec<u8>),
        urgent: bool,
    ) {
        let before = self.ring.queued();
        let len = match into(self.ring.room()) {
            Some(len) => {
                self.ring.commit(len);
                len
            }
            None => self.report_through_buffer(encode),
        };
        // Wake the draining thread when the ring crosses the mark, not at
        // every event past it: a wake-up is a system call, and while the
        // ranks keep both cores busy the draining thread cannot run anyway.
        if urgent || (before < URGENT_BYTES && before + len >= URGENT_BYTES) {
            self.shared.wake();
        }
    }

    /// Queues an event that did not fit in the ring's room at once: encoded
    /// into the buffer, then pushed across the ring's end, waiting for room
    /// if need be, or beside the ring if it never fits. Its length.
    fn report_through_buffer(&mut self, encode: impl FnOnce(&mut Vec<u8>)) -> usize {
        let Outbox {
            ring,
            event,
            shared,
            ..
        } = self;
        event.clear();
        encode(event);
        if event.len() > ring.capacity() {
            // Would never fit: it goes beside the ring, in its place.
            shared.push_side(ring.written(), event);
            return 0;
        }
        if !ring.push(event) {
            shared.throttled.fetch_add(1, Ordering::Relaxed);
            shared.wake();
            let mut backoff = Backoff::new();
            while !ring.push(event) {
                backoff.snooze();
            }
        }
        event.len()
    }

    /// Has what is queued taken now (the program is about to wait).
    pub fn nudge(&self) {
        self.shared.wake();
    }

    /// Waits, at most `bound`, until everything queued so far has been
    /// taken and handed on (to rank 0: see [`Inbox::handed_on`]); false if
    /// not. Counted, not read off a flag of the draining thread's: that
    /// thread is taking (or waiting for) the next batch nearly all the time.
    pub fn wait_handed_on(&self, bound: Duration) -> bool {
        let deadline = std::time::Instant::now() + bound;
        let ring = self.ring.written();
        let side = self.shared.side_queued.load(Ordering::SeqCst);
        self.shared.wake();
        loop {
            let shared = &self.shared;
            if shared.handed_ring.load(Ordering::SeqCst) >= ring
                && shared.handed_side.load(Ordering::SeqCst) >= side
            {
                return true;
            }
            if std::time::Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// How often the recording thread had to wait because rank 0 fell behind.
    pub fn throttled(&self) -> u64 {
        self.shared.throttled.load(Ordering::Relaxed)
    }

    /// A handle for reporting from another thread, beside the ring.
    pub fn handle(&self) -> ReportHandle {
        ReportHandle(self.shared.clone())
    }

    /// No more events: the draining thread takes everything queued, and
    /// this waits until it has stopped.
    pub fn close(&mut self) {
        self.shared.close();
        if let Some(thread) = self.drain.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.close();
    }
}

/// A handle for reporting from outside the recorder's calls (the panic hook
/// keeps one); cheap to clone. Its events go through the side queue.
#[derive(Clone)]
pub struct ReportHandle(Arc<Shared>);

impl ReportHandle {
    /// Queues an event for rank 0 after everything reported so far, and
    /// has it taken now.
    pub fn report(&self, e: &Event) {
        let mut bytes = Vec::new();
        wire::encode(e, &mut bytes);
        self.0.push_side(AFTER_ALL, &bytes);
    }
}

#[cfg(test)]
mod tests;
