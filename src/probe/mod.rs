//! `probe`: the rank side of mpi-tutor and the only code that touches rsmpi.
//! Lessons call [`Comm`]; rank 0's app talks to the ranks through the
//! collector and control messages; [`Job`] starts and ends the MPI run.

mod collective;
mod collector;
mod comm;
mod control;
mod fatal;
mod priority;
mod reporter;
mod request;
mod ring;
mod runtime;
mod shared_comm;
pub mod wait;

pub use collective::ReduceOp;
pub use collector::{delivery_channel, Command, Delivery};
pub use comm::{Comm, RecvStatus, ANY_SOURCE, ANY_TAG};
pub use control::Control;
pub use fatal::{abort_job, on_fatal};
pub use priority::{give_way_to_lessons, let_lessons_in};
pub use request::{Completed, Request};
pub use runtime::{launcher_env_size, Job, JobConfig, StartError};

/// A value type lessons can send: a plain number MPI knows.
pub trait Datum: mpi::datatype::Equivalence + Copy + Default + Send + 'static {
    /// How the trace and the view name the type.
    const NAME: &'static str;
}

macro_rules! datum {
    ($($t:ty),*) => { $(impl Datum for $t { const NAME: &'static str = stringify!($t); })* };
}
datum!(f64, f32, i32, i64, u32, u64, u8);
