//! Recorded runs in other tools' formats. Pure functions of a [`Trace`]: no
//! MPI, no terminal; [`export`] is the command that reads the trace file
//! and writes one of them.
//!
//! [`Trace`]: crate::trace::Trace

mod chrome;
mod command;
mod otf2;
mod spill;
mod stream;
mod walk;

#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod tests;

pub use chrome::{
    chrome_trace, rank_tid, write_chrome_trace, CALL_CATEGORY, FLOW_CATEGORY, HELD_CATEGORY,
    INSTANT_PHASE, RUN_PID,
};
pub use command::{export, write_format};
pub use otf2::{export_otf2, ARCHIVE_NAME};
pub use stream::ChromeStream;

/// The formats a recorded run can be exported in (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Chrome trace-event JSON: a track per rank, a slice per MPI call, an
    /// arrow per message.
    #[default]
    Chrome,
    /// An OTF2 archive (Score-P's format: Vampir, Scalasca, TAU) in the
    /// directory `-o` names: a location per rank, a region per call, MPI's
    /// records for messages, requests and collectives.
    Otf2,
}
