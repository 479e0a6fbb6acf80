//! `term`: rank 0's terminal under mpiexec. Ranks do not get the user's
//! terminal as stdin/stdout (MPICH gives pipes, Open MPI a private pty; see
//! docs/mpi-and-terminal-facts.md), so rank 0 finds the terminal
//! mpiexec runs in, opens it by path, and draws there; from another host,
//! it draws through mpiexec's relay to the launcher, which owns the
//! terminal (docs/multihost-facts.md).

pub mod bare;
pub mod exits;
pub mod guardian;
pub mod keeper;
pub mod keys;
pub mod last_words;
pub mod relay;
pub mod relay_front;
pub mod relay_stream;
pub mod screen;
pub mod signals;
pub mod tty;
pub mod vigil;
mod watching;

pub use screen::{find_screen, KeySource, ScreenTarget, Screenless};
