/* Every rank receives from its right neighbour before it sends: nobody
 * ever sends, so every rank waits forever. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int right = (rank + 1) % size, left = (rank + size - 1) % size;

    int value = rank, got;
    MPI_Recv(&got, 1, MPI_INT, right, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Send(&value, 1, MPI_INT, left, 0, MPI_COMM_WORLD);
    printf("%d: never printed\n", rank);
    MPI_Finalize();
    return 0;
}
