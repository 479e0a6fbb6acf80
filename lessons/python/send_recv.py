# Lesson: send-recv, in mpi4py. Rank 0 sends 100 doubles with tag 13 to
# rank 1. Watch it: mpi-tutor watch -n 5 -- python3 send_recv.py
#
# EXERCISES
#   1. Change the tag of the Recv to 14. Predict what rank 1 does.
#   2. Make rank 1 receive from any rank (source=MPI.ANY_SOURCE).
#      What changes?
#   3. Send 50 values (data[:50]) while rank 1 still expects 100: what
#      does status.Get_count(MPI.DOUBLE) say?
import numpy
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
print(f"hello, I am rank {rank}")

if rank == 0:
    data = numpy.arange(100, dtype=numpy.float64)
    print(f"sending {len(data)} values 0..99 to rank 1")
    comm.Send(data, dest=1, tag=13)
    print("sent")
elif rank == 1:
    print("waiting for data from rank 0")
    data = numpy.zeros(100, dtype=numpy.float64)
    status = MPI.Status()
    comm.Recv(data, source=0, tag=13, status=status)
    count = status.Get_count(MPI.DOUBLE)
    print(f"received {count} values from rank {status.Get_source()} "
          f"with tag {status.Get_tag()}: {data[0]} .. {data[99]}")
    assert (data == numpy.arange(100)).all(), "rank 1 did not get 0..99"
else:
    print("I've got nothing to do")
