# Lesson allgather, in mpi4py: every rank puts in a few values; every
# rank gets everyone's, in rank order.
#
# Watch it:  mpi-tutor watch -n 4 -- python3 allgather.py
#
# EXERCISES
#  1. Set K = 3 and run with -n 5: predict the array every rank gets.
#  2. Count the arrows at -n 4 and -n 8. How does the data each rank
#     receives grow with the rank count?
#  3. Do the same with comm.Gather to rank 0 then comm.Bcast. What
#     differs in the view?
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
K = 2

mine = numpy.arange(K, dtype=numpy.int64) + rank * 10
everyone = numpy.empty(K * size, dtype=numpy.int64)
comm.Allgather(mine, everyone)
print(f"{rank}: got {everyone}")

expected = numpy.concatenate([numpy.arange(K) + r * 10 for r in range(size)])
assert (everyone == expected).all()
