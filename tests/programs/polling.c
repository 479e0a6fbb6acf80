/* Rank 1 does not block in a receive: it polls with MPI_Iprobe until rank
 * 0's message is there, counting how often it looked. Rank 0 computes for
 * the milliseconds given (200 by default) before it sends. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int ok = 1;
    if (rank == 0) {
        int computing = argc > 1 ? atoi(argv[1]) : 200;
        usleep(computing * 1000); /* "computing" before the answer is ready */
        int answer = 42;
        MPI_Send(&answer, 1, MPI_INT, 1, 0, MPI_COMM_WORLD);
    } else if (rank == 1) {
        int arrived = 0;
        long polls = 0;
        while (!arrived) {
            MPI_Iprobe(0, 0, MPI_COMM_WORLD, &arrived, MPI_STATUS_IGNORE);
            polls++;
        }
        int answer;
        MPI_Recv(&answer, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        printf("1: the answer %d arrived after %ld polls\n", answer, polls);
        ok = answer == 42;
    }
    MPI_Finalize();
    return !ok;
}
