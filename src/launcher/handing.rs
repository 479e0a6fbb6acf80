//! How the teacher's terminal reaches rank 0's view: opened by rank 0
//! itself, relayed through mpiexec, or not at all.

use std::process::{Command, Stdio};

use super::TTY_ENV;
use crate::error::Error;
use crate::hosts::HostList;
use crate::term::relay_front::RelayFront;
use crate::term::{relay, tty};

/// How the teacher's terminal reaches rank 0's view.
pub(super) enum Handing {
    /// No terminal: the log.
    Nothing,
    /// Rank 0 opens the terminal at this path (it runs on this host).
    Terminal(String),
    /// Rank 0 draws through mpiexec's relay; the launcher owns the
    /// terminal (rank 0 on another host, or asked for).
    Relay(RelayFront),
}

impl Handing {
    /// Our terminal, unless `headless` or there is none; relayed when rank
    /// 0 runs on another host or the relay is asked for.
    pub(super) fn choose(headless: bool, hosts: Option<&HostList>) -> Result<Handing, Error> {
        let terminal = if headless { None } else { tty::own_terminal() };
        // Rank 0 runs on the first host: elsewhere, it cannot open this
        // terminal, and the view is relayed.
        let elsewhere = hosts.is_some_and(|h| !relay::is_this_machine(h.first_host()));
        Ok(match terminal {
            None => Handing::Nothing,
            Some(path) if elsewhere || relay::asked() => {
                Handing::Relay(RelayFront::begin(&path).map_err(Error::Relay)?)
            }
            Some(path) => Handing::Terminal(path),
        })
    }

    /// Tells mpiexec and the ranks how; the terminal's settings, to be
    /// put back after the job if rank 0 did not.
    pub(super) fn prepare(&mut self, cmd: &mut Command) -> Option<tty::Saved> {
        cmd.env(relay::HOST_ENV, relay::this_host());
        match self {
            Handing::Nothing => None,
            Handing::Terminal(path) => {
                // Rank 0 opens this terminal itself and reads keys from
                // it; mpiexec must not read them first
                // (docs/mpi-and-terminal-facts.md), so its stdin is empty.
                cmd.env(TTY_ENV, &*path).stdin(Stdio::null());
                tty::Saved::capture(path)
            }
            Handing::Relay(front) => {
                front.prepare(cmd);
                None
            }
        }
    }

    /// mpiexec did not start: a relaying launcher gives the terminal back.
    pub(super) fn give_back(self) {
        if let Handing::Relay(front) = self {
            front.give_back();
        }
    }
}
