//! The rank side of the wire: the lesson thread appends events to a queue
//! (a short uncontended lock, never a wait) and a reporter thread sends them
//! to rank 0 in batches, on the tutor's own communicator, never mixed with
//! lesson traffic.
//!
//! The reporter is not woken for every event (a wake-up costs more than an
//! 8-byte message): it collects the queue every `COLLECT_EVERY`, and at once
//! when the lesson is about to wait for real or says something a person
//! should see now. So a rank that waits has reported that it waits.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use mpi::traits::*;

use super::shared_comm::SharedComm;
use super::wait::wait_politely;
use crate::trace::Event;

/// Tag of event batches on the events communicator.
pub const EVENTS_TAG: i32 = 1;
/// Longest an event waits in the queue when nothing urges it on.
const COLLECT_EVERY: Duration = Duration::from_millis(2);
/// A queue this long is sent without waiting for the next collection.
const URGENT_LEN: usize = 4096;

#[derive(Default)]
struct Queue {
    events: Mutex<Vec<Event>>,
    wake: Condvar,
    closed: AtomicBool,
}

/// A handle that can report events; cheap to clone (the panic hook keeps one).
#[derive(Clone)]
pub struct ReportHandle(Arc<Queue>);

impl ReportHandle {
    /// Queues an event for rank 0; with `urgent` the reporter sends it now.
    pub fn report(&self, e: Event, urgent: bool) {
        let len = {
            let mut q = self.0.events.lock().unwrap_or_else(|e| e.into_inner());
            q.push(e);
            q.len()
        };
        if urgent || len >= URGENT_LEN {
            self.0.wake.notify_one();
        }
    }

    /// Sends what is queued now (the lesson is about to wait).
    pub fn nudge(&self) {
        self.0.wake.notify_one();
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
            .spawn(move || forward(&queue, &events))
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
        self.handle.0.closed.store(true, Ordering::SeqCst);
        self.handle.0.wake.notify_one();
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
    loop {
        let batch = {
            let mut q = queue.events.lock().unwrap_or_else(|e| e.into_inner());
            if q.is_empty() && !queue.closed.load(Ordering::SeqCst) {
                q = queue
                    .wake
                    .wait_timeout(q, COLLECT_EVERY)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            std::mem::take(&mut *q)
        };
        if batch.is_empty() {
            if queue.closed.load(Ordering::SeqCst) {
                return;
            }
            continue;
        }
        let bytes = serde_json::to_vec(&batch).expect("events always serialise");
        mpi::request::scope(|scope| {
            wait_politely(
                root.immediate_send_with_tag(scope, &bytes[..], EVENTS_TAG),
                || {},
            );
        });
    }
}
