# Lesson: hello, in mpi4py. Every rank runs this same file; only `rank`
# differs. Watch it: mpi-tutor watch -n 4 -- python3 hello.py
#
# EXERCISES
#   1. Run with -n 1 and -n 8. Predict what each rank says.
#   2. Make rank 0 alone say something extra (an `if rank == 0:`).
#      What makes it rank 0?
#   3. Run twice: is the order of the hellos the same? Why not?
import os

from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

# Each rank is its own process with its own memory: this variable exists
# once per rank, with a different value in each.
my_number = 100 * rank

print(f"hello from rank {rank} of {size} (process {os.getpid()}), my_number = {my_number}")
