//! A communicator that may move to another thread.
//!
//! Under Open MPI an `MPI_Comm` is a raw pointer, so rsmpi's
//! `SimpleCommunicator` is not `Send` there (under MPICH it is an int and
//! is). mpi-tutor initialises MPI with `MPI_THREAD_MULTIPLE`, which makes
//! using one communicator from several threads legal; this wrapper says so.

use mpi::topology::SimpleCommunicator;

pub struct SharedComm(pub SimpleCommunicator);

// SAFETY: MPI is initialised with MPI_THREAD_MULTIPLE (checked at start-up,
// the run refuses to start otherwise), so MPI calls on this communicator
// from any thread are allowed by the MPI standard.
unsafe impl Send for SharedComm {}
// SAFETY: as for `Send`: under MPI_THREAD_MULTIPLE, threads may make MPI
// calls on one communicator at the same time.
unsafe impl Sync for SharedComm {}
