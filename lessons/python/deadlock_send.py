# Lesson: deadlock-send, in mpi4py. Every rank sends a large message to
# its right neighbour before receiving from its left one. A small message
# is buffered and the send returns; a large one waits for its receiver.
# Watch it: mpi-tutor watch -n 2 -- python3 deadlock_send.py
#
# EXERCISES
#   1. Set N = 10. Predict: deadlock or not? Why? Then watch it with
#      `mpi-tutor watch --sync-sends ...` and predict again.
#   2. Find the smallest N that deadlocks (the eager limit of your MPI).
#   3. Fix it with comm.Sendrecv, or with Isend/Irecv and Waitall.
import numpy
from mpi4py import MPI

DATA = 1
N = 131072  # doubles: 1 MiB

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
left, right = (rank - 1) % size, (rank + 1) % size

data = numpy.full(N, rank, dtype=numpy.float64)
buf = numpy.zeros(N, dtype=numpy.float64)
print(f"sending {N} values to rank {right} before receiving")
comm.Send(data, dest=right, tag=DATA)  # waits forever if N is large
comm.Recv(buf, source=left, tag=DATA)
print(f"the send of {N} values was buffered: no deadlock this time")
