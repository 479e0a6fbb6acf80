# A 1-D halo exchange on numpy buffers: each rank sends its edge to the
# right and takes its left neighbour's, the ends talking to nobody
# (MPI.PROC_NULL); then a buffer Scatter, Allreduce and Gather.
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
left = rank - 1 if rank > 0 else MPI.PROC_NULL
right = rank + 1 if rank < size - 1 else MPI.PROC_NULL

edge = numpy.full(4, float(rank))
ghost = numpy.full(4, -1.0)
comm.Sendrecv(edge, dest=right, recvbuf=ghost, source=left)
chunk = numpy.empty(2)
comm.Scatter(numpy.arange(2.0 * size) if rank == 0 else None, chunk, root=0)
total = numpy.empty(1)
comm.Allreduce(numpy.array([chunk.sum()]), total)
everyone = numpy.empty(size) if rank == 0 else None
comm.Gather(numpy.array([ghost[0]]), everyone, root=0)
print(f"{rank}: ghost {ghost[0]} chunk {chunk} total {total[0]}")
if rank == 0:
    print(f"{rank}: ghosts {everyone}")
