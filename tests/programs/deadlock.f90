! Every rank receives from its right neighbour before it sends: nobody
! ever sends, so every rank waits forever. The Fortran twin of deadlock.c.
program deadlock
  use mpi
  implicit none
  integer :: rank, size, right, left, got, ierr

  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, size, ierr)
  right = mod(rank + 1, size)
  left = mod(rank + size - 1, size)

  call MPI_Recv(got, 1, MPI_INTEGER, right, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
  call MPI_Send(rank, 1, MPI_INTEGER, left, 0, MPI_COMM_WORLD, ierr)
  print '(i0,a)', rank, ': never printed'
  call MPI_Finalize(ierr)
end program deadlock
