/* Rank 1 dereferences a null pointer; the others wait in a barrier it
 * never reaches. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    printf("%d: before the barrier\n", rank);
    fflush(stdout);
    if (rank == 1) {
        volatile int *nowhere = NULL;
        *nowhere = 1;
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
