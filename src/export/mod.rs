//! Recorded runs in other tools' formats. Pure functions of a [`Trace`]: no
//! MPI, no terminal.
//!
//! [`Trace`]: crate::trace::Trace

mod chrome;

#[cfg(test)]
mod tests;

pub use chrome::{
    chrome_trace, rank_tid, write_chrome_trace, CALL_CATEGORY, FLOW_CATEGORY, INSTANT_PHASE,
    RUN_PID,
};
