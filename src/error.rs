//! What can stop a command, each with the exit code it gives: `main` says
//! it once, as one line, and exits with that code.
//!
//! The codes: 0 done; 1 a run or a write failed; 2 the command line or its
//! input is wrong; 3 the lesson deadlocked; 4, 5, 6 a trace has events of
//! ranks outside its world, duplicated or missing events, events out of
//! order; 127 no mpiexec to start; 128 + N the job was killed by signal N
//! (130 for Ctrl-C).

use crate::hosts::HostsError;
use crate::trace::{Outcome, RecordTargetError, TraceError};

/// Exit code of a command line or input that cannot be used.
pub const USAGE_EXIT: i32 = 2;
/// Exit code of a run or a write that failed.
pub const FAILURE_EXIT: i32 = 1;
/// Exit code when the launcher program is not installed (as a shell says).
pub const NOT_FOUND_EXIT: i32 = 127;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line asks for what cannot be (an unknown lesson, a bad
    /// flag or value, too many ranks).
    #[error("{0}")]
    Usage(String),
    /// `--help`, `--version`, or a command with nothing after it: clap
    /// prints its own text for these.
    #[error("{0}")]
    Help(clap::Error),
    /// A trace file that cannot be read, with what is wrong with it.
    #[error(transparent)]
    Trace(#[from] TraceError),
    /// A `--record` path that cannot take a recording (not a regular file,
    /// not writable): refused before the run starts.
    #[error(transparent)]
    RecordTarget(#[from] RecordTargetError),
    /// Output that could not be written; `what` names it ("the export").
    #[error("cannot write {what}: {source}")]
    Write {
        what: &'static str,
        source: std::io::Error,
    },
    /// A trace whose last line was cut off; `done` says what was still made
    /// of the lines before it ("exported", "replayed").
    #[error("trace {path} was cut off in its last line; {done} what was recorded before it")]
    Truncated { path: String, done: &'static str },
    /// A trace whose events contradict themselves; each problem has been
    /// said on a line of its own, `code` says the worst kind (see
    /// `trace::Problem::exit_code`).
    #[error("trace {path} has {count} problem(s), said above; exported what is there")]
    TraceProblems {
        path: String,
        count: usize,
        code: i32,
    },
    /// The terminal could not be set up or read.
    #[error("{0}")]
    Terminal(String),
    /// This program's own file, needed to start it under mpiexec.
    #[error("cannot find my own program file: {0}")]
    OwnProgram(std::io::Error),
    #[error(
        "{launcher} not found: install MPI with `make setup`, or start mpi-tutor under your mpiexec"
    )]
    LauncherMissing { launcher: String },
    #[error("cannot start {launcher}: {source}")]
    LauncherFailed {
        launcher: String,
        source: std::io::Error,
    },
    /// A run that ended this way; rank 0 has already said why.
    #[error("the run ended: {0:?}")]
    Ended(Outcome),
    /// The job mpi-tutor started under mpiexec exited with this code; its
    /// ranks have already said why.
    #[error("the job ended with exit code {0}")]
    JobEnded(i32),
    /// A trace an export that writes all or nothing (OTF2) refused:
    /// `reason` says what is wrong with it, `code` as for `TraceProblems`.
    #[error("trace {path} {reason}; no OTF2 archive written")]
    NotExported {
        path: String,
        reason: String,
        code: i32,
    },
    /// `--hosts` or `--hostfile` that places no rank, or a hostfile that
    /// cannot be read.
    #[error(transparent)]
    Hosts(#[from] HostsError),
    /// `--hosts`/`--hostfile` given to ranks already started by the user's
    /// own mpiexec, which placed them already.
    #[error("--hosts and --hostfile are for mpi-tutor starting mpiexec itself; under your own mpiexec, give it the hosts (MPICH: -hosts h1:2,h2:2, Open MPI: --host h1:2,h2:2)")]
    HostsUnderLauncher,
    /// The teacher's terminal could not be set up to relay rank 0's view.
    #[error("cannot relay the view to this terminal: {0}")]
    Relay(std::io::Error),
}

impl Error {
    /// The exit code of the whole program for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Trace(_) | Error::OwnProgram(_) => USAGE_EXIT,
            Error::RecordTarget(_) => USAGE_EXIT,
            Error::Hosts(_) | Error::HostsUnderLauncher => USAGE_EXIT,
            Error::LauncherFailed { .. } => USAGE_EXIT,
            Error::Help(e) => help_exit_code(e),
            Error::Write { .. } | Error::Truncated { .. } | Error::Terminal(_) => FAILURE_EXIT,
            Error::Relay(_) => FAILURE_EXIT,
            Error::LauncherMissing { .. } => NOT_FOUND_EXIT,
            Error::Ended(outcome) => outcome.exit_code(),
            Error::TraceProblems { code, .. } => *code,
            Error::JobEnded(code) => *code,
            Error::NotExported { code, .. } => *code,
        }
    }

    /// Whether the error has already been told to the user where it
    /// happened, so saying it again would repeat it.
    pub fn already_said(&self) -> bool {
        matches!(self, Error::Ended(_) | Error::JobEnded(_))
    }

    /// Says the error once (under mpiexec, only rank 0 says it: every rank
    /// reaches the same verdict) and returns the exit code.
    pub fn report(&self) -> i32 {
        match self {
            Error::Help(e) => {
                let _ = e.print();
            }
            e if e.already_said() => {}
            e => crate::launcher::say_once(&e.to_string()),
        }
        self.exit_code()
    }
}

/// Help asked for exits 0; help shown because a command was missing, 2.
fn help_exit_code(e: &clap::Error) -> i32 {
    if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        USAGE_EXIT
    } else {
        0
    }
}

/// Help and version as clap prints them; a mistake as one line: clap's first
/// line without its "error: ", and where to look.
impl From<clap::Error> for Error {
    fn from(e: clap::Error) -> Self {
        use clap::error::ErrorKind;
        if matches!(
            e.kind(),
            ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        ) {
            return Error::Help(e);
        }
        Error::Usage(one_line(&e.render().to_string()))
    }
}

/// clap's message as one line: its first line without "error: ", with the
/// list that follows a line ending in ':' (the arguments missing) or the
/// possible values, and the help of the command it was for when clap
/// names it (`mpi-tutor lesson --help`).
fn one_line(rendered: &str) -> String {
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or("bad arguments");
    let mut said = first.strip_prefix("error: ").unwrap_or(first).to_string();
    let listed: Vec<&str> = lines
        .take_while(|line| line.starts_with(char::is_whitespace) && !line.trim().is_empty())
        .map(str::trim)
        .collect();
    if said.ends_with(':') {
        said = format!("{said} {}", listed.join(", "));
    } else if let Some(values) = listed
        .iter()
        .find(|line| line.starts_with("[possible values"))
    {
        said = format!("{said} {values}");
    }
    let command = rendered
        .lines()
        .find_map(|line| line.strip_prefix("Usage: "))
        .map(|usage| {
            let words = usage.split_whitespace();
            let named = words.take_while(|w| !w.starts_with(['<', '[', '-']));
            named.collect::<Vec<_>>().join(" ")
        })
        .filter(|command| command.starts_with("mpi-tutor"))
        .unwrap_or_else(|| "mpi-tutor".to_string());
    format!("{} (see `{command} --help`)", said.trim_end())
}

/// A run that ended as `outcome`: a deadlock is exit 3, a failed check or
/// rank 1, an interrupt 130. Completed and quit runs are not errors: use
/// [`ended`] where the outcome may be either.
impl From<Outcome> for Error {
    fn from(outcome: Outcome) -> Self {
        Error::Ended(outcome)
    }
}

/// Ok for a run that ended well (exit 0), the outcome as an error otherwise.
pub fn ended(outcome: Outcome) -> Result<(), Error> {
    match outcome.exit_code() {
        0 => Ok(()),
        _ => Err(Error::Ended(outcome)),
    }
}

/// The end of a binary's `main`: exits with the command's exit code, having
/// said its error.
pub fn exit_with(result: Result<(), Error>) -> ! {
    let code = match result {
        Ok(()) => 0,
        Err(e) => e.report(),
    };
    std::process::exit(code)
}

/// Ok for exit code 0; otherwise an error that has already been said and
/// exits with `code`. For commands that still return their exit code.
pub fn exited(code: i32) -> Result<(), Error> {
    match code {
        0 => Ok(()),
        code => Err(Error::JobEnded(code)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn every_kind_of_error_exits_with_its_own_code() {
        assert_eq!(Error::Usage("no".into()).exit_code(), 2);
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        let write = Error::Write {
            what: "the export",
            source: missing,
        };
        assert_eq!(write.exit_code(), 1);
        assert_eq!(
            write.to_string(),
            "cannot write the export: entity not found"
        );
        let launcher = "mpiexec".to_string();
        assert_eq!(Error::LauncherMissing { launcher }.exit_code(), 127);
        assert_eq!(Error::from(Outcome::Deadlock).exit_code(), 3);
        assert_eq!(Error::from(Outcome::Interrupted).exit_code(), 130);
        assert_eq!(Error::JobEnded(7).exit_code(), 7);
    }

    #[test]
    fn runs_that_ended_well_are_not_errors() {
        assert!(ended(Outcome::Completed).is_ok());
        assert!(ended(Outcome::Quit).is_ok());
        assert_eq!(ended(Outcome::CheckFailed).unwrap_err().exit_code(), 1);
        assert!(exited(0).is_ok());
        assert!(exited(3).unwrap_err().already_said());
    }

    #[test]
    fn a_command_line_mistake_is_one_line_with_where_to_look() {
        let e = crate::cli::Cli::try_parse_from(["mpi-tutor", "lesson", "x", "--nope"]);
        let e = Error::from(e.unwrap_err());
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.to_string(),
            "unexpected argument '--nope' found (see `mpi-tutor lesson --help`)"
        );
        let e = crate::cli::Cli::try_parse_from(["mpi-tutor", "lesson"]);
        assert_eq!(
            Error::from(e.unwrap_err()).to_string(),
            "the following required arguments were not provided: <NAME> \
             (see `mpi-tutor lesson --help`)",
            "the missing argument is named"
        );
        let e = crate::cli::Cli::try_parse_from(["mpi-tutor", "frobnicate"]);
        assert_eq!(
            Error::from(e.unwrap_err()).to_string(),
            "unrecognized subcommand 'frobnicate' (see `mpi-tutor --help`)"
        );
        let help = crate::cli::Cli::try_parse_from(["mpi-tutor", "--help"]);
        assert_eq!(Error::from(help.unwrap_err()).exit_code(), 0);
        let bare = crate::cli::Cli::try_parse_from(["mpi-tutor"]);
        assert_eq!(Error::from(bare.unwrap_err()).exit_code(), 2);
    }
}
