/* Collectives beyond the first course: every rank gathers every rank's
 * number (allgather), swaps one with each (alltoall), numbers itself with
 * a prefix sum (scan), and rank 0 hands out rank+1 values to each
 * (scatterv), then collects them back (gatherv). Checks each result. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size, ok = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int *all = malloc(size * sizeof(int)), *mine = malloc(size * sizeof(int));

    MPI_Allgather(&rank, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD);
    for (int i = 0; i < size; i++) ok &= all[i] == i;
    for (int i = 0; i < size; i++) mine[i] = rank * 100 + i;
    MPI_Alltoall(mine, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD);
    for (int i = 0; i < size; i++) ok &= all[i] == i * 100 + rank;
    int one = 1, before = 0;
    MPI_Scan(&one, &before, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    ok &= before == rank + 1;

    int total = size * (size + 1) / 2;
    int *values = malloc(total * sizeof(int)), *counts = malloc(size * sizeof(int));
    int *displs = malloc(size * sizeof(int)), got[64];
    for (int i = 0, at = 0; i < size; at += i + 1, i++) {
        counts[i] = i + 1;
        displs[i] = at;
    }
    for (int i = 0; i < total; i++) values[i] = i;
    MPI_Scatterv(values, counts, displs, MPI_INT, got, rank + 1, MPI_INT, 0, MPI_COMM_WORLD);
    ok &= got[0] == displs[rank];
    MPI_Gatherv(got, rank + 1, MPI_INT, values, counts, displs, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank == 0)
        for (int i = 0; i < total; i++) ok &= values[i] == i;
    printf("%d: %s\n", rank, ok ? "all right" : "WRONG");
    MPI_Finalize();
    return ok ? 0 : 1;
}
