# A number goes around the ring of ranks for as many rounds as the first
# argument says (default 1000): long enough to be stopped from outside.
import sys

from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
right, left = (rank + 1) % size, (rank - 1) % size
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 1000

token = numpy.zeros(1, dtype=numpy.int64)
for _ in range(rounds):
    if rank == 0:
        comm.Send(token, dest=right, tag=0)
        comm.Recv(token, source=left, tag=0)
    else:
        comm.Recv(token, source=left, tag=0)
        token += rank
        comm.Send(token, dest=right, tag=0)
if rank == 0:
    print(f"token after {rounds} rounds: {token[0]}")
