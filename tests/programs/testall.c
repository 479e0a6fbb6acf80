/* Rank 1 posts two receives and polls them with MPI_Testall until both
 * are in; rank 0 sends both after a moment's "work". */
#include <mpi.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, value = 7, got[2] = {0, 0};
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        usleep(100 * 1000);
        MPI_Send(&value, 1, MPI_INT, 1, 1, MPI_COMM_WORLD);
        MPI_Send(&value, 1, MPI_INT, 1, 2, MPI_COMM_WORLD);
    } else if (rank == 1) {
        MPI_Request requests[2];
        MPI_Irecv(&got[0], 1, MPI_INT, 0, 1, MPI_COMM_WORLD, &requests[0]);
        MPI_Irecv(&got[1], 1, MPI_INT, 0, 2, MPI_COMM_WORLD, &requests[1]);
        int done = 0;
        while (!done) MPI_Testall(2, requests, &done, MPI_STATUSES_IGNORE);
        printf("1: got %d and %d\n", got[0], got[1]);
    }
    MPI_Finalize();
    return got[0] + got[1] == (rank == 1 ? 14 : 0) ? 0 : 1;
}
