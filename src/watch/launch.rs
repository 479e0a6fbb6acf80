//! `mpi-tutor watch -- PROGRAM` typed without mpiexec: start mpiexec on
//! the program itself, the interposer and the run's settings in each
//! rank's environment.

use std::ffi::OsString;
use std::path::Path;

use super::check::{mpi_family_of, MpiFamily};
use crate::cli::WatchArgs;
use crate::error::Error;
use crate::launcher::{forwarded_show, run_job, set_for_open_mpi_ranks, this_program_with};

/// Starts mpiexec on the checked `program` as `args` name it and waits for
/// the job; rank 0 says how the run ended.
pub fn launch(args: &WatchArgs, program: &Path, hooks: &Path) -> Result<(), Error> {
    let hosts = args.hosts.list()?;
    let ranks = crate::hosts::rank_count(args.ranks, hosts.as_ref(), super::DEFAULT_RANKS);
    if ranks == 0 {
        return Err(Error::Usage("-n 0: a run needs at least one rank".into()));
    }
    let command = match program_command(args, program, hooks) {
        Some(command) => command,
        None => {
            std::env::set_var(super::CHECKED_ENV, program);
            this_program_with(forwarded(args))?
        }
    };
    run_job(ranks, command, &args.show, hosts.as_ref())
}

/// What follows `mpiexec -n N` so that each rank starts the program at once
/// with the interposer preloaded, without a second start of mpi-tutor on
/// every rank (a few ms each, and the job waits for the slowest). The
/// variables are set for the ranks only: in mpiexec's own environment
/// `LD_PRELOAD` would load the interposer into mpiexec. None for a program
/// whose name mpiexec or `env` would take for something else (it starts
/// with `-` or holds a `=`): those ranks start through mpi-tutor.
fn program_command(args: &WatchArgs, program: &Path, hooks: &Path) -> Option<Vec<OsString>> {
    let (typed, rest) = args.command.split_first()?;
    if typed.starts_with('-') {
        return None;
    }
    let settings = super::program_environment(args, program, hooks);
    let by_launcher = mpi_family_of(hooks).and_then(|family| for_the_ranks(family, &settings));
    let setting = match by_launcher {
        Some(flags) => flags,
        None if typed.contains('=') => return None,
        None => through_env(settings),
    };
    Some(
        setting
            .into_iter()
            .chain(std::iter::once(OsString::from(typed)))
            .chain(rest.iter().map(OsString::from))
            .collect(),
    )
}

/// What sets the variables for every rank (on every host) but not for
/// mpiexec: hydra's own flags (`-genv NAME VALUE`); for Open MPI, its list
/// of variables to pass, with the values (its `-x` cannot be given beside
/// the list, which the launcher sets). The mpiexec of the interposer's MPI
/// is the one that runs the job (a program of the other MPI is refused
/// before), so no need to ask it which it is (`mpiexec --version` costs
/// milliseconds). None where the values cannot go that way.
fn for_the_ranks(family: MpiFamily, settings: &[(String, String)]) -> Option<Vec<OsString>> {
    match family {
        MpiFamily::Mpich => Some(
            settings
                .iter()
                .flat_map(|(name, value)| ["-genv", name, value])
                .map(OsString::from)
                .collect(),
        ),
        MpiFamily::OpenMpi => set_for_open_mpi_ranks(settings).then(Vec::new),
    }
}

/// `env -- NAME=VALUE...`, where the launcher cannot set the variables:
/// one more exec on each rank.
fn through_env(settings: Vec<(String, String)>) -> Vec<OsString> {
    ["env".to_string(), "--".to_string()]
        .into_iter()
        .chain(
            settings
                .into_iter()
                .map(|(name, value)| format!("{name}={value}")),
        )
        .map(OsString::from)
        .collect()
}

/// The arguments as they must reach every rank's mpi-tutor.
fn forwarded(args: &WatchArgs) -> Vec<String> {
    let mut v = vec!["watch".to_string()];
    v.extend(forwarded_show(&args.show, args.exit_when_done));
    v.push("--".to_string());
    v.extend(args.command.iter().cloned());
    v
}
