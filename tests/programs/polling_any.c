/* Rank 1 polls for two messages: with MPI_Testany until one is there,
 * then with MPI_Testsome for the other, counting how often it looked each
 * time. Rank 0 computes (sleeps) for the milliseconds given (200 by
 * default) before each send, the second message first. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        int computing = argc > 1 ? atoi(argv[1]) : 200;
        int first = 1, second = 2;
        usleep(computing * 1000);
        MPI_Send(&second, 1, MPI_INT, 1, 1, MPI_COMM_WORLD);
        usleep(computing * 1000);
        MPI_Send(&first, 1, MPI_INT, 1, 0, MPI_COMM_WORLD);
    } else if (rank == 1) {
        int values[2] = {0, 0};
        MPI_Request requests[2];
        MPI_Irecv(&values[0], 1, MPI_INT, 0, 0, MPI_COMM_WORLD, &requests[0]);
        MPI_Irecv(&values[1], 1, MPI_INT, 0, 1, MPI_COMM_WORLD, &requests[1]);
        int done = 0, index = MPI_UNDEFINED;
        long polls = 0;
        while (!done) {
            MPI_Testany(2, requests, &index, &done, MPI_STATUS_IGNORE);
            polls++;
        }
        printf("1: testany found request %d after %ld polls\n", index, polls);
        int count = 0, indices[2];
        MPI_Status statuses[2];
        polls = 0;
        while (count == 0) {
            MPI_Testsome(2, requests, &count, indices, statuses);
            polls++;
        }
        printf("1: testsome found request %d after %ld polls\n", indices[0], polls);
    }
    MPI_Finalize();
    return 0;
}
