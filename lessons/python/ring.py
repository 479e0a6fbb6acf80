# Lesson: ring, in mpi4py. A token travels 0 -> 1 -> 2 -> ... -> 0, lap
# after lap; each rank adds its own rank to it before passing it on.
# Watch it: mpi-tutor watch -n 4 -- python3 ring.py
#
# EXERCISES
#   1. Run with -n 2, 4 and 8; set LAPS = 3. Predict the token after 3 laps.
#   2. Swap rank 0's Send and Recv. Predict what every rank does.
#   3. Reverse the direction (send to left, receive from right). Which
#      rank now receives the token first?
import numpy
from mpi4py import MPI

TOKEN = 1  # every message is the token: one tag is enough
LAPS = 2

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

# My neighbours in the ring: the left one sends to me, I send to the right one.
left = (rank - 1) % size
right = (rank + 1) % size

token = numpy.zeros(1, dtype=numpy.int64)
for lap in range(LAPS):
    if rank == 0:
        # Rank 0 starts each lap, then waits for the token to come back.
        comm.Send(token, dest=right, tag=TOKEN)
        comm.Recv(token, source=left, tag=TOKEN)
        print(f"lap {lap + 1}: the token came back as {token[0]}")
    else:
        # Everyone else waits for the left neighbour, adds, passes on.
        comm.Recv(token, source=left, tag=TOKEN)
        token[0] += rank
        comm.Send(token, dest=right, tag=TOKEN)
