# Lesson ping-pong, in mpi4py: rank 0 sends a message to rank 1, which
# sends it straight back, at sizes from 16 bytes to 4 MiB (each size once
# untimed to warm up, then REPETITIONS times timed with MPI.Wtime). Half
# the fastest round trip is the time one way; rank 0 prints a chart.
#
# Watch it:  mpi-tutor watch -n 2 -- python3 ping_pong.py
# Without the tutor:  mpiexec -n 2 python3 ping_pong.py
#
# EXERCISES
#  1. Set REPETITIONS = 20. Do the times settle? Why keep the fastest
#     round trip, not the average?
#  2. Replace comm.Send with comm.Ssend (a synchronous send). Which sizes
#     slow down? (mpi-tutor lesson ping-pong --sync-sends does the same.)
#  3. Let every even rank play with the next (partner = rank ^ 1) and run
#     on 4 ranks. Does each pair's bandwidth halve?
#  4. Run this file with plain mpiexec, then watched. How much of the
#     small-message time is the tutor's?
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
PING, PONG = 1, 2
REPETITIONS = 3
sizes = [16 * 4**k for k in range(10)]  # 16 B .. 4 MiB

partner = rank ^ 1 if rank < 2 else None
if partner is None:
    print(f"{rank}: no partner, I sit out")
    sizes = []

times = []
for size in sizes:
    ball = (numpy.arange(size) % 251).astype(numpy.uint8)
    back = numpy.zeros(size, dtype=numpy.uint8)
    fastest = float("inf")
    for trip in range(REPETITIONS + 1):
        if rank < partner:
            start = MPI.Wtime()
            comm.Send(ball, dest=partner, tag=PING)
            comm.Recv(back, source=partner, tag=PONG)
            if trip > 0:
                fastest = min(fastest, MPI.Wtime() - start)
            assert (back == ball).all(), f"the {size} B ball came back changed"
        else:
            comm.Recv(back, source=partner, tag=PING)
            assert (back == ball).all(), f"the {size} B ball arrived changed"
            comm.Send(back, dest=partner, tag=PONG)
    times.append((size, fastest / 2))

if rank == 0:
    quickest = min(t for _, t in times)
    for size, one_way in times:
        bar = "#" * (1 + max(0, round(3 * numpy.log2(one_way / quickest))))
        print(f"{size:>8} B {bar:<40} {one_way * 1e6:9.1f} us "
              f"{size / one_way / 1e6:9.0f} MB/s")
