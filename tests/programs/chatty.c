/* Every rank prints many lines between its MPI calls: output that must
 * come out whole, one rank's line never mixed into another's. */
#include <mpi.h>
#include <stdio.h>

#define LINES 500

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int i = 0; i < LINES; i++) {
        printf("rank %d line %d of %d: the quick brown fox jumps over the lazy dog\n",
               rank, i + 1, LINES);
        if (i % 100 == 99) MPI_Barrier(MPI_COMM_WORLD);
    }
    MPI_Finalize();
    return 0;
}
