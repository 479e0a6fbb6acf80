# Lesson: reduce, in mpi4py. pi = integral of 4/(1+x^2) over [0,1]: every
# rank adds up its share of N small steps, Reduce adds the shares.
# Watch it: mpi-tutor watch -n 4 -- python3 reduce.py
#
# EXERCISES
#   1. Set N to 10, 100, 1000. Predict how the error changes.
#   2. Use op=MPI.MAX instead of MPI.SUM. Predict what the root gets.
#   3. Set N = 3 and run on -n 4. Predict rank 0's share, and the result.
import math

import numpy
from mpi4py import MPI

ROOT = 0
N = 1000

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
h = 1.0 / N

# My steps: a contiguous block of the N steps, a piece of [0, 1].
first, last = rank * N // size, (rank + 1) * N // size
x = (numpy.arange(first, last, dtype=numpy.float64) + 0.5) * h
part = numpy.array([(4.0 / (1.0 + x * x) * h).sum()])
print(f"steps {first}..{last}: my part is {part[0]:.10f}")

# Reduce: the sum of everyone's part arrives on the root only.
pi = numpy.zeros(1)
comm.Reduce(part, pi, op=MPI.SUM, root=ROOT)
if rank == ROOT:
    print(f"reduce gave pi = {pi[0]:.12f} (error {abs(pi[0] - math.pi):.1e})")

# Allreduce: the same sum, but every rank gets it.
everyone = numpy.zeros(1)
comm.Allreduce(part, everyone, op=MPI.SUM)
print(f"allreduce gave me pi = {everyone[0]:.12f}")
