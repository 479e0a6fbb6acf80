use clap::Parser;

use mpi_tutor::cli::{Cli, Command};
use mpi_tutor::error::{exit_with, exited, Error};

fn main() {
    // A reader that goes away (`mpi-tutor list | head`) ends this process
    // quietly, as it would any other command-line tool, not with a panic
    // at the next print. Children start with the default anyway.
    // SAFETY: setting a signal's disposition, before any thread starts.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    exit_with(run());
}

/// Parses the command line and runs its command. Nothing here reaches MPI
/// (a test reads this binary's libraries): a lesson's ranks run
/// `mpi-tutor-rank`, a watched program's ranks the program.
fn run() -> Result<(), Error> {
    let cli = Cli::try_parse()?;
    match cli.command {
        Command::List => exited(mpi_tutor::run::list()),
        Command::Lesson(args) => exited(mpi_tutor::run::lesson_front(args)),
        Command::Watch(args) => mpi_tutor::watch::watch(args),
        Command::Replay(args) => exited(mpi_tutor::app::replay::replay(&args.file, args.headless)),
        Command::Export(args) => mpi_tutor::export::export(&args),
        Command::Exercise(args) => mpi_tutor::exercise::write_twin(&args.name),
    }
}
