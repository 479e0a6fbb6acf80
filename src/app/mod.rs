//! `app`: rank 0's side of a run, and the replay of a recorded one. The
//! headless text log has a loop of its own; the live view and the replay
//! share one front end (`front`). All work from a description of the
//! program (`program`) and share the session core.

pub mod front;
pub mod headless;
pub mod inputs;
pub mod keymap;
pub mod live;
pub mod out;
pub mod pace;
pub mod playback;
pub mod player;
pub mod present;
pub mod program;
pub mod replay;
pub mod report;
pub mod session;
pub mod ui;
pub mod watch;

use std::path::{Path, PathBuf};

use crate::trace::{Header, Outcome};
use pace::PaceMode;
use program::Program;

/// Everything rank 0's app needs to know about the run.
pub struct RunSetup {
    pub header: Header,
    pub program: Program,
    pub record: Option<PathBuf>,
    pub pace: PaceMode,
    pub speed: f64,
    pub exit_when_done: bool,
}

/// How the app ended the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Ending {
    pub outcome: Outcome,
    /// Said once on stderr (after the terminal is restored).
    pub message: String,
    /// End every rank at once (MPI_Abort) instead of an orderly exit.
    pub abort: bool,
}

impl Ending {
    pub fn finish(outcome: Outcome, message: String) -> Self {
        Ending {
            outcome,
            message,
            abort: false,
        }
    }

    pub fn abort(outcome: Outcome, message: String) -> Self {
        Ending {
            outcome,
            message,
            abort: true,
        }
    }

    pub fn error(message: String) -> Self {
        Ending {
            outcome: Outcome::RankFailed,
            message,
            abort: true,
        }
    }

    /// The outcome's code; a run stopped by a signal says which, as
    /// 128 + its number (SIGTERM to mpiexec reaches rank 0, whose code
    /// mpiexec passes on).
    pub fn exit_code(&self) -> i32 {
        match (self.outcome, crate::term::signals::caught()) {
            (Outcome::Interrupted, Some(signal)) => 128 + signal,
            _ => self.outcome.exit_code(),
        }
    }
}

/// Why rank 0 could not open the recording (a path that changed since the
/// command line was checked): one line naming it.
fn cannot_record(path: Option<&Path>, e: &std::io::Error) -> String {
    match path {
        Some(p) => format!("cannot record to {}: {e}", p.display()),
        None => format!("cannot record: {e}"),
    }
}
