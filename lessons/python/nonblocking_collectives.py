# Lesson: nonblocking-collectives, in mpi4py. Every rank starts an
# allreduce with Iallreduce, works while the reduction goes on, and only
# then waits for it.
# Watch it: mpi-tutor watch -n 4 -- python3 nonblocking_collectives.py
#
# EXERCISES
#   1. Reduce 1 MiB (N = 131072). Predict whether the work still hides
#      the reduction, and where the ranks now wait.
#   2. Print `total` right after Iallreduce, before the Wait. Predict
#      what it holds, and why MPI does not promise the sum there.
#   3. Replace Iallreduce + Wait by a plain comm.Allreduce before the
#      work. Predict where each rank now waits, and for how long.
import numpy
from mpi4py import MPI

WORK_STEPS = 3  # slices of work done while the reduction is under way
N = 4

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

# My contribution: rank + 1, N times. The sum is 1 + 2 + ... + size.
mine = numpy.full(N, rank + 1, dtype=numpy.float64)
total = numpy.zeros(N, dtype=numpy.float64)
expected = size * (size + 1) / 2

# Start the reduction. It returns at once: `total` is not the sum yet,
# and `mine` must not be changed until the wait (MPI may still read it).
request = comm.Iallreduce(mine, total, op=MPI.SUM)

# Work that needs no sum, while MPI combines the values.
first = 1 + rank * WORK_STEPS * 100_000
work = (1.0 / numpy.arange(first, first + WORK_STEPS * 100_000, dtype=numpy.float64)).sum()

# The wait is where this rank meets the others: the sum is ready after it.
request.Wait()
print(f"sum {total}, and my work gave {work:.4f}")
assert (total == expected).all(), f"rank {rank}: {total} is not {expected}"
