# Lesson: nonblocking, in mpi4py. Every rank sends to both neighbours and
# receives from both with Isend/Irecv, works while the messages travel,
# then waits for all. Watch it: mpi-tutor watch -n 4 -- python3 nonblocking.py
#
# EXERCISES
#   1. Send 1 MiB (N = 131072). Predict whether Test still says yes
#      during the work, and where the ranks now wait.
#   2. Replace the Irecv/Isend calls by a blocking Recv then Send on
#      every rank. Predict what happens (see the deadlock lesson).
#   3. Move the Waitall before the work loop (and drop the Test).
#      Predict how long each rank now waits.
import numpy
from mpi4py import MPI

GOING_RIGHT, GOING_LEFT = 1, 2  # a tag per direction of travel
WORK_STEPS = 3
N = 4

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
left, right = (rank - 1) % size, (rank + 1) % size

mine = numpy.full(N, rank, dtype=numpy.float64)
from_left = numpy.zeros(N, dtype=numpy.float64)
from_right = numpy.zeros(N, dtype=numpy.float64)

# Post everything first. Each call returns at once with a request.
requests = [
    comm.Irecv(from_left, source=left, tag=GOING_RIGHT),
    comm.Irecv(from_right, source=right, tag=GOING_LEFT),
    comm.Isend(mine, dest=right, tag=GOING_RIGHT),
    comm.Isend(mine, dest=left, tag=GOING_LEFT),
]

# Compute while MPI moves the data; now and then ask, without waiting,
# whether the message from the left has arrived.
result, arrived = 0.0, False
for step in range(WORK_STEPS):
    k = numpy.arange(1 + step * 100_000, 1 + (step + 1) * 100_000, dtype=numpy.float64)
    result += (1.0 / (k * k)).sum()
    if not arrived and requests[0].Test():
        arrived = True
        print(f"the left message arrived during work step {step}")
print(f"work done (result {result:.6f}), now waiting for the rest")

MPI.Request.Waitall(requests)
print(f"got {N} values of {from_left[0]} from the left and of {from_right[0]} from the right")
assert (from_left == left).all() and (from_right == right).all()
