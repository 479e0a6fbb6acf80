/* The MPI-4 large-count calls (what mpi4py 4 calls under MPICH 4): rank 0
 * sends 10 ints to rank 1 with MPI_Send_c, everyone sums with
 * MPI_Allreduce_c. Needs an MPI-4 library (MPICH 4; not Open MPI 4). */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int data[10];
    if (rank == 0) {
        for (int i = 0; i < 10; i++) data[i] = i;
        MPI_Send_c(data, 10, MPI_INT, 1, 5, MPI_COMM_WORLD);
    } else if (rank == 1) {
        MPI_Recv_c(data, 10, MPI_INT, 0, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        printf("1: got %d .. %d\n", data[0], data[9]);
    }
    int one = 1, total = 0;
    MPI_Allreduce_c(&one, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0) printf("0: %d ranks\n", total);
    MPI_Finalize();
    return total == size ? 0 : 1;
}
