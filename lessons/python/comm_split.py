# Lesson comm-split, in mpi4py: the ranks stand in a grid (6 ranks: 2 rows
# of 3). Comm_split gives the ranks that pass the same colour a
# communicator of their own, ranked by the key; an Allreduce on each adds
# up the world ranks of one row, and of one column.
#
# Watch it:  mpi-tutor watch -n 6 -- python3 comm_split.py
#
# EXERCISES
#  1. Run on 12 ranks. Predict the grid and what each row adds up to.
#  2. Pass key=-column to the row split. Which rank is 0 in each row now?
#     Does the sum change? (mpi-tutor lesson comm-split --variant
#     reversed-key)
#  3. Split by the colour of a rank's square: colour (row + column) % 2.
#     Which ranks reduce together? (--variant checkerboard)
#  4. Split by diagonal: colour (row + column) % columns. Which ranks
#     meet now?
from mpi4py import MPI
import numpy

world = MPI.COMM_WORLD
rank = world.Get_rank()
size = world.Get_size()

# As square as the rank count divides, no more rows than columns.
rows = max(r for r in range(1, size + 1) if r * r <= size and size % r == 0)
columns = size // rows
row, column = rank // columns, rank % columns
print(f"{rank}: row {row}, column {column} of a {rows} x {columns} grid")

across = world.Split(color=row, key=column)
down = world.Split(color=column, key=row)

mine = numpy.array([rank], dtype=numpy.uint32)
row_sum = numpy.zeros(1, dtype=numpy.uint32)
across.Allreduce(mine, row_sum, op=MPI.SUM)
column_sum = numpy.zeros(1, dtype=numpy.uint32)
down.Allreduce(mine, column_sum, op=MPI.SUM)

assert row_sum[0] == sum(r for r in range(size) if r // columns == row)
assert column_sum[0] == sum(r for r in range(size) if r % columns == column)
print(f"{rank}: row {row} adds up to {row_sum[0]}, "
      f"column {column} to {column_sum[0]}")
across.Free()
down.Free()
