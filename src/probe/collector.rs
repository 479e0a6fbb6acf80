//! Rank 0's side of the wire: a thread of its own receives the event
//! batches of every rank (rank 0's too) and hands them to the app, and
//! sends the app's pace commands out to the ranks.

use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mpi::traits::*;

use super::control::send_control;
use super::heartbeat::{self, BEAT_TAG};
use super::pace::Control;
use super::reporter::EVENTS_TAG;
use super::shared_comm::SharedComm;
use super::wait::Backoff;
use crate::trace::{wire, Event, EventKind};

/// What the app asks the collector to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Send a control message to one rank.
    To(u32, Control),
    /// Send a control message to every rank.
    All(Control),
    /// Tell every rank to exit and stop collecting.
    Shutdown,
    /// Every rank has finished and nothing more is asked of them (no view
    /// keeps them): tell every rank to exit now, while the app ends its
    /// side; collecting goes on until `Shutdown`, which then tells no one
    /// again.
    Release,
}

/// What the collector hands to the app.
#[derive(Debug)]
pub enum Delivery {
    Events(Vec<Event>),
    /// A batch that did not decode: a bug, counted as dropped events.
    Undecodable {
        from: u32,
        bytes: usize,
    },
}

/// Events decoded per piece of work (see `priority::let_lessons_in`):
/// ~0.4 us, so the collector yields every ~6 us while it decodes.
const EVENTS_PER_PIECE: u32 = 8;

/// How long the collector looks for batches every 50 us (`Backoff::prompt`)
/// rather than backing off to a millisecond: at the run's start, and once a
/// rank has finished, when every rank's end waits for the others' last
/// batches to arrive here (a program that only starts and ends MPI is
/// over within a few milliseconds). About 400 looks each time.
const PROMPT_FOR: Duration = Duration::from_millis(20);

/// How often the collector looks for beats: seldom enough that its probes
/// cost the ranks' own MPI calls nothing (MPICH serialises a process's
/// MPI calls), often enough for a silence measured in seconds.
const LOOK_FOR_BEATS: std::time::Duration = std::time::Duration::from_millis(100);

/// Batches the collector may hand over before the app has taken them.
const BACKLOG: usize = 4;

/// The channel from the collector to the app: bounded, so a flood of
/// events slows the ranks down instead of filling rank 0's memory.
pub fn delivery_channel() -> (SyncSender<Delivery>, Receiver<Delivery>) {
    std::sync::mpsc::sync_channel(BACKLOG)
}

/// Starts the collector on the tutor's communicator `tutor`, which
/// carries the events in and the control messages out (their tags apart).
pub fn spawn_collector(
    tutor: Arc<SharedComm>,
    size: u32,
    sink: SyncSender<Delivery>,
    commands: Receiver<Command>,
) -> JoinHandle<()> {
    heartbeat::listen(size);
    std::thread::Builder::new()
        .name("mpi-tutor-collector".into())
        .spawn(move || {
            super::recorder::mark_tutor_thread();
            super::priority::give_way_to_lessons();
            collect(&tutor, size, &sink, &commands)
        })
        .expect("cannot start the collector thread")
}

fn collect(
    tutor: &SharedComm,
    size: u32,
    sink: &SyncSender<Delivery>,
    commands: &Receiver<Command>,
) {
    let mut ranks = Ranks {
        control: tutor,
        size,
        released: false,
    };
    let mut background = Backoff::background();
    let mut prompt = Backoff::prompt();
    let mut prompt_until = Instant::now() + PROMPT_FOR;
    let mut bytes = Vec::new();
    let mut beats_looked_at = std::time::Instant::now();
    let mut woken = None;
    loop {
        let Some(mut busy) = ranks.obey_all(woken.take(), commands) else {
            return;
        };
        busy |= take_beats(tutor, &mut beats_looked_at);
        let taken = take_batches(tutor, &mut bytes, sink);
        if taken.finished {
            prompt_until = Instant::now() + PROMPT_FOR;
        }
        if busy || taken.any {
            background.reset();
            prompt.reset();
            continue;
        }
        let backoff = if Instant::now() < prompt_until {
            &mut prompt
        } else {
            &mut background
        };
        // A command ends the pause at once: the end of a run is told to
        // the ranks as soon as the app decides it.
        backoff.snooze_with(|pause| woken = commands.recv_timeout(pause).ok());
    }
}

/// The ranks as the collector steers them.
struct Ranks<'a> {
    control: &'a SharedComm,
    size: u32,
    /// Every rank has been told to exit.
    released: bool,
}

impl Ranks<'_> {
    /// Carries out `first`, then the commands that have come: whether
    /// there were any, or None once the ranks have been told to exit and
    /// collecting is over (`Shutdown`, or the app gone).
    fn obey_all(&mut self, first: Option<Command>, commands: &Receiver<Command>) -> Option<bool> {
        let mut busy = false;
        let mut next = first;
        loop {
            let command = match next.take().map_or_else(|| commands.try_recv(), Ok) {
                Ok(command) => command,
                Err(TryRecvError::Empty) => return Some(busy),
                Err(TryRecvError::Disconnected) => Command::Shutdown,
            };
            if !self.obey(command) {
                self.release();
                return None;
            }
            busy = true;
        }
    }

    /// Carries out `command`; false when it is time to stop collecting.
    fn obey(&mut self, command: Command) -> bool {
        match command {
            Command::To(rank, c) => send_control(self.control, rank, c),
            Command::All(c) => (0..self.size).for_each(|r| send_control(self.control, r, c)),
            Command::Release => self.release(),
            Command::Shutdown => return false,
        }
        true
    }

    /// Tells every rank to exit, once: a rank that has exited must not be
    /// sent anything more.
    fn release(&mut self) {
        if !self.released {
            (0..self.size).for_each(|r| send_control(self.control, r, Control::Exit));
            self.released = true;
        }
    }
}

/// What [`take_batches`] took.
#[derive(Default)]
struct Taken {
    /// Any batch at all.
    any: bool,
    /// A rank's `Finished`: the others' are likely near.
    finished: bool,
}

/// Drains what has arrived, but goes back to the commands now and then so
/// a flood of events cannot delay a pause.
fn take_batches(events: &SharedComm, bytes: &mut Vec<u8>, sink: &SyncSender<Delivery>) -> Taken {
    let mut taken = Taken::default();
    for _ in 0..64 {
        let Some(probed) = events
            .0
            .any_process()
            .immediate_matched_probe_with_tag(EVENTS_TAG)
        else {
            break;
        };
        let (message, status) = probed;
        heartbeat::heard_from(status.source_rank() as u32);
        // One buffer for every batch: a fresh one per batch cost more
        // in page faults than decoding it.
        let len = status.count(u8::equivalent_datatype()).max(0) as usize;
        bytes.resize(len, 0);
        message.matched_receive_into(&mut bytes[..]);
        // A batch of ~10 000 events is half a millisecond of decoding:
        // hand the core back within it, as the app does between events.
        let mut decoded = 0u32;
        let decoding = || {
            decoded += 1;
            if decoded % EVENTS_PER_PIECE == 0 {
                super::priority::let_lessons_in();
            }
        };
        let delivery = match wire::decode_with(bytes, decoding) {
            Ok(batch) => {
                taken.finished |= batch
                    .iter()
                    .any(|e| matches!(e.event, EventKind::Finished { .. }));
                Delivery::Events(batch)
            }
            Err(_) => Delivery::Undecodable {
                from: status.source_rank() as u32,
                bytes: bytes.len(),
            },
        };
        // A bounded channel: while the app is behind, this waits and
        // leaves batches unreceived, so the ranks' reporters wait and
        // their queues, not rank 0's memory, hold the backlog. The app
        // is gone only when the run is being torn down.
        let sent = std::time::Instant::now();
        let _ = sink.send(delivery);
        if sent.elapsed() >= heartbeat::BEAT_EVERY {
            heartbeat::heard_from_all();
        }
        super::priority::let_lessons_in();
        taken.any = true;
    }
    taken
}

/// Takes the beats that have arrived, noting whom they came from, if the
/// last look was [`LOOK_FOR_BEATS`] ago; true if there were any.
fn take_beats(events: &SharedComm, looked_at: &mut std::time::Instant) -> bool {
    if looked_at.elapsed() < LOOK_FOR_BEATS {
        return false;
    }
    *looked_at = std::time::Instant::now();
    let mut any = false;
    while let Some((message, status)) = events
        .0
        .any_process()
        .immediate_matched_probe_with_tag(BEAT_TAG)
    {
        let mut nothing: [u8; 0] = [];
        message.matched_receive_into(&mut nothing[..]);
        heartbeat::heard_from(status.source_rank() as u32);
        any = true;
    }
    any
}
