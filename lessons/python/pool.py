# Lesson: pool, in mpi4py. Rank 0 is the master: it hands out tasks to
# whichever worker is free (like MPIPoolExecutor.map) and gives the results
# back in submission order. Tasks take from 0.1 s to 1.1 s. Then the same
# tasks are split statically, in blocks decided in advance, for comparison.
# Watch it: mpi-tutor watch -n 4 -- python3 pool.py
#
# EXERCISES
#   1. Run with -n 2 (one worker). Predict both timings.
#   2. Make every task take the same time (0.45 s). Predict whether the
#      workers still do different numbers of tasks.
#   3. Receive from rank 1 only (source=1) instead of MPI.ANY_SOURCE.
#      Predict what happens to the other workers.
import time

import numpy
from mpi4py import MPI

MASTER = 0
TASK, RESULT, STOP, STATIC_RESULTS = 1, 2, 3, 4  # tags: what a message is
TASKS = 12

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()


def compute(task):
    k = task % 12
    time.sleep((100 + 100 * k * k // 12) / 1000)  # stands for real work
    return task * task


def my_block(worker):
    # The static split: worker w's own block of tasks, whatever they cost.
    workers = size - 1
    return range((worker - 1) * TASKS // workers, worker * TASKS // workers)


started = MPI.Wtime()
if rank == MASTER:
    results = [None] * TASKS
    next_task = 0

    def hand_out(worker):
        # The next task for `worker`, or STOP when none is left.
        global next_task
        if next_task < TASKS:
            comm.Send(numpy.array([next_task], dtype=numpy.int64), dest=worker, tag=TASK)
            next_task += 1
        else:
            comm.Send(numpy.zeros(1, dtype=numpy.int64), dest=worker, tag=STOP)

    for worker in range(1, size):
        hand_out(worker)
    # Whoever answers first gets the next task: receive from ANY_SOURCE.
    status = MPI.Status()
    for _ in range(TASKS):
        answer = numpy.zeros(2, dtype=numpy.int64)
        comm.Recv(answer, source=MPI.ANY_SOURCE, tag=RESULT, status=status)
        task, result = answer
        print(f"task {task} done by rank {status.Get_source()}: {result}")
        results[task] = result
        hand_out(status.Get_source())
    print(f"results in submission order: {results}")
else:
    done = 0
    status = MPI.Status()
    while True:
        task = numpy.zeros(1, dtype=numpy.int64)
        comm.Recv(task, source=MASTER, tag=MPI.ANY_TAG, status=status)
        if status.Get_tag() == STOP:
            break
        answer = numpy.array([task[0], compute(task[0])], dtype=numpy.int64)
        comm.Send(answer, dest=MASTER, tag=RESULT)
        done += 1
    print(f"stopped after {done} tasks")

# The static split, started together.
comm.Barrier()
if rank == MASTER:
    dynamic = MPI.Wtime() - started
    started = MPI.Wtime()
    split = []
    for worker in range(1, size):
        part = numpy.zeros(len(my_block(worker)), dtype=numpy.int64)
        comm.Recv(part, source=worker, tag=STATIC_RESULTS)
        split.extend(part)
    print(f"{TASKS} tasks on {size - 1} workers: dynamic {dynamic * 1e3:.0f} ms, "
          f"static split {(MPI.Wtime() - started) * 1e3:.0f} ms")
    assert split == results
else:
    mine = numpy.array([compute(t) for t in my_block(rank)], dtype=numpy.int64)
    comm.Send(mine, dest=MASTER, tag=STATIC_RESULTS)
