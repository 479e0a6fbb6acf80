# one-sided: put and get in another rank's window (mpi4py twin of the
# lesson `mpi-tutor lesson one-sided`).
#
# Every rank opens a window on some of its memory. In the first epoch every
# rank puts its values into rank 0's window: rank 0 calls nothing but the
# fences, yet its memory fills up. In the second epoch every rank gets rank
# 0's whole window back. Transfers are complete only after the next fence.
#
# EXERCISES
#   1. Put more values per rank (N = 8). Predict rank 0's window after the
#      first fence.
#   2. Print `got` before the second fence (move the print above it).
#      Predict what you see, and why MPI does not promise it.
#   3. Make every rank put into its right neighbour's window instead of
#      rank 0's: target = (rank + 1) % size. Predict each window after the
#      fence.
#
# Watch it: mpi-tutor watch -n 4 -- python3 one_sided.py

from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
N = 2
TARGET = 0

# Room for N values from each rank, all -1 (empty).
memory = numpy.full(N * size, -1.0, dtype=numpy.float64)
window = MPI.Win.Create(memory, disp_unit=memory.itemsize, comm=comm)
window.Fence()

# My values, 10 * rank + 1, 10 * rank + 2, ..., into my slot of rank 0's
# window. Put returns at once: nothing has moved for sure yet.
mine = numpy.arange(1, N + 1, dtype=numpy.float64) + 10 * rank
window.Put(mine, TARGET, target=rank * N)
window.Fence()

expected = numpy.array([10 * r + i for r in range(size) for i in range(1, N + 1)],
                       dtype=numpy.float64)
if rank == TARGET:
    print(f"{rank}: my window now holds {memory}")
    assert (memory == expected).all()

# Read the whole of rank 0's window: the values are there after the fence.
got = numpy.empty(N * size, dtype=numpy.float64)
window.Get(got, TARGET, target=0)
window.Fence()
print(f"{rank}: got rank 0's window: {got}")
assert (got == expected).all()

window.Free()
