//! `mpi-tutor lesson send-recv` typed without mpiexec: start mpiexec
//! ourselves with the lesson's rank count, hand rank 0 our terminal, and
//! put the terminal back however the job ends.
//!
//! The steps, a file each: what a rank knows of its launcher before MPI
//! starts (`rank`), the arguments every rank gets (`arguments`), the
//! mpiexec command (`command`), how the terminal reaches rank 0
//! (`handing`), the variables passed to other hosts (`environment`),
//! running and stopping the job (`job`, `stop`), and the final words and
//! exit code (`ending`).

mod arguments;
mod command;
mod ending;
mod environment;
mod handing;
mod job;
mod rank;
mod stop;

pub(crate) use arguments::forwarded_show;
pub(crate) use command::{
    beside_this_program, built_beside_this_program, run_job, this_program_with,
};
pub use command::{launch, relaunch};
pub(crate) use environment::set_for_open_mpi_ranks;
pub use rank::{launcher_rank, refuse, say_once, under_launcher};

/// Environment variable naming the terminal rank 0 draws on.
pub const TTY_ENV: &str = "MPI_TUTOR_TTY";
