/* Both ranks probe for the other's message before sending their own:
 * MPI_Probe waits as a receive does, so neither ever sends. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int other = 1 - rank;
    if (rank < 2) {
        MPI_Status status;
        MPI_Probe(other, 4, MPI_COMM_WORLD, &status);
        int value = rank;
        MPI_Send(&value, 1, MPI_INT, other, 4, MPI_COMM_WORLD);
        MPI_Recv(&value, 1, MPI_INT, other, 4, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    MPI_Finalize();
    return 0;
}
