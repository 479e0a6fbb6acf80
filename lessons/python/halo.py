# Lesson: halo, in mpi4py. Heat spreads over an N x N grid cut into
# blocks, one per rank. Every iteration each rank sends its edges to its
# neighbours and receives theirs into ghost cells around its block.
# Watch it: mpi-tutor watch -n 4 -- python3 halo.py
#
# EXERCISES
#   1. Run with -n 4, then -n 5. Predict the grid of ranks and how many
#      messages each rank sends per iteration.
#   2. Skip the exchange on every other iteration (`if it % 2:`).
#      Predict what the result looks like at block borders.
#   3. Double N. Predict how the message sizes change, and how the work
#      per rank changes: which grows faster?
import numpy
from mpi4py import MPI

GOING_UP, GOING_DOWN, GOING_LEFT, GOING_RIGHT = 1, 2, 3, 4
ALPHA = 0.2
N = 16
ITERATIONS = 6

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

# The grid of ranks: as square as the rank count allows, filled row by row.
pcols = max(c for c in range(1, size + 1) if size % c == 0 and c * c <= size)
prows = size // pcols
my_row, my_col = divmod(rank, pcols)
row0, row1 = my_row * N // prows, (my_row + 1) * N // prows
col0, col1 = my_col * N // pcols, (my_col + 1) * N // pcols
up = rank - pcols if my_row > 0 else None
down = rank + pcols if my_row + 1 < prows else None
left = rank - 1 if my_col > 0 else None
right = rank + 1 if my_col + 1 < pcols else None

# My block plus a ring of ghost cells (cold walls stay 0): a hot disc.
rows, cols = row1 - row0, col1 - col0
i, j = numpy.mgrid[row0:row1, col0:col1]
u = numpy.zeros((rows + 2, cols + 2))
u[1:-1, 1:-1] = numpy.where((i + 0.5 - N / 2) ** 2 + (j + 0.5 - N / 2) ** 2 < (N / 4) ** 2, 100.0, 0.0)


def exchange(u):
    requests, ghosts = [], []
    for peer, recv_tag, send_tag, edge, ghost in [
        (up, GOING_DOWN, GOING_UP, u[1, 1:-1], (0, slice(1, -1))),
        (down, GOING_UP, GOING_DOWN, u[-2, 1:-1], (-1, slice(1, -1))),
        (left, GOING_RIGHT, GOING_LEFT, u[1:-1, 1], (slice(1, -1), 0)),
        (right, GOING_LEFT, GOING_RIGHT, u[1:-1, -2], (slice(1, -1), -1)),
    ]:
        if peer is None:
            continue
        got = numpy.zeros(len(edge))
        requests.append(comm.Irecv(got, source=peer, tag=recv_tag))
        requests.append(comm.Isend(numpy.ascontiguousarray(edge), dest=peer, tag=send_tag))
        ghosts.append((ghost, got))
    MPI.Request.Waitall(requests)
    for ghost, got in ghosts:
        u[ghost] = got


for it in range(1, ITERATIONS + 1):
    exchange(u)
    around = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
    inner = u[1:-1, 1:-1]
    u[1:-1, 1:-1] = inner + ALPHA * (around - 4 * inner)
print(f"rank {rank}: block rows {row0}..{row1}, cols {col0}..{col1}, heat {u[1:-1, 1:-1].sum():.2f}")
