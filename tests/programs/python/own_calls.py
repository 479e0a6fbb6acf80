# A student's own communicator and attribute calls, around the pickled
# calls that make mpi4py set up (and at exit free) a communicator and
# attributes of its own: only the student's calls show, each at its line.
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
mine = comm.Dup()
total = mine.allreduce(rank + 1)
keyval = MPI.Comm.Create_keyval()
mine.Set_attr(keyval, "notes")
mine.Delete_attr(keyval)
MPI.Comm.Free_keyval(keyval)
mine.Free()
settings = comm.bcast({"total": total} if rank == 0 else None, root=0)
print(f"{rank}: {settings}")
