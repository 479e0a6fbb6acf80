//! A recorder for callers on many threads: the program's own threads, and
//! C hooks around its MPI calls, which reach the process's recorder
//! through [`process_recorder`].

use std::cell::Cell;
use std::sync::Mutex;

use super::{Recorder, Slots};

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

/// What this thread keeps for the recorder and the interposer's hooks, in
/// one thread-local: in the interposer (a shared library) each look-up of
/// a thread-local is a call into the dynamic linker, so a hook fetches
/// this once ([`this_thread`]) and passes it down. Plain data, nothing to
/// drop: usable until the thread's very end.
pub struct ThisThread {
    /// Whether this thread is inside a step of a shared recorder, or is one
    /// of the tutor's own threads: an MPI call made then (the gate's, the
    /// reporter's) is the tutor's, not the program's, and a hook that sees
    /// one must not record it.
    inside: Cell<bool>,
    /// The return address of the latest hooked call on this thread.
    pub caller: Cell<usize>,
    /// This thread's run of unanswered polls, as the hooks count it.
    pub polls: Cell<Polls>,
    /// The program's places (file, line) by the return addresses of its
    /// calls on this thread, as `watch::site` found them: a few, enough
    /// for a loop's calls.
    pub sites: Slots<(&'static str, u32), 32>,
    /// The named datatypes' names and sizes by handle, as the hooks found
    /// them on this thread.
    pub types: Slots<(&'static str, u64), 8>,
}

/// A run of unanswered polls (`MPI_Iprobe`, `MPI_Test`...): how many so
/// far, and when one was last recorded (`None`: no run going on).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Polls {
    pub count: u64,
    pub recorded: Option<std::time::Instant>,
}

thread_local! {
    static THIS_THREAD: ThisThread = const {
        ThisThread {
            inside: Cell::new(false),
            caller: Cell::new(0),
            polls: Cell::new(Polls { count: 0, recorded: None }),
            sites: Slots::new(),
            types: Slots::new(),
        }
    };
}

/// Runs `work` with what this thread keeps: one look-up for a caller that
/// needs it several times.
pub fn this_thread<R>(work: impl FnOnce(&ThisThread) -> R) -> R {
    THIS_THREAD.with(work)
}

impl ThisThread {
    /// [`on_tutor_thread`], for this thread.
    pub fn on_tutor_thread(&self) -> bool {
        self.inside.get()
    }
}

/// Marks the calling thread as the tutor's own (the reporter, rank 0's
/// collector): the MPI calls it makes are never the program's, so a shared
/// recorder's steps on it record nothing, for good.
pub fn mark_tutor_thread() {
    this_thread(|thread| thread.inside.set(true));
}

/// Whether this thread's MPI calls are the tutor's now (a tutor thread, or
/// inside a step): a hook passes them straight to MPI.
pub fn on_tutor_thread() -> bool {
    this_thread(ThisThread::on_tutor_thread)
}

/// Runs `work` as the tutor's on this thread (a program's thread that
/// starts or ends the tutor inside its `MPI_Init` or `MPI_Finalize`): the
/// MPI calls it makes are not recorded. The thread is the program's again
/// afterwards.
pub fn as_tutor<R>(work: impl FnOnce() -> R) -> R {
    let before = this_thread(|thread| thread.inside.replace(true));
    let result = work();
    this_thread(|thread| thread.inside.set(before));
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
        this_thread(|thread| self.with_on(thread, step))
    }

    /// [`SharedRecorder::with`] for a caller that has this thread's
    /// [`ThisThread`] at hand already.
    pub fn with_on<R>(
        &self,
        thread: &ThisThread,
        step: impl FnOnce(&mut Recorder) -> R,
    ) -> Option<R> {
        if thread.inside.replace(true) {
            return None;
        }
        let _inside = Inside(&thread.inside);
        self.lock().as_mut().map(step)
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
