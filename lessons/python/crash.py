# Lesson: crash, in mpi4py. Step by step the ranks add up their
# measurements with Allreduce. Rank 1's data is short: half-way through it
# reads past the end of its list and raises IndexError.
# Watch it: mpi-tutor watch -n 4 -- python3 crash.py
#
# EXERCISES
#   1. Make rank 0's data the short one. Predict what is reported.
#   2. Move the bad read after the loop. Predict which steps complete.
#   3. Use `measurements[step] if step < len(measurements) else 0.0`.
#      Predict whether the job ends normally, and the sums.
import numpy
from mpi4py import MPI

STEPS = 4

comm = MPI.COMM_WORLD
rank = comm.Get_rank()

# Pretend to read a data file; rank 1's file stops half-way.
count = STEPS // 2 if rank == 1 else STEPS
measurements = [rank * 10.0 + i for i in range(count)]
print(f"I have {len(measurements)} measurements")

total = 0.0
for step in range(STEPS):
    mine = numpy.array([measurements[step]])  # rank 1 fails here at step 2
    total_now = numpy.zeros(1)
    comm.Allreduce(mine, total_now, op=MPI.SUM)
    total += total_now[0]
    print(f"step {step}: the sum over all ranks is {total_now[0]}")
print(f"total {total}")
