//! mpi-tutor: teach MPI by showing it.
pub mod trace;
