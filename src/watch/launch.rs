//! `mpi-tutor watch -- PROGRAM` typed without mpiexec: start mpiexec on
//! the program itself, the interposer and the run's settings in each
//! rank's environment.

use std::ffi::OsString;
use std::path::Path;

use crate::cli::WatchArgs;
use crate::error::Error;
use crate::launcher::{forwarded_show, run_job, this_program_with};

/// Starts mpiexec on the checked `program` as `args` name it and waits for
/// the job; rank 0 says how the run ended.
pub fn launch(args: &WatchArgs, program: &Path, hooks: &Path) -> Result<(), Error> {
    let hosts = args.hosts.list()?;
    let ranks = crate::hosts::rank_count(args.ranks, hosts.as_ref(), super::DEFAULT_RANKS);
    if ranks == 0 {
        return Err(Error::Usage("-n 0: a run needs at least one rank".into()));
    }
    let command = match through_env(args, program, hooks) {
        Some(command) => command,
        None => {
            std::env::set_var(super::CHECKED_ENV, program);
            this_program_with(forwarded(args))?
        }
    };
    run_job(ranks, command, &args.show, hosts.as_ref())
}

/// Each rank runs `env -- NAME=VALUE... PROGRAM ARGS`: the program starts
/// at once with the interposer preloaded, without a second start of
/// mpi-tutor on every rank (a few ms each, and the job waits for the
/// slowest). `env` sets the variables for the program only: in
/// mpiexec's own environment `LD_PRELOAD` would load the interposer into
/// mpiexec. None for a program whose name `env` would take for a
/// variable (it holds a `=`): those ranks start through mpi-tutor.
fn through_env(args: &WatchArgs, program: &Path, hooks: &Path) -> Option<Vec<OsString>> {
    let (typed, rest) = args.command.split_first()?;
    if typed.contains('=') {
        return None;
    }
    let settings = super::program_environment(args, program, hooks)
        .into_iter()
        .map(|(name, value)| OsString::from(format!("{name}={value}")));
    Some(
        ["env", "--"]
            .into_iter()
            .map(OsString::from)
            .chain(settings)
            .chain(std::iter::once(OsString::from(typed)))
            .chain(rest.iter().map(OsString::from))
            .collect(),
    )
}

/// The arguments as they must reach every rank's mpi-tutor.
fn forwarded(args: &WatchArgs) -> Vec<String> {
    let mut v = vec!["watch".to_string()];
    v.extend(forwarded_show(&args.show, args.exit_when_done));
    v.push("--".to_string());
    v.extend(args.command.iter().cloned());
    v
}
