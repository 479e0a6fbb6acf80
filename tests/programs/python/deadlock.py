# Every rank receives from its right neighbour before it sends: nobody
# ever sends, so every rank waits forever.
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
right = (rank + 1) % comm.Get_size()

got = numpy.empty(1, dtype=numpy.float64)
comm.Recv(got, source=right, tag=0)
print(f"{rank}: never printed")
