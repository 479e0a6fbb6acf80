! The token ring of ring.f90 with `use mpi_f08`: handles are types, and
! every error argument is optional. Then a halo exchange and a sum.
program ring_f08
  use mpi_f08
  implicit none
  integer :: rank, size, next, prev, round, token, left_value, everyone
  type(MPI_Request) :: requests(2)

  call MPI_Init()
  call MPI_Comm_rank(MPI_COMM_WORLD, rank)
  call MPI_Comm_size(MPI_COMM_WORLD, size)
  next = mod(rank + 1, size)
  prev = mod(rank + size - 1, size)

  token = 0
  do round = 1, 2
    if (rank == 0) then
      call MPI_Send(token, 1, MPI_INTEGER, next, 0, MPI_COMM_WORLD)
      call MPI_Recv(token, 1, MPI_INTEGER, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE)
    else
      call MPI_Recv(token, 1, MPI_INTEGER, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE)
      token = token + rank
      call MPI_Send(token, 1, MPI_INTEGER, next, 0, MPI_COMM_WORLD)
    end if
  end do
  if (rank == 0) print '(a,i0)', 'token after 2 rounds: ', token

  call MPI_Irecv(left_value, 1, MPI_INTEGER, prev, 1, MPI_COMM_WORLD, requests(1))
  call MPI_Isend(rank, 1, MPI_INTEGER, next, 1, MPI_COMM_WORLD, requests(2))
  call MPI_Waitall(2, requests, MPI_STATUSES_IGNORE)
  call MPI_Barrier(MPI_COMM_WORLD)
  call MPI_Allreduce(left_value, everyone, 1, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD)
  print '(i0,a,i0)', rank, ': everyone sums to ', everyone

  call MPI_Finalize()
end program ring_f08
