/* Rank 0 sends a message whose length rank 1 does not know: rank 1 probes
 * it, asks its size with MPI_Get_count, then receives exactly that much. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int ok = 1;
    if (rank == 0) {
        int length = 37;
        int numbers[37];
        for (int i = 0; i < length; i++) numbers[i] = i * i;
        MPI_Send(numbers, length, MPI_INT, 1, 7, MPI_COMM_WORLD);
    } else if (rank == 1) {
        MPI_Status status;
        MPI_Probe(0, 7, MPI_COMM_WORLD, &status);
        int count;
        MPI_Get_count(&status, MPI_INT, &count);
        int *numbers = malloc(count * sizeof(int));
        MPI_Recv(numbers, count, MPI_INT, 0, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        printf("1: received %d numbers, the last %d\n", count, numbers[count - 1]);
        ok = count == 37 && numbers[36] == 36 * 36;
        free(numbers);
    }
    MPI_Finalize();
    return !ok;
}
