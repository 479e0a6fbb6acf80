/* Ping-pong between ranks 0 and 1: the one-way time of a SIZE-byte
 * message. Timed inside the program with MPI_Wtime, so mpiexec's start-up
 * is not in it: BATCHES batches of TRIPS round trips each, and rank 0
 * prints the median one-way time of a batch and its quartiles.
 *   mpiexec -n 2 ./pingpong SIZE BATCHES TRIPS */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "stats.h"

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    long size = argc > 1 ? atol(argv[1]) : 8;
    int batches = argc > 2 ? atoi(argv[2]) : 200;
    int trips = argc > 3 ? atoi(argv[3]) : 100;
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    char *buffer = calloc(size, 1);
    double *one_way = calloc(batches, sizeof(double));
    int other = 1 - rank;
    for (int batch = -1; batch < batches; batch++) { /* batch -1 warms up */
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        for (int trip = 0; trip < trips && rank < 2; trip++) {
            if (rank == 0) {
                MPI_Send(buffer, size, MPI_BYTE, other, 0, MPI_COMM_WORLD);
                MPI_Recv(buffer, size, MPI_BYTE, other, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else {
                MPI_Recv(buffer, size, MPI_BYTE, other, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(buffer, size, MPI_BYTE, other, 0, MPI_COMM_WORLD);
            }
        }
        if (batch >= 0) one_way[batch] = (MPI_Wtime() - start) / (2.0 * trips) * 1e6;
    }
    if (rank == 0) report("pingpong", size, one_way, batches, "us one-way");
    free(one_way);
    free(buffer);
    MPI_Finalize();
    return 0;
}
