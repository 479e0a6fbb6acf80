//! The one helper every instrumented MPI call of the lesson layer goes
//! through: begin the call on the recorder, let the MPI operation run, end
//! the call with what it received.

use mpi::point_to_point::Status;
use mpi::request::{Request, Scope};

use super::comm::Comm;
use super::recorder::{Arrival, CallSpec};
use super::wait::wait_politely;
use crate::trace::Values;

/// How a call ended, for the recorder: the receives it completed, and a
/// test's answer.
pub(super) enum Ending {
    /// Completed no receive.
    Plain,
    /// Completed one receive.
    Received(Arrival),
    /// Completed these receives (a wait on several requests).
    ReceivedAll(Vec<Arrival>),
    /// A test: whether its request is done, and the receive it completed.
    Tested {
        done: bool,
        arrival: Option<Arrival>,
    },
}

impl Ending {
    fn parts(&self) -> (&[Arrival], Option<bool>) {
        match self {
            Ending::Plain => (&[], None),
            Ending::Received(a) => (std::slice::from_ref(a), None),
            Ending::ReceivedAll(all) => (all, None),
            Ending::Tested { done, arrival } => (arrival.as_slice(), Some(*done)),
        }
    }
}

/// A call between its beginning and its end: what the MPI operation needs
/// to report its progress.
pub(super) struct Underway<'c> {
    comm: &'c Comm,
    id: u64,
}

impl Underway<'_> {
    /// The call's id, which its requests carry.
    pub(super) fn id(&self) -> u64 {
        self.id
    }

    /// The MPI operation is posted: the call's `Begin` is reported now.
    pub(super) fn posted(&self) {
        self.comm.recorder().posted(self.id);
    }

    /// The call received these values (previewed): its end carries them.
    pub(super) fn got(&self, values: Option<Values>) {
        self.comm.recorder().got(values);
    }

    /// The call waits for real: rank 0 hears of it now.
    pub(super) fn about_to_wait(&self) {
        self.comm.recorder().about_to_wait();
    }

    /// Marks the operation posted and waits politely for `request`.
    pub(super) fn wait<'a, D: ?Sized, S: Scope<'a>>(&self, request: Request<'a, D, S>) -> Status {
        self.posted();
        wait_politely(request, || self.about_to_wait())
    }
}

impl Comm {
    /// One instrumented MPI call: begins `spec` on the recorder (waiting at
    /// the pace gate if the teacher holds the rank), lets `operate` post
    /// the MPI operation and wait for it through the [`Underway`] it is
    /// given, and ends the call with the [`Ending`] `operate` returns.
    pub(super) fn instrument<R>(
        &self,
        spec: CallSpec<'_>,
        operate: impl FnOnce(&Underway<'_>) -> (R, Ending),
    ) -> R {
        let op = spec.op;
        let id = self.recorder().begin(self.in_world_terms(spec));
        let (result, ending) = operate(&Underway { comm: self, id });
        let ending = self.ending_in_world_terms(ending);
        let (arrivals, completed) = ending.parts();
        let polls = self.count_polls(completed);
        self.recorder()
            .end_polled(id, op, arrivals, completed, polls);
        result
    }

    /// A test (`tested` is its answer) counts into the loop of tests it
    /// belongs to, and says how many the loop has made; any other call ends
    /// the loop. Every test of a lesson is recorded: a lesson is watched
    /// call by call, so the count only adds the loop's length.
    fn count_polls(&self, tested: Option<bool>) -> u64 {
        let polls = self.unanswered_tests.get() + 1;
        let unanswered = if tested == Some(false) { polls } else { 0 };
        self.unanswered_tests.set(unanswered);
        if tested.is_some() {
            polls
        } else {
            0
        }
    }
}
