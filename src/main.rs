use clap::Parser;

use mpi_tutor::cli::{Cli, Command};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => std::process::exit(usage_error(e)),
    };
    let code = match cli.command {
        Command::List => mpi_tutor::run::list(),
        Command::Lesson(args) => mpi_tutor::run::lesson(args),
        Command::Replay(args) => mpi_tutor::app::replay::replay(&args.file, args.headless),
        Command::Export(args) => mpi_tutor::app::replay::export(&args),
    };
    std::process::exit(code);
}

/// Help and version as clap prints them; a mistake as one line (said once,
/// by rank 0, when every rank of a job makes it), exit 2.
fn usage_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    {
        let _ = e.print();
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            2
        } else {
            0
        };
    }
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or("bad arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    mpi_tutor::launcher::refuse(&format!("{first} (see `mpi-tutor --help`)"))
}
