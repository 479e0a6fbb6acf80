/* The root broadcasts a factor, scatters one number to each rank, every
 * rank scales its number, the root gathers them back, and an allreduce
 * gives every rank the sum. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    int factor = rank == 0 ? 10 : 0;
    MPI_Bcast(&factor, 1, MPI_INT, 0, MPI_COMM_WORLD);

    int *all = NULL;
    if (rank == 0) {
        all = malloc(size * sizeof(int));
        for (int i = 0; i < size; i++) all[i] = i + 1;
    }
    int mine;
    MPI_Scatter(all, 1, MPI_INT, &mine, 1, MPI_INT, 0, MPI_COMM_WORLD);
    mine *= factor;
    MPI_Gather(&mine, 1, MPI_INT, all, 1, MPI_INT, 0, MPI_COMM_WORLD);

    int sum;
    MPI_Allreduce(&mine, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    int expected = factor * size * (size + 1) / 2;
    if (rank == 0) printf("sum %d (expected %d), last gathered %d\n", sum, expected, all[size - 1]);
    free(all);
    MPI_Finalize();
    return sum != expected;
}
