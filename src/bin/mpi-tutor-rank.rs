//! `mpi-tutor-rank`: what runs on each rank of a lesson. `mpi-tutor lesson`
//! starts it under mpiexec, or becomes it on a rank; it is the one binary
//! of the two that links MPI, so that `mpi-tutor`, which every job starts
//! with, starts fast.

use clap::Parser;

use mpi_tutor::cli::{Cli, Command};
use mpi_tutor::error::{exit_with, exited, Error};

fn main() {
    exit_with(run());
}

/// Runs a lesson with MPI; any other command is refused.
fn run() -> Result<(), Error> {
    let cli = Cli::try_parse()?;
    match cli.command {
        Command::Lesson(args) => exited(mpi_tutor::run::lesson(args)),
        _ => Err(Error::Usage(
            "mpi-tutor-rank runs the ranks of a lesson: type `mpi-tutor` for the other commands"
                .into(),
        )),
    }
}
