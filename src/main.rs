use clap::Parser;

use mpi_tutor::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::List => mpi_tutor::run::list(),
        Command::Lesson(args) => mpi_tutor::run::lesson(args),
    };
    std::process::exit(code);
}
