# Rank 1 divides by zero while rank 0 waits for its message: the
# exception, its line and the end of the job are what a student sees.
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()

if rank == 0:
    got = numpy.empty(1, dtype=numpy.float64)
    comm.Recv(got, source=1, tag=0)
else:
    print(f"{rank}: about to divide by zero")
    share = 1 / (rank - 1)
    comm.Send(numpy.array([share]), dest=0, tag=0)
