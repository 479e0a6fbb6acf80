/* Rank 0 sends 100 doubles to rank 1 with tag 13; rank 1 waits for them.
 * The C twin of the mpi4py tutorial's mpi_demo.py. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    printf("%d: Hello!\n", rank);

    double data[100];
    int ok = 1;
    if (rank == 0) {
        for (int i = 0; i < 100; i++) data[i] = i;
        printf("%d: sending 0 .. 99\n", rank);
        MPI_Send(data, 100, MPI_DOUBLE, 1, 13, MPI_COMM_WORLD);
    } else if (rank == 1) {
        printf("%d: waiting for data from rank 0\n", rank);
        MPI_Recv(data, 100, MPI_DOUBLE, 0, 13, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int i = 0; i < 100; i++) ok &= data[i] == i;
        printf("%d: received %g .. %g\n", rank, data[0], data[99]);
    } else {
        printf("%d: I've got nothing to do\n", rank);
    }
    MPI_Finalize();
    return ok ? 0 : 1;
}
