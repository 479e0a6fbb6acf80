//! `mpi-tutor watch -- PROGRAM` typed without mpiexec: start mpiexec on
//! this same command, whose ranks then become the program.

use crate::cli::WatchArgs;
use crate::error::Error;
use crate::launcher::{forwarded_show, run_job};

/// Starts mpiexec on `mpi-tutor watch ... -- PROGRAM ARGS` and waits for
/// the job; rank 0 says how the run ended.
pub fn launch(args: &WatchArgs) -> Result<(), Error> {
    let hosts = args.hosts.list()?;
    let ranks = crate::hosts::rank_count(args.ranks, hosts.as_ref(), super::DEFAULT_RANKS);
    if ranks == 0 {
        return Err(Error::Usage("-n 0: a run needs at least one rank".into()));
    }
    run_job(ranks, forwarded(args), &args.show, hosts.as_ref())
}

/// The arguments as they must reach every rank.
fn forwarded(args: &WatchArgs) -> Vec<String> {
    let mut v = vec!["watch".to_string()];
    v.extend(forwarded_show(&args.show, args.exit_when_done));
    v.push("--".to_string());
    v.extend(args.command.iter().cloned());
    v
}
