//! `probe`: the rank side of mpi-tutor and the only code that touches rsmpi.
//! A rank's events go through its [`Recorder`], which knows nothing of
//! rsmpi and any caller can drive; lessons call [`Comm`], a thin layer on
//! it. Rank 0's app talks to the ranks through the collector and control
//! messages; [`Job`] starts and ends the MPI run.

mod all_to_all;
mod clock;
mod collective;
mod collector;
mod comm;
mod control;
mod datatype;
mod fatal;
pub mod heartbeat;
mod instrument;
mod latch;
mod outbox;
mod pace;
mod placement;
pub mod preview;
mod priority;
mod probing;
mod recorder;
mod reporter;
mod request;
mod ring;
mod runtime;
pub mod sends;
mod shared_comm;
mod site;
mod split;
mod started;
pub mod wait;
mod window;

pub use collective::ReduceOp;
pub use collector::{delivery_channel, Command, Delivery};
pub use comm::{Comm, RecvStatus, ANY_SOURCE, ANY_TAG, PROC_NULL};
pub use datatype::Vector;
pub use fatal::{abort_job, also_forward, on_fatal, report_failure, wait_for_the_end};
pub use outbox::{outbox, Inbox, Outbox, Taken};
pub use pace::{Control, Gate, NoGate};
pub use priority::{give_way_to_lessons, let_lessons_in};
pub use recorder::{
    as_tutor, mark_tutor_thread, on_tutor_thread, process_recorder, this_thread, Arrival, CallSpec,
    CollectiveSpec, EndSpec, FailureReporter, Polls, Recorder, RecvSpec, SendSpec, SharedRecorder,
    StartSpec, StartedTransfer, ThisThread,
};
pub use request::{Completed, Request};
pub use runtime::{finalized, launcher_env_size, unix_now, Comms, Job, JobConfig, StartError};
pub use split::comm_number;
pub use started::Reduction;
pub use window::{Fetch, Window};

/// A value type lessons can send: a plain number MPI knows.
pub trait Datum:
    mpi::datatype::Equivalence + Copy + Default + Send + preview::Shown + 'static
{
    /// How the trace and the view name the type.
    const NAME: &'static str;
}

macro_rules! datum {
    ($($t:ty),*) => { $(impl Datum for $t { const NAME: &'static str = stringify!($t); })* };
}
datum!(f64, f32, i32, i64, u32, u64, u8);

/// What a lesson's buffer looks like in the view: `[0.0, 1.0 … 99.0]`.
pub(crate) fn preview_of<T: Datum>(values: &[T]) -> Option<preview::Values> {
    preview::preview(values)
}
