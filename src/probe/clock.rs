//! The lessons' clock: `MPI_Wtime`.

use super::comm::Comm;

impl Comm {
    /// `MPI_Wtime`: seconds since some moment in the past, for timing a
    /// stretch of the lesson (subtract [`Comm::held_seconds`] over the same
    /// stretch: the time the tutor's pace held the rank).
    pub fn wtime(&self) -> f64 {
        mpi::time()
    }
}
