# Lesson barrier, in mpi4py: every rank works for a different time, then
# waits at a barrier. No rank leaves the barrier before every rank has
# entered it; that is all it guarantees.
#
# Watch it:  mpi-tutor watch -n 4 -- python3 barrier.py
#
# EXERCISES
#  1. Run with -n 8: which rank does everyone wait for, and for how long?
#  2. Remove the Barrier: what does the check at the end say now?
#  3. Print after the barrier and run it a few times: is the order of
#     the lines the same each time? Why not?
import time

from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

time.sleep(0.040 * rank)  # the last rank works longest

entered = time.time()
comm.Barrier()
left = time.time()
print(f"{rank}: past the barrier")

entries = numpy.empty(size) if rank == 0 else None
exits = numpy.empty(size) if rank == 0 else None
comm.Gather(numpy.array([entered]), entries, root=0)
comm.Gather(numpy.array([left]), exits, root=0)
if rank == 0:
    assert exits.min() >= entries.max(), "a rank left before the last entered"
    print("0: no rank left the barrier before the last one entered it")
