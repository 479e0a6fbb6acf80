! Odd and even ranks split into two communicators and sum their ranks
! there; a derived datatype is made and freed, calls the log shows by
! name. `use mpi`.
program split
  use mpi
  implicit none
  integer :: rank, half, pair, total, ierr

  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_split(MPI_COMM_WORLD, mod(rank, 2), rank, half, ierr)
  call MPI_Type_contiguous(2, MPI_INTEGER, pair, ierr)
  call MPI_Type_commit(pair, ierr)
  call MPI_Allreduce(rank, total, 1, MPI_INTEGER, MPI_SUM, half, ierr)
  call MPI_Type_free(pair, ierr)
  call MPI_Comm_free(half, ierr)
  print '(i0,a,i0)', rank, ': my half sums to ', total
  call MPI_Finalize(ierr)
end program split
