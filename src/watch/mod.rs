//! `mpi-tutor watch -- PROGRAM`: watch a program mpi-tutor did not write.
//!
//! Each rank's program starts with the interposer
//! (`libmpi_tutor_hooks.so`, built next to this binary) in `LD_PRELOAD`
//! and the run's settings in [`CONFIG_ENV`]. The hooks catch the program's
//! MPI calls and drive the probe's recorder ([`rank`]); rank 0's app runs
//! on a thread of the program's rank-0 process. Typed without mpiexec,
//! `watch` checks the program and starts mpiexec on it ([`launch`]); under
//! the user's own mpiexec each rank's mpi-tutor checks it and becomes it
//! (`exec`). mpi-tutor never initialises MPI before the exec: the program
//! does.

mod check;
mod config;
pub mod failure;
mod frames;
mod launch;
mod mpi4py;
pub mod output;
pub mod pickled;
pub mod python;
pub mod rank;
mod remembered;
pub mod site;
mod sources;
mod stdio;
pub mod traceback;

use std::os::unix::process::CommandExt;
use std::path::Path;

pub use config::{WatchConfig, CONFIG_ENV};

use crate::cli::WatchArgs;
use crate::error::Error;
use crate::launcher::{built_beside_this_program, under_launcher};

/// The interposer's file name, next to the `mpi-tutor` binary.
pub const HOOKS_FILE: &str = "libmpi_tutor_hooks.so";

/// Ranks started when `-n` is not given.
pub const DEFAULT_RANKS: u32 = 4;

/// `mpi-tutor watch`: checks the program and the interposer, then starts
/// mpiexec (typed alone) or becomes the program (on a rank).
pub fn watch(args: WatchArgs) -> Result<(), Error> {
    let (typed, _) = args
        .command
        .split_first()
        .ok_or_else(|| Error::Usage("name the program to watch after `--`".into()))?;
    let program = check::find_program(typed)?;
    if !checked_by_launch(&program) {
        check::links_mpi(&program)?;
        mpi4py::check_script(&program, &args.command[1..])?;
        mpi4py::check(&program, typed)?;
    }
    let hooks = built_beside_this_program(HOOKS_FILE)?;
    crate::run::check_speed(args.show.speed).map_err(Error::Usage)?;
    if !under_launcher() {
        return launch::launch(&args, &program, &hooks);
    }
    if args.hosts.given() {
        return Err(Error::HostsUnderLauncher);
    }
    Err(become_program(&args, &program, &hooks))
}

/// Set by `watch` typed alone for the ranks it starts: the program it
/// checked. A rank need not check it again: checking a Python program
/// starts the interpreter, and five of them at once on a small machine
/// cost a third of the tutorial's whole run.
const CHECKED_ENV: &str = "MPI_TUTOR_WATCH_CHECKED";

/// Whether this rank's `watch` typed alone already checked `program`.
fn checked_by_launch(program: &Path) -> bool {
    under_launcher() && std::env::var_os(CHECKED_ENV).is_some_and(|c| Path::new(&c) == program)
}

/// Replaces this process by the program, the hooks preloaded; returns only
/// the error of a program that could not be started.
fn become_program(args: &WatchArgs, program: &Path, hooks: &Path) -> Error {
    let error = std::process::Command::new(program)
        .arg0(&args.command[0])
        .args(&args.command[1..])
        .envs(program_environment(args, program, hooks))
        .env_remove(CHECKED_ENV)
        .exec();
    Error::Usage(format!("cannot start {}: {error}", program.display()))
}

/// The variables a watched rank's program starts with: the interposer
/// preloaded (before any the user preloads) and the run's settings.
fn program_environment(args: &WatchArgs, program: &Path, hooks: &Path) -> Vec<(String, String)> {
    let config = WatchConfig::from_args(args, program);
    let preload = match std::env::var("LD_PRELOAD") {
        Ok(other) if !other.is_empty() => format!("{}:{other}", hooks.display()),
        _ => hooks.display().to_string(),
    };
    vec![
        ("LD_PRELOAD".to_string(), preload),
        (CONFIG_ENV.to_string(), config.to_env()),
        // A Python rank's prints reach the capture as they are made, in
        // order with its MPI calls (Python buffers a pipe's output).
        ("PYTHONUNBUFFERED".to_string(), "1".to_string()),
    ]
}
