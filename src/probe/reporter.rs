//! The rank side of the wire: the lesson thread encodes each event into a
//! byte queue (a short uncontended lock, no allocation once warm) and a
//! reporter thread sends the queue to rank 0 in batches, on the tutor's own
//! communicator, never mixed with lesson traffic.
//!
//! The reporter is not woken for every event (a wake-up costs more than an
//! 8-byte message): it collects the queue every `COLLECT_EVERY`, and at once
//! when the lesson is about to wait for real or says something a person
//! should see now. So a rank that waits has reported that it waits.
//!
//! Batches go out as synchronous sends, which complete only once rank 0 has
//! taken them: if rank 0 falls behind, the queue here grows instead of
//! rank 0's memory. Past `HIGH_WATER` the lesson waits for room before it
//! reports another call. We chose that over dropping events: a view with a
//! lost `End` shows a rank blocked that is not, a lost send looks like a
//! deadlock, and a tool that teaches must not show either. Only a lesson
//! that floods rank 0 for seconds on end ever meets the limit (BENCHMARKS.md).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use mpi::traits::*;

use super::shared_comm::SharedComm;
use super::wait::wait_in_background;
use crate::trace::{wire, Event};

/// Tag of event batches on the events communicator.
pub const EVENTS_TAG: i32 = 1;
/// Longest an event waits in the queue when nothing urges it on.
const COLLECT_EVERY: Duration = Duration::from_millis(2);
/// A queue this long is sent without waiting for the next collection.
const URGENT_BYTES: usize = 256 << 10;
/// Encoded events a rank may have queued before its lesson waits for room:
/// about a hundred thousand events, a fraction of a second of rank 0's work,
/// so the live view never lags a flood by more than that.
const HIGH_WATER: usize = 4 << 20;
/// A buffer that grew past this during a burst is given back afterwards.
const KEEP_CAPACITY: usize = 4 << 20;

#[derive(Default)]
struct Queue {
    bytes: Mutex<Vec<u8>>,
    wake: Condvar,
    room: Condvar,
    closed: AtomicBool,
    /// Times the lesson waited for room: rank 0 could not keep up.
    throttled: AtomicU64,
}

/// What the reporter found in the queue.
#[derive(Debug, PartialEq, Eq)]
enum Taken {
    /// Bytes to send, now in the reporter's buffer.
    Bytes,
    /// Nothing queued yet.
    Nothing,
    /// Closed, and everything queued before has been taken.
    Closed,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        self.bytes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Swaps the queued bytes into the empty `batch`, waiting up to `wait`
    /// for some. Whether the queue is closed is read under the same lock as
    /// the swap: read after it, a rank's last events (its `Finished`), queued
    /// between the swap and the read, were dropped and rank 0 waited for
    /// them forever.
    fn take(&self, batch: &mut Vec<u8>, wait: Duration) -> Taken {
        let mut q = self.lock();
        if q.is_empty() && !self.closed.load(Ordering::SeqCst) {
            q = self
                .wake
                .wait_timeout(q, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        std::mem::swap(&mut *q, batch);
        let closed = self.closed.load(Ordering::SeqCst);
        drop(q);
        self.room.notify_all();
        match (batch.is_empty(), closed) {
            (false, _) => Taken::Bytes,
            (true, false) => Taken::Nothing,
            (true, true) => Taken::Closed,
        }
    }

    /// No more events: the reporter sends what is queued and stops.
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.wake.notify_one();
        self.room.notify_all();
    }
}

/// A handle that can report events; cheap to clone (the panic hook keeps one).
#[derive(Clone)]
pub struct ReportHandle(Arc<Queue>);

impl ReportHandle {
    /// Queues an event for rank 0; with `urgent` the reporter sends it now.
    /// Urgent events (rare: output, failures, the end) never wait for room;
    /// the others wait while rank 0 is more than `HIGH_WATER` behind.
    pub fn report(&self, e: &Event, urgent: bool) {
        let q = &self.0;
        let mut bytes = q.lock();
        if !urgent && bytes.len() >= HIGH_WATER {
            q.throttled.fetch_add(1, Ordering::Relaxed);
            q.wake.notify_one();
            bytes = q
                .room
                .wait_while(bytes, |b| {
                    b.len() >= HIGH_WATER && !q.closed.load(Ordering::SeqCst)
                })
                .unwrap_or_else(|e| e.into_inner());
        }
        let before = bytes.len();
        wire::encode(e, &mut bytes);
        let len = bytes.len();
        drop(bytes);
        // Wake the reporter when the queue crosses the mark, not at every
        // event past it: a wake-up is a system call, and while the ranks
        // keep both cores busy the reporter cannot run anyway.
        if urgent || (before < URGENT_BYTES && len >= URGENT_BYTES) {
            q.wake.notify_one();
        }
    }

    /// Sends what is queued now (the lesson is about to wait).
    pub fn nudge(&self) {
        self.0.wake.notify_one();
    }

    /// How often the lesson had to wait because rank 0 fell behind.
    pub fn throttled(&self) -> u64 {
        self.0.throttled.load(Ordering::Relaxed)
    }
}

pub struct Reporter {
    handle: ReportHandle,
    thread: Option<JoinHandle<()>>,
}

impl Reporter {
    pub fn start(events: Arc<SharedComm>) -> Self {
        let handle = ReportHandle(Arc::new(Queue::default()));
        let queue = handle.0.clone();
        let thread = std::thread::Builder::new()
            .name("mpi-tutor-reporter".into())
            .spawn(move || {
                super::priority::give_way_to_lessons();
                forward(&queue, &events)
            })
            .expect("cannot start the reporter thread");
        Reporter {
            handle,
            thread: Some(thread),
        }
    }

    pub fn handle(&self) -> &ReportHandle {
        &self.handle
    }

    /// Sends everything queued and stops the thread.
    pub fn finish(&mut self) {
        self.handle.0.close();
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

fn forward(queue: &Queue, events: &SharedComm) {
    let root = events.0.process_at_rank(0);
    // Two buffers change places: the lesson fills one while this thread
    // sends the other, so neither allocates once warm.
    let mut batch = Vec::new();
    loop {
        match queue.take(&mut batch, COLLECT_EVERY) {
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

    /// The race that hung a run at its end: the reporter emptied the
    /// queue, the lesson queued its last events and closed, and the
    /// reporter, seeing "closed" and an empty batch, quit without them.
    /// The lesson's last events land at a different moment of the
    /// reporter's loop each round.
    #[test]
    fn every_event_queued_before_close_is_taken() {
        for round in 0..300u64 {
            let handle = ReportHandle(Arc::new(Queue::default()));
            let queue = handle.0.clone();
            let takes = Arc::new(AtomicU64::new(0));
            let counted = takes.clone();
            let reporter = std::thread::spawn(move || {
                let (mut batch, mut seen) = (Vec::new(), Vec::new());
                loop {
                    let taken = queue.take(&mut batch, Duration::from_micros(20));
                    counted.fetch_add(1, Ordering::SeqCst);
                    match taken {
                        Taken::Closed => return seen,
                        Taken::Nothing => {}
                        Taken::Bytes => {
                            let events = wire::decode(&batch).unwrap();
                            seen.extend(events.into_iter().map(|e| e.seq));
                            batch.clear();
                        }
                    }
                }
            });
            while takes.load(Ordering::SeqCst) == 0 {
                std::hint::spin_loop();
            }
            let phase = Instant::now();
            while phase.elapsed() < Duration::from_nanos(round * 997 % 200_000) {
                std::hint::spin_loop();
            }
            let n = 1 + round % 3;
            for seq in 0..n {
                handle.report(&say(seq), seq + 1 == n);
            }
            handle.0.close();
            assert_eq!(reporter.join().unwrap(), (0..n).collect::<Vec<_>>());
        }
    }
}
