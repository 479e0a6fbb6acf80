# Lesson: scatter-gather, in mpi4py. The root cuts an array into one chunk
# per rank (Scatter), every rank squares its chunk, the root collects the
# results in rank order (Gather).
# Watch it: mpi-tutor watch -n 4 -- python3 scatter_gather.py
#
# EXERCISES
#   1. Set CHUNK = 3 and run with -n 5. Predict the chunk of rank 4.
#   2. Make the work take longer on rank 1 (time.sleep(0.5)). Predict
#      who waits where.
#   3. Handle an array whose length is not a multiple of the rank count
#      with comm.Scatterv([all, counts, displacements, MPI.DOUBLE], mine).
import numpy
from mpi4py import MPI

ROOT = 0
CHUNK = 4

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

# Only the root has the whole array; Scatter reads it on the root only.
everything = numpy.arange(size * CHUNK, dtype=numpy.float64) if rank == ROOT else None
mine = numpy.zeros(CHUNK, dtype=numpy.float64)
comm.Scatter(everything, mine, root=ROOT)
print(f"my chunk: {mine}")

squares = mine * mine  # the work, on my chunk only

results = numpy.zeros(size * CHUNK, dtype=numpy.float64) if rank == ROOT else None
comm.Gather(squares, results, root=ROOT)
if rank == ROOT:
    print(f"gathered: {results}")
    assert (results == numpy.arange(size * CHUNK) ** 2).all()
