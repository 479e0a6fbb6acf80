# Pickled collectives whose objects differ from rank to rank: each rank
# prints the pickled size of what it got and of what it sent, as mpi4py
# pickles them, so the trace's sizes can be checked against them.
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()


def pickled(obj):
    return len(MPI.pickle.dumps(obj))


chunks = ["x" * (10 * i) for i in range(size)] if rank == 0 else None
mine = comm.scatter(chunks, root=0)
print(f"{rank}: scatter gave {pickled(mine)} B")
settings = comm.bcast({"steps": list(range(8))} if rank == 0 else None, root=0)
print(f"{rank}: bcast gave {pickled(settings)} B")
parts = [f"{rank}>{i}" for i in range(size)]
comm.alltoall(parts)
print(f"{rank}: alltoall sent {pickled(parts[0])} B each")
total = comm.allreduce(rank + 1, op=MPI.SUM)
print(f"{rank}: allreduce sent {pickled(total if rank == 0 else rank + 1)} B")
