# A pickled sendrecv round a ring, a reduce to a root other than 0, and
# a recv with mpi4py's matched probes turned off.
import mpi4py

mpi4py.rc.recv_mprobe = False
from mpi4py import MPI  # noqa: E402

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
right, left = (rank + 1) % size, (rank - 1) % size
got = comm.sendrecv({"from": rank}, dest=right, sendtag=3, source=left, recvtag=3)
print(f"{rank}: sendrecv gave {got}")
root = 2
total = comm.reduce([rank], op=MPI.SUM, root=root)
print(f"{rank}: reduce gave {total}")
chunk = comm.scatter([(i, "x") for i in range(size)] if rank == 1 else None, root=1)
if rank == 0:
    comm.send("hello", dest=1, tag=4)
elif rank == 1:
    print(f"1: recv gave {comm.recv(source=0, tag=4)}")
