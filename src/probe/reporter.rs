//! The rank side of the wire: the lesson thread encodes each event into a
//! byte ring (no lock, no allocation once warm: `ring.rs`) and a reporter
//! thread sends what is in it to rank 0 in batches, on the tutor's own
//! communicator, never mixed with lesson traffic.
//!
//! The reporter is not woken for every event (a wake-up costs more than an
//! 8-byte message): it collects the ring every `COLLECT_EVERY`, and at once
//! when the lesson is about to wait for real or says something a person
//! should see now. So a rank that waits has reported that it waits.
//!
//! Batches go out as synchronous sends, which complete only once rank 0 has
//! taken them: if rank 0 falls behind, the ring here fills instead of
//! rank 0's memory. When it is full the lesson waits for room before it
//! reports another call. We chose that over dropping events: a view with a
//! lost `End` shows a rank blocked that is not, a lost send looks like a
//! deadlock, and a tool that teaches must not show either. Only a lesson
//! that floods rank 0 for seconds on end ever meets the limit (BENCHMARKS.md).
//!
//! A few events do not go through the ring: the panic hook's `Failed`
//! (reported through a cloned [`ReportHandle`], while the lesson's own
//! writer may be mid-event) and an event too big for the ring. They wait in
//! a locked side queue, each marked with the ring position it follows, and
//! the reporter puts them back in their place.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use mpi::traits::*;

use super::ring::{ring, Reader, Writer};
use super::shared_comm::SharedComm;
use super::wait::{wait_in_background, Backoff};
use crate::trace::{wire, Event};

/// Tag of event batches on the events communicator.
pub const EVENTS_TAG: i32 = 1;
/// Longest an event waits in the ring when nothing urges it on.
const COLLECT_EVERY: Duration = Duration::from_millis(2);
/// A ring this full is sent without waiting for the next collection.
const URGENT_BYTES: usize = 256 << 10;
/// Encoded events a rank may have queued before its lesson waits for room:
/// about a hundred thousand events, a fraction of a second of rank 0's work,
/// so the live view never lags a flood by more than that.
const RING_BYTES: usize = 4 << 20;
/// Ring memory the whole job touches before its lessons start, shared out
/// among the ranks (see `ring`): all of each ring for a class-sized run,
/// a quarter of a MiB each at 64 ranks, where 4 MiB each would add two
/// thirds to the job's memory.
const RESIDENT_RINGS_BYTES: usize = 16 << 20;
/// A batch buffer that grew past this during a burst is given back afterwards.
const KEEP_CAPACITY: usize = 4 << 20;
/// Marks a side event that follows whatever the ring holds when it is taken.
const AFTER_ALL: usize = usize::MAX;

/// What both threads share, besides the ring.
#[derive(Default)]
struct Shared {
    side: Mutex<Side>,
    wake: Condvar,
    closed: AtomicBool,
    /// Times the lesson waited for room: rank 0 could not keep up.
    throttled: AtomicU64,
}

/// Events that could not go through the ring, and the reporter's alarm.
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

    /// Sends what is queued now.
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
        drop(side);
        self.wake.notify_one();
    }

    /// No more events: the reporter sends what is queued and stops.
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.wake();
    }
}

/// What the reporter found.
#[derive(Debug, PartialEq, Eq)]
enum Taken {
    /// Bytes to send, now in the batch.
    Bytes,
    /// Nothing queued yet.
    Nothing,
    /// Closed, and everything queued before has been taken.
    Closed,
}

/// The reporter's end: takes the ring and the side queue, in event order.
struct Taker {
    shared: Arc<Shared>,
    ring: Reader,
    side: Side,
}

impl Taker {
    /// Appends everything queued to the empty `batch`, waiting up to
    /// `wait` for something. "Closed" is read before the ring's position:
    /// the lesson writes its last events (its `Finished`) before it closes,
    /// so seeing "closed" means seeing them too. Read the other way round, a
    /// rank's last events could be left behind and rank 0 would wait for
    /// them forever.
    fn take(&mut self, batch: &mut Vec<u8>, wait: Duration) -> Taken {
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
        drop(side);
        let written = self.ring.written();
        let mut from = 0;
        for &(after, end) in &self.side.cuts {
            self.ring.read_to(after.min(written), batch);
            batch.extend_from_slice(&self.side.bytes[from..end]);
            from = end;
        }
        self.ring.read_to(written, batch);
        self.side.bytes.clear();
        self.side.cuts.clear();
        match (batch.is_empty(), closed) {
            (false, _) => Taken::Bytes,
            (true, false) => Taken::Nothing,
            (true, true) => Taken::Closed,
        }
    }
}

/// The lesson thread's end: the ring's writer and the buffer an event is
/// encoded in before it goes in.
struct Lesson {
    ring: Writer,
    event: Vec<u8>,
}

impl Lesson {
    fn report(&mut self, shared: &Shared, e: &Event, urgent: bool) {
        let Lesson { ring, event } = self;
        event.clear();
        wire::encode(e, event);
        let before = ring.queued();
        if event.len() > ring.capacity() {
            // Would never fit: it goes beside the ring, in its place.
            shared.push_side(ring.written(), event);
            return;
        }
        if !ring.push(event) {
            shared.throttled.fetch_add(1, Ordering::Relaxed);
            shared.wake();
            let mut backoff = Backoff::new();
            while !ring.push(event) {
                backoff.snooze();
            }
        }
        // Wake the reporter when the ring crosses the mark, not at every
        // event past it: a wake-up is a system call, and while the ranks
        // keep both cores busy the reporter cannot run anyway.
        if urgent || (before < URGENT_BYTES && before + event.len() >= URGENT_BYTES) {
            shared.wake();
        }
    }
}

/// A handle for reporting from outside the lesson's calls (the panic hook
/// keeps one); cheap to clone. Its events go through the side queue.
#[derive(Clone)]
pub struct ReportHandle(Arc<Shared>);

impl ReportHandle {
    /// Queues an event for rank 0 after everything the lesson reported,
    /// and has the reporter send it now.
    pub fn report(&self, e: &Event) {
        let mut bytes = Vec::new();
        wire::encode(e, &mut bytes);
        self.0.push_side(AFTER_ALL, &bytes);
    }
}

pub struct Reporter {
    lesson: RefCell<Lesson>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Reporter {
    /// The reporter of one of `ranks` ranks.
    pub fn start(events: Arc<SharedComm>, ranks: u32) -> Self {
        let shared = Arc::new(Shared::default());
        let resident = RESIDENT_RINGS_BYTES / ranks.max(1) as usize;
        let (writer, reader) = ring(RING_BYTES, resident);
        let mut taker = Taker {
            shared: shared.clone(),
            ring: reader,
            side: Side::default(),
        };
        let thread = std::thread::Builder::new()
            .name("mpi-tutor-reporter".into())
            .spawn(move || {
                super::priority::give_way_to_lessons();
                forward(&mut taker, &events)
            })
            .expect("cannot start the reporter thread");
        Reporter {
            lesson: RefCell::new(Lesson {
                ring: writer,
                event: Vec::new(),
            }),
            shared,
            thread: Some(thread),
        }
    }

    pub fn handle(&self) -> ReportHandle {
        ReportHandle(self.shared.clone())
    }

    /// Queues an event for rank 0; with `urgent` the reporter sends it now.
    /// While rank 0 is a full ring behind, waits for room.
    pub fn report(&self, e: &Event, urgent: bool) {
        self.lesson.borrow_mut().report(&self.shared, e, urgent);
    }

    /// Sends what is queued now (the lesson is about to wait).
    pub fn nudge(&self) {
        self.shared.wake();
    }

    /// How often the lesson had to wait because rank 0 fell behind.
    pub fn throttled(&self) -> u64 {
        self.shared.throttled.load(Ordering::Relaxed)
    }

    /// Sends everything queued and stops the thread.
    pub fn finish(&mut self) {
        self.shared.close();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.finish();
    }
}

fn forward(taker: &mut Taker, events: &SharedComm) {
    let root = events.0.process_at_rank(0);
    let mut batch = Vec::new();
    loop {
        match taker.take(&mut batch, COLLECT_EVERY) {
            Taken::Closed => return,
            Taken::Nothing => continue,
            Taken::Bytes => {}
        }
        mpi::request::scope(|scope| {
            wait_in_background(root.immediate_synchronous_send_with_tag(
                scope,
                &batch[..],
                EVENTS_TAG,
            ));
        });
        batch.clear();
        if batch.capacity() > KEEP_CAPACITY {
            batch = Vec::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::EventKind;
    use std::time::Instant;

    fn say(seq: u64) -> Event {
        Event {
            rank: 1,
            seq,
            t: 0.0,
            event: EventKind::Say {
                text: format!("event {seq}"),
            },
        }
    }

    /// Both ends of a reporter, without its thread or MPI.
    fn ends(ring_bytes: usize) -> (Lesson, Arc<Shared>, Taker) {
        let shared = Arc::new(Shared::default());
        let (writer, reader) = ring(ring_bytes, ring_bytes);
        let lesson = Lesson {
            ring: writer,
            event: Vec::new(),
        };
        let taker = Taker {
            shared: shared.clone(),
            ring: reader,
            side: Side::default(),
        };
        (lesson, shared, taker)
    }

    /// Takes until closed, as the reporter does; returns the seq numbers.
    fn take_all(mut taker: Taker, taken: Arc<AtomicU64>) -> Vec<u64> {
        let (mut batch, mut seen) = (Vec::new(), Vec::new());
        loop {
            let t = taker.take(&mut batch, Duration::from_micros(20));
            taken.fetch_add(1, Ordering::SeqCst);
            match t {
                Taken::Closed => return seen,
                Taken::Nothing => {}
                Taken::Bytes => {
                    let events = wire::decode(&batch).unwrap();
                    seen.extend(events.into_iter().map(|e| e.seq));
                    batch.clear();
                }
            }
        }
    }

    /// The race that hung a run at its end (session 5): the reporter
    /// emptied the queue, the lesson queued its last events and closed,
    /// and the reporter, seeing "closed" and an empty batch, quit without
    /// them. The lesson's last events land at a different moment of the
    /// reporter's loop each round.
    #[test]
    fn every_event_queued_before_close_is_taken() {
        for round in 0..300u64 {
            let (mut lesson, shared, taker) = ends(1 << 16);
            let takes = Arc::new(AtomicU64::new(0));
            let counted = takes.clone();
            let reporter = std::thread::spawn(move || take_all(taker, counted));
            while takes.load(Ordering::SeqCst) == 0 {
                std::hint::spin_loop();
            }
            let phase = Instant::now();
            while phase.elapsed() < Duration::from_nanos(round * 997 % 200_000) {
                std::hint::spin_loop();
            }
            let n = 1 + round % 3;
            for seq in 0..n {
                lesson.report(&shared, &say(seq), seq + 1 == n);
            }
            shared.close();
            assert_eq!(reporter.join().unwrap(), (0..n).collect::<Vec<_>>());
        }
    }

    /// A ring much smaller than what the lesson reports: the lesson waits
    /// for room, counts that it did, and nothing is lost or reordered.
    #[test]
    fn a_full_ring_makes_the_lesson_wait_and_loses_nothing() {
        let (mut lesson, shared, taker) = ends(256);
        let reporter = std::thread::spawn(move || take_all(taker, Arc::default()));
        for seq in 0..5_000 {
            lesson.report(&shared, &say(seq), false);
        }
        shared.close();
        assert_eq!(reporter.join().unwrap(), (0..5_000).collect::<Vec<_>>());
        assert!(shared.throttled.load(Ordering::Relaxed) > 0);
    }

    /// Events that go beside the ring (too big for it, or reported by the
    /// panic hook) come out where they were reported.
    #[test]
    fn events_beside_the_ring_keep_their_place() {
        let (mut lesson, shared, mut taker) = ends(64);
        let big = Event {
            event: EventKind::Say {
                text: "x".repeat(100),
            },
            ..say(1)
        };
        lesson.report(&shared, &say(0), false);
        lesson.report(&shared, &big, false);
        lesson.report(&shared, &say(2), false);
        ReportHandle(shared.clone()).report(&say(3));
        let mut batch = Vec::new();
        assert_eq!(taker.take(&mut batch, Duration::ZERO), Taken::Bytes);
        let seqs: Vec<u64> = wire::decode(&batch)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, [0, 1, 2, 3]);
        shared.close();
        batch.clear();
        assert_eq!(taker.take(&mut batch, Duration::ZERO), Taken::Closed);
    }
}
