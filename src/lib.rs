//! mpi-tutor: teach MPI by showing it.
pub mod app;
pub mod cli;
pub mod launcher;
#[path = "../lessons/mod.rs"]
pub mod lessons;
pub mod probe;
pub mod run;
pub mod term;
pub mod trace;
