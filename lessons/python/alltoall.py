# Lesson alltoall, in mpi4py: every rank has one chunk for each rank;
# chunk j goes to rank j. Afterwards rank j holds the j-th chunk of every
# rank, in rank order.
#
# Watch it:  mpi-tutor watch -n 4 -- python3 alltoall.py
#
# EXERCISES
#  1. Run with -n 3: write the 3 x 3 matrix before and after. Which
#     entries stay where they were?
#  2. Set K = 4: each chunk has 4 values. What does rank 2 get?
#  3. Do it with Send and Recv pairs instead. How many point-to-point
#     messages does it take on n ranks?
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
K = 1

send = numpy.repeat(numpy.arange(size, dtype=numpy.int64) + rank * 100, K)
recv = numpy.empty_like(send)
comm.Alltoall(send, recv)
print(f"{rank}: got chunk {rank} of every rank: {recv}")

expected = numpy.repeat(numpy.arange(size, dtype=numpy.int64) * 100 + rank, K)
assert (recv == expected).all()
