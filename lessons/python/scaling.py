# Lesson: scaling, in mpi4py. Halo's heat diffusion, timed on teams of
# 1, 2, 4 ... ranks in turn: each team is a communicator made by
# Comm.Split; the ranks outside it wait at a barrier. Strong scaling: the
# same N x N grid on more ranks. Weak scaling: the grid grows with the
# ranks, N x N cells each. Rank 0 prints speed-up and efficiency and
# fits Amdahl's law, 1 / speed-up = f + (1 - f) / p, to the strong runs.
#
# Watch it:  mpi-tutor watch -n 4 -- python3 scaling.py
# Without the tutor:  mpiexec -n 4 python3 scaling.py
#
# EXERCISES
#   1. Run with -n 8 on this machine. Predict the speed-up past the
#      number of cores (nproc).
#   2. Set N = 32, then N = 512. Predict which scales better, and how
#      the serial fraction changes.
#   3. Let the team's rank 0 do a serial part every step
#      (time.sleep(0.001) after the exchange). Predict the fitted fraction.
import numpy
from mpi4py import MPI

GOING_UP, GOING_DOWN, GOING_LEFT, GOING_RIGHT = 1, 2, 3, 4
IN_TEAM, SITTING_OUT = 0, 1
TIMEKEEPER = 0
ALPHA = 0.2
N = 128
ITERATIONS = 8
REPETITIONS = 3  # the fastest run counts

world = MPI.COMM_WORLD


def initial_heat(n, row0, row1, col0, col1):
    """A hot disc in the middle of a cold grid: my block of it."""
    i, j = numpy.mgrid[row0:row1, col0:col1]
    disc = (i + 0.5 - n / 2) ** 2 + (j + 0.5 - n / 2) ** 2 < (n / 4) ** 2
    return numpy.where(disc, 100.0, 0.0)


def layout(rank, size, n):
    """My block of the n x n grid and my neighbours, as in halo.py."""
    pcols = max(c for c in range(1, size + 1) if size % c == 0 and c * c <= size)
    prows = size // pcols
    my_row, my_col = divmod(rank, pcols)
    block = (my_row * n // prows, (my_row + 1) * n // prows,
             my_col * n // pcols, (my_col + 1) * n // pcols)
    neighbours = (rank - pcols if my_row > 0 else None,
                  rank + pcols if my_row + 1 < prows else None,
                  rank - 1 if my_col > 0 else None,
                  rank + 1 if my_col + 1 < pcols else None)
    return block, neighbours


def exchange(team, u, neighbours):
    up, down, left, right = neighbours
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
        requests.append(team.Irecv(got, source=peer, tag=recv_tag))
        requests.append(team.Isend(numpy.ascontiguousarray(edge), dest=peer, tag=send_tag))
        ghosts.append((ghost, got))
    MPI.Request.Waitall(requests)
    for ghost, got in ghosts:
        u[ghost] = got


def heat_steps(team, n, block, neighbours):
    row0, row1, col0, col1 = block
    u = numpy.zeros((row1 - row0 + 2, col1 - col0 + 2))
    u[1:-1, 1:-1] = initial_heat(n, row0, row1, col0, col1)
    for _ in range(ITERATIONS):
        if team.Get_size() > 1:  # alone, a rank has no edges to trade
            exchange(team, u, neighbours)
        around = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
        inner = u[1:-1, 1:-1]
        u[1:-1, 1:-1] = inner + ALPHA * (around - 4 * inner)
    return u[1:-1, 1:-1]


def serial(n):
    """The whole grid on one rank: what every team must compute."""
    u = numpy.zeros((n + 2, n + 2))
    u[1:-1, 1:-1] = initial_heat(n, 0, n, 0, n)
    for _ in range(ITERATIONS):
        around = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
        inner = u[1:-1, 1:-1]
        u[1:-1, 1:-1] = inner + ALPHA * (around - 4 * inner)
    return u[1:-1, 1:-1]


def timed_run(ranks, n):
    """Ranks below `ranks` run the steps on an n x n grid; the team's time."""
    inside = world.Get_rank() < ranks
    team = world.Split(IN_TEAM if inside else SITTING_OUT, world.Get_rank())
    slowest = numpy.zeros(1)
    if inside:
        block, neighbours = layout(team.Get_rank(), team.Get_size(), n)
        fastest = float("inf")
        for _ in range(REPETITIONS):
            start = MPI.Wtime()
            mine = heat_steps(team, n, block, neighbours)
            fastest = min(fastest, MPI.Wtime() - start)
        row0, row1, col0, col1 = block
        assert numpy.allclose(mine, serial(n)[row0:row1, col0:col1], atol=1e-9), \
            f"{ranks} ranks, {n} x {n}: my block differs from the 1-rank result"
        team.Reduce(numpy.array([fastest]), slowest, op=MPI.MAX, root=TIMEKEEPER)
    world.Barrier()
    team.Free()
    return ranks, n, slowest[0]


size = world.Get_size()
teams = [1 << k for k in range(size.bit_length()) if 1 << k <= size]
if teams[-1] != size:
    teams.append(size)
strong, weak = [], []
for ranks in teams:
    strong.append(timed_run(ranks, N))
    weak.append(timed_run(ranks, round(N * ranks ** 0.5)))

if world.Get_rank() == TIMEKEEPER:
    for kind, runs in [("strong", strong), ("weak", weak)]:
        one = runs[0][2]
        for ranks, n, seconds in runs:
            speed_up = (ranks if kind == "weak" else 1) * one / seconds
            efficiency = speed_up / ranks
            print(f"{kind:<6} {ranks:>2} ranks {n:>4} x {n:<4} {seconds * 1e3:9.2f} ms "
                  f"{speed_up:5.2f} {'#' * max(1, min(16, round(4 * speed_up))):<16} "
                  f"{efficiency * 100:4.0f}% {'#' * max(1, min(10, round(10 * efficiency)))}")
    # Least squares on 1 / speed-up (y) against 1 / p (x): y - x = f (1 - x).
    x = numpy.array([1 / r for r, _, _ in strong])
    y = numpy.array([s / strong[0][2] for _, _, s in strong])
    f = min(1.0, max(0.0, ((1 - x) * (y - x)).sum() / ((1 - x) ** 2).sum()))
    print(f"Amdahl fit: serial fraction {f:.3f} ({f * 100:.1f}%): "
          f"at most {1 / max(f, 1e-9):.1f} times faster on any number of ranks")
