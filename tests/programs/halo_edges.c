/* A halo exchange between bands of rows: the first and last ranks have
 * no neighbour on one side and exchange with MPI_PROC_NULL there, as a
 * stencil does. Each step posts two Irecvs and two Isends and waits for
 * all four. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int up = rank > 0 ? rank - 1 : MPI_PROC_NULL;
    int down = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;

    double row[4] = {rank, rank, rank, rank}, above[4], below[4];
    for (int step = 0; step < 3; step++) {
        MPI_Request requests[4];
        MPI_Irecv(above, 4, MPI_DOUBLE, up, 1, MPI_COMM_WORLD, &requests[0]);
        MPI_Irecv(below, 4, MPI_DOUBLE, down, 0, MPI_COMM_WORLD, &requests[1]);
        MPI_Isend(row, 4, MPI_DOUBLE, up, 0, MPI_COMM_WORLD, &requests[2]);
        MPI_Isend(row, 4, MPI_DOUBLE, down, 1, MPI_COMM_WORLD, &requests[3]);
        MPI_Waitall(4, requests, MPI_STATUSES_IGNORE);
    }
    MPI_Finalize();
    return 0;
}
