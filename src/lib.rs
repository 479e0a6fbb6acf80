//! mpi-tutor: teach MPI by showing it.
//!
//! `trace` (the event schema) is shared by everything; `probe` is the rank
//! side and the only code that touches MPI; `model` turns events into "who
//! waits for whom"; `view` draws a model and words it; `export` writes
//! recorded runs for other tools; `app` is rank 0's loop; `term` finds and
//! owns rank 0's terminal; `lessons` are the course; `error` is what stops
//! a command, with its exit code.
#[path = "../lessons/mod.rs"]
pub mod lessons;

pub mod app;
pub mod cli;
pub mod error;
pub mod exercise;
pub mod export;
pub mod hosts;
pub mod launcher;
pub mod model;
pub mod probe;
pub mod run;
pub mod term;
pub mod trace;
pub mod view;
pub mod watch;
