# The pickle-based calls: rank 0 sends a dict to rank 1, which receives
# it whatever its size; then everyone gets rank 0's settings by bcast.
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()

if rank == 0:
    data = {"a": 7, "b": 3.14}
    comm.send(data, dest=1, tag=11)
elif rank == 1:
    data = comm.recv(source=0, tag=11)
    print(f"{rank}: got {data}")
settings = comm.bcast({"step": 1} if rank == 0 else None, root=0)
print(f"{rank}: bcast gave {settings}")
