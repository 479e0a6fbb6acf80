/* The tutorial's send/recv with the receive's tag changed to 14: rank 0's
 * message (tag 13) goes out, rank 1 waits for one with tag 14 that never
 * comes. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    double data[100];
    if (rank == 0) {
        for (int i = 0; i < 100; i++) data[i] = i;
        MPI_Send(data, 100, MPI_DOUBLE, 1, 13, MPI_COMM_WORLD);
    } else if (rank == 1) {
        MPI_Recv(data, 100, MPI_DOUBLE, 0, 14, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        printf("1: never printed\n");
    }
    MPI_Finalize();
    return 0;
}
