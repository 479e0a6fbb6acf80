/* Calls the tutor has no op of its own for: each is shown by its name,
 * on its line. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    char host[MPI_MAX_PROCESSOR_NAME];
    int length;
    MPI_Get_processor_name(host, &length);
    MPI_Datatype pair;
    MPI_Type_contiguous(2, MPI_INT, &pair);
    MPI_Type_commit(&pair);
    int values[2] = {rank, rank * 10};
    int got[2] = {0, 0};
    MPI_Allreduce(values, got, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Type_free(&pair);
    double started = MPI_Wtime();
    int size = 0;
    for (int i = 0; i < 1000; i++) {
        MPI_Comm_size(MPI_COMM_WORLD, &size);
    }
    printf("rank %d of %d sums %d %d after %s\n", rank, size, got[0], got[1],
           MPI_Wtime() >= started ? "some time" : "no time");
    MPI_Finalize();
    return 0;
}
