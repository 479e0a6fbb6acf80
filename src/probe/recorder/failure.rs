//! Reporting a failure from outside the recorder's steps: the panic hook
//! runs on whatever thread panicked, maybe in the middle of an event, so
//! its event goes beside the ring, after everything reported before it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::{Ready, Stopwatch};
use crate::probe::outbox::ReportHandle;
use crate::trace::{Event, EventKind, Site};

/// Reports a rank's failure from any thread; see [`Recorder::failure_reporter`].
///
/// [`Recorder::failure_reporter`]: super::Recorder::failure_reporter
#[derive(Clone)]
pub struct FailureReporter {
    rank: u32,
    handle: ReportHandle,
    seq: Arc<AtomicU64>,
    started: Stopwatch,
    offset: Offset,
}

/// The recorder's offset from the run's start: known, or set once the job
/// has started (a failure before then waits for it: the report can go
/// nowhere sooner).
#[derive(Clone)]
pub(super) enum Offset {
    Known(f64),
    Later(Arc<Ready>),
}

impl FailureReporter {
    pub(super) fn new(
        rank: u32,
        handle: ReportHandle,
        seq: Arc<AtomicU64>,
        started: Stopwatch,
        offset: Offset,
    ) -> Self {
        FailureReporter {
            rank,
            handle,
            seq,
            started,
            offset,
        }
    }

    /// Reports that the rank failed at `site` with `message`, and has it
    /// sent to rank 0 now.
    pub fn report(&self, message: &str, site: Option<Site>) {
        let offset = match &self.offset {
            Offset::Known(offset) => *offset,
            Offset::Later(ready) => ready.offset(),
        };
        let event = Event {
            rank: self.rank,
            seq: self.seq.fetch_add(1, Ordering::SeqCst),
            t: offset + self.started.elapsed().as_secs_f64(),
            event: EventKind::Failed {
                message: message.to_string(),
                site,
            },
        };
        self.handle.report(&event);
    }
}
