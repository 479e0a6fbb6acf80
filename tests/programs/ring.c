/* A token goes around the ring of ranks, ITERATIONS times; every rank adds
 * its number to it. */
#include <mpi.h>
#include <stdio.h>

#define ITERATIONS 2

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;

    int token = 0;
    for (int round = 0; round < ITERATIONS; round++) {
        if (rank == 0) {
            MPI_Send(&token, 1, MPI_INT, next, 0, MPI_COMM_WORLD);
            MPI_Recv(&token, 1, MPI_INT, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(&token, 1, MPI_INT, prev, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            token += rank;
            MPI_Send(&token, 1, MPI_INT, next, 0, MPI_COMM_WORLD);
        }
    }
    int expected = ITERATIONS * size * (size - 1) / 2;
    if (rank == 0) printf("token after %d rounds: %d (expected %d)\n", ITERATIONS, token, expected);
    MPI_Finalize();
    return rank == 0 && token != expected;
}
