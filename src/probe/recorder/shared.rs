//! A recorder for callers on many threads: the program's own threads, and
//! C hooks around its MPI calls, which reach the process's recorder
//! through [`process_recorder`].

use std::cell::Cell;
use std::sync::Mutex;

use super::Recorder;

/// A recorder behind a lock, shared by threads; empty until one is
/// installed. Each step a caller takes ([`SharedRecorder::with`]) holds
/// the lock for that step only: another thread's events may come between
/// a call's `begin` and its `end`, never inside an event.
///
/// While the teacher holds the rank, the thread waiting in `begin` keeps
/// the lock, so the other threads wait at their next step too: the rank
/// lets one call go at a time, whichever thread makes it.
pub struct SharedRecorder {
    slot: Mutex<Option<Recorder>>,
}

thread_local! {
    /// Whether this thread is inside a step of a shared recorder, or is one
    /// of the tutor's own threads: an MPI call made then (the gate's, the
    /// reporter's) is the tutor's, not the program's, and a hook that sees
    /// one must not record it.
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

/// Marks the calling thread as the tutor's own (the reporter, rank 0's
/// collector): the MPI calls it makes are never the program's, so a shared
/// recorder's steps on it record nothing, for good.
pub fn mark_tutor_thread() {
    INSIDE.set(true);
}

/// Whether this thread's MPI calls are the tutor's now (a tutor thread, or
/// inside a step): a hook passes them straight to MPI.
pub fn on_tutor_thread() -> bool {
    INSIDE.get()
}

/// Runs `work` as the tutor's on this thread (a program's thread that
/// starts or ends the tutor inside its `MPI_Init` or `MPI_Finalize`): the
/// MPI calls it makes are not recorded. The thread is the program's again
/// afterwards.
pub fn as_tutor<R>(work: impl FnOnce() -> R) -> R {
    let before = INSIDE.replace(true);
    let result = work();
    INSIDE.set(before);
    result
}

/// Marks this thread as inside a step until dropped, even by a panic:
/// holds the thread's flag itself, so leaving costs no second look-up of
/// the thread-local (a call into the dynamic linker in the interposer).
struct Inside<'a>(&'a Cell<bool>);

impl Drop for Inside<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl SharedRecorder {
    /// An empty one.
    pub const fn new() -> Self {
        SharedRecorder {
            slot: Mutex::new(None),
        }
    }

    /// Puts `recorder` in; hands back the one that was there, if any.
    pub fn install(&self, recorder: Recorder) -> Option<Recorder> {
        self.lock().replace(recorder)
    }

    /// Takes the recorder out (to finish it), leaving this empty.
    pub fn take(&self) -> Option<Recorder> {
        self.lock().take()
    }

    /// Runs one step on the recorder, from any thread. `None` when there is
    /// no recorder, when this thread is already inside a step (the
    /// recorder's own MPI calls, seen by a hook) or is one of the tutor's
    /// own ([`mark_tutor_thread`]): nothing is recorded then.
    /// Never panics on a lock a panicking thread left behind, so it may be
    /// called from `extern "C"` functions.
    pub fn with<R>(&self, step: impl FnOnce(&mut Recorder) -> R) -> Option<R> {
        INSIDE.with(|inside| {
            if inside.replace(true) {
                return None;
            }
            let _inside = Inside(inside);
            self.lock().as_mut().map(step)
        })
    }

    /// Finishes the recorder (see [`Recorder::finish`]); false if there was
    /// none.
    pub fn finish(&self) -> bool {
        match self.take() {
            Some(recorder) => {
                recorder.finish();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Recorder>> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for SharedRecorder {
    fn default() -> Self {
        Self::new()
    }
}

/// The process's own recorder, for callers that cannot be handed one (C
/// hooks around a program's MPI calls): install it once MPI is up, finish
/// it before MPI ends.
pub fn process_recorder() -> &'static SharedRecorder {
    static PROCESS: SharedRecorder = SharedRecorder::new();
    &PROCESS
}
