//! The MPI half of a rank's outbox (`outbox.rs`): a thread of its own takes
//! the queued events in batches and sends them to rank 0 on the tutor's own
//! communicator, never mixed with the program's traffic.
//!
//! Batches go out as synchronous sends, which complete only once rank 0 has
//! taken them: if rank 0 falls behind, the ring here fills instead of
//! rank 0's memory, and the recording thread waits for room.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mpi::traits::*;

use super::heartbeat::{self, BEAT_EVERY, BEAT_TAG};
use super::outbox::{outbox, Inbox, Outbox, Taken};
use super::shared_comm::SharedComm;
use super::wait::{wait_in_background, wait_promptly};

/// Tag of event batches on the events communicator.
pub const EVENTS_TAG: i32 = 1;
/// Longest an event waits in the ring when nothing urges it on.
const COLLECT_EVERY: Duration = Duration::from_millis(2);
/// Encoded events a rank may have queued before its program waits for
/// room: about a hundred thousand events, a fraction of a second of
/// rank 0's work, so the live view never lags a flood by more than that.
const RING_BYTES: usize = 4 << 20;
/// Ring memory the whole job touches before its programs start, shared out
/// among the ranks (see `ring`): all of each ring for a class-sized run,
/// a quarter of a MiB each at 64 ranks, where 4 MiB each would add two
/// thirds to the job's memory.
const RESIDENT_RINGS_BYTES: usize = 16 << 20;
/// A batch buffer that grew past this during a burst is given back afterwards.
const KEEP_CAPACITY: usize = 4 << 20;

/// The outbox of one of `ranks` ranks, drained to rank 0 over `events` by
/// a thread of its own until the outbox is closed.
pub fn start(events: Arc<SharedComm>, ranks: u32) -> Outbox {
    let resident = RESIDENT_RINGS_BYTES / ranks.max(1) as usize;
    drained_by_a_reporter(outbox(RING_BYTES, resident), move |_| events)
}

/// The outbox of one of `ranks` ranks whose job has not started yet: a
/// thread of its own runs `start` (which completes the job's start and
/// returns the events communicator), then drains the outbox to rank 0
/// over it until it is closed. Nothing may be reported through the outbox
/// until `start` has told the recorder it is ready (`Ready`).
///
/// The ring is brought into memory as it fills, by the same thread after
/// each batch (`ring::Reader::populate_ahead`): populating a page writes
/// nothing, so the recorder need not wait for it, and a program that ends
/// at once (or says little) neither waits for 4 MiB to be mapped nor
/// spends the CPU time on it, which on a busy machine is the job's wall
/// time. Where the system cannot populate without writing, the pages are
/// touched before `start`.
pub fn start_after<S>(ranks: u32, start: S) -> Outbox
where
    S: FnOnce() -> Arc<SharedComm> + Send + 'static,
{
    let resident = RESIDENT_RINGS_BYTES / ranks.max(1) as usize;
    drained_by_a_reporter(outbox(RING_BYTES, 0), move |inbox| {
        if !inbox.keep_ahead(resident) {
            // SAFETY: the recorder reports nothing before `start` has
            // made it ready, and the failure reporter uses the side
            // queue, not the ring.
            unsafe { inbox.make_resident(resident) };
        }
        start()
    })
}

/// Starts the reporter thread of `(outbox, inbox)`: it runs `first` (at
/// the program's priority: every rank, and the program's first call, may
/// be waiting for a start in it), which gives it the events communicator,
/// then gives way to the ranks and forwards until the outbox is closed.
fn drained_by_a_reporter<F>((mut outbox, mut inbox): (Outbox, Inbox), first: F) -> Outbox
where
    F: FnOnce(&mut Inbox) -> Arc<SharedComm> + Send + 'static,
{
    let thread = std::thread::Builder::new()
        .name("mpi-tutor-reporter".into())
        .spawn(move || {
            super::recorder::mark_tutor_thread();
            let events = first(&mut inbox);
            super::priority::give_way_to_lessons();
            forward(&mut inbox, &events)
        })
        .expect("cannot start the reporter thread");
    outbox.drained_by(thread);
    outbox
}

fn forward(inbox: &mut Inbox, events: &SharedComm) {
    let root = events.0.process_at_rank(0);
    let mut batch = Vec::new();
    let mut last_said = Instant::now();
    loop {
        match inbox.take(&mut batch, COLLECT_EVERY) {
            Taken::Closed => return,
            Taken::Nothing => {
                if last_said.elapsed() >= BEAT_EVERY || heartbeat::beat_asked() {
                    beat(events);
                    last_said = Instant::now();
                }
                continue;
            }
            Taken::Bytes => last_said = Instant::now(),
        }
        // The last batch (the rank's `Finished`) is what the rank's end
        // waits for: its arrival is looked for promptly.
        let last = inbox.closed();
        mpi::request::scope(|scope| {
            let sent = root.immediate_synchronous_send_with_tag(scope, &batch[..], EVENTS_TAG);
            if last {
                wait_promptly(sent);
            } else {
                wait_in_background(sent);
            }
        });
        inbox.handed_on();
        if !last {
            // After the batch, not before: the rank's end may be waiting
            // for it.
            inbox.populate_ahead();
        }
        batch.clear();
        if batch.capacity() > KEEP_CAPACITY {
            batch = Vec::new();
        }
    }
}

/// Says "still here" to rank 0: no bytes, sent eagerly, so it completes at
/// once whether or not rank 0 is listening (or reachable).
fn beat(events: &SharedComm) {
    let root = events.0.process_at_rank(0);
    let nothing: [u8; 0] = [];
    mpi::request::scope(|scope| {
        wait_in_background(root.immediate_send_with_tag(scope, &nothing[..], BEAT_TAG));
    });
}
