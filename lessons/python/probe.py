# Lesson probe, in mpi4py: every rank but 0 sends rank 0 a message whose
# length only the sender knows. Rank 0 probes for the next message from
# anyone, reads its length with Get_count, makes a buffer that size and
# only then receives it.
#
# Watch it:  mpi-tutor watch -n 4 -- python3 probe.py
#
# EXERCISES
#  1. Run with -n 8: predict the length each rank sends (1 + 37 r mod 100).
#  2. Drop the Probe: receive into numpy.empty(100, dtype="i") from
#     MPI.ANY_SOURCE and read the count from the Recv's own status.
#  3. Receive into a buffer smaller than the message (numpy.empty(10,
#     dtype="i")). What does MPI say?
from mpi4py import MPI
import numpy

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
NUMBERS = 3


def message_of(r):
    length = 1 + (r * 37) % 100
    return numpy.arange(length, dtype="i") + r * 1000


if rank != 0:
    numbers = message_of(rank)
    print(f"{rank}: sending {len(numbers)} numbers to rank 0")
    comm.Send(numbers, dest=0, tag=NUMBERS)
else:
    for _ in range(1, size):
        status = MPI.Status()
        comm.Probe(source=MPI.ANY_SOURCE, tag=NUMBERS, status=status)
        count = status.Get_count(MPI.INT)
        sender = status.Get_source()
        print(f"0: probed: {count} numbers from rank {sender}")
        numbers = numpy.empty(count, dtype="i")
        comm.Recv(numbers, source=sender, tag=NUMBERS)
        assert (numbers == message_of(sender)).all()
