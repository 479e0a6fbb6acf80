/* A chain, not a ring: every rank passes its number to the right and
 * takes its left neighbour's in one MPI_Sendrecv. The ends talk to
 * MPI_PROC_NULL, which sends nothing and receives nothing. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int left = rank > 0 ? rank - 1 : MPI_PROC_NULL;
    int right = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;

    int mine = 100 + rank, from_left = -1;
    MPI_Sendrecv(&mine, 1, MPI_INT, right, 0, &from_left, 1, MPI_INT, left, 0,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    printf("%d: got %d from the left\n", rank, from_left);
    int expected = rank > 0 ? 99 + rank : -1;
    MPI_Finalize();
    return from_left != expected;
}
