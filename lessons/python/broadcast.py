# Lesson: broadcast, in mpi4py. Rank 0 (the root) decides the parameters
# of a computation; Bcast copies them to every rank.
# Watch it: mpi-tutor watch -n 4 -- python3 broadcast.py
#
# EXERCISES
#   1. Make rank 2 the root (ROOT = 2, run with -n 4). Predict who waits.
#   2. Skip the Bcast on the last rank only (`if rank != size - 1:`).
#      Predict what each rank does.
#   3. Use -n 8: how many messages do you think the root sends? (MPI may
#      use a tree: ranks that got the data pass it on.)
import math
import time

import numpy
from mpi4py import MPI

ROOT = 0

comm = MPI.COMM_WORLD
rank = comm.Get_rank()

# [amplitude, frequency, phase]: only the root knows them at first.
params = numpy.zeros(3, dtype=numpy.float64)
if rank == ROOT:
    time.sleep(0.2)  # pretend to read an input file
    params[:] = [2.0, 0.5, 0.25]
    print(f"read the parameters {params}, broadcasting them")
else:
    print(f"before the bcast my parameters are {params}")

# One call, the same on every rank: the root sends, the others receive.
comm.Bcast(params, root=ROOT)

amplitude, frequency, phase = params
y = amplitude * math.sin(frequency * rank + phase)
print(f"with {params}: y({rank}) = {y:.4f}")
assert list(params) == [2.0, 0.5, 0.25]
