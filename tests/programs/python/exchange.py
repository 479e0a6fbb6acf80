# Each rank sends a numpy array to its right neighbour and receives one
# from its left, in two steps so that nobody deadlocks: even ranks send
# first. Checks what arrived and says so.
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
right = (rank + 1) % size
left = (rank - 1) % size

mine = numpy.full(10, rank, dtype=numpy.int32)
got = numpy.empty(10, dtype=numpy.int32)
if rank % 2 == 0:
    comm.Send(mine, dest=right, tag=7)
    comm.Recv(got, source=left, tag=7)
else:
    comm.Recv(got, source=left, tag=7)
    comm.Send(mine, dest=right, tag=7)
assert (got == left).all()
print(f"{rank}: got ten {left}s from rank {left}")
