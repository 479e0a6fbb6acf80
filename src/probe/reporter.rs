//! The rank side of the wire: the lesson thread hands events to a channel
//! (never blocks), and a reporter thread batches them and sends them to
//! rank 0 on the tutor's own communicator, never mixed with lesson traffic.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use mpi::traits::*;

use super::shared_comm::SharedComm;
use super::wait::wait_politely;
use crate::trace::Event;

/// Tag of event batches on the events communicator.
pub const EVENTS_TAG: i32 = 1;
/// Upper bound on one batch, so rank 0 decodes in slices and keeps drawing.
const MAX_BATCH: usize = 4096;

pub struct Reporter {
    tx: Option<Sender<Event>>,
    thread: Option<JoinHandle<()>>,
}

impl Reporter {
    pub fn start(events: Arc<SharedComm>) -> Self {
        let (tx, rx) = channel();
        let thread = std::thread::Builder::new()
            .name("mpi-tutor-reporter".into())
            .spawn(move || forward(rx, &events))
            .expect("cannot start the reporter thread");
        Reporter {
            tx: Some(tx),
            thread: Some(thread),
        }
    }

    /// Queues an event for rank 0. Never blocks.
    pub fn report(&self, e: Event) {
        if let Some(tx) = &self.tx {
            // Only fails once the reporter thread is gone (job ending).
            let _ = tx.send(e);
        }
    }

    /// A handle for the panic hook, which reports a failure from any thread.
    pub fn sender(&self) -> Option<Sender<Event>> {
        self.tx.clone()
    }

    /// Sends everything queued and stops the thread.
    pub fn finish(&mut self) {
        self.tx = None;
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

fn forward(rx: Receiver<Event>, events: &SharedComm) {
    let root = events.0.process_at_rank(0);
    let mut batch = Vec::new();
    // Blocks (sleeping, no CPU) until the lesson reports something.
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(_) => break,
            }
        }
        let bytes = serde_json::to_vec(&batch).expect("events always serialise");
        mpi::request::scope(|scope| {
            wait_politely(root.immediate_send_with_tag(scope, &bytes[..], EVENTS_TAG));
        });
        batch.clear();
    }
}
