/* Rank 1 takes a message of unknown size with MPI_Mprobe (from anyone),
 * sizes its buffer with MPI_Get_count and receives it with MPI_Mrecv, as
 * mpi4py's comm.recv does; then polls with MPI_Improbe for a second one
 * and receives it with MPI_Imrecv and MPI_Wait. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, ok = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        int data[5] = {1, 2, 3, 4, 5};
        MPI_Send(data, 5, MPI_INT, 1, 4, MPI_COMM_WORLD);
        usleep(50 * 1000);
        MPI_Send(data, 2, MPI_INT, 1, 6, MPI_COMM_WORLD);
    } else if (rank == 1) {
        MPI_Message message;
        MPI_Status status;
        int count;
        MPI_Mprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &message, &status);
        MPI_Get_count(&status, MPI_INT, &count);
        int *data = malloc(count * sizeof(int));
        MPI_Mrecv(data, count, MPI_INT, &message, MPI_STATUS_IGNORE);
        ok &= count == 5 && data[4] == 5 && status.MPI_TAG == 4;
        int found = 0;
        while (!found) MPI_Improbe(0, 6, MPI_COMM_WORLD, &found, &message, &status);
        MPI_Request request;
        MPI_Imrecv(data, 2, MPI_INT, &message, &request);
        MPI_Wait(&request, MPI_STATUS_IGNORE);
        ok &= data[1] == 2;
        printf("1: %d ints, then 2: %s\n", count, ok ? "right" : "WRONG");
        free(data);
    }
    MPI_Finalize();
    return ok ? 0 : 1;
}
