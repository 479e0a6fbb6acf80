# Lesson sendrecv, in mpi4py: a shift along a chain of ranks. Every rank
# sends its values to the right and receives its left neighbour's with one
# Sendrecv; at the ends of the chain the neighbour is MPI.PROC_NULL (nobody).
#
# Watch it:  mpi-tutor watch -n 4 -- python3 sendrecv.py
#
# EXERCISES
#  1. Close the chain into a ring: left = (rank - 1) % size and
#     right = (rank + 1) % size. Who does rank 0 receive from now?
#  2. On the ring, replace the Sendrecv with comm.Send(mine, dest=right)
#     then comm.Recv(got, source=left), and set N = 200000. Predict:
#     deadlock or not? Then try N = 100. (mpi-tutor lesson sendrecv
#     --variant send-first --size 200000 shows the same.)
#  3. Do exercise 2 on the chain (PROC_NULL at the ends). Does it
#     deadlock? Why not? (Hint: the last rank sends to nobody.)
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
N = 100

left = rank - 1 if rank > 0 else MPI.PROC_NULL
right = rank + 1 if rank < size - 1 else MPI.PROC_NULL

mine = numpy.full(N, rank, dtype=numpy.float64)
got = numpy.full(N, -1.0, dtype=numpy.float64)
status = MPI.Status()
comm.Sendrecv(mine, dest=right, sendtag=5, recvbuf=got, source=left, recvtag=5,
              status=status)
print(f"{rank}: received {status.Get_count(MPI.DOUBLE)} values from {left}")

expected = -1.0 if left == MPI.PROC_NULL else float(left)
assert (got == expected).all(), f"rank {rank} got {got[:3]}"
