# Lesson: deadlock, in mpi4py. Every rank first waits for its left
# neighbour, then sends to its right neighbour: nobody ever sends.
# Watch it: mpi-tutor watch -n 2 -- python3 deadlock.py
#
# EXERCISES
#   1. Fix it by reordering: even ranks Send then Recv, odd ranks Recv
#      then Send. Predict the order of the messages (try -n 3 too).
#   2. Fix it with one comm.Sendrecv(mine, dest=right, sendtag=DATA,
#      recvbuf=buf, source=left, recvtag=DATA).
#   3. Fix it with Irecv and Isend, then MPI.Request.Waitall.
#   4. Make every rank Send first instead (deadlock-send): with 10
#      values it finishes; watch it with --sync-sends and predict again.
import numpy
from mpi4py import MPI

DATA = 1

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
left, right = (rank - 1) % size, (rank + 1) % size

buf = numpy.zeros(10, dtype=numpy.float64)
print(f"waiting for rank {left} before sending to rank {right}")
comm.Recv(buf, source=left, tag=DATA)  # every rank waits here forever
comm.Send(buf, dest=right, tag=DATA)
print("unreachable: the ring of receives never breaks")
