/* The ranks split into two groups, even and odd; each group sums its
 * members' world ranks with an allreduce on its own communicator. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    MPI_Comm half;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);
    int sum;
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, half);

    int expected = 0;
    for (int r = rank % 2; r < size; r += 2) expected += r;
    printf("%d: my group (%s) sums to %d\n", rank, rank % 2 ? "odd" : "even", sum);
    MPI_Comm_free(&half);
    MPI_Finalize();
    return sum != expected;
}
