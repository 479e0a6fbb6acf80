# Lesson: datatypes, in mpi4py. Every rank holds a square block of a grid,
# row after row in memory, and sends its last column to the rank on its
# right as one vector datatype: no loop copies the column together first.
# Watch it: mpi-tutor watch -n 4 -- python3 datatypes.py
#
# EXERCISES
#   1. Use a bigger block (N = 16). Predict the bytes of each message.
#   2. Replace the vector by a copy: `column_copy = block[:, N - 1].copy()`
#      and `comm.Send(column_copy, ...)`. Predict what changes in the
#      trace and what stays the same.
#   3. Send the first column to the left neighbour too. Predict the start
#      of the buffer and the datatype you need.
import numpy
from mpi4py import MPI

COLUMN = 1  # the tag of the messages that carry a column
N = 8

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

# My block: N rows of N values, row after row. The value at (row, col) is
# 100 * rank + 10 * row + col, so a column is easy to recognise.
rows, cols = numpy.indices((N, N))
block = (100 * rank + 10 * rows + cols).astype(numpy.float64)

# My last column: N values, each a whole row (N values) after the one
# before: MPI_Type_vector(count N, block length 1, stride N).
last_column = MPI.DOUBLE.Create_vector(N, 1, N).Commit()

# A chain: rank r sends to r + 1. The last rank only receives.
if rank + 1 < size:
    # One message of one vector, starting at the column's top.
    flat = block.reshape(-1)
    comm.Send([flat[N - 1:], 1, last_column], dest=rank + 1, tag=COLUMN)

# The receiver needs no datatype: N values arrive side by side in its
# ghost column. Only the type signature (N doubles) must match.
if rank > 0:
    left = rank - 1
    ghost = numpy.zeros(N, dtype=numpy.float64)
    comm.Recv(ghost, source=left, tag=COLUMN)
    print(f"ghost column from rank {left}: {ghost}")
    assert (ghost == 100 * left + 10 * numpy.arange(N) + N - 1).all(), ghost

last_column.Free()
