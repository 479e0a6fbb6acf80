# The pickle-based collectives and nonblocking calls, each one call as
# written: scatter and gather of Python objects, reductions of them, and
# an isend/irecv pair completed by wait.
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

chunks = [{"part": i} for i in range(size)] if rank == 0 else None
mine = comm.scatter(chunks, root=0)
parts = comm.gather(mine["part"] * 10, root=0)
total = comm.reduce(rank + 1, op=MPI.SUM, root=0)
everyone = comm.allreduce(rank + 1, op=MPI.SUM)
if rank == 0:
    print(f"gathered {parts}, total {total}")
print(f"{rank}: allreduce gave {everyone}")
if rank == 0:
    request = comm.isend(["ping", 1], dest=1, tag=5)
    request.wait()
elif rank == 1:
    request = comm.irecv(source=0, tag=5)
    print(f"1: irecv gave {request.wait()}")
