/* Rank 0 takes two messages with waitany, then two with waitsome, then
 * polls one with testany and one with testsome; ranks 1 and 2 send. */
#include <mpi.h>
#include <stdio.h>

static void take_two(int round, int use_some) {
    int from_one = 0, from_two = 0;
    MPI_Request requests[2];
    MPI_Irecv(&from_one, 1, MPI_INT, 1, round, MPI_COMM_WORLD, &requests[0]);
    MPI_Irecv(&from_two, 1, MPI_INT, 2, round, MPI_COMM_WORLD, &requests[1]);
    int taken = 0;
    while (taken < 2) {
        if (use_some) {
            int count = 0, indices[2];
            MPI_Status statuses[2];
            MPI_Waitsome(2, requests, &count, indices, statuses);
            taken += count;
        } else {
            int index = MPI_UNDEFINED;
            MPI_Waitany(2, requests, &index, MPI_STATUS_IGNORE);
            taken += 1;
        }
    }
    printf("round %d got %d and %d\n", round, from_one, from_two);
}

static void poll_two(int round) {
    int from_one = 0, from_two = 0;
    MPI_Request requests[2];
    MPI_Irecv(&from_one, 1, MPI_INT, 1, round, MPI_COMM_WORLD, &requests[0]);
    MPI_Irecv(&from_two, 1, MPI_INT, 2, round, MPI_COMM_WORLD, &requests[1]);
    int done = 0, index = MPI_UNDEFINED;
    while (!done) {
        MPI_Testany(2, requests, &index, &done, MPI_STATUS_IGNORE);
    }
    int count = 0, indices[2];
    MPI_Status statuses[2];
    while (count == 0) {
        MPI_Testsome(2, requests, &count, indices, statuses);
    }
    printf("round %d polled %d and %d\n", round, from_one, from_two);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        take_two(1, 0);
        take_two(2, 1);
        poll_two(3);
    } else if (rank <= 2) {
        for (int round = 1; round <= 3; round++) {
            int value = rank * 100 + round;
            MPI_Send(&value, 1, MPI_INT, 0, round, MPI_COMM_WORLD);
        }
    }
    MPI_Finalize();
    return 0;
}
