//! `mpi-tutor watch -- PROGRAM` typed without mpiexec: start mpiexec on
//! this same command, whose ranks then become the program.

use std::process::{Command, Stdio};

use crate::cli::WatchArgs;
use crate::error::Error;
use crate::launcher::{job_ended, quiet_open_mpi, run_keeping_terminal, TTY_ENV};
use crate::term::tty;

/// Starts mpiexec on `mpi-tutor watch ... -- PROGRAM ARGS` and waits for
/// the job; rank 0 says how the run ended.
pub fn launch(args: &WatchArgs) -> Result<(), Error> {
    let ranks = args.ranks.unwrap_or(super::DEFAULT_RANKS);
    if ranks == 0 {
        return Err(Error::Usage("-n 0: a run needs at least one rank".into()));
    }
    let exe = std::env::current_exe().map_err(Error::OwnProgram)?;
    let launcher = std::env::var("MPIEXEC").unwrap_or_else(|_| "mpiexec".to_string());
    let mut cmd = Command::new(&launcher);
    cmd.arg("-n")
        .arg(ranks.to_string())
        .arg(&exe)
        .args(forwarded(args));
    quiet_open_mpi(&mut cmd);
    let terminal = if args.headless {
        None
    } else {
        tty::own_terminal()
    };
    if let Some(path) = &terminal {
        // Rank 0 reads keys from this terminal itself; mpiexec must not
        // read them first (docs/mpi-and-terminal-facts.md).
        cmd.env(TTY_ENV, path).stdin(Stdio::null());
    }
    match run_keeping_terminal(&mut cmd, terminal.as_deref()) {
        Ok(status) => job_ended(status, args.record.as_deref()),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::LauncherMissing { launcher })
        }
        Err(source) => Err(Error::LauncherFailed { launcher, source }),
    }
}

/// The arguments as they must reach every rank.
fn forwarded(args: &WatchArgs) -> Vec<String> {
    let mut v = vec!["watch".to_string()];
    let flags = [
        (args.headless, "--headless"),
        (args.fast, "--fast"),
        (args.paused, "--paused"),
        (args.exit_when_done, "--exit-when-done"),
    ];
    v.extend(
        flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, f)| f.to_string()),
    );
    if let Some(p) = &args.record {
        v.extend(["--record".to_string(), p.display().to_string()]);
    }
    if let Some(speed) = args.speed {
        v.extend(["--speed".to_string(), speed.to_string()]);
    }
    v.push("--".to_string());
    v.extend(args.command.iter().cloned());
    v
}
