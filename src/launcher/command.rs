//! The mpiexec command: which launcher, how many ranks, on which hosts,
//! this program with the arguments every rank gets.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use super::arguments::forwarded;
use super::ending::job_ended;
use super::handing::Handing;
use super::job::run_keeping_terminal;
use crate::cli::{LessonArgs, ShowArgs};
use crate::error::Error;
use crate::hosts::HostList;
use crate::lessons::Lesson;
use crate::term::relay;

/// Starts mpiexec on `rank_program` (the MPI-linked `mpi-tutor-rank`) with
/// the lesson's arguments and waits for the job; returns its exit code,
/// having said any error.
pub fn relaunch(lesson: &Lesson, args: &LessonArgs, rank_program: PathBuf) -> i32 {
    match launch(lesson, args, rank_program) {
        Ok(()) => 0,
        Err(e) => e.report(),
    }
}

/// Starts mpiexec on `rank_program` with the lesson's arguments and waits
/// for the job. Rank 0 says how the run ended; a job that did not end well
/// is [`Error::JobEnded`] with the job's exit code.
pub fn launch(lesson: &Lesson, args: &LessonArgs, rank_program: PathBuf) -> Result<(), Error> {
    let hosts = args.hosts.list()?;
    let ranks = crate::hosts::rank_count(args.ranks, hosts.as_ref(), lesson.default_ranks);
    check(lesson, args, ranks)?;
    let command = std::iter::once(rank_program.into_os_string())
        .chain(forwarded(args).into_iter().map(OsString::from))
        .collect();
    run_job(ranks, command, &args.show, hosts.as_ref())
}

/// The command every rank runs: this program with the arguments
/// `forwarded`.
pub(crate) fn this_program_with(forwarded: Vec<String>) -> Result<Vec<OsString>, Error> {
    let exe = std::env::current_exe().map_err(Error::OwnProgram)?;
    Ok(std::iter::once(exe.into_os_string())
        .chain(forwarded.into_iter().map(OsString::from))
        .collect())
}

/// The file `name` beside this program, where `cargo build` puts what it
/// builds with it (the other binary, the interposer), whether it is there
/// or not.
pub(crate) fn beside_this_program(name: &str) -> Result<PathBuf, Error> {
    let exe = std::env::current_exe().map_err(Error::OwnProgram)?;
    Ok(exe.with_file_name(name))
}

/// [`beside_this_program`], there: else one line naming it and how to
/// build it.
pub(crate) fn built_beside_this_program(name: &str) -> Result<PathBuf, Error> {
    let file = beside_this_program(name)?;
    if file.is_file() {
        Ok(file)
    } else {
        Err(Error::Usage(format!(
            "{} is missing: build it with `cargo build` (it is built beside mpi-tutor)",
            file.display()
        )))
    }
}

/// The rank count and the parameters, checked before anything starts.
fn check(lesson: &Lesson, args: &LessonArgs, ranks: u32) -> Result<(), Error> {
    let given = crate::run::given_params(lesson, args).map_err(Error::Usage)?;
    lesson
        .check_ranks(ranks)
        .and_then(|()| lesson.params_on(given, ranks).map(|_| ()))
        .map_err(Error::Usage)
}

/// Starts mpiexec (`$MPIEXEC`, else `mpiexec`) on `ranks` copies of
/// `rank_command` (a program and its arguments), on `hosts` if given, handing
/// rank 0 the terminal unless `show` is headless, and waits for the job
/// (see [`job_ended`]; `show`'s recording is sealed if rank 0 could not).
pub(crate) fn run_job(
    ranks: u32,
    rank_command: Vec<OsString>,
    show: &ShowArgs,
    hosts: Option<&HostList>,
) -> Result<(), Error> {
    let launcher = std::env::var("MPIEXEC").unwrap_or_else(|_| "mpiexec".to_string());
    let mut cmd = mpiexec_command(&launcher, ranks, rank_command, hosts);
    let handing = Handing::choose(show.headless, hosts)?;
    match run_keeping_terminal(&mut cmd, handing) {
        Ok(status) => job_ended(status, show.record.as_deref()),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::LauncherMissing { launcher })
        }
        Err(source) => Err(Error::LauncherFailed { launcher, source }),
    }
}

/// `launcher -n ranks [host flags] rank_command...`, with the
/// environment every launch gets.
fn mpiexec_command(
    launcher: &str,
    ranks: u32,
    rank_command: Vec<OsString>,
    hosts: Option<&HostList>,
) -> Command {
    let mut cmd = Command::new(launcher);
    cmd.arg("-n").arg(ranks.to_string());
    cmd.args(crate::hosts::launcher_args(launcher, hosts));
    cmd.args(rank_command);
    quiet_open_mpi(&mut cmd);
    cmd.env_remove(relay::RELAY_ENV);
    cmd
}

/// Harmless for MPICH; lets Open MPI run as root, put more ranks than
/// cores on a laptop, and leave the explaining to mpi-tutor (no banner
/// of its own after a rank's clear one-line error).
fn quiet_open_mpi(cmd: &mut Command) {
    cmd.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .env("OMPI_MCA_orte_execute_quiet", "1");
}
