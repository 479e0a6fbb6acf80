/* A 2-D five-point stencil (Jacobi) on an N x N grid split into bands of
 * rows, one band per rank, with a halo exchange of the edge rows with both
 * neighbours before every step (MPI_Isend, MPI_Irecv, MPI_Waitall). Rank 0
 * prints the median time of a step (exchange and update, the slowest rank's
 * by an MPI_Reduce at the end) and its quartiles, then a checksum.
 *   mpiexec -n P ./stencil N STEPS */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* One step: edge rows out, halo rows in, then the update. */
static void step(double *u, double *next, int rows, int n, int up, int down) {
    MPI_Request requests[4];
    MPI_Status statuses[4];
    MPI_Irecv(u, n, MPI_DOUBLE, up, 1, MPI_COMM_WORLD, &requests[0]);
    MPI_Irecv(u + (rows + 1) * n, n, MPI_DOUBLE, down, 0, MPI_COMM_WORLD, &requests[1]);
    MPI_Isend(u + n, n, MPI_DOUBLE, up, 0, MPI_COMM_WORLD, &requests[2]);
    MPI_Isend(u + rows * n, n, MPI_DOUBLE, down, 1, MPI_COMM_WORLD, &requests[3]);
    MPI_Waitall(4, requests, statuses);
    for (int i = 1; i <= rows; i++)
        for (int j = 1; j < n - 1; j++)
            next[i * n + j] = 0.25 * (u[(i - 1) * n + j] + u[(i + 1) * n + j] +
                                      u[i * n + j - 1] + u[i * n + j + 1]);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int n = argc > 1 ? atoi(argv[1]) : 256;
    int steps = argc > 2 ? atoi(argv[2]) : 1000;
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int rows = n / size;
    int up = rank > 0 ? rank - 1 : MPI_PROC_NULL;
    int down = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;
    /* The band with a halo row above and below; the grid's top edge is hot. */
    double *u = calloc((size_t)(rows + 2) * n, sizeof(double));
    double *next = calloc((size_t)(rows + 2) * n, sizeof(double));
    if (rank == 0) for (int j = 0; j < n; j++) u[n + j] = next[n + j] = 100.0;
    double *times = calloc(steps, sizeof(double));
    MPI_Barrier(MPI_COMM_WORLD);
    for (int s = 0; s < steps; s++) {
        double start = MPI_Wtime();
        step(u, next, rows, n, up, down);
        if (rank == 0) for (int j = 0; j < n; j++) next[n + j] = 100.0;
        double *t = u; u = next; next = t;
        times[s] = (MPI_Wtime() - start) * 1e6;
    }
    double *slowest = rank == 0 ? calloc(steps, sizeof(double)) : NULL;
    MPI_Reduce(times, slowest, steps, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    double local = 0, sum = 0;
    for (int i = 1; i <= rows; i++)
        for (int j = 0; j < n; j++) local += u[i * n + j];
    MPI_Reduce(&local, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        report("stencil", n, slowest, steps, "us per step");
        printf("checksum %.6f\n", sum);
        free(slowest);
    }
    free(times);
    free(u);
    free(next);
    MPI_Finalize();
    return 0;
}
