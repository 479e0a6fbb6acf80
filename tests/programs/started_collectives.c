/* The nonblocking collectives, each completed by a wait, and the
 * collectives that spread a result. Rank 0 waits on its barrier while
 * the others still work: waiting, not deadlocked. */
#include <mpi.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Request request;
    if (rank != 0) {
        usleep(300000);
    }
    MPI_Ibarrier(MPI_COMM_WORLD, &request);
    MPI_Wait(&request, MPI_STATUS_IGNORE);

    int value = rank + 1, sum = 0, before = 0;
    MPI_Iallreduce(&value, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &request);
    MPI_Wait(&request, MPI_STATUS_IGNORE);
    MPI_Ibcast(&sum, 1, MPI_INT, 0, MPI_COMM_WORLD, &request);
    int done = 0;
    while (!done) {
        MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    }
    MPI_Exscan(&value, &before, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);

    int counts[16], displs[16], all[16], mine[16];
    for (int i = 0; i < size; i++) {
        counts[i] = 1;
        displs[i] = i;
        mine[i] = rank;
    }
    MPI_Allgatherv(&value, 1, MPI_INT, all, counts, displs, MPI_INT, MPI_COMM_WORLD);
    MPI_Alltoallv(mine, counts, displs, MPI_INT, all, counts, displs, MPI_INT, MPI_COMM_WORLD);
    int part = 0;
    MPI_Reduce_scatter_block(mine, &part, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Reduce_scatter(mine, &part, counts, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Ireduce(&value, &sum, 1, MPI_INT, MPI_MAX, 0, MPI_COMM_WORLD, &request);
    MPI_Wait(&request, MPI_STATUS_IGNORE);
    printf("rank %d: sum %d, before me %d, part %d\n", rank, sum, before, part);
    MPI_Finalize();
    return 0;
}
