//! mpi-tutor: teach MPI by showing it.
pub mod model;
pub mod trace;
pub mod view;
