! A token goes around the ring of ranks twice, every rank adding its number;
! then the calls of a course, each once: a halo exchange with Irecv, Isend,
! Wait and Waitall, a Sendrecv, Barrier, Bcast, Scatter, Gather, Reduce and
! Allreduce. The Fortran twin of ring.c, with `use mpi`.
program ring
  use mpi
  implicit none
  integer :: rank, size, next, prev, round, token, ierr
  integer :: requests(2), left_value, right_value, got, total, everyone
  integer :: status(MPI_STATUS_SIZE)
  integer, allocatable :: parts(:)

  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, size, ierr)
  next = mod(rank + 1, size)
  prev = mod(rank + size - 1, size)

  token = 0
  do round = 1, 2
    if (rank == 0) then
      call MPI_Send(token, 1, MPI_INTEGER, next, 0, MPI_COMM_WORLD, ierr)
      call MPI_Recv(token, 1, MPI_INTEGER, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
    else
      call MPI_Recv(token, 1, MPI_INTEGER, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
      token = token + rank
      call MPI_Send(token, 1, MPI_INTEGER, next, 0, MPI_COMM_WORLD, ierr)
    end if
  end do
  if (rank == 0) print '(a,i0)', 'token after 2 rounds: ', token

  call MPI_Irecv(left_value, 1, MPI_INTEGER, prev, 1, MPI_COMM_WORLD, requests(1), ierr)
  call MPI_Isend(rank, 1, MPI_INTEGER, next, 1, MPI_COMM_WORLD, requests(2), ierr)
  call MPI_Wait(requests(1), status, ierr)
  call MPI_Waitall(1, requests(2:2), MPI_STATUSES_IGNORE, ierr)
  if (any(requests /= MPI_REQUEST_NULL)) print '(i0,a)', rank, ': a request is still open'
  call MPI_Sendrecv(rank, 1, MPI_INTEGER, prev, 2, right_value, 1, MPI_INTEGER, MPI_ANY_SOURCE, 2, &
                    MPI_COMM_WORLD, status, ierr)
  print '(i0,a,i0,a,i0,a,i0)', rank, ': neighbours ', left_value, ' and ', right_value, &
    ', the right one from ', status(MPI_SOURCE)

  call MPI_Barrier(MPI_COMM_WORLD, ierr)
  call MPI_Bcast(token, 1, MPI_INTEGER, 0, MPI_COMM_WORLD, ierr)
  allocate(parts(size))
  parts = [(10 * round, round = 1, size)]
  call MPI_Scatter(parts, 1, MPI_INTEGER, got, 1, MPI_INTEGER, 0, MPI_COMM_WORLD, ierr)
  call MPI_Gather(got, 1, MPI_INTEGER, parts, 1, MPI_INTEGER, 0, MPI_COMM_WORLD, ierr)
  call MPI_Reduce(rank, total, 1, MPI_INTEGER, MPI_SUM, 0, MPI_COMM_WORLD, ierr)
  call MPI_Allreduce(got, everyone, 1, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD, ierr)
  print '(i0,a,i0)', rank, ': everyone got ', everyone

  call MPI_Finalize(ierr)
end program ring
