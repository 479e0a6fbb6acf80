# Lesson scan, in mpi4py: rank r puts in r + 1 and gets the sum of what
# ranks 0 to r put in: a running total across the ranks.
#
# Watch it:  mpi-tutor watch -n 4 -- python3 scan.py
#
# EXERCISES
#  1. Run with -n 6: predict what the last rank gets.
#  2. Use op=MPI.MAX: predict each rank's result.
#  3. Use comm.Exscan instead: what does rank 0 get?
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()

mine = numpy.array([rank + 1], dtype=numpy.int64)
total = numpy.empty(1, dtype=numpy.int64)
comm.Scan(mine, total, op=MPI.SUM)
print(f"{rank}: ranks 0 to {rank} combined: {total[0]}")

assert total[0] == (rank + 1) * (rank + 2) // 2
